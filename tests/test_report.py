"""The post-mortem report: parameters, escaping, offline HTML, determinism, languages."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pandas as pd
import papermill
import plotly.offline
import pytest
import yaml

from crisis_kit.analysis.volume import daily_counts
from crisis_kit.errors import ConfigError, CrisisKitError, NotebookError
from crisis_kit.figures import charts as figures
from crisis_kit.figures import theme
from crisis_kit.language import STRINGS_DIR, load_strings
from crisis_kit.pipeline import run_analysis, write_summary
from crisis_kit.report import sections
from crisis_kit.report.run import NOTEBOOK, render_report, run_notebook, validate_parameters
from crisis_kit.schemas import EVENTS as EVENTS_TABLE
from crisis_kit.schemas import FILES, Table
from crisis_kit.store import open_store

XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>{{7*7}}"
XSS_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;{{7*7}}"
AUTHOR_HASH = "author-hash-must-never-show"
EMAIL = "jo.buyer@example.com"

# (event_id, source, asin, occurred_at UTC, local_date, rating, title, text, is_negative)
EVENTS = [
    ("r1", "review", "B0TEST0001", "2022-05-01 17:00:00", "2022-05-01", 5.0, "Great", "Works",
     False),
    ("r2", "review", "B0TEST0001", "2022-05-02 18:00:00", "2022-05-02", 1.0, "Leaks", XSS, True),
    ("f1", "fba_return", "B0TEST0001", "2022-05-02 19:00:00", "2022-05-02", None, None,
     f"DEFECTIVE, write to {EMAIL}", True),
    ("r3", "review", "B0TEST0001", "2022-05-04 16:00:00", "2022-05-04", 2.0, "Bad", "Valve", True),
]


_DEFAULTS = {"VARCHAR": "", "BIGINT": 1, "INTEGER": 1, "DOUBLE": 0.0, "BOOLEAN": False}


def insert(store, table: Table, values: dict) -> None:
    """Insert one row by column name; NOT NULL columns not given get a neutral value.

    Named columns keep these tests valid when the store's tables gain columns.
    """
    row = dict(values)
    for name, sql_type, _ in table.columns:
        if name not in row and "NOT NULL" in sql_type:
            row[name] = _DEFAULTS[sql_type.split()[0]]
    names = ", ".join(f'"{name}"' for name in row)
    marks = ", ".join("?" for _ in row)
    store.con.execute(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", list(row.values()))


def make_incident(folder: Path, language: str = "en", events: list[tuple] = EVENTS) -> Path:
    """Write an incident.yaml and fill its evidence store with ``events`` and one file."""
    folder.mkdir(parents=True, exist_ok=True)
    incident = {
        "incident": "valve-test",
        "title": 'Valve <leak> & "drip"',
        "marketplace": "US",
        "language": language,
        "thresholds": {"rating_window_days": 3, "target_rating": 4.2},
    }
    path = folder / "incident.yaml"
    path.write_text(yaml.safe_dump(incident), encoding="utf-8")
    columns = ["event_id", "source", "asin", "occurred_at", "local_date", "rating", "title",
               "text", "is_negative"]
    with open_store(folder / "store.duckdb") as store:
        for row in events:
            insert(store, EVENTS_TABLE, {
                **dict(zip(columns, row, strict=True)), "marketplace": "US",
                "date_precision": "second", "author_hash": AUTHOR_HASH,
                "source_file": "reviews.csv", "source_sha256": "a" * 64,
            })
        if events:
            insert(store, FILES, {
                "ingest_seq": 1, "path": "/somewhere/reviews.csv", "name": "reviews.csv",
                "sha256": "a" * 64, "size": 1000, "format": "helium10-reviews",
                "encoding": "utf-8-sig", "table_name": "events", "marketplace": "US",
                "rows_read": 6, "accepted": 4, "rejected": 1, "duplicates": 1,
                "records_added": 4,
            })
    return path


@pytest.fixture(scope="module")
def english(tmp_path_factory):
    """The incident and its English report (rendered once per test process)."""
    # a folder of its own in a workspace of its own: no other incident beside it
    folder = tmp_path_factory.mktemp("incident") / "valve-test"
    incident = make_incident(folder)
    return incident, render_report(incident, folder / "out-1", quiet=True)


class _Tags(HTMLParser):
    """Collect start tags with their attributes, <style> text, and the visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.styles: list[str] = []
        self.visible: list[str] = []
        self._inside = ""

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("style", "script", "title"):
            self._inside = tag

    def handle_endtag(self, tag):
        self._inside = ""

    def handle_data(self, data):
        if self._inside == "style":
            self.styles.append(data)
        elif not self._inside:
            self.visible.append(data)


