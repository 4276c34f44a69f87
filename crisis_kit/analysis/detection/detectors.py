"""The two daily detectors, and the moment within a day the seed rule held.

Each watches the daily negative count n(d) (design.md section 8):

- the **seed rule** of the playbook: n(d) at least ``min_negative_per_day`` and more
  than ``1 + negative_growth`` times the mean of the 7 days before;
- a **Poisson detector**: n(d) at least the same floor and improbably high
  (one-sided p-value below ``alpha``) for a Poisson count whose rate is the mean of
  the ``baseline_days`` days before d.

Both need a full window of history before they may fire. ``docs/detection.md``
explains the choices and their assumptions; :mod:`crisis_kit.analysis.detection.rules` replays them
over the history and fixes an incident's onset.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from ..volume import DayLike, as_day, day_index, days_of

__all__ = [
    "SEED_WINDOW_DAYS", "BASELINE_DAYS", "ALPHA", "seed_rule", "seed_alert", "alert_moment",
    "poisson_rule", "poisson_alert",
]

SEED_WINDOW_DAYS = 7
"""Days before d whose mean the seed rule compares n(d) with."""
BASELINE_DAYS = 28
"""Days before d whose mean is the Poisson detector's expected rate."""
ALPHA = 0.001
"""Significance level of the Poisson detector (one-sided)."""

# Rounding in (1 + growth) * mean can put an exact tie a hair on either side; a tie
# never fires ("more than"), and a real excess of a count is far above this.
_TOLERANCE = 1e-9


def _exceeds(count: Any, threshold: Any) -> Any:
    return count - threshold > _TOLERANCE * np.maximum(1.0, threshold)


def _check_rule(growth: float, floor: int) -> None:
    if not np.isfinite(growth) or growth < 0:
        raise ValueError(f"growth must be a number >= 0 (0.15 for 15 %/day), got {growth!r}")
    if isinstance(floor, bool) or not isinstance(floor, int | np.integer) or floor < 1:
        raise ValueError(f"floor must be an integer >= 1, got {floor!r}")


def _negative_series(negative_per_day: pd.DataFrame) -> pd.Series:
    """n(d) on every calendar day from the first to the last row, zero-filled."""
    missing = [c for c in ("local_date", "negative") if c not in negative_per_day.columns]
    if missing:
        raise ValueError(
            f"negative_per_day lacks the column(s) {', '.join(missing)}; expected the "
            "output of crisis_kit.analysis.volume.daily_counts"
        )
    counts = pd.to_numeric(negative_per_day["negative"], errors="coerce")
    if counts.isna().any() or (counts < 0).any() or (counts % 1 != 0).any():
        raise ValueError("negative_per_day['negative'] must hold whole counts >= 0 (no missing values)")
    days = days_of(negative_per_day["local_date"])
    per_day = counts.astype("int64").groupby(days.to_numpy()).sum()
    if per_day.empty:
        return pd.Series([], index=day_index("2000-01-02", "2000-01-01"), dtype="int64")
    return per_day.reindex(day_index(per_day.index.min(), per_day.index.max()), fill_value=0)


def _first_day(days: pd.Series) -> dt.date | None:
    hits = days.index[days.to_numpy()]
    return hits[0].date() if len(hits) else None


def seed_rule(negative_per_day: pd.DataFrame, growth: float, floor: int) -> pd.DataFrame:
    """Evaluate the seed rule on every day of a daily negative series.

    Parameters
    ----------
    negative_per_day : pandas.DataFrame
        Needs ``local_date`` and ``negative`` (the output of
        :func:`crisis_kit.analysis.volume.daily_counts`). Rows of the same day are added; days
        missing between the first and the last row count as zero.
    growth : float
        ``thresholds.negative_growth`` (0.15 for 15 %/day).
    floor : int
        ``thresholds.min_negative_per_day``.

    Returns
    -------
    pandas.DataFrame
        Each row represents one calendar day from the first to the last row, with
        ``local_date``, ``negative`` (int), ``prior_mean`` (mean n over the 7 days
        before; NaN in the first 7 days), ``threshold`` (``(1 + growth) * prior_mean``)
        and ``fires`` (bool).

    Raises
    ------
    ValueError
        If a column is missing, a count is not a whole number >= 0, ``growth`` < 0 or
        ``floor`` < 1.

    Notes
    -----
    design.md section 8, "Alert (seed rule)": d fires when n(d) >= floor and
    n(d) > (1 + growth) * mean(n(d-7) .. n(d-1)). The 7 days are calendar days,
    zero-filled. A day with fewer than 7 days of history before it never fires: the
    mean of a partial week would make the first complaints of a new listing look
    like a surge. An exact tie with the threshold does not fire.
    """
    _check_rule(growth, floor)
    negative = _negative_series(negative_per_day)
    prior_mean = negative.shift(1).rolling(SEED_WINDOW_DAYS, min_periods=SEED_WINDOW_DAYS).mean()
    threshold = (1.0 + growth) * prior_mean
    fires = (negative >= floor) & _exceeds(negative, threshold).fillna(False).astype(bool)
    return pd.DataFrame({
        "local_date": negative.index, "negative": negative.to_numpy(),
        "prior_mean": prior_mean.to_numpy(), "threshold": threshold.to_numpy(),
        "fires": fires.to_numpy(),
    })


