"""The explorer driven from code: widget values in, figures and table rows out."""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("anywidget")

from crisis_kit.analysis.topics import assign, assign_sql
from crisis_kit.config import load_incident
from crisis_kit.errors import ConfigError
from crisis_kit.explorer import Explorer, parse
from crisis_kit.ingest import ingest_incident
from crisis_kit.language import load_strings
from crisis_kit.store import open_store

from .conftest import CHROMIUM  # noqa: E402
from .jupyter_check import (  # noqa: E402
    CHROMIUM_MISSING,
    NOTEBOOK,
    explorer_state,
    jupyter_lab,
    lab_page,
    parameterised,
    run_notebook,
    wait_for_explorer,
    wait_for_fit,
    wait_for_label,
)

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
EXTRA = [  # event_id, text, rating
    ("x-html", "<script>alert('x')</script> The valve LEAKED <b>everywhere</b>", 1.0),
    ("x-zh", "奶瓶漏水，宝宝的衣服全湿了", 1.0),
    ("x-formula", "=HYPERLINK(\"http://evil\",\"click\") leaks", 2.0),
]


def build_workspace(root: Path) -> Path:
    """The sample incident ingested into ``root``, plus the EXTRA complaints."""
    # CI runs on a clean clone, where data/samples holds no store: ingest here, never rely on one
    shutil.copytree(SAMPLES, root, ignore=shutil.ignore_patterns("store.duckdb*"))
    ingest_incident(load_incident(root / "incident.yaml"))
    with open_store(root / "store.duckdb") as store:
        for event_id, text, rating in EXTRA:
            store.con.execute(
                "INSERT INTO events SELECT * REPLACE (? AS event_id, ? AS text, ? AS rating, "
                "'Problem' AS title, TRUE AS is_negative) FROM events "
                "WHERE source = 'review' AND local_date = DATE '2022-05-06' LIMIT 1",
                [event_id, text, rating])
        # as the ingest would have: each inserted event tagged with its topic
        store.con.execute(f"UPDATE events SET topic = {assign_sql()} WHERE event_id LIKE 'x-%'")
    return root


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    return build_workspace(tmp_path_factory.mktemp("explore") / "incident")


@pytest.fixture(scope="module")
def explorer(workspace):
    return Explorer(workspace / "incident.yaml", page_size=20)


@pytest.fixture(scope="module")
def events(workspace):
    with open_store(workspace / "store.duckdb", read_only=True) as store:
        frame = store.events()
    return frame.assign(topic=assign(frame).astype(str),
                        haystack=(frame["title"].fillna("") + " " + frame["text"].fillna(""))
                        .str.replace(r"\s+", " ", regex=True).str.lower())


def complaints(n: int) -> str:
    """How the page line counts: "1 complaint", "2 complaints"."""
    return f"{n:,} complaint{'' if n == 1 else 's'}"


def reset(explorer):
    explorer._quiet = True
    for control in (explorer.marketplace, explorer.asin, explorer.source, explorer.topic,
                    explorer.rating):
        control.value = ()
    explorer.start.value = explorer.end.value = None
    explorer.negative.value = False
    explorer.search.value = ""
    explorer._quiet = False
    explorer.select_day(None)


def volume_by_day(explorer) -> pd.Series:
    traces = explorer.figures["volume"].data
    frame = pd.DataFrame({t.name: list(t.y) for t in traces}, index=pd.to_datetime(traces[0].x))
    return frame.sum(axis=1)