def _parse(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    return parser


SECTIONS = ("summary", "timeline", "volume", "topics", "representatives", "social", "rating",
            "response", "statement", "poa", "remedies", "followups", "sales", "campaigns",
            "comparison", "evidence", "parameters")
"""Anchors of the report's headings, in page order (design.md section 11)."""

FIGURE_IDS = ("figure-negative-volume", "figure-topic-shares", "figure-rating-trajectory",
              "figure-response-lanes", "figure-sales-recovery")


def _cards(html: str) -> dict[str, str]:
    """Key figures by their ``data-key``: the text of each card's value."""
    return dict(re.findall(r'data-key="([^"]+)"><div class="ck-card-value">([^<]*)<', html))


def _between(html: str, start: str, end: str) -> str:
    return html[html.index(f'id="{start}"'):html.index(f'id="{end}"')]


def test_report_files_are_named_after_the_incident(english):
    _, paths = english
    assert paths.html.name == "valve-test.html"
    assert paths.notebook.name == "valve-test.ipynb"
    assert paths.html.is_file() and paths.notebook.is_file()
    # no onset: no Plan of Action, no remedy costs, no statement named; said in words
    assert paths.poa is None and not (paths.html.parent / "valve-test.poa.md").exists()
    html = paths.html.read_text(encoding="utf-8")
    s = load_strings("en")
    for key in ("statement.none", "poa.none", "remedies.no_onset"):
        assert s.text(key) in html, key


def test_customer_text_is_escaped_never_raw(english):
    html = english[1].html.read_text(encoding="utf-8")
    assert XSS_ESCAPED in html
    assert XSS not in html
    assert "<img src=x" not in html and "onerror=alert" not in html.replace(XSS_ESCAPED, "")
    # the title from incident.yaml is escaped too
    assert "Valve &lt;leak&gt; &amp;" in html and "Valve <leak>" not in html


def test_no_personal_data_in_the_report(english):
    html = english[1].html.read_text(encoding="utf-8")
    notebook = english[1].notebook.read_text(encoding="utf-8")
    for text in (html, notebook):
        assert AUTHOR_HASH not in text
        assert EMAIL not in text
    assert "[e-mail removed]" in html


def test_no_network_address_and_plotly_js_exactly_once(english):
    html = english[1].html.read_text(encoding="utf-8")
    parsed = _parse(html)
    for tag, attrs in parsed.tags:
        for name in ("src", "href"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("http://", "https://", "//")), (tag, attrs)
    assert not [tag for tag, _ in parsed.tags if tag in ("link", "iframe", "base")]
    assert not any("@import" in style or "url(" in style for style in parsed.styles)
    assert html.count(plotly.offline.get_plotlyjs()) == 1
    assert len(re.findall(r"\* plotly\.js v\d", html)) == 1
    # no alert in this incident: the volume and topic figures, and the calm product's
    # rating (issue 12: a calm product is still charted), one newPlot call each
    assert html.count("Plotly.newPlot(") == 3
    assert 'id="figure-negative-volume"' in html and 'id="figure-topic-shares"' in html
    assert 'id="figure-rating-trajectory"' in html


def test_no_code_prompts_or_injected_parameters(english):
    html = english[1].html.read_text(encoding="utf-8")
    for code in ("sections.build", "incident_path", "report.figure", "In&nbsp;[", "In [",
                 "injected-parameters", "papermill"):
        assert code not in html
    # the run-parameters table and the contents stand in for them
    assert "Run parameters" in html and 'href="#parameters"' in html
    for anchor in SECTIONS:
        assert f'href="#{anchor}"' in html and f'id="{anchor}"' in html


def test_two_renders_are_byte_identical(english, tmp_path):
    incident, first = english
    second = render_report(incident, tmp_path / "out-2", quiet=True)
    assert first.html.read_bytes() == second.html.read_bytes()
    assert first.notebook.read_bytes() == second.notebook.read_bytes()
    notebook = json.loads(first.notebook.read_text(encoding="utf-8"))
    assert "start_time" not in json.dumps(notebook)


def test_summary_and_evidence_numbers(english):
    html = english[1].html.read_text(encoding="utf-8")
    cards = _cards(html)
    # 4 signals, 3 negative (75.0 %), 2022-05-01 to 2022-05-04
    assert cards["complaints.total"] == "4" and cards["complaints.negative"] == "3"
    assert "75.0% of all signals" in html and "2022-05-01 to 2022-05-04" in html
    # fewer than 5 negatives a day: no alert, so no onset to measure from, said in words
    assert cards["detection.alert_at"] == "not fired"
    assert "The alert has not fired up to this date" in html
    for section in ("rating", "response", "sales"):
        assert not any(key.startswith(section) for key in cards)
    assert "a" * 64 in html and "rows read = accepted + rejected + duplicates" in html


def test_chinese_report_as_of_a_day(tmp_path):
    incident = make_incident(tmp_path / "incident", language="en")
    paths = render_report(incident, tmp_path / "out", lang="zh", as_of="2022-05-03", quiet=True)
    html = paths.html.read_text(encoding="utf-8")
    visible = " ".join(_parse(html).visible)
    assert '<html lang="zh-CN">' in html
    for heading in ("概要", "时间线", "投诉量与投诉主题", "评分走势与预测", "各条线的响应",
                    "销量恢复", "证据附录", "运行参数", "目录"):
        assert heading in visible
    for english_text in ("Summary", "Contents", "Evidence", "Complaint", "Run parameters",
                         "Reviews", "Day", "Source", "Negative", "Target", "rating", "Topic",
                         "onset", "Timeline", "not fired", "window"):
        assert english_text not in visible
        body = html.split("</head>")[1]
        for field in ("text", "name"):  # nor in the figures' titles, names and labels
            assert f'"{field}":"{english_text}' not in body
    # as of May 3: the May 4 review is left out (3 signals, up to 2022年5月3日)
    assert "2022年5月3日" in html and _cards(html)["complaints.total"] == "3"
    assert '"name":' + json.dumps("商品评论") in html  # figure legends in Chinese too
    assert XSS_ESCAPED in html and XSS not in html


def test_strings_files_have_the_same_keys_and_zh_has_no_english():
    def keys(node, prefix=""):
        if isinstance(node, dict):
            return {k for key, v in node.items() for k in keys(v, f"{prefix}{key}.")}
        return {prefix.rstrip(".")}

    en = yaml.safe_load((STRINGS_DIR / "en.yaml").read_text(encoding="utf-8"))
    zh = yaml.safe_load((STRINGS_DIR / "zh.yaml").read_text(encoding="utf-8"))
    assert keys(en) == keys(zh)
    allowed = {"ASIN", "FBA", "SHA", "crisis", "kit", "POA", "STAR"}
    for key in keys(zh) - {"language", "html_lang"}:
        value = load_strings("zh").text(key) if not key.startswith("formats") else ""
        words = set(re.findall(r"[A-Za-z]+", re.sub(r"\{[^}]*\}", "", value)))
        assert words <= allowed, (key, value)


def test_unknown_or_mistyped_parameter_is_refused_before_running(tmp_path):
    output = tmp_path / "never.ipynb"
    with pytest.raises(ConfigError) as info:
        run_notebook(NOTEBOOK, output, {"incident_path": "x.yaml", "langg": "zh"}, quiet=True)
    message = str(info.value)
    assert "'langg'" in message and "did you mean 'lang'" in message
    for valid in ("incident_path", "lang", "as_of"):
        assert valid in message
    assert not output.exists()
    with pytest.raises(ConfigError, match="'as_of' must be str"):
        validate_parameters({"as_of": 20220503})


def test_notebook_parameters_match_render_report():
    declared = papermill.inspect_notebook(str(NOTEBOOK))
    assert {name: p["inferred_type_name"] for name, p in declared.items()} == {
        "incident_path": "str", "lang": "str", "as_of": "str"}
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    assert not any(re.search(r"^\s*(def|class) ", source, re.M) for source in code)
    assert sum("parameters" in c.metadata.get("tags", []) for c in nb.cells) == 1


def test_bad_arguments_fail_fast(tmp_path):
    incident = make_incident(tmp_path / "incident")
    with pytest.raises(ConfigError, match="'fr'"):
        render_report(incident, tmp_path / "out", lang="fr")
    with pytest.raises(ConfigError, match="not a date"):
        render_report(incident, tmp_path / "out", as_of="2022-13-01")
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "incident.yaml").write_text("incident: bare\n", encoding="utf-8")
    with pytest.raises(CrisisKitError, match="crisis-kit ingest"):
        render_report(bare / "incident.yaml", tmp_path / "out")
    assert not (tmp_path / "out" / "bare.ipynb").exists()


