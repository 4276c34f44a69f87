"""The explorer driven from code: widget values in, figures and table rows out."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("anywidget")

from crisis_kit.config import load_incident  # noqa: E402
from crisis_kit.explorer import Explorer, parse  # noqa: E402
from crisis_kit.ingest import ingest_incident  # noqa: E402
from crisis_kit.store import open_store  # noqa: E402
from crisis_kit.topics import assign  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
EXTRA = [  # event_id, text, rating
    ("x-html", "<script>alert('x')</script> The valve LEAKED <b>everywhere</b>", 1.0),
    ("x-zh", "奶瓶漏水，宝宝的衣服全湿了", 1.0),
    ("x-formula", "=HYPERLINK(\"http://evil\",\"click\") leaks", 2.0),
]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("explore") / "incident"
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
    return root


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
    assert explorer.page_label.value.startswith(f"{len(chosen):,} complaints")
    newest = chosen.sort_values(["occurred_at", "event_id"], ascending=[False, True]).head(20)
    assert set(explorer.page_rows["event_id"]) == set(newest["event_id"])


def test_rating_and_negative_filters_and_day_click(explorer, events):
    reset(explorer)
    explorer.rating.value = (1, 2)
    explorer.negative.value = True
    chosen = events[events["rating"].isin([1.0, 2.0]) & events["is_negative"]]
    assert explorer.page_label.value.startswith(f"{len(chosen):,} complaints")

    class Points:
        xs = ["2022-05-06"]

    explorer._volume_clicked(None, Points(), None)
    on_day = chosen[chosen["local_date"] == "2022-05-06"]
    assert explorer.page_label.value.startswith(f"{len(on_day):,} complaints on 2022-05-06")
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
    assert explorer.page_label.value.startswith(f"{keep.sum():,} complaints")
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
    assert explorer.page_label.value.startswith("1 complaints")
    assert explorer.last_day == dt.date(2022, 9, 1)


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("CRISIS_KIT_JUPYTER_TEST") != "1",
                    reason="set CRISIS_KIT_JUPYTER_TEST=1 to start JupyterLab in headless chromium")
def test_explorer_renders_in_jupyterlab(tmp_path):
    from tests.jupyter_check import render_notebook

    shot = render_notebook(tmp_path / "explorer.png")
    assert shot.exists() and shot.stat().st_size > 10_000
