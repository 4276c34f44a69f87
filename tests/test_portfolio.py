"""Portfolio scan on DuckDB through Ibis, checked against pandas on the exported events
and sales (and against the incident's own sales rules), and on Spark against DuckDB."""

from __future__ import annotations

import datetime as dt
import json
import math

import pandas as pd
import pytest

from crisis_kit.cli import main
from crisis_kit.portfolio import SALES_COLUMNS, export_events, scan

DAY = "2022-05-03"


@pytest.fixture(scope="module")
def portfolio(sample_portfolio):
    """The sample incident's four tables (its sales: a Business Report and the orders file)."""
    return sample_portfolio


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


def test_an_events_only_portfolio_still_scans_with_empty_sales_columns(
        portfolio, sample_incident, tmp_path):
    """A portfolio exported before sales were (no sales or orders folder): same scan."""
    old = tmp_path / "old"
    export_events(sample_incident, old, "Mellowkin")
    assert not (old / "sales").exists() and not (old / "orders").exists()
    got, full = scan(old, as_of=DAY).table, scan(portfolio, as_of=DAY).table
    assert list(got.columns[-6:-3]) == SALES_COLUMNS and got[SALES_COLUMNS].isna().all().all()
    pd.testing.assert_frame_equal(got.drop(columns=SALES_COLUMNS),
                                  full.drop(columns=SALES_COLUMNS))
    assert main(["portfolio", "scan", str(old), "--as-of", DAY]) == 3


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
    first = out["asins"][0]  # its Business Report: 250 units in 7 days, 37.929 a day before
    assert (first["units_7"], first["baseline_units_per_day"], first["sales_index"]) == (
        250.0, 37.929, 94.162) and out["baseline_days"] == 28
    assert round(100 * 250 / 7 / 37.929, 1) == 94.2
    assert main(["portfolio", "scan", str(portfolio), "--as-of", "2022-04-20"]) == 0
    assert "0 of 3 ASINs alerting" in capsys.readouterr().out


def test_an_empty_portfolio_says_how_to_fill_it(tmp_path, capsys):
    assert main(["portfolio", "scan", str(tmp_path)]) == 1
    assert "export-parquet" in capsys.readouterr().err


@pytest.mark.parametrize("lang, words", [
    ("en", ["Portfolio watch", "1 of 3 ASINs alerting", "Sales index, 7 days (baseline 100)"]),
    ("zh", ["店铺组合监控", "3 个 ASIN 中有 1 个触发预警", "7 天销量指数（基线 100）"])])
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
    # B0SAMPLE01's sales index, then its alert's first day (05-02) and last firing day
    since, fired = ("2022-05-02", "2022-05-03") if lang == "en" else ("2022年5月2日", "2022年5月3日")
    assert (f'<td class="n">94.2</td><td class="">{since}</td><td class="">{fired}</td></tr>'
            in html)
    # the sample incident exported: its report's path and command, as text
    assert "crisis-kit report " in html and "bottle-valve-2022.html</code>" in html


# -- the scan's messages: one per change, not per run (monitor/scan_notify.py) ----------------

FIRING_DAYS = [f"2022-05-0{d}" for d in range(2, 9)]
"""The days the seed rule fires on the sample's B0SAMPLE01 in the scan."""
ALERT_DAYS = [*FIRING_DAYS, "2022-05-09", "2022-05-10", "2022-05-11"]
"""The days its alert is active: fired on the day or one of the 3 before (05-12 calm)."""


@pytest.fixture
def own_portfolio(portfolio, tmp_path, monkeypatch):
    """A private copy of the sample portfolio (its scan-notices.json is written), no
    webhook or secret from the environment."""
    import shutil

    monkeypatch.delenv("CRISIS_KIT_WEBHOOK", raising=False)
    monkeypatch.delenv("CRISIS_KIT_WEBHOOK_SECRET", raising=False)
    return shutil.copytree(portfolio, tmp_path / "portfolio")


def _scan(root, day: str, url: str, *more: str) -> int:
    return main(["portfolio", "scan", str(root), "--as-of", day, "--webhook", url, *more])


def _texts(hook) -> list[str]:
    return [r["json"]["text"] for r in hook.requests]