def test_a_failing_cell_raises_notebook_error_naming_the_saved_notebook(tmp_path):
    incident = make_incident(tmp_path / "incident", events=[])
    with pytest.raises(NotebookError) as info:
        render_report(incident, tmp_path / "out", quiet=True)
    executed = Path(info.value.executed)
    assert executed == tmp_path / "out" / "valve-test.ipynb" and executed.is_file()
    assert "holds no complaint events" in str(info.value)
    saved = nbformat.read(executed, as_version=4)
    assert any(o.get("output_type") == "error" for c in saved.cells for o in c.get("outputs", []))


def test_figures_take_labels_and_marks():
    events = pd.DataFrame({
        "local_date": pd.to_datetime(["2022-05-01", "2022-05-02", "2022-05-02"]),
        "source": ["claim", "review", "fba_return"], "rating": [None, 1.0, None],
        "is_negative": [True, True, True],
    })
    labels = {"review": "评论", "fba_return": "FBA 退货", "claim": "索赔", "alert": "预警"}
    figure = figures.negative_volume(daily_counts(events, by="source"), labels,
                                     alert_date="2022-05-02")
    # sources in the fixed order, labelled from the strings
    assert [trace.name for trace in figure.data] == ["评论", "FBA 退货", "索赔"]
    assert figure.layout.barmode == "stack"
    assert figure.layout.shapes[0].x0 == "2022-05-02"
    assert figure.layout.annotations[0].text == "预警"