def seed_alert(negative_per_day: pd.DataFrame, growth: float, floor: int) -> dt.date | None:
    """Return the first day the seed rule fires, or None.

    Parameters
    ----------
    negative_per_day : pandas.DataFrame
        Needs ``local_date`` and ``negative`` (see :func:`seed_rule`).
    growth : float
        ``thresholds.negative_growth``.
    floor : int
        ``thresholds.min_negative_per_day``.

    Returns
    -------
    datetime.date or None

    Notes
    -----
    design.md section 8, "Alert (seed rule)"; the rule and the 7-day warm-up are
    those of :func:`seed_rule`.

    Examples
    --------
    >>> days = pd.date_range("2022-05-01", periods=9)
    >>> frame = pd.DataFrame({"local_date": days, "negative": [1] * 7 + [2, 6]})
    >>> seed_alert(frame, growth=0.15, floor=5)
    datetime.date(2022, 5, 9)
    """
    rule = seed_rule(negative_per_day, growth, floor)
    return _first_day(rule.set_index("local_date")["fires"])


def alert_moment(
    events: pd.DataFrame, alert_date: DayLike, growth: float, floor: int, tz: str
) -> pd.Timestamp:
    """Return the moment on the alert day at which the seed rule first held.

    Parameters
    ----------
    events : pandas.DataFrame
        The events table; needs ``event_id``, ``occurred_at`` (naive UTC),
        ``local_date``, ``date_precision`` and ``is_negative``.
    alert_date : str, datetime.date or pandas.Timestamp
        The alert day (from :func:`seed_alert`).
    growth, floor
        The seed rule's parameters.
    tz : str
        The marketplace's IANA time zone (``crisis_kit.config.marketplaces.get(code).tz``).

    Returns
    -------
    pandas.Timestamp
        Aware, in ``tz``.

    Raises
    ------
    ValueError
        If a column is missing, or the day's negatives do not satisfy the rule.

    Notes
    -----
    design.md section 8, "alert_at": the negatives of the alert day are put in the
    order a monitor watching the stream would have seen them: events known only to
    the day (``date_precision == 'day'``) at local midnight, first; the others at
    ``occurred_at``; ties by ``event_id``. alert_at is the time of the k-th, where k
    is the smallest running count with k >= floor and k > (1 + growth) * mean(n over
    the 7 days before), computed from ``events`` with zero-filled days.
    """
    _check_rule(growth, floor)
    needed = ("event_id", "occurred_at", "local_date", "date_precision", "is_negative")
    missing = [c for c in needed if c not in events.columns]
    if missing:
        raise ValueError(
            f"events lack the column(s) {', '.join(missing)}; expected the events table "
            "of crisis_kit.schemas.EVENTS"
        )
    day = as_day(alert_date)
    # the negatives of the alert day and of the days before it: only they are read
    days = days_of(events["local_date"])
    near = events["is_negative"].fillna(False).astype(bool) & (
        days >= day - pd.Timedelta(days=SEED_WINDOW_DAYS)) & (days <= day)
    negatives, days = events.loc[near, list(needed)], days[near]
    window = days < day
    threshold = (1.0 + growth) * window.sum() / SEED_WINDOW_DAYS
    on_day = negatives.loc[days == day]
    counts = np.arange(1, len(on_day) + 1)
    holds = (counts >= floor) & _exceeds(counts, threshold)
    if not holds.any():
        raise ValueError(
            f"the seed rule does not hold on {day.date()}: {len(on_day)} negative events, "
            f"floor {floor}, threshold {threshold:.3f}; pass a day returned by seed_alert"
        )
    midnight = day.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
    by_day = on_day["date_precision"].astype(str).eq("day").to_numpy()
    at = pd.to_datetime(on_day["occurred_at"]).dt.tz_localize("UTC").dt.tz_convert(tz)
    order = pd.DataFrame({
        "at": at.where(~by_day, midnight), "rank": np.where(by_day, 0, 1),
        "event_id": on_day["event_id"].astype(str).to_numpy(),
    }).sort_values(["at", "rank", "event_id"], kind="mergesort")
    return order["at"].iloc[int(np.argmax(holds))]


