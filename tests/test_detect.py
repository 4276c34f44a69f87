"""Detection on series worked out by hand, on the sample incident, and by properties."""

from __future__ import annotations

import datetime as dt
import json
import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crisis_kit.analysis.detection.rules import (
    BACKTEST_COLUMNS,
    alert_moment,
    backtest,
    detect,
    poisson_alert,
    poisson_rule,
    seed_alert,
    seed_rule,
)
from crisis_kit.config import Thresholds
from crisis_kit.config.marketplaces import get as marketplace
from crisis_kit.store import open_store

from .conftest import SAMPLES

LA = "America/Los_Angeles"  # May 2022: PDT, UTC-7
PROPERTY = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def series(counts: list[int], start: str = "2022-05-01") -> pd.DataFrame:
    return pd.DataFrame({"local_date": pd.date_range(start, periods=len(counts)), "negative": counts})


def day_events(day: str, n: int, prefix: str) -> list[dict]:
    """``n`` negative reviews known only to ``day`` (stored at local midnight, in UTC)."""
    midnight_utc = pd.Timestamp(day).tz_localize(LA).tz_convert("UTC").tz_localize(None)
    return [dict(event_id=f"{prefix}{i}", occurred_at=midnight_utc, local_date=pd.Timestamp(day),
                 date_precision="day", is_negative=True, source="review", rating=1.0)
            for i in range(n)]


def timed_event(event_id: str, local_time: str, negative: bool = True) -> dict:
    """A return with a full timestamp, given in Pacific time."""
    at = pd.Timestamp(local_time).tz_localize(LA)
    return dict(event_id=event_id, occurred_at=at.tz_convert("UTC").tz_localize(None),
                local_date=at.tz_localize(None).normalize(), date_precision="second",
                is_negative=negative, source="fba_return", rating=np.nan)


def events_of(counts: list[int], alert_day_events: list[dict], alert_index: int) -> pd.DataFrame:
    """Day-precision negatives for every day but ``alert_index``, whose events are given."""
    rows = []
    for i, n in enumerate(counts):
        day = (pd.Timestamp("2022-05-01") + pd.Timedelta(days=i)).strftime("%Y-%m-%d")
        rows += alert_day_events if i == alert_index else day_events(day, n, f"d{i}-")
    return pd.DataFrame(rows)


# -- the seed rule on ten days --------------------------------------------------------------

# The floor decides.          05-01 ... 05-07 | 05-08 | 05-09 | 05-10
FLOOR_CASE = [1, 0, 2, 1, 0, 1, 2, 3, 6, 4]
# 05-01..05-07: fewer than 7 days before them, so they cannot fire.
# 05-08: prior 7 days 1+0+2+1+0+1+2 = 7, mean 1, threshold 1.15; n = 3 < floor 5: no.
# 05-09: prior 7 days 0+2+1+0+1+2+3 = 9, mean 9/7 = 1.2857, threshold 1.4786;
#        n = 6 >= 5 and 6 > 1.4786: ALERT.
# Running count on 05-09: k must be >= 5 and > 1.4786, so k = 5.
# Its six negatives in the order a monitor sees them:
#   1-2  two 1-star reviews known only to the day -> local midnight, first
#   3    return 08:00:00 PDT
#   4    return 09:30:00 PDT
#   5    return 13:45:10 PDT          <- alert_at
#   6    return 17:30:00 PDT (stored 2022-05-10 00:30:00 UTC, still 05-09 in Los Angeles)
# plus a non-negative return at 09:00, which does not count.
FLOOR_DAY = [
    timed_event("r6", "2022-05-09 17:30:00"),
    timed_event("r5", "2022-05-09 13:45:10"),
    timed_event("ok", "2022-05-09 09:00:00", negative=False),
    timed_event("r4", "2022-05-09 09:30:00"),
    timed_event("r3", "2022-05-09 08:00:00"),
    *day_events("2022-05-09", 2, "m"),
]