def test_filters_drive_every_chart_and_the_table(explorer, events):
    reset(explorer)
    explorer.asin.value = ("B0SAMPLE01",)
    explorer.source.value = ("review", "fba_return")
    explorer.start.value = dt.date(2022, 4, 1)
    explorer.end.value = dt.date(2022, 6, 30)
    chosen = events[(events["asin"] == "B0SAMPLE01") & events["source"].isin(["review", "fba_return"])
                    & events["local_date"].between("2022-04-01", "2022-06-30")]
    expected = (chosen[chosen["is_negative"]].groupby("local_date").size()
                .reindex(pd.date_range("2022-04-01", "2022-06-30"), fill_value=0))
    got = volume_by_day(explorer)
    assert got.to_numpy().tolist() == expected.to_numpy().tolist()
    assert explorer.last_series.alert is not None
    shares = dict(zip(explorer.figures["topics"].data[0].x, explorer.figures["topics"].data[0].y,
                      strict=True))
    negatives = chosen[chosen["is_negative"]]
    label = explorer.topic_labels["quality"]
    assert shares[label] == pytest.approx((negatives["topic"] == "quality").mean())
    reviews = chosen[chosen["source"] == "review"].set_index("local_date")["rating"]
    day = pd.Timestamp("2022-05-20")
    window = reviews[(reviews.index > day - pd.Timedelta(days=30)) & (reviews.index <= day)]
    rating = dict(zip(explorer.figures["rating"].data[0].x, explorer.figures["rating"].data[0].y,
                      strict=True))
    assert rating["2022-05-20"] == pytest.approx(window.mean())
    assert explorer.page_label.value.startswith(f"{complaints(len(chosen))}")
    newest = chosen.sort_values(["occurred_at", "event_id"], ascending=[False, True]).head(20)
    assert set(explorer.page_rows["event_id"]) == set(newest["event_id"])


def test_rating_and_negative_filters_and_day_click(explorer, events):
    reset(explorer)
    explorer.rating.value = (1, 2)
    explorer.negative.value = True
    chosen = events[events["rating"].isin([1.0, 2.0]) & events["is_negative"]]
    assert explorer.page_label.value.startswith(f"{complaints(len(chosen))}")

    class Points:
        xs = ["2022-05-06"]

    explorer._volume_clicked(None, Points(), None)
    on_day = chosen[chosen["local_date"] == "2022-05-06"]
    assert explorer.page_label.value.startswith(f"{complaints(len(on_day))} on 2022-05-06")
    assert set(explorer.page_rows["event_id"]) <= set(on_day["event_id"])
    assert sum(volume_by_day(explorer)) == len(chosen)  # the charts keep every day


@pytest.mark.parametrize("query", ["leak", "LEAKED", '"valve leaked"', "漏水", "衣服 湿", "leak -valve"])
def test_search_matches_pandas(explorer, events, query):
    reset(explorer)
    explorer.search.value = query
    terms = parse(query)
    keep = pd.Series(True, index=events.index)
    for term in terms.include:
        keep &= events["haystack"].str.contains(term.lower(), regex=False)
    for term in terms.exclude:
        keep &= ~events["haystack"].str.contains(term.lower(), regex=False)
    assert keep.sum() > 0
    assert explorer.page_label.value.startswith(f"{complaints(keep.sum())}")
    assert set(explorer.page_rows["event_id"]) <= set(events.loc[keep, "event_id"])


def test_html_in_a_complaint_is_shown_as_text(explorer):
    reset(explorer)
    explorer.search.value = '"the valve leaked"'
    html = explorer.table.value
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "<script>" not in html and "<b>everywhere" not in html
    assert "<mark>The valve LEAKED</mark> &lt;b&gt;everywhere&lt;/b&gt;" in html


def test_export_neutralises_formulas(explorer, tmp_path):
    reset(explorer)
    explorer.search.value = "hyperlink"
    result = explorer.export_selection(tmp_path)
    frame = pd.read_csv(result.csv, encoding="utf-8-sig")
    assert result.rows == len(frame) == 1
    assert frame.loc[0, "text"].startswith("'=HYPERLINK")
    assert frame.loc[0, "topic"] == "quality" or isinstance(frame.loc[0, "topic"], str)
    sheet = pd.read_excel(result.xlsx)
    assert sheet.loc[0, "text"].startswith("'=HYPERLINK")
    assert sheet.loc[0, "event_id"] == "x-formula"


def test_refresh_adds_new_rows_and_keeps_the_filters(workspace):
    explorer = Explorer(workspace / "incident.yaml")
    explorer.asin.value = ("B0SAMPLE01",)
    explorer.search.value = "brand new words"
    assert explorer.page_label.value.startswith("0 complaints")
    header = (workspace / "exports" / "reviews.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    row = ('"September 1, 2022",Test R.,Verified Purchase,0,Late leak,"It leaks, brand new words '
           'here.",1,,,https://www.amazon.com/gp/customer-reviews/RNEW0001/ref=x?ie=UTF8&ASIN='
           'B0SAMPLE01,B0SAMPLE01,Size: 9 Ounce (Pack of 3)')
    (workspace / "exports" / "reviews-2022-09-01.csv").write_text(f"{header}\n{row}\n", encoding="utf-8")
    added = explorer.refresh()
    assert added == 1
    assert explorer.asin.value == ("B0SAMPLE01",)
    assert explorer.search.value == "brand new words"
    assert explorer.page_label.value.startswith("1 complaint ")
    assert explorer.last_day == dt.date(2022, 9, 1)


