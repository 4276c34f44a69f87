"""Measured effects around a day: complaints, returns and negative share before and after.

The Plan of Action (:mod:`crisis_kit.poa`) and the remedy table
(:mod:`crisis_kit.poa.remedies`) both compare a window of local days before a day (a fix,
the first day a remedy was offered) with a window after it. Every figure here is a
count over a denominator in a stated window, so it can be recomputed by hand from the
store's tables with plain pandas; each row returned carries its windows and counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .volume import DayLike, as_day, days_of

__all__ = [
    "FIGURE_COLUMNS", "METRICS", "RETURN_SOURCES", "Window", "before_after", "compare",
    "count_orders",
    "last_day", "measure", "shipped_orders", "windows",
]

RETURN_SOURCES = ("fba_return", "mfn_return")
"""Event sources that are returns."""

METRICS = ("complaints_per_100_orders", "return_rate", "negative_share")
"""The figures of a window, in display order (see :func:`measure`)."""

FIGURE_COLUMNS = [
    "day", "topic", "metric",
    "before_start", "before_end", "before_days", "before_count", "before_base", "before_value",
    "after_start", "after_end", "after_days", "after_count", "after_base", "after_value",
    "change_pct",
]
"""Columns of :func:`before_after`."""


@dataclass(frozen=True)
class Window:
    """A run of local days, both ends included; empty when ``start`` is after ``end``."""

    start: pd.Timestamp
    end: pd.Timestamp

    @property
    def days(self) -> int:
        """Number of days in the window (0 when empty)."""
        return max(int((self.end - self.start).days) + 1, 0)

    def holds(self, days: pd.Series) -> pd.Series:
        """Whether each day of ``days`` (midnight timestamps) lies in the window."""
        return (days >= self.start) & (days <= self.end)


def windows(
    day: DayLike,
    window_days: int,
    *,
    include_day: bool = False,
    not_before: DayLike | None = None,
    not_after: DayLike | None = None,
) -> tuple[Window, Window]:
    """Return the before and after windows around ``day``.

    Parameters
    ----------
    day : str, datetime.date or pandas.Timestamp
        The local day of the change.
    window_days : int
        Length of each window before clipping.
    include_day : bool, default False
        False: ``day`` is in neither window (a fix made at 09:00 splits its day);
        True: ``day`` opens the after window (a remedy offered from that day).
    not_before, not_after : day, optional
        Clip the before window to start no earlier than ``not_before`` (the onset day)
        and the after window to end no later than ``not_after`` (the last day of data).

    Returns
    -------
    tuple of Window
        ``(before, after)``: before = [day - N, day - 1]; after = [day + 1, day + N]
        (or [day, day + N - 1] with ``include_day``); N = ``window_days``.
    """
    if isinstance(window_days, bool) or not isinstance(window_days, int) or window_days < 1:
        raise ValueError(f"window_days must be a positive integer, got {window_days!r}")
    centre = as_day(day)
    one = pd.Timedelta(days=1)
    span = pd.Timedelta(days=window_days)
    before = Window(centre - span, centre - one)
    after = Window(centre, centre + span - one) if include_day else Window(centre + one, centre + span)
    if not_before is not None:
        before = Window(max(before.start, as_day(not_before)), before.end)
    if not_after is not None:
        after = Window(after.start, min(after.end, as_day(not_after)))
    return before, after


def last_day(as_of: DayLike | None, *tables: pd.DataFrame) -> pd.Timestamp | None:
    """Return the last day of data: ``as_of``, else the last day every table covers.

    Parameters
    ----------
    as_of : day or None
        The analysis's cut-off day, when it has one.
    *tables : pandas.DataFrame
        Tables with ``local_date`` (the events, the orders); empty ones are ignored.

    Returns
    -------
    pandas.Timestamp or None
        ``as_of``, or the earliest of the tables' last days (a window past it would
        count days one table has not reported yet); None without any row.
    """
    if as_of is not None:
        return as_day(as_of)
    ends = [pd.to_datetime(t["local_date"]).max() for t in tables if len(t)]
    return as_day(min(ends)) if ends else None


def shipped_orders(orders: pd.DataFrame, asins: Sequence[str] | None = None) -> pd.DataFrame:
    """Return the shipped order lines of ``asins``.

    Parameters
    ----------
    orders : pandas.DataFrame
        The store's ``orders`` table (``order_id``, ``asin``, ``status``, ``local_date``).
    asins : sequence of str, optional
        Keep these ASINs; None or empty keeps every ASIN.

    Returns
    -------
    pandas.DataFrame
        The rows whose ``status`` starts with ``shipped`` (any case: ``Shipped``,
        ``Shipped - Delivered to Buyer``); pending and cancelled lines are left out.
    """
    missing = [c for c in ("order_id", "asin", "status", "local_date") if c not in orders.columns]
    if missing:
        raise ValueError(f"orders lack the column(s) {', '.join(missing)}; expected the orders "
                         "table of crisis_kit.schemas.ORDERS")
    keep = orders["status"].fillna("").astype(str).str.strip().str.lower().str.startswith("shipped")
    if asins:
        keep &= orders["asin"].isin(list(asins))
    return orders.loc[keep]


def count_orders(orders: pd.DataFrame, window: Window) -> int:
    """Count distinct ``order_id`` of ``orders`` whose local purchase day lies in ``window``."""
    return int(orders["order_id"].iloc[_rows_in(orders["local_date"], window)].nunique())


def _rows_in(local_date: pd.Series, window: Window) -> np.ndarray:
    """The positions of the rows whose local day lies in ``window``.

    Only the rows near the window have their day computed: a day in the window is at or
    after its start and before the day after its end.
    """
    local = pd.to_datetime(local_date)
    near = np.flatnonzero(((local >= window.start)
                           & (local < window.end + pd.Timedelta(days=1))).to_numpy(dtype=bool))
    return near[window.holds(days_of(local_date.iloc[near])).to_numpy(dtype=bool)]


def measure(
    events: pd.DataFrame, orders: pd.DataFrame, window: Window, topic: str | None = None
) -> dict[str, tuple[int, int]]:
    """Return each figure of :data:`METRICS` in ``window`` as ``(count, base)``.

    Parameters
    ----------
    events : pandas.DataFrame
        Events with ``local_date``, ``source``, ``is_negative`` (and ``topic`` when
        ``topic`` is given).
    orders : pandas.DataFrame
        Order lines already cut to the ones that count (:func:`shipped_orders`).
    window : Window
        The local days counted.
    topic : str, optional
        Count only this topic's events; None counts every event.

    Returns
    -------
    dict
        ``complaints_per_100_orders``: (negative events of the topic, orders);
        ``return_rate``: (returns of the topic, orders); ``negative_share``: (negative
        events of the topic, all negative events). The value of a figure is
        100 x count / base.
    """
    # the rows in the window, then their values of what is counted, as arrays (a POA
    # measures some twenty windows: no frame is built)
    rows = _rows_in(events["local_date"], window)
    negative = events["is_negative"]
    negative = (negative.to_numpy()[rows] if negative.dtype == bool
                else negative.iloc[rows].fillna(False).astype(bool).to_numpy(dtype=bool))
    of_topic = (_isin(events["topic"], rows, (topic,)) if topic is not None
                else np.ones(len(rows), dtype=bool))
    returns = _isin(events["source"], rows, RETURN_SOURCES)
    w = (events["n"].to_numpy()[rows].astype("int64") if "n" in events.columns
         else np.ones(len(rows), dtype="int64"))
    n_orders = count_orders(orders, window)
    complaints = int(w[negative & of_topic].sum())
    return {
        "complaints_per_100_orders": (complaints, n_orders),
        "return_rate": (int(w[returns & of_topic].sum()), n_orders),
        "negative_share": (complaints, int(w[negative].sum())),
    }


def _isin(column: pd.Series, rows: np.ndarray, values: Sequence[str]) -> np.ndarray:
    """Whether each value of ``column`` at the positions ``rows`` is one of ``values``.

    ``column.iloc[rows].isin(values)``; a categorical column's codes are compared, no
    value is made.
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        wanted = [code for code, name in enumerate(column.cat.categories) if name in values]
        return np.isin(column.cat.codes.to_numpy()[rows], wanted)
    return column.iloc[rows].isin(list(values)).to_numpy(dtype=bool)


