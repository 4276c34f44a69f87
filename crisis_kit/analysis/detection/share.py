"""Alerts that know the volume: the negative share, the alert's kind, two share detectors.

A sale week multiplies reviews, and negatives with them: the seed rule fires although
customers are no less happy. What tells a crisis from a busy week is the **negative
share** s(d): negatives over the events of day d that can be negative or positive
(reviews and seller feedback, ``RATED_SOURCES``). Returns and claims are negative
signals with no positive counterpart, so they count in n(d) but not in s(d).

- :func:`alert_kind`: ``volume-driven`` when the share of the alert day and the 6 days
  before it is not significantly above the share of the 28 days before those 7
  (one-sided binomial test at ``KIND_ALPHA``), else ``share-driven`` (design.md 8);
- :func:`share_rule`: the 7-day share against the trailing 28 days before it;
- :func:`low_volume_rule`: the 28-day share against the 84 days before it (at least 28
  of them), for products with a few reviews a day, where no daily floor of 5 negatives
  can ever be reached.

Both detectors use a one-sided binomial test at ``SHARE_ALPHA`` and need at least
``MIN_NEGATIVE`` negatives in the window and ``MIN_BASELINE`` rated events in the
baseline, so one bad review among three cannot fire. ``docs/detection.md`` states
what each fires on every real file.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from ..volume import DayLike, as_day, day_index, days_of, weights

__all__ = [
    "RATED_SOURCES", "KIND_ALPHA", "SHARE_ALPHA", "MIN_NEGATIVE", "MIN_BASELINE",
    "share_series", "alert_kind", "share_rule", "low_volume_rule", "first_fire",
]

RATED_SOURCES = ("review", "seller_feedback")
"""Sources whose events can be negative or positive: the share's denominator."""
KIND_ALPHA = 0.05
"""Level of the alert-kind test: the share rose when p < 0.05 (one-sided)."""
SHARE_ALPHA = 0.01
"""Level of the share and low-volume detectors (one-sided)."""
MIN_NEGATIVE = 3
"""Negatives a window needs before a share detector may fire."""
MIN_BASELINE = 20
"""Rated events a baseline needs before a share detector may fire."""


def share_series(events: pd.DataFrame, start: DayLike | None = None,
                 end: DayLike | None = None) -> pd.DataFrame:
    """Rated events, their negatives and the negative share s(d) per local day.

    Each row represents one local day from ``start`` (default: the first event) to
    ``end`` (default: the last), zero-filled, with ``rated``, ``rated_negative`` and
    ``share`` (NaN on a day without rated events).
    """
    read = [c for c in ("local_date", "is_negative", "n") if c in events.columns]
    rated = events.loc[events["source"].isin(RATED_SOURCES), read]  # not every column
    first = as_day(start) if start is not None else (
        pd.to_datetime(events["local_date"]).min() if len(events) else None)
    last = as_day(end) if end is not None else (
        pd.to_datetime(events["local_date"]).max() if len(events) else None)
    if first is None or pd.isna(first):
        return pd.DataFrame({"local_date": pd.Series(dtype="datetime64[ns]"),
                             "rated": pd.Series(dtype=int),
                             "rated_negative": pd.Series(dtype=int),
                             "share": pd.Series(dtype=float)})
    first, last = as_day(first), as_day(last)
    calendar = day_index(first, last)
    # each rated event's day as its number in the calendar (days outside it not counted):
    # the sums of a day add up the weights of its events (whole numbers: exact)
    days = days_of(rated["local_date"])
    inside = ((days >= first) & (days <= last)).to_numpy()
    day = ((days[inside] - first) // pd.Timedelta(days=1)).to_numpy()
    negative = rated["is_negative"].fillna(False).astype(bool).to_numpy()[inside]
    w = weights(rated).to_numpy()[inside]
    full = pd.DataFrame({
        "rated": np.bincount(day, weights=w, minlength=len(calendar)).astype(int),
        "rated_negative": np.bincount(day, weights=negative * w,
                                      minlength=len(calendar)).astype(int),
    }, index=calendar)
    full["share"] = (full["rated_negative"] / full["rated"]).where(full["rated"] > 0)
    full.index.name = "local_date"
    return full.reset_index()


def binom_sf(k: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """P(X > k) for X ~ Binomial(n, p), value for value what ``scipy.stats.binom.sf`` gives.

    scipy.stats' own function, the Boost ufunc ``scipy.special._ufuncs._binom_sf``, with
    scipy.stats' handling of the support around it (1 below it, 0 from n on, NaN for
    invalid parameters): ``import scipy.stats`` costs 0.4 s in every process that runs an
    analysis, scipy.special 0.15 s. ``tests/test_share_detectors.py`` holds the two equal.
    """
    from scipy.special._ufuncs import _binom_sf  # here: see _poisson_sf

    k, n, p = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (k, n, p)))
    valid = (n >= 0) & (n == np.floor(n)) & (p >= 0) & (p <= 1) & ~np.isnan(k)
    inside = valid & (k >= 0) & (k < n) & np.isfinite(k)
    out = np.where(valid & (k < 0), 1.0, 0.0)
    out[~valid] = np.nan
    if inside.any():
        out[inside] = _binom_sf(np.floor(k[inside]), n[inside], p[inside])
    return out


