"""Rating summary, five-star arithmetic and the recovery forecast, on cases worked out by hand."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crisis_kit.analysis.forecast import PATH_COLUMNS, forecast_rating
from crisis_kit.analysis.ratings import (
    BY_ASIN_COLUMNS,
    five_star_reviews_to_target,
    forecast_target_date,
    summarise,
    summarise_by_asin,
    trailing_rating,
)
from crisis_kit.store import open_store

from .conftest import SAMPLES

DAY = pd.Timestamp


def _reviews(rows: list[tuple[str, float]], asin: str = "A1") -> pd.DataFrame:
    """(local_date, rating) rows -> an events-shaped frame of reviews."""
    frame = pd.DataFrame(rows, columns=["local_date", "rating"])
    frame["local_date"] = pd.to_datetime(frame["local_date"]).dt.date
    frame["rating"] = frame["rating"].astype(float)
    return frame.assign(source="review", asin=asin, is_negative=frame["rating"] <= 2)


# Window W = 3 days, target 4.0, onset 2022-05-04.
#   day    reviews   window (3 days ending on d)      r(d)
#   05-01  5 5       {5 5}                             5
#   05-02  4         {5 5 4}                           14/3
#   05-03  5         {5 5 4 5}                         19/4 = 4.75   <- baseline (day before onset)
#   05-04  1 1       {4 5 1 1}                         11/4 = 2.75
#   05-05  2         {5 1 1 2}                         9/4  = 2.25   <- trough (first of the tie)
#   05-06  5         {1 1 2 5}                         9/4  = 2.25
#   05-07  5         {2 5 5}                           12/3 = 4.0    <- recovered (>= 4.0)
#   05-08  5 4       {5 5 5 4}                         19/4
#   05-09  -         {5 5 4}                           14/3
#   05-10  5         {5 4 5}                           14/3          <- latest
SERIES = _reviews([
    ("2022-05-01", 5), ("2022-05-01", 5), ("2022-05-02", 4), ("2022-05-03", 5),
    ("2022-05-04", 1), ("2022-05-04", 1), ("2022-05-05", 2), ("2022-05-06", 5),
    ("2022-05-07", 5), ("2022-05-08", 5), ("2022-05-08", 4), ("2022-05-10", 5),
])


def test_summary_of_a_series_worked_out_by_hand():
    summary = summarise(SERIES, window_days=3, target=4.0, onset_day="2022-05-04")
    assert summary.trajectory["rating"].tolist() == pytest.approx(
        [5, 14 / 3, 4.75, 2.75, 2.25, 2.25, 4.0, 4.75, 14 / 3, 14 / 3])
    assert summary.baseline == pytest.approx(4.75)
    assert summary.trough == pytest.approx(2.25)
    assert summary.trough_date == DAY("2022-05-05")
    assert summary.recovered_date == DAY("2022-05-07")
    assert summary.latest == pytest.approx(14 / 3)
    assert summary.as_of == DAY("2022-05-10")
    # latest window {5, 4, 5} already >= 4.0
    assert summary.reviews_in_window == 3
    assert summary.five_star_reviews_to_target == 0
    assert summary.forecast.status == "reached"
    assert summary.summary() == {
        "window_days": 3, "baseline": 4.75, "trough": 2.25, "trough_date": "2022-05-05",
        "latest": 4.667, "target": 4.0, "recovered_date": "2022-05-07",
        "five_star_reviews_to_target": 0, "forecast_target_date": None,
        "forecast_interval_coverage": None,  # the target is reached: no interval was drawn
    }


def test_summary_as_of_the_trough_counts_the_five_star_reviews_needed():
    summary = summarise(SERIES, window_days=3, target=4.0, onset_day="2022-05-04",
                        as_of="2022-05-06")
    # window of 05-06 is {1, 1, 2, 5}: k = 4, sum = 9; n >= (4.0 * 4 - 9) / (5 - 4.0) = 7
    # check: (9 + 7 * 5) / 11 = 4.0, while (9 + 6 * 5) / 10 = 3.9
    assert summary.latest == pytest.approx(2.25)
    assert summary.five_star_reviews_to_target == 7
    assert summary.recovered_date is None
    # the same window against 4.2: (16.8 - 9) / 0.8 = 9.75 -> 10; (9 + 50) / 14 = 4.21, (9 + 45) / 13 = 4.15
    assert summarise(SERIES, 3, 4.2, "2022-05-04", as_of="2022-05-06").five_star_reviews_to_target == 10


def test_summary_without_reviews_before_the_onset_has_no_baseline():
    summary = summarise(SERIES, window_days=3, target=4.0, onset_day="2022-05-01")
    assert summary.baseline is None
    # from the onset on, the lowest r(d) is still 2.25 on 05-05
    assert summary.trough_date == DAY("2022-05-05")
    empty = summarise(SERIES.iloc[:0], 3, 4.0, "2022-05-04")
    assert (empty.baseline, empty.trough, empty.latest, empty.recovered_date) == (None,) * 4
    assert empty.five_star_reviews_to_target == 1


def test_five_star_reviews_to_target_edges():
    assert five_star_reviews_to_target([1, 2, 5, 5], 4.2) == 5  # (16.8 - 13) / 0.8 = 4.75
    assert five_star_reviews_to_target([1, 5, 5, 5, 5], 4.2) == 0  # exactly 21 / 5
    # (4.2 * 3 - 7) / 0.8 is exactly 7; in floating point it is 7.000000000000003
    assert five_star_reviews_to_target([1, 1, 5], 4.2) == 7
    assert (7 + 7 * 5) / 10 >= 4.2 > (7 + 6 * 5) / 9
    assert five_star_reviews_to_target([], 4.2) == 1
    assert five_star_reviews_to_target([5, 5], 5) == 0
    assert five_star_reviews_to_target([5, 4], 5) is None
    with pytest.raises(ValueError, match="target must be a rating from 1 to 5, got 6"):
        five_star_reviews_to_target([5], 6)
    with pytest.raises(ValueError, match="ratings must lie from 1 to 5, got 0.0"):
        five_star_reviews_to_target([5, 0], 4.2)


def test_guards_name_the_bad_parameter():
    with pytest.raises(ValueError, match="window_days must be a positive integer, got 0"):
        summarise(SERIES, 0, 4.2, "2022-05-04")
    with pytest.raises(ValueError, match="target must be a rating from 1 to 5, got 0.5"):
        summarise(SERIES, 3, 0.5, "2022-05-04")
    with pytest.raises(ValueError, match="expected a date such as 2022-05-03"):
        summarise(SERIES, 3, 4.2, "not a day")
    with pytest.raises(ValueError, match="lookback_days must be a positive integer"):
        forecast_target_date(SERIES, 3, 4.2, lookback_days=0)
    with pytest.raises(ValueError, match="interval must lie strictly between 0 and 1, got 1"):
        forecast_target_date(SERIES, 3, 4.2, interval=1)


# Forecast worked out by hand. W = 10, as_of 05-10: one 1-star review a day on 05-01..05-05,
# one 5-star a day on 05-06..05-10 (window mean 3.0). Lookback 5 days: exactly one 5-star a
# day, so every bootstrap gives the rate 1/day of 5 stars; X(j) ~ Poisson(j) new 5-stars.
# On day 05-10 + j (j <= 5) the window holds 5 - j one-stars, five 5-stars and X(j):
#   mean = (30 - j + 5 X) / (10 - j + X) >= 4.2  <=>  X >= 15 - 4 j
#   j = 1: X >= 11, j = 2: X >= 7 (P ~ 0.005), j = 3: X >= 3 (P ~ 0.58), j = 4: always.
# So the median hit is j = 3 (05-13), the 10th percentile 05-13, the 90th 05-14.
# The expected path (X at its mean j): (30 + 4 j) / 10 = 3.4, 3.8, 4.2, 4.6 for j = 1..4.
LEAVING = _reviews([(f"2022-05-{d:02d}", 1 if d <= 5 else 5) for d in range(1, 11)])


def test_forecast_worked_out_by_hand():
    # history_days = lookback_days: the future keeps the last 5 days' pace (no drift), which
    # is what can be worked out by hand; the drift is tested below
    forecast = forecast_target_date(LEAVING, window_days=10, target=4.2, lookback_days=5,
                                    history_days=5)
    assert forecast.status == "forecast"
    assert forecast.as_of == DAY("2022-05-10")
    assert (forecast.lower, forecast.target_date, forecast.upper) == (
        DAY("2022-05-13"), DAY("2022-05-13"), DAY("2022-05-14"))
    assert forecast.probability == 1.0
    assert forecast.reviews_per_day == 1.0 and forecast.recent_mean_rating == 5.0
    assert list(forecast.path.columns) == PATH_COLUMNS
    assert len(forecast.path) == 180
    assert forecast.path["expected"].iloc[:4].tolist() == pytest.approx([3.4, 3.8, 4.2, 4.6])
    # fixed seed: the same forecast twice
    again = forecast_target_date(LEAVING, window_days=10, target=4.2, lookback_days=5,
                                 history_days=5)
    pd.testing.assert_frame_equal(forecast.path, again.path)


def test_forecast_is_null_when_the_trend_cannot_reach_the_target():
    # every recent review is 1-star: the window can only fall towards 1
    falling = _reviews([(f"2022-05-{d:02d}", 5 if d <= 3 else 1) for d in range(1, 21)])
    forecast = forecast_target_date(falling, window_days=10, target=4.2, history_days=14)
    assert forecast.status == "beyond_horizon"
    assert forecast.target_date is None and forecast.upper is None
    assert forecast.probability == 0.0
    # a recent mix of 4-stars never lifts a mean to 4.2 either
    flat = _reviews([(f"2022-05-{d:02d}", 4) for d in range(1, 21)])
    assert forecast_target_date(flat, 10, 4.2).target_date is None


def test_the_forecast_lets_the_mix_drift_back_to_the_recent_months():
    """With the 90-day history, blocks of earlier days recur in the futures: after a month
    of 1-star reviews that followed months of 5-star ones, some futures recover; with the
    last days only (history_days = lookback_days), none does."""
    days = pd.date_range("2022-01-01", "2022-04-30")
    history = _reviews([(str(d.date()), 5 if d < pd.Timestamp("2022-04-01") else 1)
                        for d in days])
    drifting = forecast_target_date(history, window_days=30, target=4.2, horizon_days=90)
    fixed = forecast_target_date(history, window_days=30, target=4.2, horizon_days=90,
                                 history_days=14)
    assert fixed.probability == 0.0
    assert 0.0 < drifting.probability < 1.0


def test_forecast_statuses_without_a_date():
    assert forecast_target_date(SERIES, 3, 4.0).status == "reached"
    # a single old review, none in the last 14 days: no velocity to project
    old = _reviews([("2022-01-01", 1)])
    stale = forecast_target_date(old, 30, 4.2, as_of="2022-03-01")
    assert stale.status == "no_recent_reviews" and stale.target_date is None
    assert stale.path.empty and list(stale.path.columns) == PATH_COLUMNS


def test_by_asin_lists_each_asin_alone():
    both = pd.concat([SERIES, _reviews([("2022-05-02", 1), ("2022-05-05", 5)], asin="A2")])
    table = summarise_by_asin(both, window_days=3, target=4.0, onset_day="2022-05-04")
    assert list(table.columns) == BY_ASIN_COLUMNS
    assert table["asin"].tolist() == ["A1", "A2"]
    assert table["reviews"].tolist() == [12, 2]
    assert table["trough_date"].iloc[0] == DAY("2022-05-05")
    # A2 (reviews 1 on 05-02, 5 on 05-05), W = 3, run to the common as_of 05-10:
    #   r(05-03) = 1 (baseline); r(05-04) = 1 (05-02 still in the window) -> trough on 05-04;
    #   r(05-05) = {5} = 5 (05-02 has left) -> recovered; from 05-08 the window is empty.
    a2 = table.iloc[1]
    assert (a2["baseline"], a2["trough"], a2["trough_date"]) == (1.0, 1.0, DAY("2022-05-04"))
    assert a2["recovered_date"] == DAY("2022-05-05")
    assert pd.isna(a2["latest"])
    assert summarise_by_asin(both, 3, 4.0, "2022-05-04", asins=["A2"])["asin"].tolist() == ["A2"]


# --- properties ---------------------------------------------------------------------------

review_rows = st.lists(
    st.tuples(st.integers(0, 40), st.integers(1, 5)), min_size=1, max_size=40)


def _frame(rows: list[tuple[int, int]]) -> pd.DataFrame:
    start = DAY("2022-05-01")
    return _reviews([(start + pd.Timedelta(days=d), r) for d, r in rows])


@settings(max_examples=60, deadline=None)
@given(rows=review_rows, extra_day=st.integers(0, 40), window=st.integers(1, 10))
def test_adding_a_five_star_review_never_lowers_the_rating(rows, extra_day, window):
    before = trailing_rating(_frame(rows), window, as_of="2022-06-15").set_index("local_date")
    after = trailing_rating(_frame([*rows, (extra_day, 5)]), window,
                            as_of="2022-06-15").set_index("local_date")
    both = before.join(after, suffixes=("", "_after")).dropna(subset=["rating", "cumulative_rating"])
    assert (both["rating_after"] >= both["rating"] - 1e-12).all()
    assert (both["cumulative_rating_after"] >= both["cumulative_rating"] - 1e-12).all()


@settings(max_examples=100, deadline=None)
@given(ratings=st.lists(st.integers(1, 5), max_size=30),
       target=st.sampled_from([3.5, 4.0, 4.2, 4.3, 4.5, 4.8]))
def test_five_star_count_is_the_fewest_that_works(ratings, target):
    needed = five_star_reviews_to_target(ratings, target)
    total, count = sum(ratings), len(ratings)
    assert (total + 5 * needed) / (count + needed) >= target
    if needed > 0 and count > 0:
        assert (total + 5 * (needed - 1)) / (count + needed - 1) < target
    # one more 5-star review never raises the number still needed
    assert five_star_reviews_to_target([*ratings, 5], target) <= needed


@settings(max_examples=25, deadline=None)
@given(rows=review_rows, data=st.data())
def test_shuffling_reviews_changes_nothing(rows, data):
    frame = _frame(rows)
    order = data.draw(st.permutations(list(range(len(frame)))))
    shuffled = frame.iloc[order].reset_index(drop=True)
    options = {"simulations": 200, "horizon_days": 60}
    one = summarise(frame, 7, 4.2, "2022-05-15", **options)
    two = summarise(shuffled, 7, 4.2, "2022-05-15", **options)
    assert one.summary() == two.summary()
    pd.testing.assert_frame_equal(one.trajectory, two.trajectory)
    pd.testing.assert_frame_equal(one.forecast.path, two.forecast.path)


# --- the sample incident -------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_events(sample_incident):
    with open_store(sample_incident.store_path, read_only=True) as store:
        return sample_incident, store.events()


def test_sample_rating_matches_truth(sample_events):
    incident, events = sample_events
    truth = json.loads((SAMPLES / "truth.json").read_text())["rating"]
    thresholds = incident.thresholds
    summary = summarise(events, thresholds.rating_window_days, thresholds.target_rating,
                        onset_day="2022-05-02", asins=incident.asins)
    figures = summary.summary()
    for key in ("window_days", "baseline", "trough", "trough_date", "latest", "target",
                "recovered_date"):
        assert figures[key] == truth[key], key
    assert figures["five_star_reviews_to_target"] == 0  # 4.56 on 2022-08-31: already there


def test_sample_forecast_from_early_june_brackets_the_actual_recovery(sample_events):
    incident, events = sample_events
    # As of 2022-06-05 (r = 3.17) the forecast should cover the day it really happened.
    summary = summarise(events, 30, 4.2, "2022-05-02", asins=incident.asins, as_of="2022-06-05")
    forecast = summary.forecast
    assert forecast.status == "forecast"
    assert forecast.lower <= forecast.target_date <= forecast.upper
    assert forecast.lower <= DAY("2022-06-14") <= forecast.upper
    assert summary.five_star_reviews_to_target > 0
    # the window of 2022-06-05 holds the crisis's 1-star reviews: the count is exact
    ratings = events[(events["source"] == "review") & (events["asin"] == "B0SAMPLE01")
                     & (events["local_date"] > "2022-05-06") & (events["local_date"] <= "2022-06-05")]
    n = summary.five_star_reviews_to_target
    total, count = ratings["rating"].sum(), len(ratings)
    assert (total + 5 * n) / (count + n) >= 4.2 > (total + 5 * (n - 1)) / (count + n - 1)


def test_a_forecast_carries_the_measured_coverage_of_its_own_model_only():
    from crisis_kit.analysis.forecast import calibration, measured_coverage

    days = pd.date_range("2022-01-01", periods=120, freq="D")
    # a steady 3-star product: far below 4.5, so a path is simulated
    reviews = pd.DataFrame({"local_date": days.repeat(2), "rating": [3.0, 2.0] * 120})
    made = forecast_rating(reviews, 30, 4.5, days[-1], simulations=200)
    shipped = calibration()
    assert not made.path.empty
    assert measured_coverage(made) == {
        h: shipped["coverage"][h]["coverage"] for h in ("30", "60", "90", "all")}
    # the figures are the counts' ratios, and every horizon was measured on real outcomes
    for figures in shipped["coverage"].values():
        assert figures["coverage"] == round(figures["inside"] / figures["outcomes"], 3)
        assert figures["outcomes"] >= 100
    # another window or interval is another model: its coverage is unknown
    assert measured_coverage(forecast_rating(reviews, 7, 4.5, days[-1], simulations=200)) is None
    assert measured_coverage(forecast_rating(reviews, 30, 4.5, days[-1], simulations=200,
                                             interval=0.9)) is None
    # target already met: nothing simulated, nothing to cover
    assert measured_coverage(forecast_rating(reviews, 30, 2.0, days[-1])) is None
