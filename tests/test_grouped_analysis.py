"""The analysis on events grouped by the engine gives every number the event-by-event one gives.

``run_analysis`` reads the events grouped in DuckDB (``Store.grouped_events``): each
negative event, social mention and answered event a row of its own, every other event
counted in a row of ``n`` alike ones. ``grouped=False`` reads every event one by one, the
reference: summary.json and the tables behind the report must not move by one byte.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from crisis_kit.analysis.evidence import load_evidence
from crisis_kit.config import load_incident
from crisis_kit.pipeline import run_analysis
from crisis_kit.store import open_store

BENCH = Path(__file__).resolve().parents[1] / "bench"


def _same(grouped, one_by_one) -> None:
    """Both analyses: the same summary.json and the same tables behind the report."""
    a, b = grouped.summary(), one_by_one.summary()
    assert json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)
    pairs = [(grouped.detection.negative_per_day, one_by_one.detection.negative_per_day),
             (grouped.detection.backtest, one_by_one.detection.backtest),
             (grouped.topic_shares, one_by_one.topic_shares),
             (grouped.topic_drivers, one_by_one.topic_drivers),
             (grouped.representatives, one_by_one.representatives),
             (grouped.phrases, one_by_one.phrases),
             (grouped.voc_beside, one_by_one.voc_beside),
             (grouped.remedies, one_by_one.remedies),
             (grouped.followups, one_by_one.followups)]
    if one_by_one.rating is not None:
        pairs += [(grouped.rating.trajectory, one_by_one.rating.trajectory),
                  (grouped.rating.forecast.path, one_by_one.rating.forecast.path)]
    if one_by_one.health is not None:
        pairs += [(grouped.health.topics, one_by_one.health.topics),
                  (grouped.health.trajectory, one_by_one.health.trajectory)]
    for left, right in pairs:
        pd.testing.assert_frame_equal(left.reset_index(drop=True), right.reset_index(drop=True))


def test_grouped_rows_stand_for_every_event_of_the_incident(sample_incident):
    grouped = load_evidence(sample_incident, words=False, grouped=True).events
    events = load_evidence(sample_incident, words=False).events
    assert len(grouped) < len(events)
    assert grouped["n"].sum() == len(events)
    # every negative event is a row of its own, with its id (quoted, timed, listed)
    negative = grouped[grouped["is_negative"]]
    assert (negative["n"] == 1).all()
    assert sorted(negative["event_id"]) == sorted(events.loc[events["is_negative"], "event_id"])
    # counted by source, day and rating, the rows and the events agree
    keys = ["source", "local_date", "rating"]
    by_rows = grouped.groupby(keys, observed=True, dropna=False)["n"].sum()
    by_events = events.groupby(keys, observed=True, dropna=False).size()
    pd.testing.assert_series_equal(by_rows.sort_index(), by_events.sort_index(),
                                   check_names=False)


def test_grouped_rows_are_cut_like_the_events(sample_incident):
    day = "2022-05-20"
    grouped = load_evidence(sample_incident, day, words=False, grouped=True).events
    events = load_evidence(sample_incident, day, words=False).events
    assert grouped["n"].sum() == len(events)
    assert pd.to_datetime(grouped["local_date"]).max() <= pd.Timestamp(day)
    # seller feedback names an order, not an ASIN: it is the incident's through its order
    feedback = grouped[grouped["source"].astype(str) == "seller_feedback"]
    assert feedback["n"].sum() == (events["source"].astype(str) == "seller_feedback").sum() > 0


@pytest.mark.parametrize("as_of", [None, "2022-05-06", "2022-06-30"])
def test_the_sample_analysis_is_the_same_grouped_or_event_by_event(sample_incident, as_of):
    _same(run_analysis(sample_incident, as_of), run_analysis(sample_incident, as_of, grouped=False))


@pytest.fixture(scope="module")
def bench_store(tmp_path_factory):
    """bench/analysis.py's store at 20,000 events (50 ASINs, 3 years, a defect spike)."""
    sys.path.insert(0, str(BENCH))  # bench/analysis.py imports bench/harness.py
    try:
        spec = importlib.util.spec_from_file_location("bench_analysis", BENCH / "analysis.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return load_incident(module.build(tmp_path_factory.mktemp("bench"), 20_000))
    finally:
        sys.path.remove(str(BENCH))


def test_the_benchmark_store_is_analysed_the_same_grouped_or_event_by_event(bench_store):
    grouped = run_analysis(bench_store)
    _same(grouped, run_analysis(bench_store, grouped=False))
    with open_store(bench_store.store_path, read_only=True) as store:
        total = store.con.execute("SELECT count(*) FROM events").fetchone()[0]
    assert grouped.summary()["complaints"]["total"] == total == 20_000
    assert len(grouped.events) < total


def test_the_engines_daily_figures_are_the_incidents_daily_series(sample_incident):
    """One definition: the portfolio scan's Ibis daily figures (crisis_kit.engine.daily),
    run on the incident's events, give the incident analysis's daily series day by day."""
    import warnings

    import ibis

    from crisis_kit.engine.daily import daily_figures

    events = load_evidence(sample_incident, words=False).events
    frame = pd.DataFrame({
        "marketplace": events["marketplace"].astype(str), "brand": "sample",
        # an event without an ASIN is the incident's through its order: the scan counts
        # per ASIN, so it gets one of its own here
        "asin": events["asin"].astype(object).fillna("(its order)"),
        "source": events["source"].astype(str),
        "local_date": events["local_date"], "rating": events["rating"],
        "is_negative": events["is_negative"], "topic": events["topic"].astype(str)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ibis 12 on DuckDB 2: deprecations of theirs
        engine = daily_figures(ibis.memtable(frame)).execute()
    per_day = engine.groupby(pd.to_datetime(engine["local_date"]))[
        ["events", "negative", "rated", "rated_negative", "reviews", "stars"]].sum()
    series = run_analysis(sample_incident).detection.negative_per_day.set_index("local_date")
    series = series.loc[per_day.index]  # the incident's series is zero-filled between them
    assert len(per_day) > 200
    assert (series["events"] == per_day["events"]).all()
    assert (series["negative"] == per_day["negative"]).all()
    assert (series["rated"] == per_day["rated"]).all()
    assert (series["rated_negative"] == per_day["rated_negative"]).all()
    mean = per_day["stars"] / per_day["reviews"].where(per_day["reviews"] > 0)
    pd.testing.assert_series_equal(series["mean_rating"], mean, check_names=False,
                                   check_index_type=False)
