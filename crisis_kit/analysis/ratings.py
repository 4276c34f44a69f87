"""Rating trajectory: the star rating a shopper would have seen on each day.

Amazon's displayed rating is a weighted model of recent reviews that sellers cannot
reproduce; the kit uses a definition anyone can check by hand (design.md section 8):
the mean rating of the reviews of the trailing ``rating_window_days`` local days. The
lifetime cumulative mean is reported beside it.

:func:`summarise` turns that trajectory into the figures of the post-mortem (baseline,
trough, recovery, five-star reviews still needed, forecast); :func:`summarise_by_asin`
does the same for each ASIN on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from .forecast import (
    RatingForecast,
    check_target,
    five_star_reviews_to_target,
    forecast_rating,
    measured_coverage,
)
from .volume import DayLike, as_day, day_index, days_of, weights

__all__ = [
    "BY_ASIN_COLUMNS", "TRAILING_COLUMNS", "RatingForecast", "RatingSummary",
    "five_star_reviews_to_target", "forecast_target_date", "reviews_of", "summarise",
    "summarise_by_asin", "trailing_rating", "window_mean"]

TRAILING_COLUMNS = ["local_date", "reviews_in_window", "rating", "cumulative_rating"]
"""Columns of :func:`trailing_rating`."""


def reviews_of(events: pd.DataFrame, asins: Sequence[str] | None = None,
               ids: bool = True) -> pd.DataFrame:
    """Return the rated reviews among ``events``: source ``review``, rating present.

    Parameters
    ----------
    events : pandas.DataFrame
        The events table; needs ``source``, ``rating``, ``local_date`` (and ``asin``
        when ``asins`` is given).
    asins : sequence of str, optional
        Keep only reviews of these ASINs; None or empty keeps all.
    ids : bool
        False leaves ``event_id`` out (what a rating reads: the ids' strings are most of
        the copy).

    Returns
    -------
    pandas.DataFrame
        A new frame, one row per rated review, with the columns a rating needs
        (``event_id``, ``asin``, ``local_date``, ``rating``, where present): the
        customers' words are left behind, so a million reviews copy in milliseconds.
    """
    columns = [c for c in ("event_id", "source", "asin", "local_date", "rating", "n")
               if c in events.columns and (ids or c != "event_id")]
    return events.loc[_rated(events, asins), columns]  # a selection of rows: a new frame


def _rated(events: pd.DataFrame, asins: Sequence[str] | None) -> pd.Series:
    """Whether each event is a rated review (of ``asins``): the rows :func:`reviews_of` keeps."""
    missing = [c for c in ("source", "rating", "local_date") if c not in events.columns]
    if missing:
        raise ValueError(
            f"events lack the column(s) {', '.join(missing)}; expected the events table "
            "of crisis_kit.schemas.EVENTS"
        )
    keep = (events["source"] == "review") & events["rating"].notna()
    if asins:
        keep &= events["asin"].isin(list(asins))
    return keep


def window_mean(rating_sum: pd.Series, ratings: pd.Series, window_days: int) -> pd.Series:
    """r(d) from daily sums: the mean rating over the trailing ``window_days`` days.

    ``rating_sum`` and ``ratings`` are the sum and the count of review ratings per local
    day, on a calendar-complete index (every day present, zero where none), so that
    "W rows" means "W days". NaN where the window holds no review. Used by
    :func:`trailing_rating` and by the explorer, which holds daily sums, not reviews.
    """
    total = rating_sum.rolling(window_days, min_periods=1).sum()
    count = ratings.rolling(window_days, min_periods=1).sum()
    return (total / count.where(count > 0)).astype(float)


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
    # what the rating reads of the rated reviews: their days, stars and weights
    reviews = events.loc[_rated(events, asins),
                         [c for c in ("local_date", "rating", "n") if c in events.columns]]
    days = days_of(reviews["local_date"])
    last = as_day(as_of) if as_of is not None else days.max()
    if pd.isna(last) or not (days <= last).any():
        return pd.DataFrame(
            {
                "local_date": pd.Series(dtype="datetime64[ns]"),
                "reviews_in_window": pd.Series(dtype="int64"),
                "rating": pd.Series(dtype=float),
                "cumulative_rating": pd.Series(dtype=float),
            }
        )
    if (days > last).any():  # a copy of the reviews only when some are cut
        reviews, days = reviews[days <= last], days[days <= last]
    calendar = day_index(days.min(), last)
    # the stars and the weights of each day's reviews summed, grouped by the day's number
    # in the calendar (a groupby of numbers, not of timestamps: the same sums)
    day = ((days - calendar[0]) // pd.Timedelta(days=1)).to_numpy()
    w = weights(reviews).to_numpy()
    per_day = (
        pd.DataFrame({"sum": reviews["rating"].astype(float).to_numpy() * w, "count": w})
        .groupby(day).sum()
        .reindex(range(len(calendar)), fill_value=0)
        .set_axis(calendar)
    )
    window = per_day.rolling(window_days, min_periods=1).sum()
    lifetime = per_day.cumsum()
    result = pd.DataFrame(
        {
            "reviews_in_window": window["count"].round().astype("int64"),
            "rating": window_mean(per_day["sum"], per_day["count"], window_days),
            "cumulative_rating": lifetime["sum"] / lifetime["count"],
        },
        index=per_day.index,
    )
    return result.reset_index()[TRAILING_COLUMNS]


BY_ASIN_COLUMNS = [
    "asin", "reviews", "baseline", "trough", "trough_date", "latest", "recovered_date",
    "five_star_reviews_to_target", "forecast_target_date",
]
"""Columns of :func:`summarise_by_asin`."""


@dataclass(frozen=True, eq=False)
class RatingSummary:
    """The rating figures of one incident (design.md sections 8 and 9).

    Attributes
    ----------
    trajectory : pandas.DataFrame
        Each row represents one local day: :func:`trailing_rating` (``local_date``,
        ``reviews_in_window``, ``rating`` = r(d), ``cumulative_rating``).
    baseline : float or None
        r(onset day - 1); None when that window holds no review.
    trough, trough_date : float, pandas.Timestamp or None
        The lowest r(d) from the onset day on, and its first day.
    latest : float or None
        r(as_of); ``reviews_in_window`` counts the reviews of that window.
    recovered_date : pandas.Timestamp or None
        The first day after ``trough_date`` with r(d) >= target.
    five_star_reviews_to_target : int or None
        :func:`five_star_reviews_to_target` over the reviews of the latest window.
    forecast : RatingForecast
        :func:`forecast_target_date` from ``as_of``.
    """

    window_days: int
    target: float
    onset_day: pd.Timestamp
    as_of: pd.Timestamp | None
    asins: tuple[str, ...]
    trajectory: pd.DataFrame = field(repr=False)
    baseline: float | None
    trough: float | None
    trough_date: pd.Timestamp | None
    latest: float | None
    reviews_in_window: int
    recovered_date: pd.Timestamp | None
    five_star_reviews_to_target: int | None
    forecast: RatingForecast = field(repr=False)

    @property
    def forecast_target_date(self) -> pd.Timestamp | None:
        """The forecast's median day at the target (None unless its status is ``forecast``)."""
        return self.forecast.target_date

    def summary(self) -> dict[str, object]:
        """Return the ``rating`` block of ``summary.json`` (design.md section 9).

        Numbers rounded to 3 decimals, dates as ``YYYY-MM-DD``, None where not computable.
        """
        return {
            "window_days": self.window_days,
            "baseline": _round(self.baseline),
            "trough": _round(self.trough),
            "trough_date": _iso(self.trough_date),
            "latest": _round(self.latest),
            "target": self.target,
            "recovered_date": _iso(self.recovered_date),
            "five_star_reviews_to_target": self.five_star_reviews_to_target,
            "forecast_target_date": _iso(self.forecast_target_date),
            "forecast_interval_coverage": _coverage(self.forecast),
        }


