"""Rating recovery: how many 5-star reviews it takes, and by when the target is reached.

:func:`five_star_reviews_to_target` is closed-form arithmetic on the latest window.

The forecast's method (written up in ``docs/forecast.md``): future days are simulated as
Poisson draws per star, in blocks of ``lookback_days`` days whose velocity and star mix
are those of a random block of the last ``history_days`` (a block bootstrap; half of the
futures start at the last days' own pace); every simulated future is run through the
same trailing window as the observed rating, so old reviews leave the window exactly
as they would. The forecast date is the median first day on which the simulated rating
reaches the target, with an interval from the simulated spread. A fixed seed makes it reproducible.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from .volume import DayLike, as_day, weights

__all__ = [
    "PATH_COLUMNS", "RatingForecast", "calibration", "check_target",
    "five_star_reviews_to_target", "forecast_rating", "measured_coverage",
]

CALIBRATED = ("window_days", "lookback_days", "history_days", "interval")
"""The forecast's parameters that the shipped calibration was measured with."""

PATH_COLUMNS = ["local_date", "expected", "median", "lower", "upper"]
"""Columns of :attr:`RatingForecast.path`."""

STATUSES = ("reached", "forecast", "beyond_horizon", "no_recent_reviews")
"""Values of :attr:`RatingForecast.status`."""


@dataclass(frozen=True, eq=False)
class RatingForecast:
    """When the trailing-window rating is expected to reach the target.

    Attributes
    ----------
    status : str
        ``reached`` (the latest rating already meets the target: nothing to forecast),
        ``forecast`` (a date within the horizon), ``beyond_horizon`` (fewer than half
        of the simulated futures reach the target within ``horizon_days``), or
        ``no_recent_reviews`` (no review in the lookback days: no velocity to project).
    target_date, lower, upper : pandas.Timestamp or None
        Median first day at or above the target, and the ends of the ``interval``
        (e.g. 10th and 90th percentiles). Each is None when it lies beyond the horizon.
    probability : float
        Share of simulated futures that reach the target within the horizon.
    reviews_per_day, recent_mean_rating : float or None
        The recent velocity and mean star the projection starts from.
    path : pandas.DataFrame
        Each row represents one future day: ``local_date``, ``expected`` (the rating if
        velocity and mix stay at their recent averages), ``median``, ``lower``,
        ``upper`` (the simulated rating's median and interval). Empty when not computed.
    """

    status: str
    target: float
    as_of: pd.Timestamp | None
    target_date: pd.Timestamp | None
    lower: pd.Timestamp | None
    upper: pd.Timestamp | None
    probability: float
    reviews_per_day: float | None
    recent_mean_rating: float | None
    window_days: int
    lookback_days: int
    horizon_days: int
    interval: float
    simulations: int
    seed: int
    path: pd.DataFrame = field(repr=False)
    history_days: int = 180