def test_ten_runs_on_one_day_post_once_then_a_digest_a_day_then_the_clearing(
        own_portfolio, hook, capsys):
    """The sample's alert, 2022-05-02 to 05-08, as an hourly then daily scheduler sees it."""
    from crisis_kit.monitor.scan_notify import SCAN_STATE_FILE

    assert [_scan(own_portfolio, ALERT_DAYS[0], hook.url) for _ in range(10)] == [3] * 10
    assert _texts(hook) == [
        "crisis-kit portfolio ALERT 2022-05-02: 1 of 3 ASINs alerting\n"
        "started: B0SAMPLE01 (US, mellowkin) 12 negative, share-driven, quality"]
    assert hook.requests[0]["json"]["crisis_kit"]["alerting"] == 1  # Slack's body: the numbers
    assert capsys.readouterr().out.count("told the webhook: 1 start\n") == 1
    assert _scan(own_portfolio, ALERT_DAYS[1], hook.url) == 3
    assert _scan(own_portfolio, ALERT_DAYS[1], hook.url) == 3
    assert _texts(hook)[1:] == [
        "crisis-kit portfolio ALERT 2022-05-03: 1 of 3 ASINs alerting\n"
        "daily digest: B0SAMPLE01 (US, mellowkin) 13 negative, share-driven, quality, "
        "alert since 2022-05-02"]
    assert [_scan(own_portfolio, day, hook.url) for day in ALERT_DAYS[2:]] == [3] * 8
    assert [t.splitlines()[1][:30] for t in _texts(hook)[2:]] == [
        "daily digest: B0SAMPLE01 (US, "] * 8  # one a day, 05-04 .. 05-11
    # 05-09 .. 05-11: not firing, still active (as the monitor), the same alert
    assert _texts(hook)[9].endswith("alert since 2022-05-02")
    capsys.readouterr()
    assert _scan(own_portfolio, "2022-05-12", hook.url, "--json") == 0
    assert _texts(hook)[10:] == [
        "crisis-kit portfolio 2022-05-12: calm, 3 ASINs\n"
        "cleared: B0SAMPLE01 (US, mellowkin) 19 negative, the alert of 2022-05-02 is over"]
    out = json.loads(capsys.readouterr().out)
    assert out["alerting"] == 0 and out["notice"] == {"posted": True, "digest": "daily", "asins": [
        {"marketplace": "US", "brand": "mellowkin", "asin": "B0SAMPLE01", "event": "clear",
         "alert_date": "2022-05-02", "alert_kind": None, "previous_kind": "share-driven",
         "today": 19, "leading_topic": "quality"}]}
    first = out["asins"][0]
    assert (first["alert_active"], first["alert_date"], first["last_fired"]) == (
        False, None, "2022-05-08")
    assert _scan(own_portfolio, "2022-05-13", hook.url) == 0 and len(hook.requests) == 11
    assert (own_portfolio / SCAN_STATE_FILE).read_text(encoding="utf-8") == json.dumps(
        {"asins": [{"alert_date": None, "alert_kind": None, "asin": "B0SAMPLE01",
                    "brand": "mellowkin", "day": "2022-05-12", "event": "clear",
                    "marketplace": "US", "status": "calm"}]}, indent=2) + "\n"
    capsys.readouterr()
    assert main(["portfolio", "scan", str(own_portfolio), "--as-of", DAY, "--json"]) == 3
    assert json.loads(capsys.readouterr().out)["notice"] is None  # no webhook: no notice


def test_with_digest_off_an_alert_is_told_when_it_starts_and_when_it_clears(own_portfolio, hook):
    assert [_scan(own_portfolio, day, hook.url, "--digest", "off")
            for day in ALERT_DAYS] == [3] * 10
    assert _scan(own_portfolio, "2022-05-12", hook.url, "--digest", "off") == 0
    assert [t.splitlines()[1].split(":")[0] for t in _texts(hook)] == ["started", "cleared"]


def test_a_failed_delivery_is_tried_again_by_the_next_run(own_portfolio, refusing_hook, hook,
                                                         capsys):
    from crisis_kit.monitor.scan_notify import SCAN_STATE_FILE

    assert _scan(own_portfolio, ALERT_DAYS[0], refusing_hook.url, "--json") == 1
    out, err = capsys.readouterr()
    assert "refused the message: HTTP 403" in err and "HOOKtoken" not in err
    notice = json.loads(out)["notice"]  # the verdict and what was to be said, still printed
    assert not notice["posted"] and [a["event"] for a in notice["asins"]] == ["start"]
    assert len(refusing_hook.requests) == 1 and not (own_portfolio / SCAN_STATE_FILE).exists()
    assert _scan(own_portfolio, ALERT_DAYS[0], hook.url) == 3  # the next run: the same start
    assert _texts(hook) == [refusing_hook.requests[0]["json"]["text"]]
    assert _texts(hook)[0].splitlines()[1].startswith("started: B0SAMPLE01")
    assert (own_portfolio / SCAN_STATE_FILE).exists()


def test_a_backfill_of_earlier_days_says_nothing(own_portfolio, hook):
    from crisis_kit.monitor.scan_notify import SCAN_STATE_FILE

    assert _scan(own_portfolio, "2022-05-05", hook.url) == 3 and len(hook.requests) == 1
    state = (own_portfolio / SCAN_STATE_FILE).read_bytes()
    # an earlier day, alerting or calm, changes nothing: the live runs said it already
    assert [_scan(own_portfolio, day, hook.url) for day in ("2022-05-02", "2022-05-04",
                                                            "2022-04-20")] == [3, 3, 0]
    assert len(hook.requests) == 1 and (own_portfolio / SCAN_STATE_FILE).read_bytes() == state
    assert _scan(own_portfolio, "2022-05-06", hook.url) == 3 and len(hook.requests) == 2


@pytest.mark.parametrize("text", ['{"asins": [', '{"asins": [{"asin": "B0SAMPLE01"}]}',
                                  '{"asins": [{"marketplace": "US", "asin": "B0SAMPLE01", '
                                  '"brand": "m", "event": "start", "status": "alert", '
                                  '"day": "05/02/2022", "alert_date": null, '
                                  '"alert_kind": null}]}'])
def test_an_unreadable_record_is_named_with_its_fix(own_portfolio, hook, capsys, text):
    from crisis_kit.monitor.scan_notify import SCAN_STATE_FILE

    (own_portfolio / SCAN_STATE_FILE).write_text(text, encoding="utf-8")
    assert _scan(own_portfolio, ALERT_DAYS[0], hook.url) == 1
    err = capsys.readouterr().err
    assert f"Where: {own_portfolio / SCAN_STATE_FILE}." in err
    assert "Fix: delete the file: the next run then posts as if nothing had been sent yet" in err
    assert hook.requests == []


def test_the_scan_judges_the_sample_as_the_monitor_does_day_by_day(portfolio, sample_incident):
    """Two implementations, one verdict: the engine's (Ibis windows over the Parquet) and
    ``monitor.check``'s (pandas over the incident's store), every day of 04-20 .. 05-20."""
    from crisis_kit.monitor.check import ACTIVE_DAYS, check
    from crisis_kit.portfolio import ACTIVE_DAYS as SCAN_ACTIVE_DAYS

    assert SCAN_ACTIVE_DAYS == ACTIVE_DAYS == 3 and sample_incident.asins == ["B0SAMPLE01"]
    seen = []
    for day in _days("2022-04-20", "2022-05-20"):
        monitor = check(sample_incident, as_of=day)
        row = scan(portfolio, as_of=day).table.set_index("asin").loc["B0SAMPLE01"]
        iso = monitor.alert_date.isoformat() if monitor.alert_date else None
        assert (bool(row["alert_active"]), row["alert_date"]) == (monitor.alert_active, iso), day
        if monitor.alert_active:
            assert row["last_fired"] == monitor.last_fired.isoformat(), day
        assert bool(row["seed_fires"]) == (row["last_fired"] == day.isoformat()), day
        seen.append(monitor.status)
    # the alert: fires 05-02 .. 05-08, active 3 days more; calm before and after
    assert seen == ["calm"] * 12 + ["alert"] * 10 + ["calm"] * 9