def _coverage(forecast: RatingForecast) -> float | None:
    """The measured coverage over all horizons of the model that made ``forecast``."""
    measured = measured_coverage(forecast)
    return None if measured is None else measured["all"]


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 3)


def _iso(day: pd.Timestamp | None) -> str | None:
    return None if day is None else f"{day:%Y-%m-%d}"


def forecast_target_date(
    events: pd.DataFrame,
    window_days: int,
    target: float,
    asins: Sequence[str] | None = None,
    as_of: DayLike | None = None,
    **options: float,
) -> RatingForecast:
    """Forecast the first day the displayed rating reaches ``target``, with an interval.

    Parameters
    ----------
    events : pandas.DataFrame
        The events table; only rated reviews (of ``asins``) count.
    window_days : int
        The trailing window of r(d).
    target : float
        The target rating (1-5).
    asins : sequence of str, optional
        Restrict to reviews of these ASINs; None or empty keeps all.
    as_of : str, datetime.date or pandas.Timestamp, optional
        The last observed day. Default: the last day with a review.
    **options
        ``lookback_days`` (14), ``horizon_days`` (180), ``simulations`` (2000),
        ``seed`` (0), ``interval`` (0.8): see :func:`crisis_kit.analysis.forecast.forecast_rating`.

    Returns
    -------
    RatingForecast
        Status ``forecast`` with ``lower <= target_date <= upper`` (an end beyond the
        horizon is None); ``target_date`` None when the trend does not reach the
        target within the horizon, when the target is already met, or when no review
        arrived in the lookback days.

    Notes
    -----
    Projects r(d) of design.md section 8 forward from the recent review velocity and
    star mix (Poisson draws, day-level bootstrap, fixed seed); reviews leave the
    window as in the observed series. Method and limits: ``docs/forecast.md``.
    """
    reviews = reviews_of(events, asins)
    if as_of is None:
        days = pd.to_datetime(reviews["local_date"])
        as_of = days.max() if not days.empty else pd.Timestamp("1970-01-01")
    return forecast_rating(reviews, window_days, target, as_of, **options)