def _positive(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def check_target(target: object) -> float:
    """Return ``target`` as a float; raise unless it is a rating from 1 to 5."""
    if isinstance(target, bool) or not isinstance(target, int | float) or not 1 <= target <= 5:
        raise ValueError(f"target must be a rating from 1 to 5, got {target!r}")
    return float(target)


def five_star_reviews_to_target(ratings_in_window: Iterable[float], target: float,
                                counts: Iterable[int] | None = None) -> int | None:
    """Return the fewest additional 5-star reviews that lift the window's mean to ``target``.

    Parameters
    ----------
    ratings_in_window : iterable of float
        The ratings (1-5) of the reviews in the latest trailing window.
    target : float
        The target rating (1-5).
    counts : iterable of int, optional
        How many reviews each rating stands for (grouped reviews); 1 each by default.

    Returns
    -------
    int or None
        0 when the mean already meets the target; 1 for an empty window (one review
        makes the mean 5); None when ``target`` is 5 and a rating is below 5 (no number
        of 5-star reviews lifts such a mean to 5).

    Raises
    ------
    ValueError
        If ``target`` or a rating lies outside 1-5, or a rating is missing.

    Notes
    -----
    design.md section 8, ``five_star_reviews_to_target``. With k reviews summing to
    s, n more 5-star reviews give the mean (s + 5n) / (k + n), which is >= target t
    when n >= (t k - s) / (5 - t). The answer is the ceiling of that bound, computed
    in exact fractions (t as written, 4.2 = 21/5) so that a bound of exactly 3 gives
    3, not 4. Reviews leaving the window meanwhile are not counted: this is the
    number needed now.

    Examples
    --------
    >>> five_star_reviews_to_target([1, 2, 5, 5], 4.2)  # (16.8 - 13) / 0.8 = 4.75
    5
    """
    target = check_target(target)
    ratings = [float(r) for r in ratings_in_window]
    weights = [1] * len(ratings) if counts is None else [int(c) for c in counts]
    bad = [r for r in ratings if math.isnan(r) or not 1 <= r <= 5]
    if bad:
        raise ValueError(f"ratings must lie from 1 to 5, got {bad[0]!r}")
    if len(weights) != len(ratings) or any(c < 0 for c in weights):
        raise ValueError("counts must give one count >= 0 per rating")
    # alike ratings summed once: a window of thousands of reviews holds a few values
    by_value: dict[float, int] = {}
    for r, c in zip(ratings, weights, strict=True):
        by_value[r] = by_value.get(r, 0) + c
    k = sum(by_value.values())
    if not k:
        return 1
    exact_target = Fraction(repr(target))
    total = sum((Fraction(r) * c for r, c in by_value.items()), Fraction(0))
    if total >= exact_target * k:
        return 0
    if exact_target == 5:
        return None
    return math.ceil((exact_target * k - total) / (5 - exact_target))


def _empty_path() -> pd.DataFrame:
    frame = pd.DataFrame({name: pd.Series(dtype=float) for name in PATH_COLUMNS})
    frame["local_date"] = frame["local_date"].astype("datetime64[ns]")
    return frame


def forecast_rating(
    reviews: pd.DataFrame,
    window_days: int,
    target: float,
    as_of: DayLike,
    *,
    lookback_days: int = 14,
    horizon_days: int = 180,
    simulations: int = 2000,
    seed: int = 0,
    interval: float = 0.8,
    history_days: int = 180,
) -> RatingForecast:
    """Forecast the first day the trailing-window rating reaches ``target``.

    Parameters
    ----------
    reviews : pandas.DataFrame
        One row per rated review (already filtered to the ASINs of interest), with
        ``local_date`` and ``rating``. Reviews after ``as_of`` are ignored.
    window_days : int
        The trailing window W of the displayed rating.
    target : float
        The target rating (1-5).
    as_of : str, datetime.date or pandas.Timestamp
        The last observed day; the forecast starts the day after.
    lookback_days : int, default 14
        Days (ending on ``as_of``) whose reviews give the velocity and the star mix.
    horizon_days : int, default 180
        How far ahead to look; a date beyond it is reported as None.
    simulations : int, default 2000
        Number of simulated futures.
    seed : int, default 0
        Seed of the random generator (same inputs, same seed: same forecast).
    interval : float, default 0.8
        Coverage of the interval (0.8: the 10th to the 90th percentile).
    history_days : int, default 180
        The recent months whose blocks of ``lookback_days`` days the future's pace and mix
        are drawn from (the drift); ``history_days = lookback_days``: the last days only.

    Returns
    -------
    RatingForecast

    Raises
    ------
    ValueError
        If a parameter is out of range or ``reviews`` lacks a column.

    Notes
    -----
    r(d) is the mean rating over ``[d - W + 1, d]`` (design.md section 8). For a
    future day d = as_of + j the window holds the observed reviews dated on or after
    ``d - W + 1`` (fewer each day: old reviews leave) and the simulated reviews of
    days ``max(1, j - W + 1) .. j``. The future runs in blocks of ``lookback_days``
    days; each simulation gives each block the daily per-star rates of a random block of
    ``lookback_days`` consecutive days among the last ``history_days`` (a block
    bootstrap: the mix drifts as it did in the recent months), except that half of the
    simulations start their first block at the last days' own pace (those days drawn
    with replacement); each future day's count of each star is Poisson with its block's
    rate. This was fitted on the real review files: with the last days only the 80 %
    interval held 54-59 % of outcomes, with the drift 73-77 % (docs/forecast.md).
    Its hit day is the first j with r(d) >= target. ``target_date`` is the median hit
    day (futures that never hit count as later than the horizon), ``lower`` and
    ``upper`` are the ``(1 - interval) / 2`` and ``(1 + interval) / 2`` quantiles.
    """
    missing = [c for c in ("local_date", "rating") if c not in reviews.columns]
    if missing:
        raise ValueError(f"reviews lack the column(s) {', '.join(missing)}")
    window_days = _positive("window_days", window_days)
    lookback_days = _positive("lookback_days", lookback_days)
    horizon_days = _positive("horizon_days", horizon_days)
    simulations = _positive("simulations", simulations)
    target = check_target(target)
    if isinstance(interval, bool) or not isinstance(interval, int | float) or not 0 < interval < 1:
        raise ValueError(f"interval must lie strictly between 0 and 1, got {interval!r}")
    last = as_day(as_of)
    days = pd.to_datetime(reviews["local_date"]).dt.normalize()
    offset = (last - days).dt.days.to_numpy()  # 0 = as_of, 1 = the day before, ...
    stars = reviews["rating"].astype(float).to_numpy()
    count = weights(reviews).to_numpy(dtype=float)  # a grouped row stands for `n` reviews
    seen = (offset >= 0) & ~np.isnan(stars)
    offset, stars, count = offset[seen], stars[seen], count[seen]

    def result(status: str, **found: object) -> RatingForecast:
        values = {"target_date": None, "lower": None, "upper": None, "probability": 0.0,
                  "reviews_per_day": None, "recent_mean_rating": None, "path": _empty_path()}
        values.update(found)
        return RatingForecast(
            status=status, target=target, as_of=last, window_days=window_days,
            lookback_days=lookback_days, horizon_days=horizon_days, interval=float(interval),
            simulations=simulations, seed=int(seed), history_days=int(history_days), **values,
        )

    recent = offset < lookback_days
    in_window = offset < window_days
    if in_window.any() and (stars[in_window] * count[in_window]).sum() / count[in_window].sum() \
            >= target:
        return result("reached", probability=1.0)
    if not recent.any():
        return result("no_recent_reviews")

    # Observed part of the window on future day j: reviews with offset <= W - 1 - j.
    horizon = np.arange(1, horizon_days + 1)
    by_offset_count = np.bincount(offset[in_window], weights=count[in_window],
                                  minlength=window_days).astype(np.int64)
    by_offset_sum = np.bincount(offset[in_window], weights=stars[in_window] * count[in_window],
                                minlength=window_days)
    kept = np.clip(window_days - horizon, 0, None)  # offsets 0 .. kept-1 stay in the window
    observed_count = np.concatenate([[0], np.cumsum(by_offset_count)])[kept]
    observed_sum = np.concatenate([[0.0], np.cumsum(by_offset_sum)])[kept]

    # Recent days x star values: the sample the velocity and mix are bootstrapped from.
    values, category = np.unique(stars[recent], return_inverse=True)
    per_day = np.zeros((lookback_days, len(values)))
    np.add.at(per_day, (offset[recent], category), count[recent])
    rng = np.random.default_rng(seed)
    # The mix drifts: every `lookback_days` of the future, each simulation draws its rates
    # from a block of `lookback_days` consecutive days of the last `history_days` (a block
    # bootstrap), so sale weeks, dips and calm spells of the recent months recur in it.
    history = int(max(history_days, lookback_days))
    older = offset < history
    hist_values = np.union1d(values, np.unique(stars[older]))
    hist_category = np.searchsorted(hist_values, stars[older])
    per_hist = np.zeros((history, len(hist_values)))
    np.add.at(per_hist, (offset[older], hist_category), count[older])
    blocks = -(-horizon_days // lookback_days)
    starts = rng.integers(0, history - lookback_days + 1, size=(simulations, blocks))
    window_sums = np.cumsum(np.vstack([np.zeros((1, len(hist_values))), per_hist]), axis=0)
    block_rates = (window_sums[starts + lookback_days] - window_sums[starts]) / lookback_days
    # half of the futures start at the last days' own pace (a day-level bootstrap of them)
    first_block = per_day[rng.integers(0, lookback_days, size=(simulations, lookback_days))]
    first_rates = np.zeros((simulations, len(hist_values)))
    first_rates[:, np.searchsorted(hist_values, values)] = first_block.sum(axis=1) / lookback_days
    keep = rng.random(simulations) < 0.5
    block_rates[keep, 0, :] = first_rates[keep]
    day_rates = np.repeat(block_rates, lookback_days, axis=1)[:, :horizon_days, :]
    values = hist_values
    drawn = rng.poisson(day_rates)
    cumulative_count = np.concatenate(
        [np.zeros((simulations, 1)), np.cumsum(drawn.sum(axis=2), axis=1)], axis=1)
    cumulative_sum = np.concatenate(
        [np.zeros((simulations, 1)), np.cumsum(drawn @ values, axis=1)], axis=1)
    first = np.clip(horizon - window_days, 0, None)  # simulated days first+1 .. j in window
    sim_count = cumulative_count[:, horizon] - cumulative_count[:, first] + observed_count
    sim_sum = cumulative_sum[:, horizon] - cumulative_sum[:, first] + observed_sum
    with np.errstate(invalid="ignore", divide="ignore"):
        rating = np.where(sim_count > 0, sim_sum / np.where(sim_count > 0, sim_count, 1), np.nan)
    hit = rating >= target
    hit_day = np.where(hit.any(axis=1), hit.argmax(axis=1) + 1, horizon_days + 1)

    tail = (1 - interval) / 2
    point, low, high = (
        int(np.quantile(hit_day, q, method="inverted_cdf")) for q in (0.5, tail, 1 - tail)
    )

    def day(j: int) -> pd.Timestamp | None:
        return last + pd.Timedelta(days=j) if j <= horizon_days else None

    mean_rates = np.zeros(len(values))
    mean_rates[np.searchsorted(values, np.unique(stars[recent]))] = per_day.sum(axis=0) / lookback_days
    in_sim = np.minimum(horizon, window_days)
    expected = (observed_sum + in_sim * (mean_rates @ values)) / (
        observed_count + in_sim * mean_rates.sum())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a day no future has a review on
        quantiles = np.nanquantile(rating, [0.5, tail, 1 - tail], axis=0)
    path = pd.DataFrame({
        "local_date": pd.DatetimeIndex(last + pd.to_timedelta(horizon, unit="D")).as_unit("ns"),
        "expected": expected, "median": quantiles[0], "lower": quantiles[1],
        "upper": quantiles[2],
    })
    return result(
        "forecast" if point <= horizon_days else "beyond_horizon",
        target_date=day(point), lower=day(low), upper=day(high),
        probability=float((hit_day <= horizon_days).mean()),
        reviews_per_day=float(per_day.sum() / lookback_days),
        recent_mean_rating=float((stars[recent] * count[recent]).sum() / count[recent].sum()),
        path=path,
    )


@cache
def calibration() -> dict:
    """The forecast's measured coverage on real review histories (shipped data).

    ``crisis_kit/data/forecast_calibration.json``, written by
    ``python bench/forecast_calibration.py --write``: the ``model`` parameters it was
    measured with (:data:`CALIBRATED`), and per horizon (30, 60, 90 days) and over all
    horizons (``all``) the backtest outcomes inside the 80 % interval, the outcomes, and
    their ratio ``coverage``. ``tests/test_real_data.py`` re-runs the backtest and holds
    the file equal to it.
    """
    import json

    text = resources.files("crisis_kit").joinpath("data/forecast_calibration.json").read_text(
        encoding="utf-8")
    return json.loads(text)


def measured_coverage(forecast: RatingForecast) -> dict[str, float] | None:
    """The measured coverage of the model that made ``forecast``, or None.

    Returns
    -------
    dict of str to float or None
        ``{"30": 0.84, "60": 0.82, "90": 0.82, "all": 0.83}`` (the share of backtest
        outcomes inside the interval, per horizon in days and over all of them) when
        ``forecast`` drew a path with the calibrated parameters; None when no path was
        simulated (target reached, no recent reviews) or a parameter differs from the
        measured model's (then its coverage is unknown).
    """
    if forecast.path.empty:
        return None
    measured = calibration()
    if any(getattr(forecast, name) != measured["model"][name] for name in CALIBRATED):
        return None
    return {h: float(v["coverage"]) for h, v in measured["coverage"].items()}
