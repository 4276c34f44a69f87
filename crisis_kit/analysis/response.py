"""Response lanes: how fast each line of the team acted after the onset.

Each row of the actions table represents one response action on one lane (cs, pr,
tech, platform, marketing, exec). The golden window is ``golden_hours`` (4 by the
playbook) from the onset.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..errors import InputError
from ..schemas import GOLDEN_LANES

__all__ = ["LaneResponse", "Response", "summarise", "GOLDEN_LANES"]


@dataclass(frozen=True)
class LaneResponse:
    """The first action of one lane at or after the onset."""

    lane: str
    first_at: pd.Timestamp
    action: str
    hours: float
    met: bool


@dataclass(frozen=True)
class Response:
    """What the actions log says about the team's response.

    Attributes
    ----------
    onset : pd.Timestamp
        The moment the hours count from.
    golden_hours : float
        The window.
    lanes : dict of str to LaneResponse
        Every lane with an action at or after the onset, in lane order.
    first_response : LaneResponse or None
        The first action at or after the onset, any lane.
    statement : LaneResponse or None
        The first ``pr`` action (time to statement).
    plan_of_action : LaneResponse or None
        The first ``platform`` action (time to the POA).
    missing_golden_lanes : tuple of str
        Golden lanes (cs, pr, tech) with no action at all after the onset.
    timeline : pd.DataFrame
        Every action with ``hours_from_onset`` (negative before the onset).
    """

    onset: pd.Timestamp
    golden_hours: float
    lanes: dict[str, LaneResponse] = field(default_factory=dict)
    first_response: LaneResponse | None = None
    statement: LaneResponse | None = None
    plan_of_action: LaneResponse | None = None
    missing_golden_lanes: tuple[str, ...] = ()
    timeline: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def golden_window_met(self) -> bool | None:
        """Whether the first response came within the golden window (None without one)."""
        return None if self.first_response is None else self.first_response.met


def _validate(actions: pd.DataFrame) -> None:
    missing = {"at", "lane", "action"} - set(actions.columns)
    if missing:
        raise InputError(f"the actions table lacks the columns {sorted(missing)}",
                         fix="give at, lane, action (and channel, owner, ref)")
    at = actions["at"]
    if len(actions) and not isinstance(at.dtype, pd.DatetimeTZDtype):
        raise InputError(
            "the actions' times carry no zone, so hours from the onset cannot be computed",
            fix="write each time with its offset, e.g. 2022-05-03T09:30:00-07:00",
        )
    if at.isna().any():
        row = int(at.isna().to_numpy().nonzero()[0][0])
        raise InputError("an action has no time", f"actions row {row + 1}",
                         "write its time with its offset")


def _lane(row: pd.Series, onset: pd.Timestamp, golden_hours: float) -> LaneResponse:
    hours = (row["at"] - onset).total_seconds() / 3600
    return LaneResponse(row["lane"], row["at"], row["action"], round(hours, 3),
                        hours <= golden_hours)


def summarise(actions: pd.DataFrame, onset: pd.Timestamp, golden_hours: float) -> Response:
    """Per lane, the first action at or after ``onset`` and whether it met the window.

    Parameters
    ----------
    actions : pd.DataFrame
        Rows of the ``actions`` table (``at`` tz-aware).
    onset : pd.Timestamp
        tz-aware onset (``alert_at`` unless the incident overrides it).
    golden_hours : float
        The golden window.

    Returns
    -------
    Response

    Notes
    -----
    design.md section 8: ``first_response_at`` is the first action at or after the
    onset (any lane); per lane likewise; ``golden_window_met`` is
    ``first_response_at - onset <= golden_hours``. Actions before the onset (a
    campaign scheduled weeks earlier) are in the timeline but never count as a
    response. Ties in time are broken by lane then action, so the result does not
    depend on row order.
    """
    if onset is None or pd.isna(onset) or onset.tzinfo is None:
        raise InputError("the onset must be a time with its zone",
                         fix="pass alert_at (tz-aware) or set `onset:` with an offset")
    _validate(actions)
    ordered = actions.sort_values(["at", "lane", "action"], kind="mergesort")
    timeline = ordered.assign(
        hours_from_onset=(ordered["at"] - onset).dt.total_seconds() / 3600
    ).reset_index(drop=True)
    after = timeline[timeline["at"] >= onset]
    lanes = {
        lane: _lane(group.iloc[0], onset, golden_hours)
        for lane, group in after.groupby("lane", sort=True)
    }
    first = _lane(after.iloc[0], onset, golden_hours) if len(after) else None
    return Response(
        onset=onset,
        golden_hours=golden_hours,
        lanes=lanes,
        first_response=first,
        statement=lanes.get("pr"),
        plan_of_action=lanes.get("platform"),
        missing_golden_lanes=tuple(lane for lane in GOLDEN_LANES if lane not in lanes),
        timeline=timeline,
    )