ALTERNATE_DAY = dt.date(2024, 6, 30)
"""The every-other-day portfolio's last day."""


@pytest.fixture(scope="module")
def alternate_portfolio(tmp_path_factory):
    """B0ALTERN01 gets 10 negative reviews every other day from 2024-01-01 (none between):
    the seed rule fires on each of those days, 6 months of one alert, longer than the
    scan's look-back. B0LATE0001 the same from 06-01; B0CALMC001 one a day (calm)."""
    root = tmp_path_factory.mktemp("alternate-portfolio")
    rows = []
    for i, day in enumerate(_days("2024-01-01", ALTERNATE_DAY.isoformat())):
        fired = {"B0ALTERN01": i % 2 == 0,
                 "B0LATE0001": day >= dt.date(2024, 6, 1) and (day.day - 1) % 2 == 0}
        for asin, on in fired.items():
            rows += [{"asin": asin, "source": "review", "local_date": day, "rating": 1.0,
                      "is_negative": True, "topic": "quality"}] * (10 if on else 0)
        rows.append({"asin": "B0CALMC001", "source": "review", "local_date": day,
                     "rating": 2.0, "is_negative": True, "topic": "fit"})
    _write(root, "events", "US", "alt", rows)
    return root


def test_an_asin_firing_every_other_day_stays_one_alert(alternate_portfolio, tmp_path, hook,
                                                         monkeypatch):
    """Active on its quiet days too (as the monitor's 3 days), from its first firing day,
    found beyond the look-back; one start message, then only digests: never a clear."""
    import shutil

    from crisis_kit.portfolio import LOOKBACK_DAYS

    monkeypatch.delenv("CRISIS_KIT_WEBHOOK_SECRET", raising=False)
    root = shutil.copytree(alternate_portfolio, tmp_path / "alt")
    got = scan(root, as_of=ALTERNATE_DAY).table.set_index("asin")
    assert (ALTERNATE_DAY - dt.date(2024, 1, 1)).days > LOOKBACK_DAYS + 7  # the long replay
    assert got.loc["B0ALTERN01", ["alert_active", "alert_date", "last_fired"]].tolist() == [
        True, "2024-01-01", "2024-06-29"]  # 06-30 is a quiet day (the 182nd)
    assert got.loc["B0LATE0001", ["alert_active", "alert_date", "last_fired"]].tolist() == [
        True, "2024-06-01", "2024-06-29"]
    assert not got.loc["B0CALMC001", "alert_active"] and got.loc["B0CALMC001", "last_fired"] is None
    assert sorted(got.index[:2]) == ["B0ALTERN01", "B0LATE0001"]  # active alerts first
    for day in _days("2024-06-01", "2024-06-30"):
        assert _scan(root, day.isoformat(), hook.url, "--digest", "off") == 3
    texts = _texts(hook)
    lines = [line for t in texts for line in t.splitlines() if "B0ALTERN01" in line]
    assert lines == ["started: B0ALTERN01 (US, alt) 10 negative, volume-driven, quality"]
    assert texts[0].startswith("crisis-kit portfolio ALERT 2024-06-01: 2 of 3 ASINs alerting\n")
    assert "cleared" not in "".join(texts)


WATCH_DAY = dt.date(2024, 4, 1)
"""The hand-made watch's first alert day (03-25..03-31: 10 reviews a day, 1 negative)."""


@pytest.fixture(scope="module")
def watch_portfolio(tmp_path_factory):
    """Three ASINs with 91 days of 10 reviews a day, 1 negative: from 04-01 B0KINDA001
    (US) and B0VOLB0001 (UK) get 10 negatives among 100 reviews (volume-driven); on 04-02
    B0KINDA001's 10 negatives come alone (its share rises: share-driven); on 04-03 both
    are back to 1 in 10. B0CALMC001 (US) stays calm."""
    root = tmp_path_factory.mktemp("watch-portfolio")

    def reviews(asin, day, negative, positive):
        return ([{"asin": asin, "source": "review", "local_date": day, "rating": 1.0,
                  "is_negative": True, "topic": "quality"}] * negative
                + [{"asin": asin, "source": "review", "local_date": day, "rating": 5.0,
                    "is_negative": False, "topic": "other"}] * positive)

    rows = {"US": [], "UK": []}
    for day in _days("2024-01-01", "2024-04-03"):
        late = {WATCH_DAY: (10, 90), WATCH_DAY + dt.timedelta(days=1): (10, 0)}
        rows["US"] += reviews("B0KINDA001", day, *late.get(day, (1, 9)))
        rows["US"] += reviews("B0CALMC001", day, 1, 9)
        rows["UK"] += reviews("B0VOLB0001", day, *((10, 90) if day in late else (1, 9)))
    for marketplace, found in rows.items():
        _write(root, "events", marketplace, "watch", found)
    return root


