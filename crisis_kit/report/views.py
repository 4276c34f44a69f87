"""Tables the report reads off an :class:`~crisis_kit.pipeline.Analysis`: arranged, not computed.

Every number in these tables is a number of the Analysis (design.md section 8); the
functions only pick, order and stack them into the shape a table or figure needs.
The one count made here, :func:`daily_by_source`, splits the detection's daily
negative count n(d) by source with :func:`crisis_kit.analysis.volume.daily_counts`, and a test
holds its daily totals equal to ``detection.negative_per_day``.
"""

from __future__ import annotations

import pandas as pd

from ..analysis.response import GOLDEN_LANES, Response
from ..analysis.volume import daily_counts
from ..pipeline import Analysis
from ..schemas import LANES

__all__ = [
    "LANE_ORDER", "MOMENT_COLUMNS", "MOMENT_KINDS", "TIMELINE_LANES", "LANE_COLUMNS",
    "daily_by_source", "key_moments", "lane_table", "last_day",
]

LANE_ORDER = LANES
"""Lanes in the order the report lists them: the three golden lanes first."""

TIMELINE_LANES = ("pr", "tech", "platform")
"""Lanes whose every action after the onset is a key moment: the statement (pr), the
fixes (tech) and the Plan of Action (platform). Other lanes show their first action."""

MOMENT_KINDS = (
    "alert", "statistical_alert", "onset", "action", "first_action", "peak", "rating_trough",
    "rating_recovered", "rating_forecast", "sales_trough", "sales_recovered_100",
    "sales_reached_target",
)
"""Kinds of key moment, each labelled by ``timeline.kinds.<kind>`` in the strings files."""

MOMENT_COLUMNS = ["local_date", "at", "kind", "lane", "detail", "value", "day"]
"""Columns of :func:`key_moments`."""

LANE_COLUMNS = ["lane", "first_at", "action", "hours", "met"]
"""Columns of :func:`lane_table`."""


def last_day(analysis: Analysis) -> pd.Timestamp:
    """The last local day the report covers: ``as_of``, else the last day with an event."""
    if analysis.as_of is not None:
        return pd.Timestamp(analysis.as_of)
    return pd.to_datetime(analysis.events["local_date"]).max().normalize()


def daily_by_source(analysis: Analysis) -> pd.DataFrame:
    """Each row represents one local day of one source: ``local_date``, ``source``, ``negative``.

    Every day from the first event to :func:`last_day`, zero-filled
    (:func:`crisis_kit.analysis.volume.daily_counts` with ``by="source"``).
    """
    return daily_counts(analysis.events, by="source", end=last_day(analysis))


def _row(day: object, at: object, kind: str, lane: str = "", detail: str = "",
         value: float = float("nan")) -> dict[str, object]:
    return {"local_date": pd.Timestamp(day).normalize().tz_localize(None) if day is not None
            else pd.NaT, "at": at, "kind": kind, "lane": lane, "detail": detail, "value": value}


def _hours(moment: pd.Timestamp, onset: pd.Timestamp | None) -> float:
    return float("nan") if onset is None else (moment - onset).total_seconds() / 3600


def _actions(response: Response | None, tz: str) -> list[dict[str, object]]:
    """The first action of every lane, and every action of :data:`TIMELINE_LANES`."""
    if response is None or response.timeline.empty:
        return []
    after = response.timeline[response.timeline["at"] >= response.onset]
    first_keys = {(r.lane, r.first_at, r.action) for r in response.lanes.values()}
    rows = []
    for action in after.itertuples():
        first = (action.lane, action.at, action.action) in first_keys
        if first or action.lane in TIMELINE_LANES:
            at = action.at.tz_convert(tz)
            rows.append(_row(at.tz_localize(None), at, "first_action" if first else "action",
                             str(action.lane), str(action.action), action.hours_from_onset))
    return rows


