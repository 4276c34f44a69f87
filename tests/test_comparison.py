"""The report's comparison section: this incident beside the others of its workspace."""

from __future__ import annotations

import json
import re
import shutil

import pandas as pd
import pytest

from crisis_kit.cli import main
from crisis_kit.config import load_incident
from crisis_kit.figures import charts as figures
from crisis_kit.language import load_strings
from crisis_kit.pipeline import run_analysis
from crisis_kit.report import workspace as archive

from .conftest import SAMPLES


def _section(html: str) -> str:
    return html[html.index('id="comparison"'):html.index('id="evidence"')]


def _visible(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", "", html,
                                                           flags=re.S)))


@pytest.fixture(scope="module")
def workspace(sample_incident, tmp_path_factory):
    """The sample (ingested) and bottle-2 made by `crisis-kit new`, sample exports dropped in.

    The issue's done-when: `new bottle-2 --scenario safety --lang zh`, the sample's
    exports and response log copied in, `ingest`, then `report`.
    """
    root = tmp_path_factory.mktemp("comparison") / "ws"
    shutil.copytree(sample_incident.root, root / "samples")
    assert main(["new", "bottle-2", "--scenario", "safety", "--lang", "zh",
                 "--workspace", str(root)]) == 0
    folder = root / "bottle-2"
    shutil.copytree(SAMPLES / "exports", folder / "exports", dirs_exist_ok=True)
    shutil.copy(SAMPLES / "response_log.csv", folder / "response_log.csv")
    assert main(["ingest", str(folder / "incident.yaml"), "--quiet"]) == 0
    assert main(["report", str(folder / "incident.yaml"), "--out", str(folder / "reports"),
                 "--quiet"]) == 0
    return root


def test_done_when_chinese_report_lists_the_sample_incident_too(workspace):
    html = (workspace / "bottle-2" / "reports" / "bottle-2.html").read_text(encoding="utf-8")
    s = load_strings("zh")
    assert '<html lang="zh-CN">' in html
    assert re.search(rf'<h2 class="ck-heading" id="comparison">{s.text("sections.comparison")}</h2>',
                     html)
    positions = [html.index(f'id="{a}"') for a in ("sales", "comparison", "evidence")]
    assert positions == sorted(positions)
    section = _section(html)
    assert s.text("comparison.none") not in section
    # both incidents, numbered in onset order, this one marked
    table = archive.comparison_for(load_incident(workspace / "bottle-2" / "incident.yaml"))
    assert list(table["incident"]) == ["bottle-2", "bottle-valve-2022"]  # bottle-2: earlier onset
    assert s.text("comparison.column_current", number=1, incident="bottle-2") in section
    assert s.text("comparison.column", number=2, incident="bottle-valve-2022") in section
    # the sample's values, formatted by the zh strings, in its column
    sample = run_analysis(load_incident(workspace / "samples" / "incident.yaml"))
    summary = sample.summary()
    rows = dict(re.findall(r'<tr><td class="ck-text">([^<]+)</td>(.*?)</tr>', section))

    def cells(label: str) -> list[str]:
        return re.findall(r'<td class="ck-number">([^<]*)</td>', rows[label])

    assert cells(s.text("comparison.rows.trough_rating"))[1] == s.number(
        summary["rating"]["trough"], "rating") == "2.82"
    assert cells(s.text("comparison.rows.first_response_hours"))[1] == s.duration(
        summary["response"]["first_response_hours"])
    lane_row = s.text("comparison.rows.lane_hours", lane=s.text("lanes.pr"))
    assert cells(lane_row)[1] == s.duration(summary["response"]["lanes"]["pr"]["hours"])
    assert cells(s.text("comparison.rows.alert_lead_days"))[1] == "3"
    assert cells(s.text("comparison.rows.statement_score"))[1] == "70"
    assert cells(s.text("comparison.rows.onset"))[1] == s.date(summary["detection"]["onset"])
    assert cells(s.text("comparison.rows.source")) == [s.text("comparison.sources.analysis")] * 2
    # the figure: one panel per measure, x = onset, drawn once; Chinese labels only
    assert html.count('id="figure-incident-comparison"') == 1
    plot = html[html.index('id="figure-incident-comparison"'):]
    plot = plot[:plot.index("</script>")]
    for name in ("current_point", "others_point"):  # legend names, as plotly's JSON holds them
        assert '"name":' + json.dumps(s.text(f"comparison.{name}")) in plot
    visible = _visible(section)
    for english in ("Comparison", "incident", "Measure", "First response", "hours"):
        assert english not in visible.replace("bottle-valve-2022", "").replace("bottle-2", "")