def _per_100(count: int, base: int, days: int) -> float:
    return 100.0 * count / base if days > 0 and base > 0 else np.nan


def before_after(
    events: pd.DataFrame,
    orders: pd.DataFrame,
    fix_date: DayLike,
    topic: str | None,
    window_days: int = 14,
    *,
    asins: Sequence[str] | None = None,
    onset_day: DayLike | None = None,
    last_day: DayLike | None = None,
    include_day: bool = False,
) -> pd.DataFrame:
    """Compare the figures of a topic in the windows before and after a day.

    Parameters
    ----------
    events : pandas.DataFrame
        Events with ``local_date``, ``source``, ``is_negative`` and ``topic``.
    orders : pandas.DataFrame
        The store's ``orders`` table; only shipped lines of ``asins`` count.
    fix_date : str, datetime.date or pandas.Timestamp
        The local day of the fix.
    topic : str or None
        The topic measured; None measures every event.
    window_days : int, default 14
        Length of each window (see :func:`windows`).
    asins : sequence of str, optional
        The incident's ASINs; None or empty counts every ASIN's orders.
    onset_day : day, optional
        The before window starts no earlier than this day.
    last_day : day, optional
        The after window ends no later than this day.
    include_day : bool, default False
        Whether ``fix_date`` opens the after window (otherwise it is in neither).

    Returns
    -------
    pandas.DataFrame
        Each row represents one figure (:data:`METRICS`) of the topic, with
        ``FIGURE_COLUMNS``: the windows (``*_start``, ``*_end``, ``*_days``), the counts
        (``*_count`` over ``*_base``), the values 100 x count / base (NaN for an empty
        window or a zero base) and ``change_pct`` = 100 x (after - before) / before
        (NaN when before is 0 or NaN).

    Notes
    -----
    Days are marketplace-local days (``local_date`` of both tables). Orders are
    distinct shipped ``order_id`` of the ASINs by purchase day. A complaint is a
    negative event (``is_negative``); a return an event whose source is in
    :data:`RETURN_SOURCES` (any reason). Complaints and orders of a window are counted
    by their own days: a complaint after the fix about an order placed before it counts
    after, so a fix's effect shows with the delay between purchase and complaint.

    Examples
    --------
    >>> events = pd.DataFrame({"local_date": pd.to_datetime(["2022-05-01", "2022-05-04"]),
    ...                        "source": "review", "is_negative": True, "topic": "quality"})
    >>> orders = pd.DataFrame({"order_id": ["a", "b", "c"], "asin": "B0X", "status": "Shipped",
    ...                        "local_date": pd.to_datetime(["2022-05-01", "2022-05-01", "2022-05-04"])})
    >>> table = before_after(events, orders, "2022-05-02", "quality", window_days=2)
    >>> first = table.iloc[0]  # complaints per 100 orders
    >>> int(first.before_count), int(first.before_base), float(first.before_value), float(first.after_value)
    (1, 2, 50.0, 100.0)
    """
    before, after = windows(fix_date, window_days, include_day=include_day,
                            not_before=onset_day, not_after=last_day)
    return compare(events, shipped_orders(orders, asins), before, after, topic, day=fix_date)


