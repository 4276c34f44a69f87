"""The explorer's chart series, from the selection's daily table.

The series are computed from :meth:`ExplorerData.daily` (one row per day, source and
topic, a few thousand rows however many events match), never from event rows, with the
analysis's own functions (seed rule, trailing rating, sales index). The chart widgets that
draw them are :mod:`crisis_kit.figures.widgets`.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..analysis.detection.detectors import seed_alert
from ..analysis.ratings import window_mean
from ..analysis.sales import baseline_units, sales_index
from ..analysis.volume import day_index
from ..config import Thresholds
from ..figures.widgets import Series, add_source, draw, make_figures

__all__ = ["Series", "series", "make_figures", "add_source", "draw"]  # widgets re-exported


def series(daily: pd.DataFrame, units: pd.DataFrame, first: dt.date | None, last: dt.date | None,
           sources: list[str], topics: list[str], thresholds: Thresholds) -> Series:
    """Compute every chart's series from the selection's daily table.

    Notes
    -----
    Definitions of design.md section 8, applied to the selection: n(d) is the daily
    negative count, the alert is the seed rule's first day (``thresholds``), the
    rating is the mean review rating over the trailing ``rating_window_days``, and
    the sales index is the trailing 7-day mean of units over the mean daily units of
    the ``baseline_days`` before the alert day (without an alert: the first
    ``baseline_days`` shown). Days without events count zero.
    """
    days = day_index(first, last) if first is not None and last is not None else pd.DatetimeIndex([])
    dates = pd.to_datetime(daily["local_date"]).astype("datetime64[ns]")
    frame = daily.assign(local_date=dates)
    negative = (frame.groupby(["local_date", "source"])["negative"].sum().unstack(fill_value=0)
                .reindex(index=days, columns=sources, fill_value=0).astype("int64"))
    total = negative.sum(axis=1)
    alert = (seed_alert(pd.DataFrame({"local_date": days, "negative": total.to_numpy()}),
                        thresholds.negative_growth, thresholds.min_negative_per_day)
             if len(days) else None)
    per_day = frame.groupby("local_date")[["rating_sum", "ratings"]].sum().reindex(days, fill_value=0)
    rating = window_mean(per_day["rating_sum"], per_day["ratings"], thresholds.rating_window_days)
    by_topic = frame.groupby("topic")["negative"].sum().reindex(topics, fill_value=0)
    share = by_topic / by_topic.sum() if by_topic.sum() else by_topic.astype(float) * np.nan
    return Series([d.date().isoformat() for d in days], negative, rating, share,
                  _sales_index(units, days, alert, thresholds.baseline_days), alert,
                  int(daily["events"].sum()))


def _sales_index(units: pd.DataFrame, days: pd.DatetimeIndex, alert: dt.date | None,
                 baseline_days: int) -> pd.Series:
    if units.empty or not len(days):
        return pd.Series(np.nan, index=days)
    reported = units.set_index(pd.to_datetime(units["local_date"]).astype("datetime64[ns]"))["units"]
    full = reported.reindex(day_index(reported.index.min(), reported.index.max()), fill_value=0.0)
    # without an alert the baseline is the first baseline_days shown
    before = (baseline_units(full, alert, baseline_days) if alert is not None
              else full[full.index >= days[0]].iloc[:baseline_days])
    _, index = sales_index(full, float(before.mean()) if len(before) else None)
    return index.reindex(days)
