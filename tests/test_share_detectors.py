"""The negative share, the alert's kind and the share detectors, on hand-built days.

Binomial tails are recomputed here with math.comb, not scipy, as an independent check.
"""

from __future__ import annotations

import math

import pandas as pd

from crisis_kit.analysis.detection.share import (
    alert_kind,
    low_volume_rule,
    share_rule,
    share_series,
)


def _events(days: list[tuple[str, int, int]], returns: int = 0) -> pd.DataFrame:
    """(day, rated events, negatives among them); plus ``returns`` negative returns a day."""
    rows = []
    for day, rated, negative in days:
        rows += [{"local_date": day, "source": "review", "is_negative": i < negative}
                 for i in range(rated)]
        rows += [{"local_date": day, "source": "fba_return", "is_negative": True}
                 for _ in range(returns)]
    return pd.DataFrame(rows)


def _tail(x: int, n: int, p: float) -> float:
    return sum(math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(x, n + 1))


def _days(start: str, count: int, rated: int, negative: int) -> list[tuple[str, int, int]]:
    return [(str((pd.Timestamp(start) + pd.Timedelta(days=i)).date()), rated, negative)
            for i in range(count)]


def test_the_share_counts_reviews_and_feedback_not_returns():
    series = share_series(_events([("2024-03-01", 10, 2)], returns=5))
    row = series.iloc[0]
    assert (row["rated"], row["rated_negative"], row["share"]) == (10, 2, 0.2)


def test_a_sale_week_is_volume_driven():
    # 35 quiet days: 10 reviews, 1 negative a day (10 %); then a sale week: 50 reviews,
    # 5 negatives a day (still 10 %): the negatives rose fivefold, the share did not.
    days = _days("2024-01-01", 35, 10, 1) + _days("2024-02-05", 7, 50, 5)
    kind, context = alert_kind(share_series(_events(days)), "2024-02-11")
    assert kind == "volume-driven"
    assert (context["week_negative"], context["week_signals"]) == (35, 350)
    assert (context["baseline_negative"], context["baseline_signals"]) == (28, 280)
    assert abs(context["p_value"] - _tail(35, 350, 0.1)) < 1e-3


def test_a_defect_week_is_share_driven():
    days = _days("2024-01-01", 35, 10, 1) + _days("2024-02-05", 7, 10, 4)
    kind, context = alert_kind(share_series(_events(days)), "2024-02-11")
    assert kind == "share-driven" and context["week_share"] == 0.4
    assert context["p_value"] < 0.05
    assert abs(context["p_value"] - _tail(28, 70, 0.1)) < 1e-6


def test_no_rated_event_in_the_week_gives_no_kind():
    events = _events(_days("2024-01-01", 40, 10, 1))
    returns = pd.DataFrame([{"local_date": "2024-02-20", "source": "fba_return",
                             "is_negative": True}] * 6)
    kind, _ = alert_kind(share_series(pd.concat([events, returns])), "2024-02-20")
    assert kind is None


def test_the_share_detector_fires_on_a_rise_in_share_not_in_volume():
    calm = _days("2024-01-01", 40, 10, 1)
    busy = share_rule(share_series(_events(calm + _days("2024-02-10", 7, 60, 6))))
    assert not busy["fires"].any()
    worse = share_rule(share_series(_events(calm + _days("2024-02-10", 7, 10, 3))))
    assert worse["fires"].any()
    first = worse.loc[worse["fires"], "local_date"].iloc[0]
    assert first >= pd.Timestamp("2024-02-10")


def test_the_low_volume_detector_sees_what_no_daily_floor_can():
    # 1-2 reviews a day, none negative for two months, then one negative every 5 days
    calm = [(d, 1 + i % 2, 0) for i, (d, _, _) in enumerate(_days("2024-01-01", 60, 1, 0))]
    dip = [(d, 1 + i % 2, 1 if i % 5 == 0 else 0)
           for i, (d, _, _) in enumerate(_days("2024-03-01", 28, 1, 0))]
    rule = low_volume_rule(share_series(_events(calm + dip)))
    assert rule["fires"].any()
    first = rule.loc[rule["fires"], "local_date"].iloc[0]
    assert pd.Timestamp("2024-03-01") <= first <= pd.Timestamp("2024-03-28")


def test_the_binomial_tail_is_scipy_stats_value_for_value():
    """share.binom_sf (scipy.special's ufunc with scipy.stats' support rules) equals
    scipy.stats.binom.sf on every kind of argument, bit for bit."""
    import numpy as np
    from scipy.stats import binom

    from crisis_kit.analysis.detection.share import binom_sf

    rng = np.random.default_rng(7)
    n = rng.integers(0, 400, 50_000).astype(float)
    k = rng.integers(-3, 420, 50_000).astype(float)
    p = rng.random(50_000)
    p[:50], p[50:100], p[100:150] = 0.0, 1.0, np.nan  # edges and a missing baseline
    n[150:200], k[200:250] = 0.0, np.nan
    n[250:260], p[260:270] = 2.5, 1.5  # invalid parameters: NaN as scipy.stats gives
    with np.errstate(invalid="ignore"):
        expected = binom.sf(k, n, p)
        assert np.array_equal(binom_sf(k, n, p), expected, equal_nan=True)
    assert np.array_equal(binom_sf(np.array(4.0), np.array(10.0), np.array(0.3)),
                          binom.sf(4, 10, 0.3))