def _poisson_sf(k: pd.Series, mean: pd.Series) -> np.ndarray:
    """Return P(X > k) for X ~ Poisson(mean), as ``scipy.stats.poisson.sf`` does.

    Through ``scipy.special.pdtrc`` (the same function; ``scipy.stats`` costs 0.4 s to
    import in every report kernel). pdtrc is undefined below k = 0, where P(X > k) is 1.
    """
    from scipy.special import pdtrc  # here: 0.2 s to import (pipeline.run_analysis preloads it)

    k, mean = np.asarray(k, dtype=float), np.asarray(mean, dtype=float)
    return np.where((k < 0) & ~np.isnan(mean), 1.0, pdtrc(k, mean))


def poisson_rule(
    negative_per_day: pd.DataFrame,
    floor: int,
    alpha: float = ALPHA,
    baseline_days: int = BASELINE_DAYS,
) -> pd.DataFrame:
    """Evaluate the Poisson detector on every day of a daily negative series.

    Parameters
    ----------
    negative_per_day : pandas.DataFrame
        Needs ``local_date`` and ``negative`` (see :func:`seed_rule`).
    floor : int
        The fewest negatives a day must have to fire (``min_negative_per_day``).
    alpha : float
        One-sided significance level, in (0, 1).
    baseline_days : int
        Days before d whose mean is the expected rate.

    Returns
    -------
    pandas.DataFrame
        Each row represents one calendar day, with ``local_date``, ``negative``,
        ``baseline_mean`` (NaN in the first ``baseline_days`` days), ``p_value`` and
        ``fires``.

    Raises
    ------
    ValueError
        If ``alpha`` is not in (0, 1), ``baseline_days`` < 1, or as :func:`seed_rule`.

    Notes
    -----
    The statistical detector of design.md section 8, documented in
    ``docs/detection.md``: with lambda = mean(n(d - baseline_days) .. n(d-1)),
    p(d) = P(X >= n(d)) for X ~ Poisson(lambda), and d fires when n(d) >= floor and
    p(d) < alpha. It assumes complaints arrive independently at a steady rate over
    the baseline; weekly cycles and overdispersion make it fire more easily, which
    the floor and the small alpha hold back.
    """
    _check_rule(0.0, floor)
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie between 0 and 1, got {alpha!r}")
    if isinstance(baseline_days, bool) or not isinstance(baseline_days, int) or baseline_days < 1:
        raise ValueError(f"baseline_days must be a positive integer, got {baseline_days!r}")
    negative = _negative_series(negative_per_day)
    baseline = negative.shift(1).rolling(baseline_days, min_periods=baseline_days).mean()
    p_value = pd.Series(_poisson_sf(negative - 1, baseline), index=negative.index)
    fires = (negative >= floor) & (p_value < alpha)
    return pd.DataFrame({
        "local_date": negative.index, "negative": negative.to_numpy(),
        "baseline_mean": baseline.to_numpy(), "p_value": p_value.to_numpy(),
        "fires": fires.to_numpy(),
    })


def poisson_alert(
    negative_per_day: pd.DataFrame,
    floor: int,
    alpha: float = ALPHA,
    baseline_days: int = BASELINE_DAYS,
) -> dt.date | None:
    """Return the first day the Poisson detector fires, or None.

    Parameters
    ----------
    negative_per_day, floor, alpha, baseline_days
        As for :func:`poisson_rule`.

    Returns
    -------
    datetime.date or None

    Notes
    -----
    The statistical detector of :func:`poisson_rule` (``docs/detection.md``).
    """
    rule = poisson_rule(negative_per_day, floor, alpha, baseline_days)
    return _first_day(rule.set_index("local_date")["fires"])