# The growth rule decides.    05-01 ... 05-07 | 05-08 | 05-09 | 05-10
GROWTH_CASE = [6, 6, 6, 6, 6, 6, 6, 6, 5, 9]
# 05-01..05-07 have 6 >= floor, but less than 7 days of history: no.
# 05-08: mean 42/7 = 6, threshold 6.9; 6 is not more: no.
# 05-09: mean 6, threshold 6.9; 5: no.
# 05-10: prior 6*6 + 5 = 41, mean 5.857, threshold 1.15 * 41/7 = 6.7357; 9 > 6.7357: ALERT.
# Running count: k >= 5 and k > 6.7357, so k = 7: three reviews at midnight, then returns
# at 01:00, 02:00, 03:00, 04:00 (the 7th: alert_at), 05:00, 06:00 PDT.
GROWTH_DAY = [*day_events("2022-05-10", 3, "m"),
              *[timed_event(f"r{h}", f"2022-05-10 0{h}:00:00") for h in range(1, 7)]]


def test_ten_days_where_the_floor_decides():
    assert seed_alert(series(FLOOR_CASE), growth=0.15, floor=5) == dt.date(2022, 5, 9)
    rule = seed_rule(series(FLOOR_CASE), growth=0.15, floor=5)
    assert rule["prior_mean"].iloc[:7].isna().all()
    # 05-10: prior 2+1+0+1+2+3+6 = 15, mean 15/7
    assert rule["prior_mean"].iloc[7:].tolist() == pytest.approx([1.0, 9 / 7, 15 / 7])
    assert rule["threshold"].iloc[8] == pytest.approx(1.15 * 9 / 7)
    events = events_of(FLOOR_CASE, FLOOR_DAY, alert_index=8)
    at = alert_moment(events, "2022-05-09", growth=0.15, floor=5, tz=LA)
    assert at.isoformat() == "2022-05-09T13:45:10-07:00"


def test_ten_days_where_the_growth_rule_decides():
    assert seed_alert(series(GROWTH_CASE), growth=0.15, floor=5) == dt.date(2022, 5, 10)
    events = events_of(GROWTH_CASE, GROWTH_DAY, alert_index=9)
    at = alert_moment(events, dt.date(2022, 5, 10), growth=0.15, floor=5, tz=LA)
    assert at.isoformat() == "2022-05-10T04:00:00-07:00"


def test_detect_on_the_ten_days_gives_alert_onset_and_peak():
    events = events_of(FLOOR_CASE, FLOOR_DAY, alert_index=8)
    found = detect(events, Thresholds(), LA)
    assert (found.alert_date, found.alert_at.isoformat()) == (dt.date(2022, 5, 9),
                                                              "2022-05-09T13:45:10-07:00")
    assert found.onset == found.alert_at and not found.onset_overridden
    # from the onset's day on: 6 on 05-09, 4 on 05-10
    assert (found.peak_date, found.peak_negative) == (dt.date(2022, 5, 9), 6)
    assert found.negative_per_day["negative"].tolist() == FLOOR_CASE
    assert found.summary()["alert_at"] == "2022-05-09T13:45:10-07:00"
    # an override, naive, is read in the marketplace zone; the peak is counted from its day
    moved = detect(events, Thresholds(), LA, onset_override=dt.datetime(2022, 5, 10, 9, 0))
    assert moved.onset.isoformat() == "2022-05-10T09:00:00-07:00" and moved.onset_overridden
    assert (moved.peak_date, moved.peak_negative) == (dt.date(2022, 5, 10), 4)
    assert moved.alert_at == found.alert_at
    # as_of before the alert day: nothing fired yet
    early = detect(events, Thresholds(), LA, as_of="2022-05-08")
    assert early.alert_date is None and early.alert_at is None and early.onset is None


def test_the_floor_holds_back_a_growth_below_it():
    # 7 quiet days, then 4 and 4: 4 > 1.15 * 0 but 4 < 5
    assert seed_alert(series([0] * 7 + [4, 4]), growth=0.15, floor=5) is None
    assert seed_alert(series([0] * 7 + [4, 4]), growth=0.15, floor=4) == dt.date(2022, 5, 8)


def test_a_tie_with_the_threshold_does_not_fire():
    # mean 20, threshold 1.15 * 20 = 23 (22.999999999999996 in floating point)
    assert seed_alert(series([20] * 7 + [23]), growth=0.15, floor=5) is None
    assert seed_alert(series([20] * 7 + [24]), growth=0.15, floor=5) == dt.date(2022, 5, 8)


