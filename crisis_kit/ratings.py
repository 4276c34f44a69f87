"""Rating trajectory: the star rating a shopper would have seen on each day.

Amazon's displayed rating is a weighted model of recent reviews that sellers cannot
reproduce; the kit uses a definition anyone can check by hand (design.md section 8):
the mean rating of the reviews of the trailing ``rating_window_days`` local days. The
lifetime cumulative mean is reported beside it.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .volume import DayLike, as_day, day_index

__all__ = ["TRAILING_COLUMNS", "reviews_of", "trailing_rating"]

TRAILING_COLUMNS = ["local_date", "reviews_in_window", "rating", "cumulative_rating"]
"""Columns of :func:`trailing_rating`."""


def reviews_of(events: pd.DataFrame, asins: Sequence[str] | None = None) -> pd.DataFrame:
    """Return the rated reviews among ``events``: source ``review``, rating present.

    Parameters
    ----------
    events : pandas.DataFrame
        The events table; needs ``source``, ``rating``, ``local_date`` (and ``asin``
        when ``asins`` is given).
    asins : sequence of str, optional
        Keep only reviews of these ASINs; None or empty keeps all.

    Returns
    -------
    pandas.DataFrame
        A new frame with the same columns, one row per rated review.
    """
    missing = [c for c in ("source", "rating", "local_date") if c not in events.columns]
    if missing:
        raise ValueError(
            f"events lack the column(s) {', '.join(missing)}; expected the events table "
            "of crisis_kit.schemas.EVENTS"
        )
    keep = (events["source"] == "review") & events["rating"].notna()
    if asins:
        keep &= events["asin"].isin(list(asins))
    return events.loc[keep].copy()


def trailing_rating(
    events: pd.DataFrame,
    window_days: int,
    asins: Sequence[str] | None = None,
    as_of: DayLike | None = None,
) -> pd.DataFrame:
    """Compute the displayed rating r(d) over a trailing window, and the lifetime mean.

    Parameters
    ----------
    events : pandas.DataFrame
        The events table (design.md section 4). Only reviews with a rating count.
    window_days : int
        Length of the trailing window in local days (``thresholds.rating_window_days``).
    asins : sequence of str, optional
        Restrict to reviews of these ASINs; None or empty keeps all.
    as_of : str, datetime.date or pandas.Timestamp, optional
        Last day of the series; reviews after it are ignored. Default: the last day
        with a review.

    Returns
    -------
    pandas.DataFrame
        Each row represents one local day from the first review day to ``as_of``,
        with columns ``local_date`` (datetime64 at midnight), ``reviews_in_window``
        (int), ``rating`` (float, NaN when the window holds no review) and
        ``cumulative_rating`` (float). Empty when there is no review up to ``as_of``.

    Raises
    ------
    ValueError
        If ``window_days`` is not a positive integer or a needed column is missing.

    Notes
    -----
    Definitions (design.md section 8), with ``W = window_days``:

    - r(d) = mean rating of the reviews whose ``local_date`` lies in
      ``[d - W + 1, d]`` (W calendar days ending on d, inclusive).
    - reviews_in_window(d) = the number of those reviews.
    - cumulative_rating(d) = mean rating of all reviews up to and including d.

    Every review weighs the same (no helpful-vote or verified weighting). The input
    is not modified.

    Examples
    --------
    >>> events = pd.DataFrame({
    ...     "local_date": pd.to_datetime(["2022-05-01", "2022-05-02", "2022-05-04"]),
    ...     "source": "review", "rating": [5.0, 1.0, 3.0]})
    >>> trailing_rating(events, window_days=2)["rating"].tolist()
    [5.0, 3.0, 1.0, 3.0]
    """
    if isinstance(window_days, bool) or not isinstance(window_days, int) or window_days < 1:
        raise ValueError(f"window_days must be a positive integer, got {window_days!r}")
    reviews = reviews_of(events, asins)
    days = pd.to_datetime(reviews["local_date"]).dt.normalize().astype("datetime64[ns]")
    last = as_day(as_of) if as_of is not None else days.max()
    days = days[days <= last] if not pd.isna(last) else days.iloc[:0]
    if days.empty:
        return pd.DataFrame(
            {
                "local_date": pd.Series(dtype="datetime64[ns]"),
                "reviews_in_window": pd.Series(dtype="int64"),
                "rating": pd.Series(dtype=float),
                "cumulative_rating": pd.Series(dtype=float),
            }
        )
    per_day = (
        pd.DataFrame({"local_date": days, "rating": reviews.loc[days.index, "rating"]})
        .astype({"rating": float})
        .groupby("local_date")["rating"]
        .agg(["sum", "count"])
        .reindex(day_index(days.min(), last), fill_value=0)
    )
    # Rolling over a calendar-complete index makes "W rows" mean "W days".
    window = per_day.rolling(window_days, min_periods=1).sum()
    lifetime = per_day.cumsum()
    result = pd.DataFrame(
        {
            "reviews_in_window": window["count"].round().astype("int64"),
            "rating": (window["sum"] / window["count"]).where(window["count"] > 0),
            "cumulative_rating": lifetime["sum"] / lifetime["count"],
        },
        index=per_day.index,
    )
    return result.reset_index()[TRAILING_COLUMNS]
