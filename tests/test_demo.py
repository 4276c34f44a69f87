"""End to end on the bundled sample: ingest every export, render the report, open it in Chromium."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from crisis_kit.config import load_incident
from crisis_kit.ingest import ingest_incident
from crisis_kit.report.run import render_report
from crisis_kit.store import open_store

from .conftest import CHROMIUM, SAMPLES

BUYER_EMAIL = "jane.doe.buyer@example.com"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The sample incident copied to a temporary workspace, ingested, and reported."""
    root = tmp_path_factory.mktemp("sample")
    shutil.copytree(SAMPLES, root / "samples", ignore=shutil.ignore_patterns("store.duckdb*"))
    incident = load_incident(root / "samples" / "incident.yaml")
    reports = ingest_incident(incident)
    paths = render_report(incident.root / "incident.yaml", root / "out", quiet=True)
    return incident, reports, paths


def test_every_sample_export_is_read_and_counted(sample):
    incident, reports, _ = sample
    truth = json.loads((SAMPLES / "truth.json").read_text())
    assert len(reports) == 3 + 1 + len(list((SAMPLES / "exports" / "business").glob("*.csv"))) + 1
    for report in reports:
        assert report.read == report.accepted + report.rejected + report.duplicates
        assert report.rejected == 0, report.rejections[:3]
    formats = {Path(r.path).name: r.format for r in reports}
    assert formats["reviews.csv"] == "helium10-reviews"
    assert formats["fba_returns.txt"] == "amazon-fba-returns"
    assert formats["seller_feedback.txt"] == "amazon-seller-feedback"
    assert formats["orders.txt"] == "amazon-all-orders"
    assert formats["response_log.csv"] == "actions"
    with open_store(incident.store_path, read_only=True) as store:
        events = store.events()
    counts = events.groupby("source").size().to_dict()
    assert counts == {
        "review": truth["files"]["exports/reviews.csv"],
        "fba_return": truth["files"]["exports/fba_returns.txt"],
        "seller_feedback": truth["files"]["exports/seller_feedback.txt"],
    }


def test_report_writes_summary_json_beside_the_html(sample):
    _, _, paths = sample
    summary = json.loads(Path(paths.summary).read_text(encoding="utf-8"))
    assert summary["incident"] == "bottle-valve-2022"
    assert summary["detection"]["alert_date"] == "2022-05-02"
    assert Path(paths.summary).parent == Path(paths.html).parent


def test_reingesting_the_sample_adds_nothing(sample):
    incident, _, _ = sample
    again = ingest_incident(incident)
    assert sum(r.accepted for r in again) == 0
    assert all(r.duplicates == r.read for r in again)


def test_buyer_email_is_nowhere(sample):
    incident, _, paths = sample
    assert BUYER_EMAIL not in Path(paths.html).read_text(encoding="utf-8")
    assert BUYER_EMAIL not in Path(paths.notebook).read_text(encoding="utf-8")
    with open_store(incident.store_path, read_only=True) as store:
        for table in ("events", "rejections", "files", "orders"):
            text = store.con.execute(f"SELECT * FROM {table}").df().astype(str).to_csv()
            assert BUYER_EMAIL not in text
            assert "jane.doe" not in text


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed "
                    "(sudo apt-get install chromium fonts-noto-cjk)")
def test_report_opens_offline_in_chromium_with_every_figure_drawn(sample):
    from playwright.sync_api import sync_playwright

    _, _, paths = sample
    blocked, errors = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        page = browser.new_page()

        def gate(route):
            if route.request.url.startswith("file://"):
                route.continue_()
            else:
                blocked.append(route.request.url)
                route.abort()

        page.route("**/*", gate)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(Path(paths.html).resolve().as_uri())
        page.wait_for_load_state("load")
        figures = page.locator(".js-plotly-plot")
        count = figures.count()
        drawn = [figures.nth(i).locator(".main-svg").count() for i in range(count)]
        points = [figures.nth(i).locator(".trace path, .trace .point").count()
                  for i in range(count)]
        browser.close()
    assert blocked == [] and errors == []
    assert count >= 2
    assert all(d > 0 for d in drawn) and all(p > 0 for p in points)
