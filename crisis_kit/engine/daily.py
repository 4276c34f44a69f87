"""Per-ASIN daily figures and the portfolio scan's windows, as Ibis expressions.

``events`` is any Ibis table with the columns of the portfolio's events Parquet
(``docs/scale.md``): ``marketplace``, ``brand``, ``incident``, ``asin``, ``source``,
``local_date``, ``rating``, ``is_negative``, ``topic``. Definitions are design.md section
8's: n(d) the negatives of local day d; the share over reviews and seller feedback; the
displayed rating the mean of the reviews of the trailing 30 days.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

__all__ = ["RATED_SOURCES", "KEYS", "daily_figures", "windows", "leading_topics"]

RATED_SOURCES = ("review", "seller_feedback")
"""Sources that can be negative or positive (design.md section 8)."""
KEYS = ("marketplace", "brand", "asin")
"""What one scanned product is."""


def daily_figures(events: ir.Table) -> ir.Table:
    """One row per marketplace, brand, ASIN and local day: counts, negatives, reviews, stars."""
    events = events.filter(events.asin.notnull())
    negative = events.is_negative.fill_null(False)
    rated = events.source.isin(RATED_SOURCES)
    review = (events.source == "review") & events.rating.notnull()
    return events.group_by([*KEYS, "local_date"]).aggregate(
        events=events.count(),
        negative=negative.cast("int64").sum(),
        rated=rated.cast("int64").sum(),
        rated_negative=(rated & negative).cast("int64").sum(),
        reviews=review.cast("int64").sum(),
        stars=ibis.ifelse(review, events.rating, 0.0).sum(),
    )


def windows(daily: ir.Table, day: dt.date) -> ir.Table:
    """Each product's figures for ``day``: today, the 7 days before, 30-day rating, shares.

    Columns: ``today`` (n(day)), ``prior_7`` and ``prior_28`` (negatives of the 7 and 28
    days before), ``rated_7``
    and ``rated_negative_7`` (the 7 days ending on ``day``), ``rated_28`` and
    ``rated_negative_28`` (the 28 days before those 7), ``reviews_30``/``stars_30`` (the
    30 days ending on ``day``) and ``reviews_prev_30``/``stars_prev_30`` (the 30 before),
    ``rated_28_recent``/``rated_negative_28_recent`` (the 28 days ending on ``day``) and
    ``rated_84``/``rated_negative_84`` (the 84 days before those 28).
    """
    d = ibis.date(day)
    recent = daily.filter((daily.local_date >= d - ibis.interval(days=111))
                          & (daily.local_date <= d))

    def between(first: int, last: int) -> ir.BooleanValue:
        """local_date in [day - first, day - last] (days back, inclusive)."""
        return (recent.local_date >= d - ibis.interval(days=first)) & (
            recent.local_date <= d - ibis.interval(days=last))

    def total(column: ir.NumericColumn, mask: ir.BooleanValue) -> ir.NumericScalar:
        return ibis.ifelse(mask, column, 0).sum()

    return recent.group_by(list(KEYS)).aggregate(
        today=total(recent.negative, between(0, 0)),
        prior_7=total(recent.negative, between(7, 1)),
        prior_28=total(recent.negative, between(28, 1)),
        rated_7=total(recent.rated, between(6, 0)),
        rated_negative_7=total(recent.rated_negative, between(6, 0)),
        rated_28=total(recent.rated, between(34, 7)),
        rated_negative_28=total(recent.rated_negative, between(34, 7)),
        reviews_30=total(recent.reviews, between(29, 0)),
        stars_30=total(recent.stars, between(29, 0)),
        reviews_prev_30=total(recent.reviews, between(59, 30)),
        stars_prev_30=total(recent.stars, between(59, 30)),
        rated_28_recent=total(recent.rated, between(27, 0)),
        rated_negative_28_recent=total(recent.rated_negative, between(27, 0)),
        rated_84=total(recent.rated, between(111, 28)),
        rated_negative_84=total(recent.rated_negative, between(111, 28)),
    )


def leading_topics(events: ir.Table, day: dt.date) -> ir.Table:
    """Each product's leading topic of the 7 days ending on ``day``, with its count.

    The most frequent topic among the product's negatives (``other`` left out; ties
    broken by name).
    """
    d = ibis.date(day)
    week = events.filter(events.asin.notnull() & events.is_negative.fill_null(False)
                         & (events.topic != "other")
                         & (events.local_date >= d - ibis.interval(days=6))
                         & (events.local_date <= d))
    counts = week.group_by([*KEYS, "topic"]).aggregate(topic_negative=week.count())
    ranked = counts.mutate(rank=ibis.row_number().over(
        group_by=[counts[k] for k in KEYS],
        order_by=[ibis.desc(counts.topic_negative), counts.topic]))
    return ranked.filter(ranked["rank"] == 0).drop("rank")
