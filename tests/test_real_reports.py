"""Reports on the real public files of ../shared/data/real, read as a seller or a manager would.

Each real file becomes an incident folder (its ``incident.yaml`` names the file where it
lies, never a copy), is ingested, and the report's sections are built from it. What is
checked is what a reader sees on the page: the dates under the charts, the topics given
to the quoted complaints, the alerts named in the key figures.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from crisis_kit.config import load_incident
from crisis_kit.ingest import ingest_incident

from . import test_real_data as real_files
from .conftest import CHROMIUM, REAL

pytestmark = pytest.mark.skipif(
    not REAL.is_dir(),
    reason=f"the real data folder {REAL} is absent (it lives beside the checkout, in "
    "../shared/data/real, or set CRISIS_KIT_REAL_DATA); these tests read it in place and never copy it",
)

needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason="Debian's chromium is not installed (sudo apt-get install chromium fonts-noto-cjk)")


def incident_of(tmp_path: Path, name: str, asins: list[str], lang: str = "en",
                **extra: object) -> Path:
    """An incident folder for one real file (read in place), ingested; its incident.yaml."""
    entry = {"path": str(REAL / name), "marketplace": real_files.MARKETPLACE[name]}
    if name in real_files.MAPPING:
        entry.update(mapping=real_files.MAPPING[name], source="review")
    folder = tmp_path / re.sub(r"[^a-z0-9]+", "-", name.lower())[:30].strip("-")
    folder.mkdir()
    (folder / "incident.yaml").write_text(yaml.safe_dump({
        "incident": folder.name, "title": name, "marketplace": real_files.MARKETPLACE[name],
        "language": lang, "asins": asins, "complaints": [entry], "sales": [], **extra,
    }, allow_unicode=True), encoding="utf-8")
    ingest_incident(load_incident(folder / "incident.yaml"))
    return folder / "incident.yaml"


def tick_labels(figure_html: str) -> list[str]:
    """The x-axis tick labels Chromium draws for a report figure (plotly picks them there)."""
    from playwright.sync_api import sync_playwright
    from plotly.offline import get_plotlyjs

    page_html = (f"<html><head><meta charset='utf-8'><script>{get_plotlyjs()}</script></head>"
                 f"<body style='width:1100px'>{figure_html}</body></html>")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_content(page_html)
        page.wait_for_selector(".xtick text")
        labels = page.locator(".xtick text").all_text_contents()
        browser.close()
    return labels


@needs_chromium
@pytest.mark.parametrize(("name", "asins", "lang", "years"), [
    # amazon.in, 2018-11 to 2020-04: three calendar years under one axis
    (real_files.IPHONE, ["B07JWV47JW"], "en", {"2019", "2020"}),
    # JD.com, 2021-03 to 2022-08, in a Chinese report
    (real_files.JD, ["100019386660"], "zh", {"2021年", "2022年"}),
])
def test_a_chart_over_more_than_a_year_names_the_years_under_its_ticks(
        tmp_path, name, asins, lang, years):
    """Ticks months apart must say which year: "Nov 1 ... Nov 1" misleads a manager."""
    from crisis_kit.report import sections

    report = sections.build(incident_of(tmp_path, name, asins, lang), lang=lang)
    for figure in ("negative_volume", "rating_trajectory"):
        labels = tick_labels(report.figure(figure).html)
        assert len(labels) >= 4, (figure, labels)
        named = {y for y in years if any(y in label for label in labels)}
        assert named == years, (figure, labels)
        # no label is repeated: each tick is a distinct month of a distinct year
        assert len(set(labels)) == len(labels), (figure, labels)