def test_the_first_seven_days_never_fire_and_gaps_count_as_zero():
    # 9 on the third day: only 2 days before it
    assert seed_alert(series([0, 0, 9, 0, 0, 0, 0, 0]), growth=0.15, floor=5) is None
    # rows for 05-01 and 05-09 only: the 7 days between are zeros, so 05-09 fires
    sparse = pd.DataFrame({"local_date": pd.to_datetime(["2022-05-01", "2022-05-09"]),
                           "negative": [0, 5]})
    assert seed_alert(sparse, growth=0.15, floor=5) == dt.date(2022, 5, 9)


def test_alert_moment_refuses_a_day_the_rule_does_not_hold():
    events = events_of(FLOOR_CASE, FLOOR_DAY, alert_index=8)
    with pytest.raises(ValueError, match=r"the seed rule does not hold on 2022-05-08: 3 negative"):
        alert_moment(events, "2022-05-08", growth=0.15, floor=5, tz=LA)


def test_guard_clauses_name_the_problem():
    with pytest.raises(ValueError, match="lacks the column.s. negative"):
        seed_alert(pd.DataFrame({"local_date": []}), growth=0.15, floor=5)
    with pytest.raises(ValueError, match=r"growth must be a number >= 0 \(0.15 for 15 %/day\), got -1"):
        seed_alert(series([1]), growth=-1, floor=5)
    with pytest.raises(ValueError, match="floor must be an integer >= 1, got 0"):
        seed_alert(series([1]), growth=0.15, floor=0)
    with pytest.raises(ValueError, match="alpha must lie between 0 and 1, got 1.5"):
        poisson_alert(series([1]), floor=5, alpha=1.5)
    with pytest.raises(ValueError, match="whole counts >= 0"):
        seed_alert(series([1, -2]), growth=0.15, floor=5)
    with pytest.raises(ValueError, match="quiet_days must be a positive integer, got 0"):
        backtest(series([1]), pd.DataFrame({"local_date": [], "rating": []}), 0.15, 5, quiet_days=0)


# -- the Poisson detector ---------------------------------------------------------------------

def poisson_tail(n: int, rate: float) -> float:
    """P(X >= n), X ~ Poisson(rate), by the series."""
    return 1 - sum(math.exp(-rate) * rate**k / math.factorial(k) for k in range(n))


def test_poisson_detector_on_a_hand_made_series():
    # 28 days of 1 a day (03-01..03-28), then 5 on 03-29 and 7 on 03-30.
    counts = [1] * 28 + [5, 7]
    rule = poisson_rule(series(counts, "2022-03-01"), floor=5, alpha=0.001)
    # 03-29: lambda = 28/28 = 1; P(X >= 5) = 1 - e^-1 (1 + 1 + 1/2 + 1/6 + 1/24) = 0.00366: no
    assert rule["baseline_mean"].iloc[28] == 1.0
    assert rule["p_value"].iloc[28] == pytest.approx(poisson_tail(5, 1.0))
    assert rule["p_value"].iloc[28] == pytest.approx(0.00366, abs=1e-5)
    # 03-30: lambda = (27 + 5)/28 = 1.142857; P(X >= 7) = 0.000187 < 0.001: fires
    assert rule["baseline_mean"].iloc[29] == pytest.approx(32 / 28)
    assert rule["p_value"].iloc[29] == pytest.approx(poisson_tail(7, 32 / 28))
    assert rule["p_value"].iloc[29] == pytest.approx(0.000187, abs=1e-6)
    assert rule["fires"].tolist() == [False] * 29 + [True]
    assert poisson_alert(series(counts, "2022-03-01"), floor=5) == dt.date(2022, 3, 30)
    # 6 on 03-30 would not do: P(X >= 6 | 1.142857) = 0.00117
    assert poisson_alert(series([1] * 28 + [5, 6], "2022-03-01"), floor=5) is None
    # at a baseline of 1, 6 alone is enough (P = 0.00059) unless the floor is higher
    assert poisson_alert(series([1] * 28 + [6], "2022-03-01"), floor=5) == dt.date(2022, 3, 29)
    assert poisson_alert(series([1] * 28 + [6], "2022-03-01"), floor=7) is None
    # no full 28-day baseline yet: a spike on day 10 is not judged
    assert poisson_alert(series([0] * 9 + [30]), floor=5) is None


# -- the backtest -----------------------------------------------------------------------------