def _p_above(x: np.ndarray, n: np.ndarray, p0: np.ndarray) -> np.ndarray:
    """One-sided P(X >= x) for X ~ Binomial(n, p0); 1.0 where x = 0."""
    x, n, p0 = (np.asarray(a, dtype=float) for a in (x, n, p0))
    with np.errstate(invalid="ignore"):
        p = binom_sf(x - 1, n, np.clip(p0, 0.0, 1.0))
    return np.where(x <= 0, 1.0, np.where(np.isnan(p), 1.0, p))


def _windows(series: pd.DataFrame, window: int, baseline: int) -> pd.DataFrame:
    """Window sums ending each day, and the baseline sums of the days before the window."""
    s = series.set_index("local_date")[["rated", "rated_negative"]].astype(float)
    w = s.rolling(window, min_periods=window).sum()
    # a baseline of at least 28 days (a product's first months have no longer history)
    b = s.shift(window).rolling(baseline, min_periods=min(baseline, 28)).sum()
    return pd.DataFrame({
        "x": w["rated_negative"], "n": w["rated"],
        "x0": b["rated_negative"], "n0": b["rated"],
    }, index=s.index)


def _rule(series: pd.DataFrame, window: int, baseline: int) -> pd.DataFrame:
    frame = _windows(series, window, baseline)
    p0 = (frame["x0"] / frame["n0"]).fillna(0.0)
    p = _p_above(frame["x"].fillna(0), frame["n"].fillna(0), p0)
    fires = ((frame["x"] >= MIN_NEGATIVE) & (frame["n0"] >= MIN_BASELINE)
             & (frame["x"] / frame["n"] > p0) & (p < SHARE_ALPHA))
    out = frame.assign(p_value=p, fires=fires.fillna(False).astype(bool))
    out.index.name = "local_date"
    return out.reset_index()


def share_rule(series: pd.DataFrame) -> pd.DataFrame:
    """The 7-day share against the 28 days before it, each day (``fires``, ``p_value``)."""
    return _rule(series, 7, 28)


def low_volume_rule(series: pd.DataFrame) -> pd.DataFrame:
    """The 28-day share against the 84 days before it, each day (``fires``, ``p_value``)."""
    return _rule(series, 28, 84)


def first_fire(rule: pd.DataFrame) -> dt.date | None:
    """The first day a rule fires, or None."""
    days = rule.loc[rule["fires"], "local_date"]
    return None if days.empty else pd.Timestamp(days.iloc[0]).date()


def alert_kind(series: pd.DataFrame, day: DayLike) -> tuple[str | None, dict[str, Any]]:
    """Was the alert of ``day`` driven by volume or by share? (kind, context).

    The context gives, for the alert day and for the 7 days ending on it, the negatives,
    all rated events and the share, with the baseline share of the 28 days before those
    7 and the test's p-value. The kind is None when the 7 days hold no rated event (the
    negatives are all returns or claims: there is no share to compare).
    """
    d = as_day(day)
    s = series.set_index("local_date")
    window = s.loc[d - pd.Timedelta(days=6): d]
    base = s.loc[d - pd.Timedelta(days=34): d - pd.Timedelta(days=7)]
    x, n = int(window["rated_negative"].sum()), int(window["rated"].sum())
    x0, n0 = int(base["rated_negative"].sum()), int(base["rated"].sum())
    today = s.loc[d] if d in s.index else pd.Series({"rated": 0, "rated_negative": 0})
    p0 = x0 / n0 if n0 else 0.0
    p_value = float(_p_above(np.array([x]), np.array([n]), np.array([p0]))[0]) if n else None
    context = {
        "day_negative": int(today["rated_negative"]), "day_signals": int(today["rated"]),
        "day_share": _ratio(int(today["rated_negative"]), int(today["rated"])),
        "week_negative": x, "week_signals": n, "week_share": _ratio(x, n),
        "baseline_negative": x0, "baseline_signals": n0, "baseline_share": _ratio(x0, n0),
        "p_value": None if p_value is None else float(f"{p_value:.3g}"),
        "level": KIND_ALPHA,
    }
    if not n:
        return None, context
    rose = x / n > p0 and p_value < KIND_ALPHA
    return ("share-driven" if rose else "volume-driven"), context


def _ratio(x: int, n: int) -> float | None:
    return round(x / n, 3) if n else None