def summarise(
    events: pd.DataFrame,
    window_days: int,
    target: float,
    onset_day: DayLike,
    asins: Sequence[str] | None = None,
    as_of: DayLike | None = None,
    *,
    trajectory: pd.DataFrame | None = None,
    **forecast_options: float,
) -> RatingSummary:
    """Summarise the rating of the incident's ASINs together, from baseline to recovery.

    Parameters
    ----------
    events : pandas.DataFrame
        The events table (design.md section 4); only rated reviews count.
    window_days : int
        ``thresholds.rating_window_days``.
    target : float
        ``thresholds.target_rating``.
    onset_day : str, datetime.date or pandas.Timestamp
        The marketplace-local day of the onset. A zoned timestamp counts by its own
        wall-clock day: convert it to the marketplace's zone first.
    asins : sequence of str, optional
        The incident's ASINs; their reviews are pooled. None or empty keeps all.
    as_of : str, datetime.date or pandas.Timestamp, optional
        Last day considered. Default: the last day with a review.
    trajectory : pandas.DataFrame, optional
        ``trailing_rating(events, window_days, asins, as_of)`` when the caller has
        computed it already (the pipeline shares it with the detection and the
        health); not computed again.
    **forecast_options
        Passed to :func:`forecast_target_date`.

    Returns
    -------
    RatingSummary

    Raises
    ------
    ValueError
        If ``window_days`` or ``target`` is out of range, a date cannot be read, or a
        needed column is missing.

    Notes
    -----
    design.md section 8: r(d) = mean rating of the reviews over the trailing
    ``window_days`` ending on d; baseline = r(day before onset); trough = min r(d)
    from the onset day on (the first such day if tied); recovered_date = the first
    day after the trough with r(d) >= target; five_star_reviews_to_target over the
    reviews of the window ending on ``as_of``. Days whose window holds no review have
    no r(d) and are skipped. The input is not modified.
    """
    target = check_target(target)
    onset = as_day(onset_day)
    # the reviews read once (not their ids): the trajectory and the forecast read them too
    reviews = reviews_of(events, asins, ids=False)
    if trajectory is None:
        trajectory = trailing_rating(reviews, window_days, asins, as_of)
    rating = trajectory.set_index("local_date")["rating"]
    last = as_day(as_of) if as_of is not None else (None if rating.empty else rating.index[-1])
    before = rating.get(onset - pd.Timedelta(days=1))
    after = rating[rating.index >= onset].dropna()
    trough_date = None if after.empty else after.idxmin()
    recovered = rating.iloc[:0] if trough_date is None else rating[
        (rating.index > trough_date) & (rating >= target)]
    age = (last - days_of(reviews["local_date"])).dt.days if (
        last is not None) else pd.Series(-1, index=reviews.index)
    in_window = (age >= 0) & (age < window_days)
    w = weights(reviews)
    return RatingSummary(
        window_days=window_days,
        target=target,
        onset_day=onset,
        as_of=last,
        asins=tuple(asins or ()),
        trajectory=trajectory,
        baseline=None if before is None or pd.isna(before) else float(before),
        trough=None if trough_date is None else float(after.min()),
        trough_date=trough_date,
        latest=None if rating.empty or pd.isna(rating.iloc[-1]) else float(rating.iloc[-1]),
        reviews_in_window=int(w[in_window].sum()),
        recovered_date=None if recovered.empty else recovered.index[0],
        five_star_reviews_to_target=five_star_reviews_to_target(
            reviews.loc[in_window, "rating"], target, w[in_window]),
        forecast=forecast_target_date(reviews, window_days, target, asins, last, **forecast_options),
    )