# 60 days from 2022-03-01 (day 0) to 2022-04-29 (day 59), 1 negative a day, except:
#   day 10 (03-11): 6     seed: mean 1, 6 > 1.15: alert.  Poisson: no 28-day baseline yet.
#   day 40 (04-10): 8     seed: alert.  Poisson: lambda 1, P(X >= 8) = 1.0e-5: alert.
#   day 41 (04-11): 12    both fire again, but fired yesterday: no new alert (re-arming).
#   day 55 (04-25): 9     seed: mean 1: alert.  Poisson: lambda (26 + 8 + 12)/28 = 1.643,
#                         P(X >= 9) = 5.6e-5: alert.  Both quiet for 13 days before.
# Displayed rating: 4.5 to day 41 (day 41 has no review: carried forward), 4.3 on day 42,
# 4.15 from day 43.
#   day 10: baseline r(9) = 4.5; r stays 4.5 up to day 40 = 10 + 30: no fall -> false alarm.
#   day 40: baseline 4.5; first r < 4.2 is day 43 (4.3 on day 42 is not) -> hit, lead 3.
#   day 55: baseline 4.15; no r < 3.85; the horizon (day 85) passes the data -> pending.
BT_COUNTS = [1] * 60
BT_COUNTS[10], BT_COUNTS[40], BT_COUNTS[41], BT_COUNTS[55] = 6, 8, 12, 9
BT_RATING = pd.DataFrame({
    "local_date": pd.date_range("2022-03-01", periods=60),
    "rating": [4.5] * 41 + [np.nan, 4.3] + [4.15] * 17,
})


def test_backtest_lead_time_and_false_alarms():
    table = backtest(series(BT_COUNTS, "2022-03-01"), BT_RATING, growth=0.15, floor=5)
    assert list(table.columns) == BACKTEST_COLUMNS
    got = [(r.detector, r.alert_date.strftime("%m-%d"), r.kind,
            None if pd.isna(r.lead_days) else int(r.lead_days)) for r in table.itertuples()]
    assert got == [
        ("seed_rule", "03-11", "false_alarm", None),
        ("seed_rule", "04-10", "hit", 3),
        ("seed_rule", "04-25", "pending", None),
        ("poisson", "04-10", "hit", 3),
        ("poisson", "04-25", "pending", None),
    ]
    assert table["negative"].tolist() == [6, 8, 9, 8, 9]
    assert table["baseline_rating"].tolist() == [4.5, 4.5, 4.15, 4.5, 4.15]
    assert table.loc[1, "fall_date"] == pd.Timestamp("2022-04-13")


def test_backtest_alerts_before_the_incident_window_are_false_alarms():
    table = backtest(series(BT_COUNTS, "2022-03-01"), BT_RATING, growth=0.15, floor=5,
                     incident_start="2022-04-15")
    assert table["kind"].tolist() == ["false_alarm", "false_alarm", "pending", "false_alarm", "pending"]
    assert table["lead_days"].isna().all()


def test_a_shorter_quiet_period_re_arms_sooner():
    # fires on 03-11, then 1 a day except 6 on 03-14: with 2 quiet days (03-12, 03-13) that is
    # a new alert; with the default 7 it is not.
    counts = [1] * 20
    counts[10], counts[13] = 6, 6
    rating = pd.DataFrame({"local_date": pd.date_range("2022-03-01", periods=20), "rating": 4.5})
    default = backtest(series(counts, "2022-03-01"), rating, 0.15, 5)
    short = backtest(series(counts, "2022-03-01"), rating, 0.15, 5, quiet_days=2)
    assert default.loc[default["detector"] == "seed_rule", "alert_date"].dt.day.tolist() == [11]
    assert short.loc[short["detector"] == "seed_rule", "alert_date"].dt.day.tolist() == [11, 14]


# -- the sample incident ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample(sample_incident):
    with open_store(sample_incident.store_path, read_only=True) as store:
        events, orders = store.events(), store.table("orders")
    # The incident's scope: the hero's events, and seller feedback (no ASIN column) on an
    # order that held the hero among other ASINs.
    hero_orders = orders.loc[orders["asin"].isin(sample_incident.asins), "order_id"]
    scope = events["asin"].isin(sample_incident.asins) | (
        events["asin"].isna() & events["order_id"].isin(hero_orders))
    return sample_incident, events.loc[scope]