@pytest.mark.parametrize("digest", ["daily", "off"])
def test_one_message_names_each_asin_whose_alert_started_changed_kind_or_cleared(
        watch_portfolio, tmp_path, hook, digest, monkeypatch):
    import shutil

    monkeypatch.delenv("CRISIS_KIT_WEBHOOK_SECRET", raising=False)
    root = shutil.copytree(watch_portfolio, tmp_path / "watch")
    kinds = {day: dict(zip(t["asin"], t["alert_kind"].where(t["seed_fires"], None), strict=True))
             for day in range(3) for t in [scan(root, as_of=WATCH_DAY + dt.timedelta(days=day)).table]}
    assert kinds == {0: {"B0KINDA001": "volume-driven", "B0VOLB0001": "volume-driven",
                         "B0CALMC001": None},
                     1: {"B0KINDA001": "share-driven", "B0VOLB0001": "volume-driven",
                         "B0CALMC001": None},
                     2: {"B0KINDA001": None, "B0VOLB0001": None, "B0CALMC001": None}}
    # both fired last on 04-02: active through 04-05 (3 days after), calm on 04-06
    for day in (0, 1, 2, 4, 5):
        for _ in range(2):
            _scan(root, (WATCH_DAY + dt.timedelta(days=day)).isoformat(), hook.url,
                  "--digest", digest)
    texts = _texts(hook)
    started, changed, *digests, cleared = texts
    assert len(digests) == (2 if digest == "daily" else 0)  # 04-03 and 04-05
    assert all(t.startswith("crisis-kit portfolio ALERT 2024-04-0") for t in digests)
    assert all(line.startswith("daily digest: ") and line.endswith("alert since 2024-04-01")
               for t in digests for line in t.splitlines()[1:])
    assert started == (
        "crisis-kit portfolio ALERT 2024-04-01: 2 of 3 ASINs alerting\n"  # the scan's ranking
        "started: B0VOLB0001 (UK, watch) 10 negative, volume-driven, quality\n"  # (a tie: UK < US)
        "started: B0KINDA001 (US, watch) 10 negative, volume-driven, quality")
    assert changed == (
        "crisis-kit portfolio ALERT 2024-04-02: 2 of 3 ASINs alerting\n"
        "kind changed: B0KINDA001 (US, watch) 10 negative, now share-driven (was volume-driven), "
        "quality, alert since 2024-04-01"
        + ("\ndaily digest: B0VOLB0001 (UK, watch) 10 negative, volume-driven, quality, "
           "alert since 2024-04-01" if digest == "daily" else ""))
    assert cleared.splitlines()[0] == "crisis-kit portfolio 2024-04-06: calm, 3 ASINs"
    assert sorted(cleared.splitlines()[1:]) == [
        "cleared: B0KINDA001 (US, watch) 0 negative, the alert of 2024-04-01 is over",
        "cleared: B0VOLB0001 (UK, watch) 0 negative, the alert of 2024-04-01 is over"]


def test_an_asin_gone_from_the_scan_is_cleared_and_long_lists_are_cut(tmp_path):
    """The rule on a hand-made table (no engine): what the messages say at their edges."""
    from dataclasses import asdict

    from crisis_kit.monitor import webhook_payload
    from crisis_kit.monitor.notify import decide_event, write_json
    from crisis_kit.monitor.scan_notify import (
        MAX_LISTED,
        AsinSent,
        plan_notice,
        scan_state_path,
    )
    from crisis_kit.portfolio import SCAN_COLUMNS, Scan

    def table(n):
        return pd.DataFrame([{**dict.fromkeys(SCAN_COLUMNS), "marketplace": "US",
                              "brand": "b", "asin": f"B0{i:08d}", "today": 9,
                              "seed_fires": True, "alert_kind": "volume-driven",
                              "alert_active": True, "alert_date": "2024-01-02",
                              "leading_topic": None} for i in range(n)], columns=SCAN_COLUMNS)

    gone = AsinSent(marketplace="DE", asin="B0GONE0001", brand="b", event="start",
                    status="alert", day="2024-01-01", alert_date="2024-01-01",
                    alert_kind="share-driven")
    write_json(scan_state_path(tmp_path), {"asins": [asdict(gone)]})
    notice = plan_notice(Scan(day=dt.date(2024, 1, 2), table=table(MAX_LISTED + 3),
                              growth=0.15, floor=5), tmp_path)
    lines = notice.message.splitlines()
    assert lines[0] == f"crisis-kit portfolio ALERT 2024-01-02: {MAX_LISTED + 3} of " \
                       f"{MAX_LISTED + 3} ASINs alerting"
    assert lines[1] == "started: B000000000 (US, b) 9 negative, volume-driven"
    assert len(lines) == 1 + MAX_LISTED + 1 and lines[-1] == "... and 4 more (3 started, 1 cleared)"
    assert notice.notified[-1].line() == (
        "B0GONE0001 (DE, b) no longer in the scan, the alert of 2024-01-01 is over")
    assert [r.asin for r in notice.records][:2] == ["B0GONE0001", "B000000000"]  # DE < US
    odd = plan_notice(Scan(day=dt.date(2024, 1, 2), growth=0.15, floor=5,
                           table=table(1).assign(asin="<!channel> & co")), tmp_path / "new")
    text = webhook_payload(odd, "slack")["text"]  # Slack reads <...> and & as markup
    assert "started: &lt;!channel&gt; &amp; co (US, b)" in text and "<!channel>" not in text
    assert "started: <!channel> & co (US, b)" in webhook_payload(odd, "feishu")["content"]["text"]
    with pytest.raises(ValueError, match="digest must be one of daily, off"):
        decide_event("2024-01-02", active=True, alert_date="2024-01-02", kind=None,
                     previous=None, digest="weekly")
    with pytest.raises(ValueError, match="digest must be one of daily, off"):
        plan_notice(Scan(day=dt.date(2024, 1, 2), table=table(1), growth=0.15, floor=5),
                    tmp_path, digest="weekly")