def interface_texts(explorer) -> list[str]:
    """Every piece of interface text the explorer shows (not the data: ASINs, markets, titles)."""
    controls = [explorer.start, explorer.end, explorer.marketplace, explorer.asin, explorer.source,
                explorer.topic, explorer.rating, explorer.negative, explorer.search, explorer.sort,
                explorer.descending, explorer.refresh_button, explorer.export_button,
                explorer.all_days_button, explorer.previous_button, explorer.next_button]
    texts = [c.description for c in controls] + [explorer.search.placeholder]
    texts += [c.tooltip or "" for c in controls if hasattr(c, "tooltip")]
    texts += [label for control in (explorer.source, explorer.topic, explorer.sort)
              for label, _ in control.options]
    texts += [explorer.page_label.value, explorer.status.value]
    texts += re.findall(r"<th>(.*?)</th>", explorer.table.value)
    for figure in explorer.figures.values():
        texts += [figure.layout.title.text, figure.layout.yaxis.title.text or ""]
        texts += [trace.name for trace in figure.data]
        texts += [shape.label.text or "" for shape in figure.layout.shapes]
    return texts


def test_chinese_interface_has_no_english_word(workspace):
    explorer = Explorer(workspace / "incident.yaml", lang="zh", page_size=20)
    explorer.search.value = "漏水"
    explorer.select_day("2022-05-06")
    texts = interface_texts(explorer)
    words = set(re.findall(r"[A-Za-z]+", " ".join(texts))) - {"ASIN", "FBA"}
    assert not words, sorted(words)
    assert "2022年5月6日的" in explorer.page_label.value and "条投诉" in explorer.page_label.value
    assert "<th>投诉内容</th>" in explorer.table.value and "2022年5月6日" in explorer.table.value
    assert "商品评论" in [trace.name for trace in explorer.figures["volume"].data]
    assert explorer.figures["volume"].layout.xaxis.tickformat == "%-m月%-d日"
    explorer.search.value = "no such words anywhere"
    assert "没有符合这些筛选条件的投诉" in explorer.table.value
    explorer.refresh()
    assert not set(re.findall(r"[A-Za-z]+", explorer.status.value)), explorer.status.value
    assert explorer.source.value == () and explorer.search.value == "no such words anywhere"


def test_english_interface_and_the_incident_language_by_default(workspace, tmp_path):
    explorer = Explorer(workspace / "incident.yaml", page_size=20)
    assert explorer.lang == "en"  # the sample incident's language
    assert explorer.search.description == "Search" and explorer.refresh_button.description == "Refresh"
    assert "<th>Complaint</th>" in explorer.table.value
    assert [t.name for t in explorer.figures["volume"].data][:1] == ["FBA returns"]
    zh_incident = tmp_path / "incident.yaml"
    zh_incident.write_text((workspace / "incident.yaml").read_text(encoding="utf-8")
                           .replace("language: en", "language: zh"), encoding="utf-8")
    assert "language: zh" in zh_incident.read_text(encoding="utf-8")
    incident = load_incident(zh_incident)
    shutil.copy(workspace / "store.duckdb", incident.store_path)
    assert Explorer(incident).search.description == "搜索"
    with pytest.raises(ConfigError):
        Explorer(workspace / "incident.yaml", lang="fr")