def test_sample_incident_matches_the_planted_truth(sample):
    incident, events = sample
    truth = json.loads((SAMPLES / "truth.json").read_text())
    assert int(events["is_negative"].sum()) == truth["complaints"]["negative"]
    found = detect(events, incident.thresholds, marketplace(incident.marketplace).tz)
    summary = found.summary()
    assert summary["alert_date"] == truth["detection"]["alert_date"] == "2022-05-02"
    assert summary["alert_at"] == truth["detection"]["alert_at"] == "2022-05-02T11:14:50-07:00"
    assert summary["onset"] == summary["alert_at"]
    assert (summary["peak_date"], summary["peak_negative"]) == ("2022-05-06", 41)
    assert summary["statistical_alert_date"] == "2022-05-02"
    # one alert a detector in seven months, each a hit 3 days before the rating fell
    table = found.backtest[found.backtest["detector"].isin(["seed_rule", "poisson"])]
    assert table[["detector", "kind"]].values.tolist() == [["seed_rule", "hit"], ["poisson", "hit"]]
    assert table["alert_date"].dt.strftime("%Y-%m-%d").tolist() == ["2022-05-02"] * 2
    assert table["lead_days"].tolist() == [3, 3]
    # the share of negatives rose with the defect: a share-driven alert, and the share
    # detector fires the same day (docs/detection.md)
    assert summary["alert_kind"] == "share-driven"
    assert summary["share_alert_date"] == "2022-05-02"
    assert found.alert_context["week_share"] > 3 * found.alert_context["baseline_share"]
    assert table["baseline_rating"].iloc[0] == pytest.approx(truth["rating"]["baseline"], abs=1e-3)


# -- properties -------------------------------------------------------------------------------

counts_strategy = st.lists(st.integers(0, 30), min_size=1, max_size=40)
growths = st.sampled_from([0.0, 0.15, 0.5, 1.0])
floors = st.integers(1, 12)


def reference_seed_alert(counts: list[int], growth: float, floor: int) -> dt.date | None:
    """The definition, read literally, in exact arithmetic."""
    for i in range(7, len(counts)):
        threshold = (1 + Fraction(str(growth))) * Fraction(sum(counts[i - 7:i]), 7)
        if counts[i] >= floor and counts[i] > threshold:
            return dt.date(2022, 5, 1) + dt.timedelta(days=i)
    return None


@PROPERTY
@given(counts_strategy, growths, floors)
def test_seed_alert_is_the_definition(counts, growth, floor):
    assert seed_alert(series(counts), growth, floor) == reference_seed_alert(counts, growth, floor)


@PROPERTY
@given(counts_strategy, growths, floors, st.randoms(use_true_random=False))
def test_row_order_changes_nothing(counts, growth, floor, rnd):
    frame = series(counts)
    shuffled = frame.sample(frac=1, random_state=rnd.randrange(2**32))
    assert seed_alert(shuffled, growth, floor) == seed_alert(frame, growth, floor)
    assert poisson_alert(shuffled, floor) == poisson_alert(frame, floor)
    pd.testing.assert_frame_equal(seed_rule(shuffled, growth, floor), seed_rule(frame, growth, floor))


@PROPERTY
@given(counts_strategy, growths, floors, st.lists(st.integers(0, 30), min_size=1, max_size=10))
def test_what_happens_after_the_alert_day_never_moves_it(counts, growth, floor, later):
    alert = seed_alert(series(counts), growth, floor)
    if alert is None:
        return
    index = (alert - dt.date(2022, 5, 1)).days
    changed = counts[: index + 1] + later
    assert seed_alert(series(changed), growth, floor) == alert


@PROPERTY
@given(counts_strategy, growths, floors, st.integers(1, 20))
def test_more_negatives_on_the_alert_day_keep_it(counts, growth, floor, extra):
    alert = seed_alert(series(counts), growth, floor)
    if alert is None:
        return
    index = (alert - dt.date(2022, 5, 1)).days
    counts = list(counts)
    counts[index] += extra
    assert seed_alert(series(counts), growth, floor) == alert


@PROPERTY
@given(counts_strategy, growths, floors, st.integers(0, 5), st.sampled_from([0.0, 0.1, 0.5]))
def test_a_stricter_rule_never_alerts_earlier(counts, growth, floor, more_floor, more_growth):
    loose = seed_alert(series(counts), growth, floor)
    strict = seed_alert(series(counts), growth + more_growth, floor + more_floor)
    if strict is not None:
        assert loose is not None and loose <= strict