@pytest.mark.parametrize("alerting", [5000, 30])
def test_a_5000_asin_portfolio_posts_a_small_body_in_every_format(tmp_path, alerting):
    """Slack's body carries the message and the notified ASINs, not the scan's 5,000 rows:
    under Slack's 40,000 characters of text even when every ASIN starts at once."""
    from crisis_kit.monitor import webhook_payload
    from crisis_kit.monitor.scan_notify import MAX_LISTED, MAX_PAYLOAD_ASINS, plan_notice
    from crisis_kit.portfolio import SCAN_COLUMNS, Scan

    table = pd.DataFrame([{
        **dict.fromkeys(SCAN_COLUMNS), "marketplace": "US", "brand": "brand-with-a-long-name",
        "asin": f"B0{i:08d}", "today": 40 + i % 9, "seed_fires": i < alerting,
        "alert_active": i < alerting, "alert_date": "2024-01-02" if i < alerting else None,
        "alert_kind": "share-driven" if i < alerting else None, "leading_topic": "quality",
        "prior_mean": 3.25, "threshold": 3.738, "rating_30": 3.917, "sales_index": 97.5}
        for i in range(5000)], columns=SCAN_COLUMNS)
    result = Scan(day=dt.date(2024, 1, 2), table=table, growth=0.15, floor=5)
    assert len(json.dumps(result.as_json())) > 40_000 * 10  # what the body used to carry
    notice = plan_notice(result, tmp_path)
    rest = alerting - MAX_LISTED
    assert notice.message.splitlines()[-1] == f"... and {rest} more ({rest} started)"
    assert len(notice.message.splitlines()) == 1 + MAX_LISTED + 1
    for fmt in ("slack", "feishu", "dingtalk", "wecom"):
        body = json.dumps(webhook_payload(notice, fmt), ensure_ascii=False)
        assert len(body) < 40_000, (fmt, len(body))
        assert f"and {rest} more" in body and "B000000000" in body
        assert f"B0{4999:08d}" not in body  # a calm ASIN: never in the message
    carried = webhook_payload(notice, "slack")["crisis_kit"]
    assert carried["message"] == notice.message and carried["events"] == {"start": alerting}
    assert [n["asin"] for n in carried["notified"]] == [
        f"B0{i:08d}" for i in range(min(alerting, MAX_PAYLOAD_ASINS))]
    assert carried["more"] == max(alerting - MAX_PAYLOAD_ASINS, 0)
    assert (carried["asins"], carried["alerting"]) == (5000, alerting)
    # WeCom's text holds 2048 bytes: in Chinese, with long names, fewer lines, a true count
    from crisis_kit.monitor.webhook import WECOM_TEXT_BYTES

    long = Scan(day=dt.date(2024, 1, 2), growth=0.15, floor=5,
                table=table.assign(brand="一个名字很长很长很长的品牌" * 3))
    zh = plan_notice(long, tmp_path, lang="zh")
    content = webhook_payload(zh, "wecom")["text"]["content"]
    assert len(zh.message.encode("utf-8")) > WECOM_TEXT_BYTES >= len(content.encode("utf-8"))
    lines = content.splitlines()
    shown = len(lines) - 2
    assert 0 < shown < MAX_LISTED and lines[-1] == (
        f"……另有 {alerting - shown} 个（预警开始 {alerting - shown} 个）")
    assert webhook_payload(zh, "dingtalk")["text"]["content"] == zh.message


def test_the_message_in_chinese(own_portfolio, hook, tmp_path):
    """--lang zh: the page's language is the message's too, same events, same rule."""
    from crisis_kit.language import load_strings
    from crisis_kit.monitor.notify import write_json
    from crisis_kit.monitor.scan_notify import Notified, plan_notice
    from crisis_kit.portfolio import SCAN_COLUMNS, Scan

    assert _scan(own_portfolio, "2022-05-02", hook.url, "--lang", "zh") == 3
    assert _scan(own_portfolio, "2022-05-03", hook.url, "--lang", "zh") == 3
    assert _scan(own_portfolio, "2022-05-12", hook.url, "--lang", "zh") == 0
    assert _texts(hook) == [
        "crisis-kit 店铺组合预警 2022年5月2日：3 个 ASIN 中有 1 个处于预警\n"
        "预警开始：B0SAMPLE01（US，mellowkin）今日负面 12 条，占比上升型，质量与缺陷",
        "crisis-kit 店铺组合预警 2022年5月3日：3 个 ASIN 中有 1 个处于预警\n"
        "每日汇总：B0SAMPLE01（US，mellowkin）今日负面 13 条，占比上升型，质量与缺陷，"
        "预警开始于 2022年5月2日",
        "crisis-kit 店铺组合 2022年5月12日：平稳，共 3 个 ASIN\n"
        "预警解除：B0SAMPLE01（US，mellowkin）今日负面 19 条，2022年5月2日 开始的预警已解除"]
    assert hook.requests[0]["json"]["crisis_kit"]["lang"] == "zh"
    # the same notice in English: the lines the English tests read, word for word
    changed = Notified(marketplace="UK", brand="b", asin="B0KIND0001", event="kind",
                       alert_date="2024-01-01", alert_kind="share-driven",
                       previous_kind="volume-driven", today=None, leading_topic=None)
    assert changed.line() == ("B0KIND0001 (UK, b) no longer in the scan, now share-driven "
                              "(was volume-driven), alert since 2024-01-01")
    assert changed.line(load_strings("zh")) == (
        "B0KIND0001（UK，b）已不在扫描范围内，现为占比上升型（此前为量增型），预警开始于 2024年1月1日")
    table = pd.DataFrame([{**dict.fromkeys(SCAN_COLUMNS), "marketplace": "US", "brand": "b",
                           "asin": f"B0{i:08d}", "today": 9, "seed_fires": True,
                           "alert_active": True, "alert_date": "2024-01-02",
                           "alert_kind": "volume-driven"} for i in range(15)],
                         columns=SCAN_COLUMNS)
    (tmp_path / "zh").mkdir()  # an ASIN gone from the scan since the last message
    write_json(tmp_path / "zh" / "scan-notices.json", {"asins": [{
        "marketplace": "DE", "asin": "B0GONE0001", "brand": "b", "event": "start",
        "status": "alert", "day": "2024-01-01", "alert_date": "2024-01-01",
        "alert_kind": None}]})
    notice = plan_notice(Scan(day=dt.date(2024, 1, 2), table=table, growth=0.15, floor=5),
                         tmp_path / "zh", lang="zh")
    assert notice.message.splitlines()[-1] == "……另有 4 个（预警开始 3 个，预警解除 1 个）"
    with pytest.raises(ValueError, match="lang must be one of en, zh"):
        plan_notice(Scan(day=dt.date(2024, 1, 2), table=table, growth=0.15, floor=5),
                    tmp_path, lang="fr")


