"""Portfolio scan on DuckDB through Ibis, checked against pandas on the exported events."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from crisis_kit.cli import main
from crisis_kit.portfolio import export_events, scan

DAY = "2022-05-03"


@pytest.fixture(scope="module")
def portfolio(sample_incident, tmp_path_factory):
    root = tmp_path_factory.mktemp("portfolio")
    written = export_events(sample_incident, root, "Mellowkin")
    assert [p.relative_to(root).as_posix() for p in written] == [
        "events/marketplace=US/brand=mellowkin/bottle-valve-2022.parquet"]
    return root


def _by_hand(root, day: str) -> pd.DataFrame:
    """The same figures from the Parquet with pandas only (design.md section 8)."""
    events = pd.read_parquet(next((root / "events").rglob("*.parquet")))
    events = events[events["asin"].notna()]
    events["d"] = pd.to_datetime(events["local_date"])
    d = pd.Timestamp(day)
    rows = []
    for asin, e in events.groupby("asin"):
        neg = e["is_negative"].fillna(False).astype(bool)
        rated = e["source"].isin(["review", "seller_feedback"])
        review = (e["source"] == "review") & e["rating"].notna()

        def inside(first, last, e=e):
            return (e["d"] >= d - pd.Timedelta(days=first)) & (e["d"] <= d - pd.Timedelta(days=last))

        today = int((neg & inside(0, 0)).sum())
        prior = (neg & inside(7, 1)).sum() / 7
        mean28 = (neg & inside(28, 1)).sum() / 28
        p_value = 1.0 - sum(math.exp(-mean28) * mean28**k / math.factorial(k)
                            for k in range(today)) if mean28 > 0 else float(today == 0)
        n7, x7 = int((rated & inside(6, 0)).sum()), int((rated & neg & inside(6, 0)).sum())
        r30 = e.loc[review & inside(29, 0), "rating"]
        week_topics = e.loc[neg & inside(6, 0) & (e["topic"] != "other"), "topic"]
        counts = week_topics.value_counts()
        leading = (sorted(counts[counts == counts.max()].index)[0] if len(counts) else None)
        rows.append({"asin": asin, "today": today, "prior_mean": round(prior, 3),
                     "statistical_fires": bool(today >= 5 and p_value < 0.001),
                     "leading_topic": leading,
                     "seed_fires": bool(today >= 5 and today > 1.15 * prior),
                     "week_share": round(x7 / n7, 3) if n7 else None,
                     "rating_30": round(r30.mean(), 3) if len(r30) else None})
    return pd.DataFrame(rows).set_index("asin")


@pytest.mark.parametrize("day", [DAY, "2022-06-01", "2022-08-31"])
def test_the_engine_equals_pandas_figure_by_figure(portfolio, day):
    got = scan(portfolio, as_of=day).table.set_index("asin")
    want = _by_hand(portfolio, day)
    assert sorted(got.index) == sorted(want.index)
    for asin, row in want.iterrows():
        for column, value in row.items():
            found = got.at[asin, column]
            if value is None or (isinstance(value, float) and pd.isna(value)):
                assert pd.isna(found), (asin, column)
            else:
                assert found == value, (asin, column, found, value)


def test_the_scan_ranks_the_alerting_asin_first_with_its_kind(portfolio):
    result = scan(portfolio, as_of=DAY)
    first = result.table.iloc[0]
    assert (first["asin"], bool(first["seed_fires"]), first["alert_kind"]) == (
        "B0SAMPLE01", True, "share-driven")
    assert first["leading_topic"] == "quality" and bool(first["share_fires"])
    assert len(result.alerting) == 1


def test_cli_exit_codes_and_json(portfolio, capsys):
    assert main(["portfolio", "scan", str(portfolio), "--as-of", DAY, "--json"]) == 3
    out = json.loads(capsys.readouterr().out)
    assert out["day"] == DAY and out["alerting"] == 1
    assert out["asins"][0]["asin"] == "B0SAMPLE01"
    assert main(["portfolio", "scan", str(portfolio), "--as-of", "2022-04-20"]) == 0
    assert "0 of 3 ASINs alerting" in capsys.readouterr().out


def test_an_empty_portfolio_says_how_to_fill_it(tmp_path, capsys):
    assert main(["portfolio", "scan", str(tmp_path)]) == 1
    assert "export-parquet" in capsys.readouterr().err


@pytest.mark.parametrize("lang, words", [("en", ["Portfolio watch", "1 of 3 ASINs alerting"]),
                                         ("zh", ["店铺组合监控", "3 个 ASIN 中有 1 个触发预警"])])
def test_the_offline_page(portfolio, tmp_path, lang, words):
    import re

    from plotly.offline import get_plotlyjs

    from crisis_kit.portfolio.page import write_page

    page = write_page(scan(portfolio, as_of=DAY), portfolio, tmp_path / "p.html", lang=lang)
    html = page.read_text(encoding="utf-8")
    for word in words:
        assert word in html
    assert html.count(get_plotlyjs()) == 1 and 'id="portfolio-charts"' in html
    outside_js = html.replace(get_plotlyjs(), "")  # plotly.js's own strings aside
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", outside_js)
    assert ("B0SAMPLE01 (US, mellowkin)" if lang == "en" else "B0SAMPLE01（US，mellowkin）") in html
    # the sample incident exported: its report's path and command, as text
    assert "crisis-kit report " in html and "bottle-valve-2022.html</code>" in html


def test_one_webhook_message_lists_the_alerting_asins(portfolio, capsys):
    """Posted to a local bot: a Slack-shaped body whose text names the alerting ASIN."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        assert main(["portfolio", "scan", str(portfolio), "--as-of", DAY, "--webhook", url]) == 3
        assert main(["portfolio", "scan", str(portfolio), "--as-of", "2022-04-20",
                     "--webhook", url]) == 0  # calm: nothing posted
    finally:
        server.shutdown()
        server.server_close()
    capsys.readouterr()
    assert len(received) == 1
    text = received[0]["text"]
    assert text.startswith("crisis-kit portfolio ALERT 2022-05-03: 1 of 3 ASINs")
    assert "B0SAMPLE01 (US, mellowkin) 13 negative, share-driven, quality" in text
    assert received[0]["crisis_kit"]["alerting"] == 1


# -- the same scan on Spark (local[2]) ------------------------------------------------------

def _java() -> bool:
    import shutil

    return shutil.which("java") is not None


@pytest.mark.skipif(not _java(), reason="Spark needs Java 17: apt-get install "
                    "openjdk-17-jre-headless (.ci/run installs it)")
@pytest.mark.slow
def test_duckdb_and_spark_give_identical_results_figure_by_figure(portfolio):
    pytest.importorskip("pyspark", reason="pip install pyspark (constraints.txt pins it)")
    for day in (DAY, "2022-06-01", "2022-08-31"):
        duck = scan(portfolio, as_of=day).table
        spark = scan(portfolio, as_of=day, engine="spark").table
        pd.testing.assert_frame_equal(duck.reset_index(drop=True), spark.reset_index(drop=True),
                                      check_dtype=False)