def store_events(store_path: Path) -> pd.DataFrame:
    """The store's events with topics and the searched text, for pandas oracles."""
    with open_store(store_path, read_only=True) as store:
        frame = store.events()
    return frame.assign(topic=assign(frame).astype(str),
                        haystack=(frame["title"].fillna("") + " " + frame["text"].fillna(""))
                        .str.replace(r"\s+", " ", regex=True).str.lower())


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=CHROMIUM_MISSING)
def test_explorer_renders_and_answers_in_jupyterlab(tmp_path):
    """explore.ipynb in a real JupyterLab 4 in headless chromium: drawn, filtered from the page."""
    pytest.importorskip("playwright")
    workspace = build_workspace(tmp_path / "incident")
    events = store_events(workspace / "store.duckdb")
    notebook = parameterised(NOTEBOOK, tmp_path / "lab" / "explore.ipynb",
                             incident_path=str(workspace / "incident.yaml"))
    words = load_strings("en")
    pages = lambda n: -(-n // 25)  # noqa: E731
    with jupyter_lab(notebook.parent, tmp_path / "jupyter") as lab, lab_page(lab) as page:
        try:
            run_notebook(page, lab, notebook.name)
            state = wait_for_explorer(page)
            # every chart drawn as SVG with points, titled in English; the first table page
            assert [p["title"] for p in state["plots"]] == [
                words.text(f"explorer.charts.{key}") for key in ("volume", "rating", "topics", "sales")]
            assert all(p["svg"] > 0 and p["drawn"] > 0 for p in state["plots"]), state["plots"]
            assert state["plots"][0]["sum"] == int(events["is_negative"].sum())
            assert state["label"] == f"{complaints(len(events))} · page 1 of {pages(len(events))}"
            assert state["rows"] == 25
            assert state["headers"] == ["Date", "Source", "Market", "ASIN", "Stars", "Topic", "Complaint"]
            # each chart is as wide as its grid cell, and none passes the output area's right edge
            state = wait_for_fit(page)
            for plot in state["plots"]:
                assert abs(plot["width"] - plot["cell_width"]) <= 2, state["plots"]
                assert plot["svg_right"] <= state["output_right"] + 1, (plot, state["output_right"])
            assert state["root_scroll"][0] <= state["root_scroll"][1] + 1, state
            folder = os.environ.get("CRISIS_KIT_SCREENSHOTS")
            if folder:
                Path(folder).mkdir(parents=True, exist_ok=True)
                page.evaluate("window.jupyterapp.commands.execute('application:toggle-left-area')")
                page.locator(".ck-explorer h3").scroll_into_view_if_needed()
                page.evaluate("document.querySelector('.ck-explorer').scrollIntoView()")
                page.screenshot(path=str(Path(folder) / "explorer-jupyterlab.png"))
                page.locator(".ck-charts").screenshot(path=str(Path(folder) / "explorer-charts.png"))

            # the phrases button: the table the kernel computes, drawn under the charts
            expected = Explorer(workspace / "incident.yaml", progress=False).find_phrases()
            assert len(expected) > 0
            page.locator(".ck-phrases-button button, button.ck-phrases-button").first.click()
            page.wait_for_selector(".ck-phrases-box table.ck-phrases tbody tr", timeout=60_000)
            shown = page.locator(".ck-phrases-box table.ck-phrases tbody tr td:first-child")
            assert shown.all_inner_texts() == expected["phrase"].tolist()
            if folder:
                page.locator(".ck-phrases-box").screenshot(
                    path=str(Path(folder) / "explorer-phrases.png"))

            # type a Chinese search in the page's search box: table and charts follow
            page.locator(".ck-search input").fill("漏水")
            page.locator(".ck-search input").press("Enter")
            leaks = events[events["haystack"].str.contains("漏水", regex=False)]
            assert len(leaks) > 0
            wait_for_label(page, f"{complaints(len(leaks))} · page 1 of {pages(len(leaks))}")
            state = wait_for_explorer(page)
            assert state["rows"] == min(len(leaks), 25)
            assert state["marks"] and set(state["marks"]) == {"漏水"}
            assert state["plots"][0]["sum"] == int(leaks["is_negative"].sum())

            # pick an ASIN in the page's list as well: the selection narrows again
            page.locator(".ck-search input").fill("")
            page.locator(".ck-search input").press("Enter")
            wait_for_label(page, f"{complaints(len(events))} · page 1 of {pages(len(events))}")
            page.locator(".ck-asin select").select_option("B0SAMPLE02")
            chosen = events[events["asin"] == "B0SAMPLE02"]
            assert 0 < len(chosen) < len(events)
            wait_for_label(page, f"{complaints(len(chosen))} · page 1 of {pages(len(chosen))}")
            state = wait_for_explorer(page)
            assert state["plots"][0]["sum"] == int(chosen["is_negative"].sum())
            assert state["plots"][2]["sum"] == pytest.approx(1.0)  # topic shares of the selection
            # the complaint holding HTML is shown as text and ran nothing
            page.locator(".ck-asin select").select_option([])
            page.locator(".ck-search input").fill('"valve leaked"')
            page.locator(".ck-search input").press("Enter")
            valve = events[events["haystack"].str.contains("valve leaked", regex=False)]
            wait_for_label(page, f"{complaints(len(valve))} · page 1 of {pages(len(valve))}")
            assert "<script>alert('x')</script> The valve LEAKED <b>everywhere</b>" in (
                explorer_state(page)["table_text"])
        except Exception:
            page.screenshot(path=str(tmp_path / "failed.png"))
            raise
        assert lab.blocked == [] and page.errors == [], (lab.blocked, page.errors)


def test_topics_come_from_the_store_unless_the_taxonomy_changed(workspace, tmp_path):
    """Stored topics are used as they are; a stale fingerprint makes the explorer match again."""
    from crisis_kit.analysis.topics import fingerprint
    from crisis_kit.explorer.query import ExplorerData

    stale = tmp_path / "stale.duckdb"
    shutil.copy(workspace / "store.duckdb", stale)  # a copy: other tests here refresh the store
    with open_store(stale, read_only=True) as store:
        events = store.events()
    counts = assign(events).astype(str).value_counts()
    expected = {k: int(v) for k, v in counts.items() if v}

    def topics_of(path):
        data = ExplorerData(path)
        data.load()
        return dict(data.con.execute(
            "SELECT topic, count(*) FROM explorer_events GROUP BY ALL").fetchall())

    assert topics_of(stale) == expected
    with open_store(stale) as store:
        store.con.execute("UPDATE events SET topic = 'other'")
        store.con.execute("UPDATE meta SET value = 'stale' WHERE key = 'taxonomy'")
    assert topics_of(stale) == expected
    with open_store(stale) as store:  # and stored topics are taken as stored: here, all 'other'
        store.con.execute("UPDATE meta SET value = ? WHERE key = 'taxonomy'", [fingerprint()])
    assert topics_of(stale) == {"other": len(events)}


def test_one_match_is_one_complaint(explorer):
    reset(explorer)
    explorer.search.value = '"宝宝的衣服全湿了"'
    assert explorer.page_label.value.startswith("1 complaint · page 1 of 1")
    reset(explorer)


def test_distinctive_phrases_of_the_selection(explorer, events):
    from crisis_kit.analysis.phrases import distinctive_phrases

    reset(explorer)
    explorer.asin.value = ("B0SAMPLE01",)
    explorer.end.value = dt.date(2022, 5, 29)
    table = explorer.find_phrases()
    # independently: the ASIN's negatives of 05-02 .. 05-29 against 04-04 .. 05-01
    chosen = events[(events["asin"] == "B0SAMPLE01") & events["is_negative"]
                    & events["local_date"].between("2022-04-04", "2022-05-29")]
    expected = distinctive_phrases(chosen[["event_id", "local_date", "title", "text"]],
                                   pd.Timestamp("2022-05-02"), pd.Timestamp("2022-05-29"), 28,
                                   marketplace="US")
    assert len(table) > 0
    pd.testing.assert_frame_equal(table, expected)
    box = explorer.phrases_box.value
    assert "2022-05-02 – 2022-05-29" in box and "2022-04-04 – 2022-05-01" in box
    for phrase in table["phrase"]:
        assert f"<td>{html.escape(phrase)}</td>" in box
    # a window with no negative says so
    explorer.end.value = dt.date(2021, 1, 31)
    assert explorer.find_phrases().empty
    assert load_strings("en").text("explorer.phrases_none") in explorer.phrases_box.value


def test_phrases_and_quoted_complaints_are_escaped():
    from crisis_kit.explorer.table import render_phrases

    table = pd.DataFrame({"phrase": ["<b>hot</b>"], "recent": [5], "before": [0], "z": [2.5],
                          "example_1": ["<script>alert(1)</script> so hot"], "example_2": [""]})
    page = render_phrases(table, load_strings("zh"), "<i>window</i>")
    assert "<script>" not in page and "<b>hot" not in page and "<i>window" not in page
    assert "&lt;b&gt;hot&lt;/b&gt;" in page and "&lt;script&gt;alert(1)&lt;/script&gt; so hot" in page
    assert "<th>词语</th>" in page  # the report's Chinese column names