# -- sales: one source per ASIN-day, the 7 days against the baseline ------------------------

SALES_DAY = dt.date(2024, 3, 31)
"""The hand-made portfolio's scan day: the 7 days 03-25..03-31, the baseline 02-26..03-24."""


def _write(root, table: str, marketplace: str, brand: str, rows: list[dict]) -> None:
    """One Parquet file of ``rows`` with the table's declared schema (NULL where not given)."""
    import duckdb

    from crisis_kit.portfolio import PORTFOLIO_TABLES

    folder = root / table / f"marketplace={marketplace}" / f"brand={brand}"
    folder.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame([{"incident": "watch", **r} for r in rows])  # noqa: F841 (read by SQL)
    columns = ", ".join(
        f'CAST({("frame." + chr(34) + c.name + chr(34)) if c.name in frame else "NULL"} '
        f'AS {c.type}) AS "{c.name}"' for c in PORTFOLIO_TABLES[table].columns)
    duckdb.sql(f"COPY (SELECT {columns} FROM frame) TO '{folder / 'watch.parquet'}' "
               "(FORMAT parquet)")


def _days(first: str, last: str) -> list[dt.date]:
    return [d.date() for d in pd.date_range(first, last)]


@pytest.fixture(scope="module")
def sales_portfolio(tmp_path_factory):
    """Four brands whose sales reports overlap, lag, start late or name no ASIN.

    acme (US): A1 in a Business Report every day but 03-10..03-12 (the orders file fills
    them), a Sales and Traffic report over 03-20..03-31 (the Business Report wins) and
    alone on 03-11 (it wins over the orders file), listed under two parents on 03-28
    (summed); the orders file every day (cancelled lines among them). A2 in the orders
    file only, some days none (0 units), none in the baseline (no index). A3 has events,
    no sales. Account-level ``*`` rows and a row without an ASIN. A4 has sales and no
    event: not scanned.
    beta (UK): reports from 03-11 (14 days of the baseline covered); B1 an unknown
    source alone on 03-30 (it counts) and beside a Business Report on 03-29 (it does not).
    gamma (US): reports end on 03-29 (two days late): no 7 days, no index; a baseline.
    """
    root = tmp_path_factory.mktemp("sales-portfolio")
    events, sales, orders = [], [], []
    for brand, market, asins in (("acme", "US", ["A1", "A2", "A3"]), ("beta", "UK", ["B1"]),
                                 ("gamma", "US", ["G1"])):
        for asin in asins:
            for day in (dt.date(2024, 3, 1), dt.date(2024, 3, 28)):
                events.append((market, brand, {
                    "asin": asin, "source": "review", "local_date": day, "rating": 2.0,
                    "is_negative": True, "topic": "quality", "event_id": f"e-{asin}-{day}"}))

    def sale(market, brand, asin, day, units, source="business_report", **more):
        sales.append((market, brand, {"date": day, "asin": asin, "units": units,
                                      "source": source, "sku": f"S-{asin}", **more}))

    def order(market, brand, asin, day, quantity, status="Shipped", n=0):
        orders.append((market, brand, {"order_id": f"o-{asin}-{day}-{n}", "asin": asin,
                                       "local_date": day, "quantity": quantity,
                                       "status": status, "sku": "S-" + asin}))

    for i, day in enumerate(_days("2024-02-01", "2024-03-31")):
        if not dt.date(2024, 3, 10) <= day <= dt.date(2024, 3, 12):
            sale("US", "acme", "A1", day, 10 + i % 7, parent_asin="P1")
        if day >= dt.date(2024, 3, 20):
            sale("US", "acme", "A1", day, 100 + i, source="sales_traffic")
        order("US", "acme", "A1", day, 3 + i % 4)
        order("US", "acme", "A1", day, 50, status="Cancelled", n=1)
        if day >= dt.date(2024, 3, 25) and i % 3:
            order("US", "acme", "A2", day, 2)
        sale("US", "acme", "*", day, 999)
        sale("US", "acme", "A4", day, 7)
    sale("US", "acme", "A1", dt.date(2024, 3, 11), 40, source="sales_traffic")
    sale("US", "acme", "A1", dt.date(2024, 3, 28), 5, parent_asin="P2")
    sale("US", "acme", None, dt.date(2024, 3, 28), 70)
    order("US", "acme", "A2", dt.date(2024, 3, 30), 4, status=None, n=2)  # no status: a sale
    for i, day in enumerate(_days("2024-03-11", "2024-03-31")):
        if day != dt.date(2024, 3, 30):
            sale("UK", "beta", "B1", day, 20 + (i * 5) % 11)
    sale("UK", "beta", "B1", dt.date(2024, 3, 30), 33, source="vendor_central")
    sale("UK", "beta", "B1", dt.date(2024, 3, 29), 500, source="vendor_central")
    for i, day in enumerate(_days("2024-01-15", "2024-03-29")):
        sale("US", "gamma", "G1", day, 8 + i % 5, source="sales_traffic")
    for table, rows in (("events", events), ("sales", sales), ("orders", orders)):
        by_folder: dict = {}
        for market, brand, row in rows:
            by_folder.setdefault((market, brand), []).append(row)
        for (market, brand), part in by_folder.items():
            _write(root, table, market, brand, part)
    return root


