"""Sales baseline, index, phases and markers on a series worked out by hand, and on the sample."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crisis_kit.analysis.sales import (
    DAILY_COLUMNS,
    MARKER_COLUMNS,
    PHASE_COLUMNS,
    PHASES,
    daily_units,
    summarise,
)
from crisis_kit.config.marketplaces import get as marketplace
from crisis_kit.store import open_store

from .conftest import SAMPLES

DAY = pd.Timestamp


def _sales(rows: list[tuple[str, str, float, str]], sessions: float | None = None) -> pd.DataFrame:
    """(date, asin, units, source) rows -> a sales-shaped frame."""
    frame = pd.DataFrame(rows, columns=["date", "asin", "units", "source"])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["sessions"] = [sessions if s != "orders" else None for s in frame["source"]]
    return frame.assign(marketplace="US", sku="SKU-" + frame["asin"])


def _days(start: str, units: list[float]) -> list[tuple[pd.Timestamp, float]]:
    return [(DAY(start) + pd.Timedelta(days=i), u) for i, u in enumerate(units)]


# ASIN A, onset 03-15, baseline_days 7, target 1.2. Units u(d):
#   03-01..03-07  20 each (before the baseline window: must not count)
#   03-08..03-14  8 12 10 10 9 11 10   -> baseline = 70 / 7 = 10
#   03-15..03-21  3 each               -> i(03-21) = 3 / 10 = 0.3, the trough
#   03-22..03-28  10 each              -> i(03-28) = 70 / 70 = 1.0: recovered_100
#   03-29..04-04  13 each              -> i = (70 + 3k) / 70 for k = 1..7:
#                 1.043 1.086 1.129 1.171 1.214 (04-02: reached 1.2) 1.257 1.3 (latest)
# i(03-15) = (12 + 10 + 10 + 9 + 11 + 10 + 3) / 70 = 65 / 70; i(03-22) = (6 * 3 + 10) / 70 = 0.4.
UNITS = [20] * 7 + [8, 12, 10, 10, 9, 11, 10] + [3] * 7 + [10] * 7 + [13] * 7
SERIES = _days("2022-03-01", UNITS)
ROWS = (
    # Business Report rows, except 03-22..03-24 (no report those days)
    [(d, "A", u, "business_report") for d, u in SERIES
     if not DAY("2022-03-22") <= d <= DAY("2022-03-24")]
    # orders for every day, doubled: they must lose to the Business Report ...
    + [(d, "A", 2 * u, "orders") for d, u in SERIES
       if not DAY("2022-03-22") <= d <= DAY("2022-03-24")]
    # ... and fill the days without a report with the true 10 units
    + [(d, "A", 10, "orders") for d in pd.date_range("2022-03-22", "2022-03-24")]
    # another ASIN, and an account total: outside asins=["A"]; "*" never counts
    + [(d, "B", 100, "business_report") for d, _ in SERIES]
    + [(d, "*", 1000, "business_report") for d, _ in SERIES]
)
SALES = _sales(ROWS, sessions=100)
ACTIONS = pd.DataFrame({
    "at": pd.to_datetime(["2022-03-23T06:30:00Z", "2022-03-16T12:00:00Z", "2022-05-01T00:00:00Z"]),
    "lane": ["marketing", "cs", "marketing"],
    "action": ["ads relaunch", "reply template", "after the series"],
    "channel": ["amazon-ads", "email", "x"], "owner": ["m", "c", "m"], "ref": ["r1", "r2", "r3"],
})


def test_summary_of_a_series_worked_out_by_hand():
    summary = summarise(SALES, onset_day="2022-03-15", baseline_days=7, target=1.2,
                        asins=["A"], actions=ACTIONS, timezone=marketplace("US").tz)
    assert summary.baseline_units_per_day == pytest.approx(10.0)
    assert summary.baseline_days_covered == 7
    assert summary.trough_index == pytest.approx(0.3)
    assert summary.trough_date == DAY("2022-03-21")
    assert summary.recovered_100_date == DAY("2022-03-28")
    assert summary.reached_target_date == DAY("2022-04-02")
    assert summary.latest_index == pytest.approx(1.3)
    assert summary.as_of == DAY("2022-04-04")
    assert summary.summary() == {
        "baseline_units_per_day": 10.0, "trough_index": 0.3, "latest_index": 1.3,
        "recovered_100_date": "2022-03-28", "reached_target_date": "2022-04-02",
    }
    daily = summary.daily.set_index("local_date")
    assert list(summary.daily.columns) == DAILY_COLUMNS
    assert daily["units"].tolist() == UNITS
    assert daily["sales_index"].iloc[:6].isna().all()  # fewer than 7 days
    assert daily.loc["2022-03-15", "sales_index"] == pytest.approx(65 / 70)
    assert daily.loc["2022-03-22", "sales_index"] == pytest.approx(0.4)
    assert daily.loc["2022-04-01", "sales_index"] == pytest.approx(82 / 70)  # 1.171 < 1.2
    # sessions come with the Business Report; the orders-filled days have none
    assert daily.loc["2022-03-15", "unit_session_pct"] == pytest.approx(3.0)
    assert daily.loc["2022-03-23", "sources"] == "orders"
    assert pd.isna(daily.loc["2022-03-23", "sessions"])
    assert daily.loc["2022-03-25", "sources"] == "business_report"


def test_phases_have_the_stated_boundaries():
    summary = summarise(SALES, "2022-03-15", 7, 1.2, asins=["A"])
    phases = summary.phases
    assert list(phases.columns) == PHASE_COLUMNS
    assert phases["phase"].tolist() == list(PHASES)
    # pre-crisis up to the day before onset; crisis onset..trough; stabilisation to the day
    # before recovered_100; repair from recovered_100 on
    assert phases["start"].dt.strftime("%m-%d").tolist() == ["03-01", "03-15", "03-22", "03-28"]
    assert phases["end"].dt.strftime("%m-%d").tolist() == ["03-14", "03-21", "03-27", "04-04"]
    assert phases["days"].tolist() == [14, 7, 6, 8]
    assert phases["mean_units"].iloc[1] == pytest.approx(3.0)
    assert summary.daily["phase"].value_counts().to_dict() == dict(zip(PHASES, [14, 7, 6, 8], strict=True))
    milestones = summary.milestones.set_index("milestone")
    assert milestones["local_date"].dt.strftime("%m-%d").tolist() == [
        "03-15", "03-21", "03-28", "04-02"]
    assert milestones.loc["trough", "sales_index"] == pytest.approx(0.3)


def test_not_yet_recovered():
    summary = summarise(SALES, "2022-03-15", 7, 1.2, asins=["A"], as_of="2022-03-25")
    assert summary.recovered_100_date is None and summary.reached_target_date is None
    phases = summary.phases.set_index("phase")
    assert phases.loc["stabilisation", "days"] == 4  # 03-22..03-25
    assert phases.loc["repair", "days"] == 0 and pd.isna(phases.loc["repair", "start"])


def test_markers_fall_on_the_marketplace_day():
    summary = summarise(SALES, "2022-03-15", 7, 1.2, asins=["A"], actions=ACTIONS,
                        timezone="America/Los_Angeles")
    markers = summary.markers
    assert list(markers.columns) == MARKER_COLUMNS
    # 06:30 UTC on 03-23 is 23:30 on 03-22 in Los Angeles; the cs action is no marker;
    # the action after the series' last day is left out
    assert markers["action"].tolist() == ["ads relaunch"]
    assert markers["local_date"].tolist() == [DAY("2022-03-22")]
    assert markers["sales_index"].iloc[0] == pytest.approx(0.4)
    utc = summarise(SALES, "2022-03-15", 7, 1.2, asins=["A"], actions=ACTIONS).markers
    assert utc["local_date"].tolist() == [DAY("2022-03-23")]
    lanes = summarise(SALES, "2022-03-15", 7, 1.2, asins=["A"], actions=ACTIONS,
                      marker_lanes=["cs", "marketing"]).markers
    assert lanes["lane"].tolist() == ["cs", "marketing"]


def test_daily_units_zero_fills_and_filters_asins():
    rows = _sales([("2022-03-01", "A", 4, "orders"), ("2022-03-03", "A", 2, "orders"),
                   ("2022-03-02", "B", 7, "orders"), ("2022-03-02", "*", 50, "orders"),
                   ("2022-03-02", "", 9, "orders")])
    assert daily_units(rows, ["A"])["units"].tolist() == [4, 0, 2]
    assert daily_units(rows)["units"].tolist() == [4, 7, 2]  # no "*", no ""
    assert daily_units(rows, as_of="2022-03-02")["units"].tolist() == [4, 7]
    assert daily_units(rows, ["nope"]).empty


def test_baseline_not_covered_and_guards():
    late = summarise(SALES, "2022-03-01", 7, 1.2, asins=["A"])
    assert late.baseline_units_per_day is None and late.trough_index is None
    assert late.baseline_days_covered == 0
    with pytest.raises(ValueError, match="baseline_days must be a positive integer, got 0"):
        summarise(SALES, "2022-03-15", 0, 1.2)
    with pytest.raises(ValueError, match="target must be a positive index such as 1.2, got -1"):
        summarise(SALES, "2022-03-15", 7, -1)
    with pytest.raises(ValueError, match="sales lack the column.s. units"):
        summarise(SALES.drop(columns="units"), "2022-03-15", 7, 1.2)
    with pytest.raises(ValueError, match="actions lack the column.s. lane"):
        summarise(SALES, "2022-03-15", 7, 1.2, actions=ACTIONS.drop(columns="lane"))


def test_inputs_are_not_modified():
    sales, actions = SALES.copy(), ACTIONS.copy()
    summarise(SALES, "2022-03-15", 7, 1.2, asins=["A"], actions=ACTIONS, timezone="UTC")
    pd.testing.assert_frame_equal(SALES, sales)
    pd.testing.assert_frame_equal(ACTIONS, actions)


# --- properties ---------------------------------------------------------------------------

@settings(max_examples=50, deadline=None)
@given(level=st.integers(1, 500), days=st.integers(14, 60), onset=st.integers(7, 13),
       baseline_days=st.integers(1, 7), both_sources=st.booleans())
def test_the_index_of_a_flat_series_is_one(level, days, onset, baseline_days, both_sources):
    flat = _days("2022-01-01", [level] * days)
    rows = [(d, "A", u, "business_report") for d, u in flat]
    if both_sources:  # a second source reporting the same days must not double them
        rows += [(d, "A", u, "orders") for d, u in flat]
    summary = summarise(_sales(rows), DAY("2022-01-01") + pd.Timedelta(days=onset),
                        baseline_days, 1.2)
    index = summary.daily["sales_index"].dropna()
    assert len(index) == days - 6
    assert index.tolist() == pytest.approx([1.0] * len(index))
    assert summary.trough_index == pytest.approx(1.0)
    assert summary.reached_target_date is None


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_shuffling_rows_changes_nothing(data):
    order = data.draw(st.permutations(list(range(len(SALES)))))
    shuffled = SALES.iloc[order].reset_index(drop=True)
    actions = ACTIONS.iloc[data.draw(st.permutations([0, 1, 2]))]
    one = summarise(SALES, "2022-03-15", 7, 1.2, asins=["A"], actions=ACTIONS)
    two = summarise(shuffled, "2022-03-15", 7, 1.2, asins=["A"], actions=actions)
    assert one.summary() == two.summary()
    for name in ("daily", "phases", "milestones", "markers"):
        pd.testing.assert_frame_equal(getattr(one, name), getattr(two, name))


# --- the sample incident -------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_store(sample_incident):
    with open_store(sample_incident.store_path, read_only=True) as store:
        return sample_incident, store.sales(), store.actions()


def test_sample_sales_match_truth(sample_store):
    incident, sales, actions = sample_store
    truth = json.loads((SAMPLES / "truth.json").read_text())["sales"]
    summary = summarise(sales, "2022-05-02", incident.thresholds.baseline_days,
                        incident.thresholds.sales_target, asins=incident.asins, actions=actions,
                        timezone=marketplace(incident.marketplace).tz)
    assert summary.summary() == {key: truth[key] for key in summary.summary()}
    assert f"{summary.trough_date:%Y-%m-%d}" == truth["trough_date"]
    # the Business Reports win; the orders file says the same (README: equal by design)
    assert set(summary.daily["sources"]) == {"business_report"}
    orders_only = summarise(sales[sales["source"] == "orders"], "2022-05-02", 28, 1.2,
                            asins=incident.asins)
    assert orders_only.summary() == summary.summary()
    # the marketing lane of response_log.csv, on Pacific days
    assert summary.markers["local_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2022-04-14", "2022-06-01", "2022-06-01", "2022-06-03", "2022-06-06", "2022-06-18",
        "2022-07-02"]
    assert summary.phases["days"].sum() == len(summary.daily) == 212
