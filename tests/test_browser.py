"""The reports in a real headless Chromium, offline: drawn, escaped, complete, in en and zh.

Debian's chromium, driven by Playwright with ``executable_path`` (no browser download);
every request outside ``file://`` is blocked and counted. Set ``CRISIS_KIT_SCREENSHOTS``
to a folder to keep full-page screenshots of both languages (never committed).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

from crisis_kit.config import load_incident
from crisis_kit.ingest import ingest_incident
from crisis_kit.report.run import render_report

from .conftest import CHROMIUM, SAMPLES
from .test_report import make_incident

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed "
                       "(sudo apt-get install chromium fonts-noto-cjk)"),
]

STRINGS = Path(__file__).resolve().parents[1] / "crisis_kit" / "report" / "strings"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def open_offline(html: Path, screenshot: Path | None = None) -> dict:
    """Load ``html`` from disk with the network blocked; return what the page did."""
    from playwright.sync_api import sync_playwright

    seen = {"blocked": [], "errors": [], "dialogs": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})

        def gate(route):
            if route.request.url.startswith("file://"):
                route.continue_()
            else:
                seen["blocked"].append(route.request.url)
                route.abort()

        page.route("**/*", gate)
        page.on("console", lambda m: seen["errors"].append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: seen["errors"].append(str(e)))
        page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
        page.goto(html.resolve().as_uri())
        page.wait_for_load_state("load")
        figures = page.locator(".js-plotly-plot")
        seen["figures"] = [
            (figures.nth(i).get_attribute("id") or "",
             figures.nth(i).locator(".main-svg").count(),
             figures.nth(i).locator(".trace path, .trace .point, .bars path").count())
            for i in range(figures.count())
        ]
        seen["headings"] = page.locator("h1, h2, h3").all_inner_texts()
        seen["text"] = page.inner_text("body")
        seen["images"] = page.locator("img").count()
        seen["links"] = page.locator("a[href]").count()
        if screenshot is not None:
            page.screenshot(path=str(screenshot), full_page=True)
        browser.close()
    return seen


@pytest.fixture(scope="module")
def sample_reports(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    shutil.copytree(SAMPLES, root / "samples", ignore=shutil.ignore_patterns("store.duckdb*"))
    incident = load_incident(root / "samples" / "incident.yaml")
    ingest_incident(incident)
    return {lang: render_report(incident.root / "incident.yaml", root / lang, lang=lang, quiet=True)
            for lang in ("en", "zh")}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_sample_report_offline_complete_and_drawn(sample_reports, lang):
    folder = os.environ.get("CRISIS_KIT_SCREENSHOTS")
    shot = Path(folder) / f"sample-{lang}.png" if folder else None
    if shot:
        shot.parent.mkdir(parents=True, exist_ok=True)
    seen = open_offline(Path(sample_reports[lang].html), shot)
    assert seen["blocked"] == [] and seen["errors"] == [] and seen["dialogs"] == []
    assert len(seen["figures"]) >= 5
    for figure_id, svgs, points in seen["figures"]:
        assert svgs > 0 and points > 0, figure_id
    words = yaml.safe_load((STRINGS / f"{lang}.yaml").read_text(encoding="utf-8"))["sections"]
    headings = " ".join(seen["headings"])
    for key in ("summary", "timeline", "volume", "rating", "response", "sales", "evidence"):
        assert words[key] in headings, (lang, key)


def test_customer_html_is_shown_as_text_and_runs_nothing(tmp_path):
    report = render_report(make_incident(tmp_path / "xss"), tmp_path / "out", quiet=True)
    seen = open_offline(Path(report.html))
    assert seen["dialogs"] == [] and seen["errors"] == [] and seen["blocked"] == []
    assert "<script>alert(1)</script>" in seen["text"]
    assert "<img src=x onerror=alert(2)>" in seen["text"]
    assert "{{7*7}}" in seen["text"] and "49" not in seen["text"].split("{{7*7}}")[0][-5:]
    assert seen["images"] == 0


def test_report_prints_to_pdf(tmp_path, capsys):
    from crisis_kit.cli import main

    incident = make_incident(tmp_path / "pdf")
    assert main(["report", str(incident), "--out", str(tmp_path / "out"), "--pdf"]) == 0
    pdf = tmp_path / "out" / "valve-test.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 10_000
    assert f"pdf: {pdf}" in capsys.readouterr().out


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_portfolio_page_offline_one_drawn_panel_per_key_no_link(tmp_path, lang):
    """The portfolio page: a panel drawn per alerting (marketplace, brand, ASIN), its
    incidents' report paths shown as text (a name and a path holding a script tag run
    nothing), no link anywhere."""
    from crisis_kit.portfolio import scan
    from crisis_kit.portfolio.page import write_page

    from .test_portfolio_page import ASIN, DAY, SCRIPT, make_portfolio

    root = make_portfolio(tmp_path / "portfolio")
    folder = os.environ.get("CRISIS_KIT_SCREENSHOTS")
    shot = Path(folder) / f"portfolio-{lang}.png" if folder else None
    seen = open_offline(write_page(scan(root, as_of=DAY), root, tmp_path / "p.html", lang=lang),
                        shot)
    assert seen["blocked"] == [] and seen["errors"] == [] and seen["dialogs"] == []
    assert seen["links"] == 0 and seen["images"] == 0
    assert sorted(f for f, _, _ in seen["figures"]) == [f"portfolio-chart-{i}" for i in range(3)]
    for figure_id, svgs, points in seen["figures"]:
        assert svgs > 0 and points > 0, figure_id
    pattern = "{a} ({m}, {b})" if lang == "en" else "{a}（{m}，{b}）"
    for market, brand in (("US", "acme"), ("UK", "acme"), ("US", "zeta")):
        assert pattern.format(a=ASIN, m=market, b=brand) in seen["headings"]
    assert SCRIPT in seen["text"] and "/srv/<script>alert(2)</script>/bottles/reports/" \
        "acme-2022.html" in seen["text"]