def _sales_by_hand(root, day: dt.date, baseline_days: int = 28) -> pd.DataFrame:
    """The scan's sales figures from the Parquet with pandas and plain Python only."""
    import pyarrow.dataset as ds

    def read(table):
        return ds.dataset(root / table, format="parquet", partitioning="hive").to_table(
        ).to_pandas()

    sales, orders = read("sales"), read("orders")
    rank = {"business_report": 0, "sales_traffic": 1, "orders": 2}
    reports: dict = {}  # (market, brand, asin, day) -> {rank: units}
    rows = [(r.marketplace, r.brand, r.asin, pd.Timestamp(r.date).date(), r.source, r.units)
            for r in sales.itertuples()]
    rows += [(r.marketplace, r.brand, r.asin, pd.Timestamp(r.local_date).date(), "orders",
              r.quantity) for r in orders.itertuples()
             if str(r.status).lower() not in ("cancelled", "canceled")]
    for market, brand, asin, d, source, units in rows:
        if asin in (None, "", "*") or d > day:
            continue
        per_rank = reports.setdefault((market, brand, asin, d), {})
        r = rank.get(source, 3)
        per_rank[r] = per_rank.get(r, 0.0) + units
    daily = {key: per_rank[min(per_rank)] for key, per_rank in reports.items()}
    spans: dict = {}
    for market, brand, _, d in daily:
        first, last = spans.get((market, brand), (d, d))
        spans[(market, brand)] = (min(first, d), max(last, d))
    week = [day - dt.timedelta(days=k) for k in range(6, -1, -1)]
    base = [day - dt.timedelta(days=k) for k in range(6 + baseline_days, 6, -1)]
    out = {}
    for market, brand, asin in {k[:3] for k in daily}:
        first, last = spans[(market, brand)]
        if not any((market, brand, asin, d) in daily for d in base + week):
            continue  # nothing reported in the windows: no figures
        covered = [daily.get((market, brand, asin, d), 0.0) for d in base if first <= d <= last]
        baseline = sum(covered) / len(covered) if covered else None
        units_7 = sum(daily.get((market, brand, asin, d), 0.0) for d in week) \
            if first <= week[0] and last >= day else None
        index = (100 * units_7 / 7 / baseline
                 if units_7 is not None and baseline else None)
        out[(market, brand, asin)] = {"units_7": units_7, "baseline_units_per_day": baseline,
                                      "sales_index": index}
    return pd.DataFrame.from_dict(out, orient="index")


def _assert_sales_equal(table: pd.DataFrame, want: pd.DataFrame) -> None:
    got = table.set_index(["marketplace", "brand", "asin"])
    for key in got.index:
        for column in SALES_COLUMNS:
            value = want.at[key, column] if key in want.index else None
            found = got.at[key, column]
            if value is None or pd.isna(value):
                assert pd.isna(found), (key, column, found)
            else:
                assert found == round(value, 3), (key, column, found, value)


@pytest.mark.parametrize("day", [SALES_DAY, dt.date(2024, 3, 29), dt.date(2024, 3, 12)])
def test_sales_figures_equal_pandas_on_overlapping_lagging_sources(sales_portfolio, day):
    table = scan(sales_portfolio, as_of=day).table
    want = _sales_by_hand(sales_portfolio, day)
    _assert_sales_equal(table, want)
    got = table.set_index("asin")
    assert sorted(got.index) == ["A1", "A2", "A3", "B1", "G1"]
    assert "A4" not in got.index  # sales, no event: the scan lists the events' ASINs
    if day == SALES_DAY:  # the figures read by eye, beside the pandas above
        assert pd.isna(got.at["A3", "units_7"])  # events, no sales
        assert got.at["A2", "units_7"] == 2 * 5 + 4 and got.at["A2", "baseline_units_per_day"] == 0
        assert pd.isna(got.at["A2", "sales_index"])  # no positive baseline
        # gamma's reports end two days before: a baseline, no 7 days, no index
        assert pd.isna(got.at["G1", "units_7"]) and got.at["G1", "baseline_units_per_day"] > 0
        # beta: the unknown source alone on 03-30 counts (33), beside a report it does not
        assert got.at["B1", "units_7"] == sum(20 + (i * 5) % 11 for i in range(14, 21) if i != 19) + 33
        assert got.at["B1", "baseline_units_per_day"] == round(
            sum(20 + (i * 5) % 11 for i in range(14)) / 14, 3)
        # the Business Report's A1 (two parents on 03-28), not the Sales and Traffic report
        a1 = sum(10 + i % 7 for i in range(53, 60)) + 5
        assert got.at["A1", "units_7"] == a1
    # A1 and B1; A1, B1 and G1; A1 and G1 (beta's reports start after 03-06)
    assert table["sales_index"].notna().sum() == {SALES_DAY: 2, dt.date(2024, 3, 29): 3}.get(
        day, 2)


