"""An incident's detection: alert, alert moment, onset, peak, and a backtest.

:func:`detect` runs the two detectors of :mod:`crisis_kit.analysis.detection.detectors` (the seed rule
and the Poisson detector, design.md section 8) on an incident's events, fixes the
onset, and replays both detectors over the whole history (:func:`backtest`) to show
their lead time and false alarms on the seller's own data. ``docs/detection.md``
documents the methods. The detectors' functions are re-exported here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..ratings import trailing_rating
from ..volume import DayLike, as_day, daily_counts, day_index, days_of
from .detectors import (
    ALPHA,
    BASELINE_DAYS,
    SEED_WINDOW_DAYS,
    alert_moment,
    poisson_alert,
    poisson_rule,
    seed_alert,
    seed_rule,
)
from .share import alert_kind, first_fire, low_volume_rule, share_rule, share_series

if TYPE_CHECKING:  # an annotation: the portfolio scan reads QUIET_DAYS without pydantic
    from ...config import Thresholds

__all__ = [
    "SEED_WINDOW_DAYS", "BASELINE_DAYS", "ALPHA", "QUIET_DAYS", "HORIZON_DAYS", "RATING_DROP",
    "BACKTEST_COLUMNS", "Detection", "seed_rule", "seed_alert", "alert_moment",
    "poisson_rule", "poisson_alert", "backtest", "detect",
]

QUIET_DAYS = 7
"""A detector re-arms after this many consecutive days on which it did not fire."""
HORIZON_DAYS = 30
"""A backtest alert counts as a hit when the rating falls within this many days."""
RATING_DROP = 0.3
"""The fall of the displayed rating (in stars) that makes an alert a hit."""
BACKTEST_COLUMNS = ["detector", "alert_date", "kind", "lead_days", "negative",
                    "baseline_rating", "fall_date"]
"""Columns of :func:`backtest`."""


def _alert_days(fires: pd.Series, quiet_days: int) -> pd.DatetimeIndex:
    """Days a re-arming detector raises an alert: it fires after ``quiet_days`` silent days."""
    fired_recently = (
        fires.shift(1, fill_value=False).astype(int).rolling(quiet_days, min_periods=1).max()
    )
    return fires.index[(fires & fired_recently.eq(0)).to_numpy()]


def _judge(
    alert: pd.Timestamp, rating: pd.Series, horizon_days: int, rating_drop: float,
    incident_start: pd.Timestamp | None,
) -> tuple[str, float, pd.Timestamp]:
    """(kind, baseline rating, fall day) of one alert.

    ``rating`` has one value per calendar day (:func:`_rating_series`): the days are
    found by position in its arrays, no Series is made per alert.
    """
    days, values = rating.index.to_numpy(), rating.to_numpy()
    before = alert - pd.Timedelta(days=1)
    at = days.searchsorted(before.to_datetime64())
    baseline = values[at] if at < len(days) and days[at] == before.to_datetime64() else np.nan
    horizon = alert + pd.Timedelta(days=horizon_days)
    start, stop = (days.searchsorted(alert.to_datetime64()),
                   days.searchsorted(horizon.to_datetime64(), side="right"))
    fallen = np.flatnonzero(values[start:stop] < baseline - rating_drop)
    fall = pd.Timestamp(days[start + fallen[0]]) if len(fallen) else pd.NaT
    if incident_start is not None and alert < incident_start:
        return "false_alarm", baseline, pd.NaT
    if not pd.isna(fall):
        return "hit", baseline, fall
    horizon_open = rating.empty or horizon > rating.index.max()
    return ("pending" if horizon_open else "false_alarm"), baseline, pd.NaT


def backtest(
    negative_per_day: pd.DataFrame,
    rating_per_day: pd.DataFrame,
    growth: float,
    floor: int,
    *,
    alpha: float = ALPHA,
    baseline_days: int = BASELINE_DAYS,
    quiet_days: int = QUIET_DAYS,
    horizon_days: int = HORIZON_DAYS,
    rating_drop: float = RATING_DROP,
    incident_start: DayLike | None = None,
    share_per_day: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Replay the detectors over the whole history and judge every alert they raise.

    Parameters
    ----------
    negative_per_day : pandas.DataFrame
        Needs ``local_date`` and ``negative`` (see :func:`seed_rule`).
    rating_per_day : pandas.DataFrame
        The displayed rating: ``local_date`` and ``rating``
        (:func:`crisis_kit.analysis.ratings.trailing_rating`).
    growth, floor
        The seed rule's parameters (``floor`` is the Poisson detector's floor too).
    alpha, baseline_days
        The Poisson detector's parameters (:func:`poisson_rule`).
    quiet_days : int
        After an alert a detector stays silent until it has not fired for this many
        consecutive days.
    horizon_days : int
        How long after an alert a rating fall still makes it a hit.
    rating_drop : float
        The fall, in stars, below the rating of the day before the alert.
    incident_start : str, datetime.date or pandas.Timestamp, optional
        First day of the incident window; every alert before it is a false alarm.
    share_per_day : pandas.DataFrame, optional
        :func:`crisis_kit.analysis.detection.share.share_series`: with it the share and
        low-volume detectors are replayed too (``share``, ``low_volume``).

    Returns
    -------
    pandas.DataFrame
        Each row represents one alert of one detector, ordered by detector
        (``seed_rule``, then ``poisson``) and day, with columns ``detector``,
        ``alert_date`` (datetime64), ``kind`` (``hit``, ``false_alarm`` or
        ``pending``), ``lead_days`` (Int64, hits only), ``negative`` (n on the alert
        day), ``baseline_rating`` (r the day before the alert) and ``fall_date``
        (datetime64, hits only).

    Raises
    ------
    ValueError
        If a column is missing or a parameter is out of range.

    Notes
    -----
    The backtest of design.md section 1, on the definitions of section 8:

    - alerts: a day the detector fires, with no firing day among the ``quiet_days``
      days before it (re-arming after a quiet period);
    - baseline_rating = r(a - 1), the displayed rating the day before alert a, with
      days without reviews in the window carrying the last rating forward;
    - fall_date = first day f in [a, a + horizon_days] with r(f) < baseline_rating -
      rating_drop; lead_days = f - a in days;
    - kind: ``false_alarm`` before ``incident_start``; else ``hit`` when a fall
      follows; else ``pending`` while the horizon runs past the last rating day (the
      outcome is not yet known); else ``false_alarm``.
    """
    _check_replay(quiet_days, horizon_days, rating_drop, rating_per_day)
    rules = {
        "seed_rule": seed_rule(negative_per_day, growth, floor),
        "poisson": poisson_rule(negative_per_day, floor, alpha, baseline_days),
    }
    if share_per_day is not None and len(share_per_day):
        rules.update(_share_rules(share_rule(share_per_day), low_volume_rule(share_per_day)))
    return _replay(rules, rating_per_day, quiet_days, horizon_days, rating_drop, incident_start)