def summarise_by_asin(
    events: pd.DataFrame,
    window_days: int,
    target: float,
    onset_day: DayLike,
    asins: Sequence[str] | None = None,
    as_of: DayLike | None = None,
    **forecast_options: float,
) -> pd.DataFrame:
    """Summarise the rating of each ASIN on its own.

    Parameters
    ----------
    events, window_days, target, onset_day, as_of, **forecast_options
        As for :func:`summarise`.
    asins : sequence of str, optional
        The ASINs to list; None or empty lists every ASIN with a rated review.

    Returns
    -------
    pandas.DataFrame
        Each row represents one ASIN, in ASIN order, with the columns
        ``BY_ASIN_COLUMNS``: ``reviews`` (its rated reviews up to ``as_of``) and the
        figures of :class:`RatingSummary` (NaN, NaT or NA where not computable). Every
        row runs to the same ``as_of`` (default: the last review day of any ASIN).

    Notes
    -----
    The definitions of :func:`summarise` (design.md section 8), applied to each
    ASIN's reviews alone. Reviews without an ASIN belong to no row.
    """
    reviews = reviews_of(events, asins)
    days = pd.to_datetime(reviews["local_date"])
    # One as_of for every row, so that the rows compare the same days.
    as_of = as_day(as_of) if as_of is not None else (None if days.empty else days.max())
    reviews = reviews[days <= as_of] if as_of is not None else reviews
    rows = []
    for asin in sorted(set(asins) if asins else set(reviews["asin"].dropna())):
        one = summarise(events, window_days, target, onset_day, [asin], as_of, **forecast_options)
        rows.append([
            asin, int(weights(reviews)[reviews["asin"] == asin].sum()), one.baseline, one.trough,
            one.trough_date, one.latest, one.recovered_date,
            one.five_star_reviews_to_target, one.forecast_target_date,
        ])
    table = pd.DataFrame(rows, columns=BY_ASIN_COLUMNS)
    return table.astype({
        "asin": "str", "reviews": "int64", "baseline": float, "trough": float, "latest": float,
        "trough_date": "datetime64[ns]", "recovered_date": "datetime64[ns]",
        "forecast_target_date": "datetime64[ns]", "five_star_reviews_to_target": "Int64",
    })
