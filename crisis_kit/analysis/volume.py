"""Events -> daily series: how many complaint signals arrived on each local day.

Each row of the tables returned here represents one marketplace-local day (or one day
of one value of a grouping column, such as one source). Days without events are
present with zero counts, so that a gap in the data reads as "nothing arrived" and a
trailing mean over the series is a mean over calendar days.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

__all__ = ["DAILY_COLUMNS", "GROUPABLE", "daily_counts", "as_day", "day_index", "days_of",
           "weights", "count", "count_by"]

DAILY_COLUMNS = ["local_date", "events", "negative", "mean_rating"]
"""Columns of :func:`daily_counts` (after the optional ``by`` column)."""

GROUPABLE = ("source", "asin", "marketplace", "topic")
"""Columns a daily series may be split by."""

_REQUIRED = ("local_date", "source", "rating", "is_negative")

DayLike = str | dt.date | pd.Timestamp


def as_day(value: DayLike) -> pd.Timestamp:
    """Return ``value`` (an ISO date string, a date or a timestamp) as midnight of its day.

    Parameters
    ----------
    value : str, datetime.date or pandas.Timestamp
        A day; a time of day, if any, is dropped.

    Returns
    -------
    pandas.Timestamp
        Naive, at midnight, nanosecond unit.

    Raises
    ------
    ValueError
        If ``value`` cannot be read as a date.
    """
    try:
        day = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"expected a date such as 2022-05-03, got {value!r}") from exc
    if pd.isna(day):
        raise ValueError(f"expected a date such as 2022-05-03, got {value!r}")
    if day.tzinfo is not None:
        day = day.tz_localize(None)
    return day.normalize().as_unit("ns")


def day_index(start: DayLike, end: DayLike) -> pd.DatetimeIndex:
    """Return every calendar day from ``start`` to ``end``, both included.

    Parameters
    ----------
    start, end : str, datetime.date or pandas.Timestamp
        First and last day.

    Returns
    -------
    pandas.DatetimeIndex
        Named ``local_date``; empty when ``end`` is before ``start``.
    """
    days = pd.date_range(as_day(start), as_day(end), freq="D", name="local_date")
    return days.as_unit("ns")


def weights(events: pd.DataFrame) -> pd.Series:
    """How many events each row stands for: ``n`` of grouped events, else 1 per row.

    The analysis reads the events grouped by the engine
    (:meth:`crisis_kit.store.Store.grouped_events`): a row may count many alike events.
    Every figure sums these weights where it would count rows.
    """
    if "n" in events.columns:
        return events["n"].astype("int64")
    return pd.Series(1, index=events.index, dtype="int64")


def count(events: pd.DataFrame, mask: pd.Series | None = None) -> int:
    """The number of events the rows of ``events`` (those of ``mask``) stand for."""
    w = weights(events)
    return int(w.sum() if mask is None else w[mask.to_numpy(dtype=bool)].sum())


def count_by(events: pd.DataFrame, by: pd.Series) -> pd.Series:
    """The number of events per value of ``by`` (aligned with ``events``' rows), sorted by value."""
    return weights(events).groupby(by, observed=True).sum()


def days_of(column: pd.Series) -> pd.Series:
    """``column`` as midnight timestamps of its days (naive, nanosecond unit).

    ``pd.to_datetime(column).dt.normalize().astype("datetime64[ns]")``, value for value;
    a column of naive midnights (the store's ``local_date``) is only converted to
    nanoseconds: whether every value is a midnight is checked in a fifth of the time
    ``normalize`` takes, and the analysis asks it of every event some forty times.
    """
    days = pd.to_datetime(column)
    values = days.to_numpy()
    if values.dtype.kind == "M":  # naive: tz-aware columns convert to objects here
        unit, count = np.datetime_data(values.dtype)
        ticks = int(np.timedelta64(1, "D") // np.timedelta64(count, unit))
        ints = values.view("i8")
        if not np.any((ints % ticks != 0) & ~np.isnat(values)):
            return days.astype("datetime64[ns]")
    return days.dt.normalize().astype("datetime64[ns]")


def _local_days(events: pd.DataFrame) -> pd.Series:
    return days_of(events["local_date"])


def _check(events: pd.DataFrame, by: str | None) -> None:
    missing = [name for name in _REQUIRED if name not in events.columns]
    if missing:
        raise ValueError(
            f"events lack the column(s) {', '.join(missing)}; expected the events table "
            "of crisis_kit.schemas.EVENTS"
        )
    if by is not None and by not in events.columns:
        raise ValueError(
            f"cannot split by {by!r}: events have no such column; expected one of "
            f"{', '.join(GROUPABLE)}"
        )


def daily_counts(
    events: pd.DataFrame,
    by: str | None = None,
    start: DayLike | None = None,
    end: DayLike | None = None,
) -> pd.DataFrame:
    """Count events per marketplace-local day, optionally per value of a column.

    Parameters
    ----------
    events : pandas.DataFrame
        The events table (design.md section 4); needs ``local_date``, ``source``,
        ``rating`` and ``is_negative`` (and the ``by`` column when given).
    by : str, optional
        A column to split by, usually one of ``source``, ``asin``, ``marketplace``,
        ``topic``. Each of its values gets a row on every day.
    start, end : str, datetime.date or pandas.Timestamp, optional
        First and last day of the series. Default: the first and last day with an event.
        Events outside ``start..end`` are not counted.

    Returns
    -------
    pandas.DataFrame
        Each row represents one local day (one day of one ``by`` value when ``by`` is
        given), ordered by day then value, with columns ``local_date`` (datetime64 at
        midnight), ``[by]``, ``events`` (int), ``negative`` (int), ``mean_rating``
        (float). Every day from start to end is present; days without events have
        zero counts and a NaN ``mean_rating``.

    Raises
    ------
    ValueError
        If a needed column is missing or ``start`` / ``end`` is not a date.

    Notes
    -----
    Definitions (design.md section 8):

    - ``events(d)``: events whose ``local_date`` is ``d``.
    - ``negative(d)`` = n(d): those of them with ``is_negative`` true.
    - ``mean_rating(d)``: mean ``rating`` of the reviews (``source == "review"``,
      rating present) on ``d``; NaN when there are none. Seller feedback stars are
      left out: they rate the seller, not the product.

    A missing ``by`` value is kept as its own group (NA), so no event is lost.
    The input is not modified.

    Examples
    --------
    >>> events = pd.DataFrame({
    ...     "local_date": pd.to_datetime(["2022-05-01", "2022-05-03"]),
    ...     "source": ["review", "fba_return"], "rating": [1.0, None],
    ...     "is_negative": [True, True]})
    >>> daily_counts(events)[["events", "negative"]].to_numpy().tolist()
    [[1, 1], [0, 0], [1, 1]]
    """
    _check(events, by)
    days = _local_days(events)
    first = as_day(start) if start is not None else days.min()
    last = as_day(end) if end is not None else days.max()
    if pd.isna(first) or pd.isna(last):
        return _empty(by)
    keep = ((days >= first) & (days <= last)).to_numpy()
    calendar = day_index(first, last)
    # each counted event's cell: its day's number in the calendar, times the number of
    # ``by`` values plus its value's code (day-major, as the rows are returned)
    cell = ((days[keep] - first) // pd.Timedelta(days=1)).to_numpy()
    values = pd.Index([])
    if by is not None:
        # Codes instead of values, so that a missing value is a group like any other.
        codes, values = pd.factorize(events.loc[keep, by], sort=True, use_na_sentinel=False)
        cell = cell * len(values) + codes
    cells = len(calendar) * (len(values) if by is not None else 1)

    def total(per_event: np.ndarray) -> np.ndarray:
        """The sum of ``per_event`` in each cell (NaN skipped; zero in a cell without events).

        A groupby of the cells' numbers: pandas sums floats with the same compensated
        summation, in the same order, as the groupby of days and values did before.
        """
        return pd.Series(per_event).groupby(cell).sum().reindex(
            range(cells), fill_value=0).to_numpy()

    w = weights(events).to_numpy()[keep]
    negative = events["is_negative"].fillna(False).astype(bool).to_numpy()[keep]
    review_rating = events["rating"].where(events["source"] == "review").astype(float)
    review_rating = review_rating.to_numpy()[keep]
    stars = total(review_rating * w)
    reviews = total(~np.isnan(review_rating) * w)
    counts = pd.DataFrame({
        "local_date": calendar.repeat(len(values)) if by is not None else calendar,
        "events": total(w).astype("int64"),
        "negative": total(negative * w).astype("int64"),
        "mean_rating": stars / np.where(reviews > 0, reviews, np.nan),
    })
    if by is None:
        return counts[DAILY_COLUMNS]
    counts.insert(1, by, values.take(np.tile(np.arange(len(values)), len(calendar))))
    return counts[["local_date", by, *DAILY_COLUMNS[1:]]]


def _empty(by: str | None) -> pd.DataFrame:
    columns = ["local_date", *([by] if by else []), *DAILY_COLUMNS[1:]]
    frame = pd.DataFrame({name: pd.Series(dtype=object) for name in columns})
    frame["local_date"] = frame["local_date"].astype("datetime64[ns]")
    frame[["events", "negative"]] = frame[["events", "negative"]].astype("int64")
    frame["mean_rating"] = frame["mean_rating"].astype(float)
    return frame