def _check_replay(quiet_days: int, horizon_days: int, rating_drop: float,
                  rating_per_day: pd.DataFrame) -> None:
    for name, value in (("quiet_days", quiet_days), ("horizon_days", horizon_days)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if not np.isfinite(rating_drop) or rating_drop < 0:
        raise ValueError(f"rating_drop must be a number >= 0, got {rating_drop!r}")
    missing = [c for c in ("local_date", "rating") if c not in rating_per_day.columns]
    if missing:
        raise ValueError(
            f"rating_per_day lacks the column(s) {', '.join(missing)}; expected the output "
            "of crisis_kit.analysis.ratings.trailing_rating"
        )


def _share_rules(share: pd.DataFrame, low_volume: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The share detectors' rules for :func:`_replay`: ``negative`` is the window's ``x``."""
    return {name: fired.assign(negative=fired["x"].fillna(0).astype(int))
            for name, fired in (("share", share), ("low_volume", low_volume))}


def _replay(rules: dict[str, pd.DataFrame], rating_per_day: pd.DataFrame, quiet_days: int,
            horizon_days: int, rating_drop: float,
            incident_start: DayLike | None) -> pd.DataFrame:
    """:func:`backtest` of rules already computed: each detector's alerts judged in turn."""
    rating = _rating_series(rating_per_day)
    start = as_day(incident_start) if incident_start is not None else None
    rows = []
    for detector, rule in rules.items():
        by_day = rule.set_index("local_date")
        for alert in _alert_days(by_day["fires"], quiet_days):
            kind, baseline, fall = _judge(alert, rating, horizon_days, rating_drop, start)
            rows.append((detector, alert, kind, fall, int(by_day.at[alert, "negative"]), baseline))
    table = pd.DataFrame(
        rows, columns=["detector", "alert_date", "kind", "fall_date", "negative", "baseline_rating"]
    )
    table["alert_date"] = table["alert_date"].astype("datetime64[ns]")
    table["fall_date"] = pd.to_datetime(table["fall_date"]).astype("datetime64[ns]")
    table["lead_days"] = (table["fall_date"] - table["alert_date"]).dt.days.astype("Int64")
    table["negative"] = table["negative"].astype("int64")
    table["baseline_rating"] = table["baseline_rating"].astype(float)
    return table[BACKTEST_COLUMNS]


def _rating_series(rating_per_day: pd.DataFrame) -> pd.Series:
    days = days_of(rating_per_day["local_date"])
    rating = pd.Series(rating_per_day["rating"].astype(float).to_numpy(), index=days).sort_index()
    rating = rating[~rating.index.duplicated(keep="last")]
    if rating.empty:
        return rating
    return rating.reindex(day_index(rating.index.min(), rating.index.max())).ffill()


@dataclass(frozen=True, eq=False)
class Detection:
    """What the detectors found in one incident's events.

    Attributes
    ----------
    alert_date : datetime.date or None
        First day of the seed rule (design.md section 8).
    alert_at : pandas.Timestamp or None
        When a monitor would have fired on that day, aware in the marketplace zone.
    onset : pandas.Timestamp or None
        ``alert_at``, unless the incident gives ``onset``.
    onset_overridden : bool
        True when ``onset`` comes from the incident rather than the alert.
    peak_date : datetime.date or None
        The day of most negatives from the onset day on (the whole series without an
        onset); the earliest of ties.
    peak_negative : int
        n on ``peak_date`` (0 without events).
    statistical_alert_date : datetime.date or None
        First day of the Poisson detector.
    alert_kind : str or None
        ``volume-driven`` or ``share-driven`` (:func:`~.share.alert_kind`); None
        without an alert, or when the alert's week holds no rated event.
    alert_context : dict
        The alert day's and week's negatives, rated events and shares, the baseline
        share and the test's p-value (empty without an alert).
    share_alert_date, low_volume_alert_date : datetime.date or None
        First days of the share and low-volume detectors.
    negative_per_day : pandas.DataFrame
        Each row represents one local day: ``local_date``, ``events``, ``negative``,
        ``mean_rating`` (:func:`crisis_kit.analysis.volume.daily_counts`), then the seed rule's
        ``prior_mean``, ``threshold``, ``seed_fires`` and the Poisson detector's
        ``baseline_mean``, ``p_value``, ``poisson_fires``.
    backtest : pandas.DataFrame
        :func:`backtest` of both detectors.
    """

    alert_date: dt.date | None
    alert_at: pd.Timestamp | None
    onset: pd.Timestamp | None
    onset_overridden: bool
    peak_date: dt.date | None
    peak_negative: int
    statistical_alert_date: dt.date | None
    negative_per_day: pd.DataFrame
    backtest: pd.DataFrame
    alert_kind: str | None = None
    alert_context: dict[str, Any] | None = None
    share_alert_date: dt.date | None = None
    low_volume_alert_date: dt.date | None = None

    def summary(self) -> dict[str, Any]:
        """The ``detection`` block of ``summary.json`` (design.md section 9)."""
        def iso(value: Any) -> str | None:
            return None if value is None else value.isoformat()

        return {
            "alert_date": iso(self.alert_date), "alert_at": iso(self.alert_at),
            "onset": iso(self.onset), "peak_date": iso(self.peak_date),
            "peak_negative": int(self.peak_negative),
            "statistical_alert_date": iso(self.statistical_alert_date),
            "alert_kind": self.alert_kind,
            "share_alert_date": iso(self.share_alert_date),
            "low_volume_alert_date": iso(self.low_volume_alert_date),
        }


def _onset(override: dt.datetime | pd.Timestamp | str, tz: str) -> pd.Timestamp:
    try:
        onset = pd.Timestamp(override)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"onset must be a date and time, got {override!r}") from exc
    if onset.tzinfo is None:
        return onset.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
    return onset.tz_convert(tz)


def detect(
    events: pd.DataFrame,
    thresholds: Thresholds,
    tz: str,
    onset_override: dt.datetime | pd.Timestamp | str | None = None,
    as_of: DayLike | None = None,
    *,
    alpha: float = ALPHA,
    baseline_days: int = BASELINE_DAYS,
    quiet_days: int = QUIET_DAYS,
    horizon_days: int = HORIZON_DAYS,
    trajectory: pd.DataFrame | None = None,
) -> Detection:
    """Run both detectors on an incident's events and fix the onset.

    Parameters
    ----------
    events : pandas.DataFrame
        The events table (design.md section 4), already limited to the incident's
        ASINs.
    thresholds : crisis_kit.config.Thresholds
        ``negative_growth``, ``min_negative_per_day`` and ``rating_window_days`` are used.
    tz : str
        The marketplace's IANA time zone.
    onset_override : datetime, pandas.Timestamp or str, optional
        The incident's ``onset``; a naive value is read in ``tz``.
    as_of : str, datetime.date or pandas.Timestamp, optional
        Ignore events after this local day; the series runs to it (zero-filled).
    alpha, baseline_days, quiet_days, horizon_days
        As for :func:`poisson_rule` and :func:`backtest`.
    trajectory : pandas.DataFrame, optional
        The displayed rating ``trailing_rating(events, thresholds.rating_window_days,
        as_of=as_of)`` when the caller has computed it (the pipeline shares it with the
        rating's summary and the health); not computed again.

    Returns
    -------
    Detection

    Notes
    -----
    design.md section 8: alert (seed rule, :func:`seed_alert`), alert_at
    (:func:`alert_moment`), onset = alert_at unless overridden; the statistical
    detector (:func:`poisson_alert`); the backtest (:func:`backtest`) against the
    displayed rating r(d) over ``rating_window_days``. With an override the incident
    window starts on the onset's day, and alerts before it are false alarms; without
    one, alerts are judged by the rating alone. The input is not modified.
    """
    growth, floor = thresholds.negative_growth, thresholds.min_negative_per_day
    if as_of is not None:
        events = events.loc[pd.to_datetime(events["local_date"]) <= as_day(as_of)]
    daily = daily_counts(events, end=as_of)
    seed = seed_rule(daily, growth, floor)
    stat = poisson_rule(daily, floor, alpha, baseline_days)
    series = daily.assign(
        prior_mean=seed["prior_mean"].to_numpy(), threshold=seed["threshold"].to_numpy(),
        seed_fires=seed["fires"].to_numpy(), baseline_mean=stat["baseline_mean"].to_numpy(),
        p_value=stat["p_value"].to_numpy(), poisson_fires=stat["fires"].to_numpy(),
    )
    alert_date = first_fire(seed)  # seed_alert's day, of the rule computed above
    alert_at = alert_moment(events, alert_date, growth, floor, tz) if alert_date else None
    onset = _onset(onset_override, tz) if onset_override is not None else alert_at
    from_onset = series
    if onset is not None:
        from_onset = series.loc[series["local_date"] >= as_day(onset.date())]
    peak = from_onset.loc[from_onset["negative"].idxmax()] if len(from_onset) else None
    rating = trajectory if trajectory is not None else trailing_rating(
        events, thresholds.rating_window_days, as_of=as_of)
    first_day = daily["local_date"].min() if len(daily) else None
    shares = share_series(events, start=first_day,
                          end=daily["local_date"].max() if len(daily) else None)
    if len(shares):
        series = series.merge(shares, on="local_date", how="left")
        share_fired, low_fired = share_rule(shares), low_volume_rule(shares)
        series["share_fires"] = share_fired["fires"].to_numpy()
        series["low_volume_fires"] = low_fired["fires"].to_numpy()
    kind, context = alert_kind(shares, alert_date) if alert_date and len(shares) else (None, {})
    # the backtest of the rules computed above (backtest would compute the four again)
    _check_replay(quiet_days, horizon_days, RATING_DROP, rating)
    rules = {"seed_rule": seed, "poisson": stat}
    if len(shares):
        rules.update(_share_rules(share_fired, low_fired))
    table = _replay(rules, rating, quiet_days, horizon_days, RATING_DROP,
                    incident_start=onset.date() if onset_override is not None else None)
    return Detection(
        alert_date=alert_date, alert_at=alert_at, onset=onset,
        onset_overridden=onset_override is not None,
        peak_date=peak["local_date"].date() if peak is not None else None,
        peak_negative=int(peak["negative"]) if peak is not None else 0,
        statistical_alert_date=first_fire(stat),  # poisson_alert's day
        negative_per_day=series, backtest=table, alert_kind=kind, alert_context=context,
        share_alert_date=first_fire(share_fired) if len(shares) else None,
        low_volume_alert_date=first_fire(low_fired) if len(shares) else None,
    )
