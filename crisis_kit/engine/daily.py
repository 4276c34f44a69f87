"""Per-ASIN daily figures and the portfolio scan's windows, as Ibis expressions.

``events`` is any Ibis table with the columns of the portfolio's events Parquet
(``docs/scale.md``): ``marketplace``, ``brand``, ``incident``, ``asin``, ``source``,
``local_date``, ``rating``, ``is_negative``, ``topic``. Definitions are design.md section
8's: n(d) the negatives of local day d; the share over reviews and seller feedback; the
displayed rating the mean of the reviews of the trailing 30 days.

``sales`` and ``orders`` are the portfolio's tables of the same names: :func:`daily_units`
keeps one source per marketplace, brand, ASIN and day as the incident's
``analysis.sales.daily_units`` does, and :func:`sales_windows` says the units of the last
7 days against the baseline before them (design.md section 8's sales index).
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from ..schemas import CANCELLED_STATUSES, SALES_SOURCE_PRIORITY

__all__ = ["RATED_SOURCES", "KEYS", "ALERT_COLUMNS", "TOPIC_COLUMNS", "RECENT_DAYS",
           "daily_figures", "windows", "leading_topics", "seed_alerts", "sales_rows",
           "daily_units", "sales_windows"]

RATED_SOURCES = ("review", "seller_feedback")
"""Sources that can be negative or positive (design.md section 8)."""
KEYS = ("marketplace", "brand", "asin")
"""What one scanned product is."""
RECENT_DAYS = 112
"""Days ending on the scanned day whose daily figures :func:`windows` reads (the 84 + 28
days of the low-volume share detector)."""


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
    recent = daily.filter((daily.local_date >= d - ibis.interval(days=RECENT_DAYS - 1))
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


TOPIC_COLUMNS = ("topic", "topic_negative")
"""The columns :func:`leading_topics` adds to :data:`KEYS`."""


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


def sales_rows(sales: ir.Table | None, orders: ir.Table | None = None) -> ir.Table:
    """The rows that can count as an ASIN's units: one per report row or order line.

    Columns ``marketplace``, ``brand``, ``asin``, ``local_date``, ``source`` and ``units``:
    the sales table's rows, and the orders file's lines that are not cancelled (their
    status, lower case, not in :data:`~crisis_kit.schemas.CANCELLED_STATUSES`; a line
    without a status counts) as source ``orders`` on their local day, as ``Store.sales``
    sums them. Rows without an ASIN and account-level totals (``*``) are left out.
    ``sales`` or ``orders`` may be None (a portfolio without them), not both.
    """
    parts = []
    if sales is not None:
        parts.append(sales.select(
            marketplace=sales.marketplace, brand=sales.brand, asin=sales.asin,
            local_date=sales.date, source=sales.source, units=sales.units.cast("float64")))
    if orders is not None:
        kept = orders.filter(~orders.status.lower().fill_null("").isin(CANCELLED_STATUSES))
        parts.append(kept.select(
            marketplace=kept.marketplace, brand=kept.brand, asin=kept.asin,
            local_date=kept.local_date, source=ibis.literal("orders", "string"),
            units=kept.quantity.cast("float64")))
    if not parts:
        raise ValueError("the sales figures need the sales table, the orders table or both")
    rows = parts[0] if len(parts) == 1 else parts[0].union(parts[1])
    return rows.filter(rows.asin.notnull() & ~rows.asin.isin(("", "*")))


def daily_units(sales: ir.Table | None, orders: ir.Table | None = None,
                since: dt.date | None = None, until: dt.date | None = None) -> ir.Table:
    """One row per marketplace, brand, ASIN and local day: ``units`` of one source.

    The incident's rule (``crisis_kit.analysis.sales.daily_units``): of the sources that
    report a marketplace, brand, ASIN and day (:func:`sales_rows`), only the first in
    :data:`~crisis_kit.schemas.SALES_SOURCE_PRIORITY` counts (the Business Report, then
    the Sales and Traffic report, then the orders file; an unknown source ranks last),
    its rows summed (a child listed under two parents). A day no source reports has no
    row. ``since`` and ``until`` keep the days between them (inclusive), before the rule.
    """
    rows = sales_rows(sales, orders)
    if since is not None:
        rows = rows.filter(rows.local_date >= ibis.date(since))
    if until is not None:
        rows = rows.filter(rows.local_date <= ibis.date(until))
    rows = rows.mutate(rank=rows.source.cases(
        *((name, rank) for rank, name in enumerate(SALES_SOURCE_PRIORITY)),
        else_=len(SALES_SOURCE_PRIORITY)))
    day = [*KEYS, "local_date"]
    per_source = rows.group_by([*day, "rank"]).aggregate(units=rows.units.sum())
    best = per_source.mutate(best=per_source["rank"].min().over(
        group_by=[per_source[k] for k in day]))
    first = best.filter(best["rank"] == best.best)
    return first.group_by(day).aggregate(units=first.units.sum().fill_null(0.0))


def sales_windows(sales: ir.Table | None, orders: ir.Table | None, day: dt.date,
                  baseline_days: int = 28) -> ir.Table:
    """Each product's units of the 7 days ending on ``day`` against its baseline.

    ``sales`` and ``orders`` as :func:`sales_rows`; rows after ``day`` are ignored. The
    incident's definitions (design.md section 8, ``analysis.sales.summarise``) with the
    onset taken as ``day - 6``, on the units of :func:`daily_units`, zero-filled from the
    first to the last day the marketplace and brand's sales report (any of its ASINs, up
    to ``day``):

    - ``units_7``: units of ``[day - 6, day]``; null unless those days cover all 7;
    - ``baseline_days_covered``: the days of ``[day - 6 - baseline_days, day - 7]`` they
      cover; ``baseline_units_per_day`` their mean units, null when none;
    - ``sales_index``: 100 x (``units_7`` / 7) / ``baseline_units_per_day``; null without
      ``units_7`` or a positive baseline.

    One row per marketplace, brand and ASIN with units reported in those
    ``baseline_days + 7`` days. Only those days go through the source rule; the span
    needs the first and last reported day of each marketplace and brand (one small
    aggregate), so nothing older than the windows is grouped by ASIN and day.
    """
    d = ibis.date(day)
    week_start = d - ibis.interval(days=6)
    base_start = d - ibis.interval(days=6 + baseline_days)
    base_end = d - ibis.interval(days=7)
    # the days a source reports do not depend on which source counts: no rule needed
    rows = sales_rows(sales, orders)
    known = rows.filter(rows.local_date <= d)
    span = known.group_by(["marketplace", "brand"]).aggregate(
        first_day=known.local_date.min(), last_day=known.local_date.max())
    recent = daily_units(sales, orders, since=day - dt.timedelta(days=6 + baseline_days),
                         until=day)
    week = recent.local_date >= week_start
    per_asin = recent.group_by(list(KEYS)).aggregate(
        week_units=ibis.ifelse(week, recent.units, 0.0).sum(),
        baseline_units=ibis.ifelse(week, 0.0, recent.units).sum())
    joined = per_asin.join(span, ["marketplace", "brand"])
    covered = (ibis.least(joined.last_day, base_end)
               .delta(ibis.greatest(joined.first_day, base_start), unit="day") + 1)
    null = ibis.null("float64")
    joined = joined.mutate(
        baseline_days_covered=ibis.greatest(covered, 0).cast("int64"),
        units_7=ibis.ifelse((joined.first_day <= week_start) & (joined.last_day >= d),
                            joined.week_units, null))
    joined = joined.mutate(baseline_units_per_day=ibis.ifelse(
        joined.baseline_days_covered > 0,
        joined.baseline_units / joined.baseline_days_covered, null))
    return joined.select(
        *KEYS, "units_7", "baseline_days_covered", "baseline_units_per_day",
        sales_index=ibis.ifelse(joined.baseline_units_per_day > 0,
                                100 * (joined.units_7 / 7) / joined.baseline_units_per_day,
                                null),
    )


ALERT_COLUMNS = ("last_fired", "alert_date", "alert_active", "alert_open")
"""The columns :func:`seed_alerts` adds to :data:`KEYS`."""


def seed_alerts(daily: ir.Table, day: dt.date, growth: float, floor: int, *,
                since: dt.date | None = None, active_days: int = 3,
                quiet_days: int = 7) -> ir.Table:
    """Each product's seed-rule alert on ``day``, as the monitor judges an incident's.

    ``daily`` is :func:`daily_figures`. The seed rule (design.md section 8) is replayed on
    every day from ``since`` (default: all the history) to ``day``: day t fires when
    n(t) >= ``floor`` and n(t) exceeds ``(1 + growth)`` x the mean of the 7 calendar days
    before it (days without a row count as zero, as in the scan's ``prior_mean``). Then,
    one row per product that fired at least once in that span:

    - ``last_fired``: its latest firing day (kept when the alert is over, unlike the
      monitor's, so a calm ASIN says when it last fired);
    - ``alert_active``: it fired on ``day`` or on one of the ``active_days`` days before
      (``crisis_kit.monitor.check.ACTIVE_DAYS``);
    - ``alert_date``: when active, the first day of the current alert: the latest firing
      day on or before ``last_fired`` with no firing day among the ``quiet_days`` days
      before it (the backtest's alert, ``detection.rules.QUIET_DAYS``); null when calm;
    - ``alert_open``: active, but the alert's first day is within ``quiet_days`` of
      ``since``: the days before ``since`` are not replayed, so the alert may have begun
      earlier (run it again with an earlier ``since``; never true without ``since``).

    The 7-day mean is a RANGE window over the day number (DuckDB and Spark both), the
    quiet gap a LAG over the firing days: the few firing rows are all that is ordered.
    """
    d = ibis.date(day)
    epoch = ibis.date(1970, 1, 1)
    rows = daily.filter(daily.local_date <= d)
    if since is not None:
        rows = rows.filter(rows.local_date >= ibis.date(since - dt.timedelta(days=7)))
    rows = rows.select(*KEYS, "local_date", "negative",
                       dayno=rows.local_date.delta(epoch, unit="day").cast("int64"))
    week = ibis.window(group_by=[rows[k] for k in KEYS], order_by=rows.dayno, range=(-7, -1))
    prior = rows.negative.sum().over(week).fill_null(0)
    threshold = (1 + growth) * (prior / 7)
    fires = (rows.negative >= floor) & (rows.negative - threshold > 1e-9)
    if since is not None:
        fires = fires & (rows.local_date >= ibis.date(since))
    fired = rows.mutate(fires=fires)
    fired = fired.filter(fired.fires)
    previous = fired.dayno.lag().over(group_by=[fired[k] for k in KEYS], order_by=fired.dayno)
    fired = fired.mutate(starts=previous.isnull() | (fired.dayno - previous > quiet_days))
    per = fired.group_by(list(KEYS)).aggregate(
        last_fired=fired.local_date.max(),
        start=ibis.ifelse(fired.starts, fired.local_date, ibis.null("date")).max())
    active = per.last_fired >= d - ibis.interval(days=active_days)
    open_ = (active & (per.start < ibis.date(since + dt.timedelta(days=quiet_days)))
             if since is not None else ibis.literal(False))
    return per.select(*KEYS, "last_fired",
                      alert_date=ibis.ifelse(active, per.start, ibis.null("date")),
                      alert_active=active, alert_open=open_)