def compare(
    events: pd.DataFrame,
    orders: pd.DataFrame,
    before: Window,
    after: Window,
    topic: str | None,
    day: DayLike | None = None,
) -> pd.DataFrame:
    """Compare the figures of a topic in two given windows.

    Parameters
    ----------
    events : pandas.DataFrame
        Events with ``local_date``, ``source``, ``is_negative`` and ``topic``.
    orders : pandas.DataFrame
        The order lines that count (:func:`shipped_orders`).
    before, after : Window
        The windows compared.
    topic : str or None
        The topic measured; None measures every event.
    day : day, optional
        The day the comparison is about (the ``day`` column; NaT when None).

    Returns
    -------
    pandas.DataFrame
        As :func:`before_after`.
    """
    counted_before = measure(events, orders, before, topic)
    counted_after = measure(events, orders, after, topic)
    rows = []
    for metric in METRICS:
        (b_count, b_base), (a_count, a_base) = counted_before[metric], counted_after[metric]
        b_value = _per_100(b_count, b_base, before.days)
        a_value = _per_100(a_count, a_base, after.days)
        change = 100.0 * (a_value - b_value) / b_value if b_value > 0 else np.nan
        rows.append([pd.NaT if day is None else as_day(day), topic, metric,
                     before.start, before.end, before.days, b_count, b_base, b_value,
                     after.start, after.end, after.days, a_count, a_base, a_value, change])
    table = pd.DataFrame(rows, columns=FIGURE_COLUMNS)
    return table.astype({"before_value": float, "after_value": float, "change_pct": float})