def test_papermill_kernel_is_this_interpreter():
    # jupyter_client launches a "python" kernel spec with sys.executable, so the kernel
    # runs in the same environment as crisis-kit (no machine-wide kernel needed).
    import sys

    from jupyter_client.kernelspec import KernelSpecManager

    from crisis_kit.report.run import KERNEL_NAME

    argv = KernelSpecManager().get_kernel_spec(KERNEL_NAME).argv
    assert argv[0] in ("python", "python3", f"python{sys.version_info[0]}.{sys.version_info[1]}",
                       sys.executable)
    assert argv[1:3] == ["-m", "ipykernel_launcher"]


# -- the sample incident: every section with data --------------------------------------------
@pytest.fixture(scope="module")
def sample_reports(sample_incident, tmp_path_factory):
    """The sample incident's report in English and in Chinese (rendered once per module)."""
    out = tmp_path_factory.mktemp("sample-reports")
    path = sample_incident.root / "incident.yaml"
    return {lang: render_report(path, out / lang, lang=lang, quiet=True) for lang in ("en", "zh")}


def _figures_of(notebook: Path) -> dict[str, dict]:
    """The plotly JSON of every figure the executed notebook shows, by its div id."""
    nb = nbformat.read(notebook, as_version=4)
    found = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            plot = output.get("data", {}).get("application/vnd.plotly.v1+json")
            if plot:
                found[re.search(r'id="(figure-[a-z-]+)"', output["data"]["text/html"])[1]] = plot
    return found


