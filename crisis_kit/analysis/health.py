"""A calm product's health: the figures a seller watches on the usual day, with no onset.

:func:`health` measures, up to the last day: the displayed (30-day) and lifetime rating,
the daily volume and negative share of the last 28 days against the 28 before, the topics
of those two windows, and how far the seed rule is from firing today ("3 more negatives
today fire the seed rule"). The report shows it in place of the crisis measures when
there is no onset; ``monitor`` says the distance to the seed rule in its calm message.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .detection.share import RATED_SOURCES
from .ratings import trailing_rating
from .volume import DayLike, as_day, days_of, weights

__all__ = ["Health", "health", "negatives_to_fire", "WINDOW_DAYS"]

WINDOW_DAYS = 28
"""The recent window, compared with the one before it."""


@dataclass(frozen=True, eq=False)
class Health:
    """A product's figures on ``day`` (see :func:`health`).

    ``topics`` has one row per topic with ``recent`` and ``before`` negative counts, the
    most frequent first in the recent window; ``trajectory`` is the displayed rating per
    day (:func:`crisis_kit.analysis.ratings.trailing_rating`), for the calm chart.
    """

    day: dt.date
    rating: float | None
    lifetime_rating: float | None
    reviews_in_window: int
    events_per_day: float
    negative_recent: int
    signals_recent: int
    share_recent: float | None
    share_before: float | None
    topics: pd.DataFrame
    negatives_today: int
    to_fire: int
    trajectory: pd.DataFrame | None = None


def negatives_to_fire(today: int, prior_mean: float | None, growth: float, floor: int) -> int:
    """More negatives today that would make the seed rule fire (0 when it already does).

    The rule: n(d) >= floor and n(d) > (1 + growth) x the mean of the 7 days before.
    """
    if prior_mean is None or math.isnan(prior_mean):
        return max(0, floor - today)
    needed = max(floor, math.floor((1 + growth) * prior_mean + 1e-9) + 1)
    return max(0, needed - today)


def health(events: pd.DataFrame, window_days: int, growth: float, floor: int,
           as_of: DayLike | None = None, *,
           trajectory: pd.DataFrame | None = None) -> Health | None:
    """The product's figures up to ``as_of`` (default: the last event day); None without events.

    ``trajectory``: the displayed rating of these events when the caller has computed it
    (:func:`crisis_kit.analysis.ratings.trailing_rating`, the pipeline shares it with the
    detection and the rating); used when it runs to the same last day, else computed.
    """
    if events.empty:
        return None
    days = days_of(events["local_date"])
    day = as_day(as_of) if as_of is not None else days.max()
    if (days > day).any():  # a copy of every event only when some are cut
        events, days = events[days <= day], days[days <= day]
    if events.empty:
        return None
    recent = days > day - pd.Timedelta(days=WINDOW_DAYS)
    before = (days > day - pd.Timedelta(days=2 * WINDOW_DAYS)) & ~recent
    negative = events["is_negative"].fillna(False).astype(bool)
    rated = events["source"].isin(RATED_SOURCES)  # categories compared, no strings made
    w = weights(events)
    # the totals sum arrays: some twenty masks of every event, no Series made of each
    counts, on_day = w.to_numpy(), days.to_numpy()

    def total(mask: pd.Series | np.ndarray) -> int:
        return int(counts[np.asarray(mask, dtype=bool)].sum())

    def share(mask: pd.Series) -> float | None:
        n = total(mask & rated)
        return round(float(total(mask & rated & negative)) / n, 3) if n else None

    if trajectory is not None and len(trajectory) and trajectory["local_date"].iloc[-1] == day:
        rating = trajectory  # the same series: it runs from the first review to the same day
    else:
        rating = trailing_rating(events, window_days, as_of=day)
    last = rating.iloc[-1] if len(rating) else None
    # the topics of the two windows' negatives only: a million positive reviews (and
    # three years of negatives) need no topic name made
    counted = negative & (recent | before)
    topic = (events.loc[counted, "topic"].astype(str) if "topic" in events
             else pd.Series("other", events.index[counted]))
    on, now, then = w[counted], recent[counted], before[counted]
    table = pd.DataFrame({
        "recent": on[now].groupby(topic[now]).sum(),
        "before": on[then].groupby(topic[then]).sum(),
    }).fillna(0).astype(int)
    table = table.rename_axis("topic").reset_index().sort_values(
        ["recent", "before", "topic"], ascending=[False, False, True]).reset_index(drop=True)
    negative_on_day = np.asarray(negative, dtype=bool)
    today = total(negative_on_day & (on_day == day.to_datetime64()))
    # the negatives of the 7 days before today, summed over the week at once
    week = total(negative_on_day & (on_day >= (day - pd.Timedelta(days=7)).to_datetime64())
                 & (on_day < day.to_datetime64()))
    span = (day - days.min()).days
    prior = week / 7 if span >= 7 else None
    return Health(
        day=day.date(),
        rating=None if last is None or pd.isna(last["rating"]) else round(float(last["rating"]), 3),
        lifetime_rating=None if last is None else round(float(last["cumulative_rating"]), 3),
        reviews_in_window=0 if last is None else int(last["reviews_in_window"]),
        events_per_day=round(float(total(recent)) / WINDOW_DAYS, 2),
        negative_recent=total(negative & recent),
        signals_recent=total(rated & recent),
        share_recent=share(recent), share_before=share(before), topics=table,
        negatives_today=today, to_fire=negatives_to_fire(today, prior, growth, floor),
        trajectory=rating,
    )
