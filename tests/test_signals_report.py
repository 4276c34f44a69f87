"""The rendered report with Amazon's own signals and the buyer messages, in en and zh.

The sample incident with a help-desk export (``messages:``), the Customer Feedback API
fixtures and a Voice of the Customer download: the HTML written by papermill and nbconvert
shows each new section, escapes Amazon's snippets and the buyers' words, and
``summary.json`` carries the new fields while every other figure stays the sample's.
"""

from __future__ import annotations

import json

import pytest

from crisis_kit.config import load_incident
from crisis_kit.ingest import ingest_incident
from crisis_kit.report.run import render_report

from .conftest import FIXTURES, sample_copy

EXPORTS = FIXTURES / "exports"
MAPPING = ("{received_at: Created at, answered_at: First reply at, message_id: Id, "
           "order_id: Order number, asin: Product, status: Status, channel: Channel}")


@pytest.fixture(scope="module")
def incident_path(tmp_path_factory):
    files = {name: EXPORTS / name for name in (
        "customer-feedback-item-review-topics-pass.json",
        "customer-feedback-item-review-trends-pass.json",
        "customer-feedback-browse-node-return-topics-pass.json",
        "voice-of-the-customer-days-pass.csv")}
    path = sample_copy(tmp_path_factory.mktemp("signals") / "samples",
                       "  - path: exports/customer-feedback-*.json\n"
                       "  - path: exports/voice-of-the-customer-days-pass.csv\n",
                       {**files, "helpdesk.csv": EXPORTS / "helpdesk-tickets-mapped-pass.csv"})
    with path.open("a", encoding="utf-8") as yaml:
        yaml.write(f"messages:\n  - path: exports/helpdesk.csv\n    mapping: {MAPPING}\n")
    ingest_incident(load_incident(path))
    return path


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_rendered_report_shows_the_new_sections_escaped(incident_path, tmp_path, lang):
    paths = render_report(incident_path, tmp_path / lang, lang=lang, quiet=True)
    html = paths.html.read_text(encoding="utf-8")
    expected = {
        "en": ["Buyer messages (as Amazon measures the customer-service lane)",
               "negative topics beside the kit",
               "view beside the kit"],
        "zh": ["买家消息（亚马逊衡量客服线的方式）", "亚马逊的负面主题与本工具的主题",
               "亚马逊视角与本工具对照"],
    }[lang]
    for words in expected:
        assert words in html, words
    # buyers' names and e-mails never reach the page; customer words only escaped
    for personal in ("jane.roe@example.com", "Jane Roe", "<b>again", "<b>every"):
        assert personal not in html
    summary = json.loads(paths.summary.read_text(encoding="utf-8"))
    assert summary["response"]["messages"]["answered_within_24h_share"] == 0.6
    assert summary["complaints"]["amazon_topics"][0]["agree"] is True
    assert summary["complaints"]["total"] == 2014  # Amazon's views are never complaints