def test_engine_daily_units_equal_the_incident_rule(sales_portfolio):
    """engine.daily.daily_units == analysis.sales.daily_units, ASIN by ASIN, day by day."""
    import ibis
    import pyarrow.dataset as ds

    from crisis_kit.analysis.sales import daily_units as incident_units
    from crisis_kit.engine.daily import daily_units
    from crisis_kit.portfolio.workspace import READ_OPTIONS

    con = ibis.duckdb.connect()
    tables = {t: con.read_parquet(str(sales_portfolio / t / "*" / "*" / "*.parquet"),
                                  **READ_OPTIONS) for t in ("sales", "orders")}
    engine = daily_units(tables["sales"], tables["orders"]).execute()
    engine["local_date"] = pd.to_datetime(engine["local_date"])

    def read(table):
        return ds.dataset(sales_portfolio / table, format="parquet", partitioning="hive"
                          ).to_table().to_pandas()

    sales, orders = read("sales"), read("orders")
    # the store's sales(): the report rows, and the order lines not cancelled summed by day
    kept = orders[~orders["status"].fillna("").str.lower().isin(["cancelled", "canceled"])]
    as_sales = kept.groupby(["marketplace", "brand", "local_date", "asin"], as_index=False)[
        "quantity"].sum().rename(columns={"local_date": "date", "quantity": "units"})
    rows = pd.concat([sales, as_sales.assign(source="orders")], ignore_index=True)
    checked = 0
    for (market, brand), part in rows.groupby(["marketplace", "brand"]):
        for asin in sorted(set(part["asin"].dropna()) - {"*", ""}):
            want = incident_units(part, [asin])
            want = want[want["sources"] != ""]  # days no source reports: the engine has no row
            got = engine[(engine["marketplace"] == market) & (engine["brand"] == brand)
                         & (engine["asin"] == asin)].sort_values("local_date")
            assert got["local_date"].tolist() == want["local_date"].tolist(), asin
            assert got["units"].tolist() == want["units"].tolist(), asin
            checked += 1
    assert checked == 5


@pytest.mark.parametrize("day", [DAY, "2022-06-01", "2022-08-31"])
def test_sample_sales_index_equals_the_incident_summary(portfolio, sample_incident, day):
    """On the sample (Business Report and orders file for the same days): the scan's sales
    figures equal the incident's summarise() with the onset taken as day - 6."""
    from crisis_kit.analysis.sales import summarise
    from crisis_kit.store import open_store

    with open_store(sample_incident.store_path, read_only=True) as store:
        sales = store.sales()
    assert {"business_report", "orders"} <= set(sales["source"])
    table = scan(portfolio, as_of=day).table.set_index("asin")
    onset = pd.Timestamp(day) - pd.Timedelta(days=6)
    for asin, row in table.iterrows():
        incident = summarise(sales, onset, 28, 1.2, asins=[asin], as_of=day)
        assert row["baseline_units_per_day"] == round(incident.baseline_units_per_day, 3)
        assert row["sales_index"] == round(100 * incident.latest_index, 3)
        assert row["units_7"] == incident.daily["units"].tail(7).sum()


# -- the same scan on Spark (local[2]) ------------------------------------------------------

def _java() -> bool:
    import shutil

    return shutil.which("java") is not None


@pytest.mark.skipif(not _java(), reason="Spark needs Java 17: apt-get install "
                    "openjdk-17-jre-headless (.ci/run installs it)")
@pytest.mark.slow
def test_duckdb_and_spark_give_identical_results_figure_by_figure(
        portfolio, sales_portfolio, watch_portfolio, alternate_portfolio, tmp_path):
    """The sample (events, a Business Report and the orders file) on three days (its alert
    firing, active without firing, over), the hand-made sales portfolio (overlapping,
    lagging, late-starting sources) on two, the every-other-day alerts (one replayed over
    its whole history); the watch's days of two alerts starting and one changing kind:
    the same messages."""
    from crisis_kit.monitor.scan_notify import plan_notice

    pytest.importorskip("pyspark", reason="pip install pyspark (constraints.txt pins it)")
    cases = [(portfolio, DAY), (portfolio, "2022-05-10"), (portfolio, "2022-06-01"),
             (portfolio, "2022-08-31"), (sales_portfolio, SALES_DAY),
             (sales_portfolio, dt.date(2024, 3, 29)), (alternate_portfolio, ALTERNATE_DAY)]
    for root, day in cases:
        duck = scan(root, as_of=day).table
        spark = scan(root, as_of=day, engine="spark").table
        assert root == alternate_portfolio or duck["sales_index"].notna().sum() >= 2
        pd.testing.assert_frame_equal(duck.reset_index(drop=True), spark.reset_index(drop=True),
                                      check_dtype=False)
        if day in ("2022-05-10", ALTERNATE_DAY):  # active on a quiet day; since 01-01
            assert duck["alert_active"].sum() == (1 if root == portfolio else 2)
            assert set(spark["alert_date"].dropna()) == (
                {"2022-05-02"} if root == portfolio else {"2024-01-01", "2024-06-01"})
    for day in (WATCH_DAY, WATCH_DAY + dt.timedelta(days=1)):  # no record yet: all started
        duck = plan_notice(scan(watch_portfolio, as_of=day), tmp_path)
        spark = plan_notice(scan(watch_portfolio, as_of=day, engine="spark"), tmp_path)
        assert duck.message == spark.message and len(duck.notified) == 2
        assert duck.notified == spark.notified and duck.records == spark.records


def test_the_scan_imports_neither_the_incident_model_nor_the_ingest(sample_portfolio):
    """A morning scan reads Parquet: pydantic (the incident's model) and the ingest's modules
    stay unimported; scipy.special comes from the preload thread. Same JSON as in-process."""
    import subprocess
    import sys

    code = ("import contextlib, io, json, sys\n"
            "from crisis_kit.cli import main\n"
            "out = io.StringIO()\n"
            "with contextlib.redirect_stdout(out):\n"
            "    code = main(['portfolio', 'scan', sys.argv[1], '--json', '--as-of', '2022-05-06'])\n"
            "loaded = [m for m in ('pydantic', 'crisis_kit.ingest', 'crisis_kit.config.incident',"
            " 'scipy.special') if m in sys.modules]\n"
            "print(json.dumps({'code': code, 'loaded': loaded, 'scan': json.loads(out.getvalue())}))")
    done = subprocess.run([sys.executable, "-c", code, str(sample_portfolio)],
                          capture_output=True, text=True, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["loaded"] == ["scipy.special"], result["loaded"]
    cli = {k: v for k, v in result["scan"].items() if k != "notice"}  # the webhook's, none here
    assert cli == scan(sample_portfolio, as_of="2022-05-06").as_json()
    assert result["code"] == (3 if result["scan"]["alerting"] else 0)