@PROPERTY
@given(
    st.lists(st.integers(0, 86_399), min_size=6, max_size=25),
    st.integers(0, 4),
    st.integers(0, 3),
    st.randoms(use_true_random=False),
)
def test_alert_at_is_when_the_running_count_first_meets_the_rule(seconds, day_only, prior, rnd):
    # 7 days of `prior` negatives, then the alert day: `day_only` day-precision events and
    # one event at each of `seconds` (seconds after local midnight).
    rows = []
    for i in range(7):
        rows += day_events(f"2022-05-0{i + 1}", prior, f"p{i}-")
    rows += day_events("2022-05-08", day_only, "m")
    midnight = pd.Timestamp("2022-05-08")
    rows += [timed_event(f"t{i:02d}", str(midnight + pd.Timedelta(seconds=s))) for i, s in enumerate(seconds)]
    events = pd.DataFrame(rows)
    n = day_only + len(seconds)
    threshold = 1.15 * prior
    need = max(5, math.floor(threshold) + 1)
    if n < need:
        return
    at = alert_moment(events, "2022-05-08", 0.15, 5, LA)
    assert at.tz is not None and at.tz_localize(None).normalize() == midnight
    offsets = sorted([0] * day_only + seconds)
    assert (at.tz_localize(None) - midnight).total_seconds() == offsets[need - 1]
    shuffled = events.sample(frac=1, random_state=rnd.randrange(2**32))
    assert alert_moment(shuffled, "2022-05-08", 0.15, 5, LA) == at


@PROPERTY
@given(counts_strategy, growths, floors)
def test_the_backtest_starts_with_the_alert(counts, growth, floor):
    rating = pd.DataFrame({"local_date": pd.date_range("2022-05-01", periods=len(counts)),
                           "rating": 4.5})
    table = backtest(series(counts), rating, growth, floor)
    seed = table.loc[table["detector"] == "seed_rule"]
    first = seed_alert(series(counts), growth, floor)
    assert (seed["alert_date"].iloc[0].date() if len(seed) else None) == first
    assert set(table["kind"]) <= {"hit", "false_alarm", "pending"}
    # alert days of one detector are more than the quiet period apart
    for _, alerts in table.groupby("detector"):
        assert (alerts["alert_date"].diff().dropna() > pd.Timedelta(days=7)).all()


def test_the_poisson_tail_equals_scipy_stats():
    """The detector's P(X > k) (scipy.special.pdtrc) against scipy.stats.poisson.sf."""
    import numpy as np
    from scipy.stats import poisson

    from crisis_kit.analysis.detection.detectors import _poisson_sf

    k = np.array([-1, 0, 1, 2, 5, 10, 50, -1, 0, 3, np.nan, 4, -1, 7])
    mean = np.array([0, 0, 0, 1.5, 2.2, 3.0, 10.0, 2.0, 2.0, np.nan, 1.0, 0.0, np.nan, 0.25])
    np.testing.assert_allclose(_poisson_sf(k, mean), poisson.sf(k, mean), rtol=1e-12,
                               equal_nan=True)


def test_the_analysis_imports_scipy_beside_the_store_read():
    """Importing the pipeline costs no scipy (0.2 s); run_analysis's preload thread imports it,
    and a detector run without the preload imports it where it computes (a fresh process)."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "import crisis_kit.pipeline\n"
        "print('AFTER-IMPORT', 'scipy.special' in sys.modules)\n"
        "from crisis_kit.analysis.detection import preload\n"
        "preload().join()\n"
        "print('AFTER-PRELOAD', 'scipy.special' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout
    assert "AFTER-IMPORT False" in out and "AFTER-PRELOAD True" in out, out
    cold = subprocess.run(
        [sys.executable, "-c",
         "import numpy as np\n"
         "from crisis_kit.analysis.detection.detectors import _poisson_sf\n"
         "from crisis_kit.analysis.detection.share import binom_sf\n"
         "print(_poisson_sf(np.array([2.0]), np.array([1.5]))[0],"
         " binom_sf(np.array([1.0]), np.array([4.0]), np.array([0.5]))[0])"],
        capture_output=True, text=True, check=True).stdout.split()
    assert float(cold[0]) == pytest.approx(1 - math.exp(-1.5) * (1 + 1.5 + 1.5 ** 2 / 2),
                                           rel=1e-12)
    assert float(cold[1]) == pytest.approx(11 / 16, rel=1e-12)  # P(X > 1), X ~ Bin(4, 1/2)