def key_moments(analysis: Analysis) -> pd.DataFrame:
    """Each row represents one key moment of the incident, in time order.

    Columns (:data:`MOMENT_COLUMNS`): ``local_date`` (the marketplace-local day),
    ``at`` (the zoned moment, NaT for a day-level measure), ``kind`` (one of
    :data:`MOMENT_KINDS`), ``lane`` and ``detail`` (for actions: the lane and the
    action as logged, untrusted text), ``value`` (hours from the onset for timed
    moments, negatives on the peak day, the rating or sales index on its milestone), ``day``
    (local days since the onset day; NaN without an onset).

    Notes
    -----
    The moments: the alert (``alert_at``), the statistical detector's first day, the
    onset when the incident overrides it, the peak day; the first action of each lane
    and every action of :data:`TIMELINE_LANES`; the rating's trough, recovery and
    forecast day; the sales index's trough, 100 % and target days. Within a day, timed
    moments come first, in time order; day-level measures follow, in the order above.
    """
    d, tz = analysis.detection, analysis.tz
    rows = []
    if d.alert_at is not None:
        rows.append(_row(d.alert_at.tz_localize(None), d.alert_at, "alert",
                         value=_hours(d.alert_at, d.onset)))
    if d.statistical_alert_date is not None:
        rows.append(_row(d.statistical_alert_date, pd.NaT, "statistical_alert"))
    if d.onset_overridden and d.onset is not None:
        rows.append(_row(d.onset.tz_localize(None), d.onset, "onset", value=0.0))
    if d.peak_date is not None and d.onset is not None:
        rows.append(_row(d.peak_date, pd.NaT, "peak", value=float(d.peak_negative)))
    rows += _actions(analysis.response, tz)
    rating = analysis.rating
    if rating is not None:
        for kind, day, value in (
            ("rating_trough", rating.trough_date, rating.trough),
            ("rating_recovered", rating.recovered_date, rating.target),
            ("rating_forecast", rating.forecast.target_date, rating.target),
        ):
            if day is not None:
                rows.append(_row(day, pd.NaT, kind, value=float(value)))
    sales = analysis.sales
    if sales is not None:
        for kind, day, value in (
            ("sales_trough", sales.trough_date, sales.trough_index),
            ("sales_recovered_100", sales.recovered_100_date, 1.0),
            ("sales_reached_target", sales.reached_target_date, sales.target),
        ):
            if day is not None and value is not None:
                rows.append(_row(day, pd.NaT, kind, value=float(value)))
    table = pd.DataFrame(rows, columns=MOMENT_COLUMNS[:-1])
    if table.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in MOMENT_COLUMNS})
    order = {kind: i for i, kind in enumerate(MOMENT_KINDS)}
    timed = table["at"].notna()
    table = table.assign(
        _untimed=~timed,
        _moment=[a.tz_convert("UTC").value if pd.notna(a) else 0 for a in table["at"]],
        _kind=table["kind"].map(order),
    ).sort_values(["local_date", "_untimed", "_moment", "_kind"], kind="mergesort")
    onset = analysis.onset_day
    table["day"] = ((table["local_date"] - pd.Timestamp(onset)).dt.days if onset is not None
                    else float("nan"))
    return table[MOMENT_COLUMNS].reset_index(drop=True)


def lane_table(response: Response | None, tz: str) -> pd.DataFrame:
    """Each row represents one response lane: its first action after the onset.

    Columns (:data:`LANE_COLUMNS`): ``lane``, ``first_at`` (zoned in ``tz``),
    ``action`` (as logged, untrusted text), ``hours`` (from the onset, as
    :class:`~crisis_kit.analysis.response.LaneResponse` rounds them), ``met`` (within the golden
    window). Lanes in :data:`LANE_ORDER`, others after by name; a golden lane (cs, pr,
    tech) without any action after the onset is listed with NaN hours and ``met`` False.
    """
    if response is None:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in LANE_COLUMNS})
    names = list(response.lanes) + [lane for lane in GOLDEN_LANES if lane not in response.lanes]
    ranked = sorted(names, key=lambda lane: (
        LANE_ORDER.index(lane) if lane in LANE_ORDER else len(LANE_ORDER), lane))
    rows = []
    for lane in ranked:
        first = response.lanes.get(lane)
        if first is None:
            rows.append([lane, pd.NaT, "", float("nan"), False])
        else:
            rows.append([lane, first.first_at.tz_convert(tz), first.action, float(first.hours),
                         bool(first.met)])
    return pd.DataFrame(rows, columns=LANE_COLUMNS)