def test_comparison_section_is_byte_identical_and_not_in_summary_json(workspace, tmp_path):
    path = workspace / "bottle-2" / "incident.yaml"
    first = (workspace / "bottle-2" / "reports" / "bottle-2.html").read_bytes()
    assert main(["report", str(path), "--out", str(tmp_path), "--quiet"]) == 0
    assert (tmp_path / "bottle-2.html").read_bytes() == first
    assert "bottle-valve-2022" not in (tmp_path / "bottle-2.summary.json").read_text(
        encoding="utf-8")


def test_an_incident_alone_in_its_workspace_says_so(sample_reports_alone):
    for lang, html in sample_reports_alone.items():
        s = load_strings(lang)
        section = _section(html)
        assert s.text("comparison.none") in section
        assert "figure-incident-comparison" not in html and "<table" not in section


@pytest.fixture(scope="module")
def sample_reports_alone(sample_incident, tmp_path_factory):
    from crisis_kit.report.run import render_report

    out = tmp_path_factory.mktemp("alone")
    return {lang: render_report(sample_incident.root / "incident.yaml", out / lang, lang=lang,
                                quiet=True).html.read_text(encoding="utf-8")
            for lang in ("en", "zh")}


def test_a_broken_sibling_does_not_stop_the_comparison(sample_incident, tmp_path):
    shutil.copytree(sample_incident.root, tmp_path / "samples")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "incident.yaml").write_text("incident: [not, a, slug\n",
                                                       encoding="utf-8")
    incident = load_incident(tmp_path / "samples" / "incident.yaml")
    analysis = run_analysis(incident)
    table = archive.comparison_for(incident, analysis=analysis)
    assert list(table["incident"]) == ["bottle-valve-2022", "broken"]
    assert list(table["source"]) == ["analysis", "error"]
    # the current row from the caller's Analysis equals a fresh analysis of the incident
    fresh = archive.incident_row(incident)
    row = table.iloc[0]
    for column in archive.COLUMNS:
        assert row[column] == fresh[column] or (pd.isna(row[column]) and pd.isna(fresh[column]))


def test_incident_comparison_figure_takes_a_table_and_labels():
    table = pd.DataFrame({
        "onset": [pd.Timestamp("2022-05-02").date(), pd.Timestamp("2023-01-10").date(), None],
        "current": [False, True, False],
        "first_response_hours": [0.75, 2.5, 1.0],
        "days_to_rating_recovery": [43, None, 10],
        "text": ["1", "2", "3"],
    })
    labels = {"first_response_hours": "首次响应", "days_to_rating_recovery": "评分恢复",
              "current": "本事件", "others": "其他事件", "onset": "事件起点"}
    figure = figures.incident_comparison(table, labels)
    names = [t.name for t in figure.data if t.showlegend is not False]
    assert names == ["其他事件", "本事件"]  # one legend entry each, once
    markers = [t for t in figure.data if t.mode == "markers+text"]
    # the incident without an onset is left out; the blank recovery leaves its dot out
    assert [list(t.x) for t in markers] == [["2022-05-02"], ["2023-01-10"], ["2022-05-02"]]
    assert [a.text for a in figure.layout.annotations] == ["首次响应", "评分恢复"]
    assert figure.layout.xaxis2.title.text == "事件起点"
    with pytest.raises(ValueError, match="onset"):
        figures.incident_comparison(table.drop(columns="onset"), labels)


def test_a_measure_no_incident_has_draws_no_panel():
    from crisis_kit.report.charts import _comparison_figure

    s = load_strings("en")
    table = pd.DataFrame({
        "incident": ["a", "b"], "current": [True, False],
        "onset": [pd.Timestamp("2022-05-02").date(), pd.Timestamp("2023-01-10").date()],
        "first_response_hours": [0.75, 2.5],
        "days_to_rating_recovery": [None, None],  # neither incident has recovered
        "days_to_sales_100": [None, 12],
    })
    figure = _comparison_figure(table, s)
    panels = s.section("comparison")["panels"]
    assert [a.text for a in figure.layout.annotations] == [
        panels["first_response_hours"], panels["days_to_sales_100"]]
    # no measure with a value in any incident: no figure at all
    blank = table.assign(first_response_hours=None, days_to_sales_100=None)
    assert _comparison_figure(blank, s) is None