def _shown_strings(node, key=""):
    """Every text a figure shows: trace names, texts, titles and annotations."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _shown_strings(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from _shown_strings(v, key)
    elif isinstance(node, str) and key in ("name", "text", "ticktext"):
        yield node


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_sample_sections_in_design_order_with_their_headings(sample_reports, lang):
    html = sample_reports[lang].html.read_text(encoding="utf-8")
    strings = load_strings(lang)
    positions = [html.index(f'id="{anchor}"') for anchor in SECTIONS]
    assert positions == sorted(positions)
    for anchor in SECTIONS:
        title = re.escape(strings.text(f"sections.{anchor}"))
        assert re.search(rf'<h[23] class="ck-heading" id="{anchor}">{title}</h[23]>', html)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_sample_has_every_figure_once_and_plotly_js_once(sample_reports, lang):
    html = sample_reports[lang].html.read_text(encoding="utf-8")
    assert html.count(plotly.offline.get_plotlyjs()) == 1
    assert html.count("Plotly.newPlot(") == len(FIGURE_IDS)
    positions = [html.index(f'id="{div}"') for div in FIGURE_IDS]
    assert positions == sorted(positions)
    assert set(_figures_of(sample_reports[lang].notebook)) == set(FIGURE_IDS)


def test_chinese_figures_and_page_carry_no_english_interface_text(sample_reports):
    allowed = {"ASIN", "FBA", "SHA", "crisis", "kit", "POA", "STAR"}
    for div, plot in _figures_of(sample_reports["zh"].notebook).items():
        for text in _shown_strings(plot):
            assert set(re.findall(r"[A-Za-z]+", text)) <= allowed, (div, text)
    en = load_strings("en")
    visible = " ".join(_parse(sample_reports["zh"].html.read_text(encoding="utf-8")).visible)
    for key in ("sections.timeline", "sections.response", "sections.sales", "summary.alert",
                "summary.first_response", "timeline.kinds.rating_trough", "lanes.cs",
                "phases.stabilisation", "sales.phases_title", "response.none", "answer_yes",
                "sections.statement", "sections.remedies", "statement.star_title",
                "statement.findings_title", "statement.commitments_title", "statement.score",
                "statement.outcomes.broken", "remedies.unit_cost", "poa.lead"):
        assert en.text(key) not in visible, key


def test_sample_key_figures_are_summary_json(sample_reports, sample_incident):
    s = load_strings("en")
    html = sample_reports["en"].html.read_text(encoding="utf-8")
    summary = json.loads(sample_reports["en"].summary.read_text(encoding="utf-8"))
    # computed once, in the notebook's kernel, and the same as the pipeline's own
    assert summary == json.loads(json.dumps(run_analysis(sample_incident).summary()))
    c, d, r = summary["complaints"], summary["detection"], summary["rating"]
    resp, sales = summary["response"], summary["sales"]
    expected = {
        "complaints.total": s.number(c["total"]),
        "complaints.negative": s.number(c["negative"]),
        "detection.alert_at": s.time(d["alert_at"]),
        "detection.onset": s.time(d["onset"]),
        "detection.peak_negative": s.number(d["peak_negative"]),
        "response.first_response_hours": s.duration(resp["first_response_hours"]),
        "response.golden_window_met": s.text("answer_yes" if resp["golden_window_met"]
                                             else "answer_no"),
        "rating.path": " → ".join(s.number(r[k], "rating") for k in ("baseline", "trough",
                                                                    "latest")),
        "rating.recovered_date": s.date(r["recovered_date"]),
        "rating.five_star_reviews_to_target": s.number(r["five_star_reviews_to_target"]),
        "sales.trough_index": s.number(sales["trough_index"], "percent"),
        "sales.recovered_100_date": s.date(sales["recovered_100_date"]),
        "sales.reached_target_date": s.date(sales["reached_target_date"]),
        "sales.latest_index": s.number(sales["latest_index"], "percent"),
    }
    assert _cards(html) | expected == _cards(html)  # every expected card, with that value
    # the planted sample: alert on 2 May 2022, first response in 45 minutes
    assert expected["detection.alert_at"].startswith("2022-05-02 ")
    assert expected["response.first_response_hours"] == "0 h 45 min"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_sample_summary_json_is_written_as_the_pipeline_writes_it(sample_reports, lang,
                                                                  sample_analysis, tmp_path):
    # the kernel computes it, the runner writes it: the bytes of run_analysis's own summary
    written = sample_reports[lang].summary
    assert written.read_bytes() == write_summary(sample_analysis, tmp_path / "s.json").read_bytes()


def test_sample_response_lane_hours_are_summary_json(sample_reports):
    s = load_strings("en")
    html = sample_reports["en"].html.read_text(encoding="utf-8")
    section = _between(html, "response", "sales")
    lanes = json.loads(sample_reports["en"].summary.read_text(encoding="utf-8"))[
        "response"]["lanes"]
    assert {"cs", "pr", "tech"} <= set(lanes)
    rows = re.findall(r'<tr><td class="ck-text">([^<]*)</td>.*?<td class="ck-number">([^<]*)'
                      r'</td><td class="ck-text">([^<]*)</td></tr>', section)
    assert {label: (hours, met) for label, hours, met in rows} == {
        s.text(f"lanes.{lane}"): (s.duration(v["hours"]),
                                  s.text("answer_yes" if v["met"] else "answer_no"))
        for lane, v in lanes.items()}
    # the figure labels each dot with the same hours
    plot = _figures_of(sample_reports["en"].notebook)["figure-response-lanes"]
    shown = {t for trace in plot["data"] for t in trace.get("text") or []}
    assert {s.duration(v["hours"]) for v in lanes.values()} <= shown


def test_sample_timeline_and_representatives(sample_reports, sample_incident):
    html = sample_reports["en"].html.read_text(encoding="utf-8")
    timeline = _between(html, "timeline", "volume")
    for text in ("Alert fired", "PR: first action", "Plan of Action submitted to Amazon",
                 "root cause confirmed", "Rating trough", "Rating back at target",
                 "Sales back to baseline", "Sales reached target"):
        assert text in timeline, text
    report = sections.build(sample_incident.root / "incident.yaml")
    days = report.moments["local_date"].tolist()
    assert days == sorted(days)
    quoted = report.analysis.representatives
    words = _between(html, "representatives", "rating")
    assert words.count('<table class="ck-table') == quoted["topic"].nunique()
    assert quoted.groupby("topic").size().max() <= 3


def test_negatives_by_source_add_up_to_the_detection_series(sample_incident):
    report = sections.build(sample_incident.root / "incident.yaml")
    by_day = report.daily_by_source.groupby("local_date")["negative"].sum()
    series = report.analysis.detection.negative_per_day.set_index("local_date")["negative"]
    assert by_day.reindex(series.index, fill_value=0).tolist() == series.tolist()


def test_figures_are_the_same_for_the_same_inputs(sample_incident):
    # with a forecast (as of the trough): its simulation is seeded
    first = sections.build(sample_incident.root / "incident.yaml", "zh", "2022-06-01")
    second = sections.build(sample_incident.root / "incident.yaml", "zh", "2022-06-01")
    # every figure but the comparison: the sample stands alone in its workspace
    assert list(first.figures) == [f for f in sections.FIGURES if f != "incident_comparison"]
    assert not first.analysis.rating.forecast.path.empty
    for name, figure in first.figures.items():
        assert figure.to_json() == second.figures[name].to_json(), name


def test_response_and_sales_figures_take_tables_and_labels():
    lanes = pd.DataFrame({"lane": ["cs", "pr", "tech"], "hours": [0.5, 30.0, float("nan")],
                          "met": [True, False, False], "text": ["0 小时 30 分", "30 小时 00 分", ""]})
    labels = {"cs": "客服", "pr": "公关", "tech": "技术", "met": "窗口内", "missed": "窗口后",
              "no_action": "未记录行动"}
    figure = figures.response_lanes(lanes, labels, golden_hours=4)
    assert [t.name for t in figure.data if t.name] == ["窗口内", "窗口后"]
    assert list(figure.layout.yaxis.categoryarray) == ["技术", "公关", "客服"]
    assert figure.layout.xaxis.type == "log"
    assert any(a.text == "未记录行动" for a in figure.layout.annotations)

    days = pd.date_range("2022-05-01", periods=10)
    daily = pd.DataFrame({"local_date": days, "sales_index": [1.0] * 3 + [0.5] * 7})
    phases = pd.DataFrame({"phase": ["pre_crisis", "crisis"], "start": [days[0], days[3]],
                           "end": [days[2], days[9]]})
    markers = pd.DataFrame({"local_date": [days[5]], "text": ["1"]})
    figure = figures.sales_recovery(daily, {"crisis": "危机", "interventions": "干预措施"},
                                    target=1.2, phases=phases, markers=markers)
    assert [s.fillcolor for s in figure.layout.shapes if s.type == "rect"] == [
        theme.PHASE_COLORS["pre_crisis"], theme.PHASE_COLORS["crisis"]]
    assert figure.data[-1].name == "干预措施" and list(figure.data[-1].text) == ["1"]
    assert sorted(s.y0 for s in figure.layout.shapes if s.type == "line") == [1.0, 1.2]


# -- statement review, Plan of Action, remedies -------------------------------------------------
def _section_text(html: str, start: str, end: str) -> str:
    """The visible text of the page between two headings."""
    return " ".join(_parse(_between(html, start, end)).visible)


def test_sample_statement_review_shows_findings_commitments_and_verdict(sample_reports,
                                                                      sample_incident):
    s = load_strings("en")
    html = sample_reports["en"].html.read_text(encoding="utf-8")
    section = _section_text(html, "statement", "poa")
    review = run_analysis(sample_incident).statement
    # the three planted vague terms, each with its line:column and the alternative
    assert [f.term for f in review.vague] == ["maybe", "probably", "as soon as possible"]
    for finding in review.vague:
        assert f"{finding.line}:{finding.column}" in section
        assert finding.text in section and finding.alternative in section
    # every STAR part with its sentence (found here: all four under their headings)
    for part in review.star:
        assert s.text(f"statement.parts.{part.part}") in section and part.sentence in section
    # commitments: deadline hours and kept / broken with the fulfilling action
    outcomes = {c.deadline_hours: c.kept for c in review.commitments}
    assert outcomes == {72.0: True, 168.0: False, 344.25: True}
    for c in review.commitments:
        assert c.text in section and f"{c.deadline_hours:g} h" in section
        assert c.evidence_action in section
    assert section.count(s.text("statement.outcomes.kept")) >= 2
    assert s.text("statement.outcomes.broken") in section
    # score and verdict, with the failed rule named
    cards = _cards(html)
    assert cards["statement.score"] == f"{review.score} / 100" == "70 / 100"
    assert cards["statement.passed"] == s.text("statement.verdict_fails")
    assert [r.name for r in review.failed_rules] == ["vague"]
    assert s.text("statement.rule_names.vague") in section
    assert "Vague words: “maybe” at 8:64" in section
    # replies against the team's templates (data/samples/replies.md): 14 of the 31 follow one
    assert "of 31 replies in the exports and the actions log, 14 (45.2%) follow one of the" \
        " team's 2 templates; 0 contradict" in section
    off = "We apologize — a valve batch was faulty. Your refund is issued and a free upgraded" \
        " bottle is on its way."
    assert s.text("statement.replies_off_title") in section and off in section
    assert s.text("statement.replies_contradicting_none") in section


@pytest.mark.parametrize("lang", ["zh"])
def test_sample_replies_in_chinese(sample_reports, lang):
    html = sample_reports[lang].html.read_text(encoding="utf-8")
    section = _section_text(html, "statement", "poa")
    assert "共有 31 条回复，其中 14 条（45.2%）遵循团队的 2 个模板之一" in section


def test_sample_poa_embedded_with_its_figures_and_written_as_markdown(sample_reports,
                                                                    sample_incident):
    from crisis_kit.poa.words import load_words

    html = sample_reports["en"].html.read_text(encoding="utf-8")
    section = _between(html, "poa", "remedies")
    analysis = run_analysis(sample_incident, lang="en")
    plan = analysis.poa
    assert plan is not None and plan.lang == "en"
    # the redesigned valve (2022-05-16): quality complaints per 100 orders 116.8 -> 7.8
    # (tests/test_poa.py computes the same figures by hand from the events)
    figures = plan.figures
    row = figures[(figures["kind"] == "fix") & (figures["day"] == "2022-05-16")
                  & (figures["topic"] == "quality")
                  & (figures["metric"] == "complaints_per_100_orders")].iloc[0]
    words = load_words("en", analysis.tz)
    before = words.figure(row["before_value"], row["metric"])
    after = words.figure(row["after_value"], row["metric"])
    assert (before, after) == ("116.8", "7.8")
    assert f"from {before} to {after}" in section
    # the draft's own HTML, headings one level down under the report's heading
    assert '<div class="ck-poa">' in section and "<h2>" not in section
    assert f"<h3>{_escape(plan.title)}</h3>" in section
    # the editable Markdown beside the report is the same draft
    paths = sample_reports["en"]
    assert paths.poa == paths.html.parent / "bottle-valve-2022.poa.md"
    assert paths.poa.read_text(encoding="utf-8") == plan.markdown()
    zh = sample_reports["zh"].poa.read_text(encoding="utf-8")
    assert zh == run_analysis(sample_incident, lang="zh").poa.markdown() and "根本原因" in zh


def test_sample_remedy_costs_beside_their_effects(sample_reports, sample_incident):
    s = load_strings("en")
    html = sample_reports["en"].html.read_text(encoding="utf-8")
    section = _section_text(html, "remedies", "sales")
    costs = run_analysis(sample_incident).remedies
    assert costs["remedy"].tolist() == ["upgraded-replacement", "double-coupon",
                                        "free-safety-check"]
    for r in costs.itertuples():
        assert f"{s.number(r.cost, 'money')} {r.currency}" in section
        assert (f"{s.number(r.return_rate_before, 'decimal')} → "
                f"{s.number(r.return_rate_after, 'decimal')}") in section
        assert f"{s.number(r.rating_before, 'rating')} → {s.number(r.rating_after, 'rating')}" \
            in section
    assert "6,086.50 USD" in section and "329" in section


def test_sample_poa_sections_carry_no_network_address(sample_reports):
    for lang in ("en", "zh"):
        html = sample_reports[lang].html.read_text(encoding="utf-8")
        parsed = _parse(_between(html, "statement", "sales"))
        assert not [tag for tag, _ in parsed.tags if tag in ("a", "img", "link", "script",
                                                             "iframe", "style")]
        assert "http://" not in _between(html, "statement", "sales")
        assert "https://" not in _between(html, "statement", "sales")


@pytest.fixture(scope="module")
def chinese_statement(sample_incident, tmp_path_factory):
    """The sample with its Chinese statement (statement.zh.md), copied and reported in Chinese."""
    import shutil

    root = tmp_path_factory.mktemp("zh-statement") / "incident"
    shutil.copytree(sample_incident.root, root)
    config = yaml.safe_load((root / "incident.yaml").read_text(encoding="utf-8"))
    config["statement"] = "statement.zh.md"
    (root / "incident.yaml").write_text(yaml.safe_dump(config, allow_unicode=True),
                                        encoding="utf-8")
    return root / "incident.yaml"


def test_chinese_statement_findings_in_a_chinese_report(chinese_statement, tmp_path):
    s = load_strings("zh")
    first = render_report(chinese_statement, tmp_path / "a", lang="zh", quiet=True)
    html = first.html.read_text(encoding="utf-8")
    section = _section_text(html, "statement", "poa")
    for heading in ("声明审查", "行动计划（POA）", "补救方案"):
        assert heading in " ".join(_parse(html).visible)
    review = sections.build(chinese_statement, "zh").analysis.statement
    assert review.language == "zh"
    assert [f.term for f in review.vague] == ["可能", "大概", "尽快"]
    for f in review.vague:
        assert s.text("statement.term_at", term=f.text, line=f.line, column=f.column) in section
        assert f"{f.line}:{f.column}" in section and f.alternative in section
    for c in review.commitments:
        assert c.text in section and s.text("statement.hours", hours=f"{c.deadline_hours:g}") \
            in section
    assert s.text("statement.outcomes.broken") in section and "kept" not in section
    # deterministic: a second render writes the same bytes, the POA draft included
    second = render_report(chinese_statement, tmp_path / "b", lang="zh", quiet=True)
    assert first.html.read_bytes() == second.html.read_bytes()
    assert first.poa.read_bytes() == second.poa.read_bytes()


def test_statement_words_are_escaped_and_the_poa_is_embedded_as_drafted(chinese_statement,
                                                                        tmp_path):
    import shutil

    root = tmp_path / "incident"
    shutil.copytree(chinese_statement.parent, root)
    statement = (root / "statement.md").read_text(encoding="utf-8")
    (root / "statement.md").write_text(
        statement.replace("leak from the vent valve.", f"leak from the vent valve {XSS}."),
        encoding="utf-8")
    config = yaml.safe_load((root / "incident.yaml").read_text(encoding="utf-8"))
    config["statement"] = "statement.md"
    (root / "incident.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    report = sections.build(root / "incident.yaml", "en")
    shown = report.statement_review().html
    assert XSS_ESCAPED in shown and XSS not in shown and "<script" not in shown
    embedded = report.plan_of_action()
    assert "<script" not in embedded.html and "<style" not in embedded.html
    demoted = report.analysis.poa.html().replace("<h4>", "<h5>").replace("</h4>", "</h5>") \
        .replace("<h3", "<h4").replace("</h3>", "</h4>").replace("<h2>", "<h3>") \
        .replace("</h2>", "</h3>")
    assert demoted.strip() in embedded.html
    assert embedded.meta == {"poa_markdown": report.analysis.poa.markdown()}


def _escape(text: str) -> str:
    import html

    return html.escape(text, quote=False)


def test_a_file_ingested_again_unchanged_is_listed_once(tmp_path):
    """A daily monitor re-reads the same exports: the appendix lists each file once."""
    folder = tmp_path / "valve-test"
    incident = make_incident(folder)
    with open_store(folder / "store.duckdb") as store:
        for seq in (2, 3):  # the same bytes again: nothing added
            insert(store, FILES, {
                "ingest_seq": seq, "path": "/somewhere/reviews.csv", "name": "reviews.csv",
                "sha256": "a" * 64, "size": 1000, "format": "helium10-reviews",
                "encoding": "utf-8-sig", "table_name": "events", "marketplace": "US",
                "rows_read": 6, "accepted": 0, "rejected": 1, "duplicates": 5,
                "records_added": 0,
            })
    html = render_report(incident, folder / "out", quiet=True).html.read_text(encoding="utf-8")
    appendix = " ".join(_parse(_between(html, "evidence", "parameters")).visible)
    assert appendix.count("reviews.csv") == 1 and "a" * 64 in appendix
    assert "Later ingests of files listed here (same name, bytes and marketplace) added " \
        "nothing and are not listed again: 2." in appendix


def test_without_sales_the_sales_cards_say_so_not_not_yet(sample_incident, tmp_path):
    """An incident with complaints and an onset but no sales export: "no sales data"."""
    import shutil

    from crisis_kit.report.sections import build

    copy = tmp_path / "no-sales"
    shutil.copytree(sample_incident.root, copy)
    with open_store(copy / "store.duckdb") as store:
        store.con.execute("DELETE FROM sales")
        store.con.execute("DELETE FROM orders")
    cards = _cards(build(copy / "incident.yaml").key_figures().html)
    assert cards["sales.recovered_100_date"] == cards["sales.reached_target_date"] == "no sales data"
    assert cards["rating.recovered_date"] == "2022-06-14"  # the rating is still measured
