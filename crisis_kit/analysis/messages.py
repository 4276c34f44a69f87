"""The customer-service lane as Amazon measures it: buyer messages answered within 24 hours.

Each row of the ``messages`` table represents one buyer message with the time it came in
(``received_at``) and the team's first answer (``answered_at``, NULL while unanswered).
Seller Central's "Contact response time" counts the share of buyer messages answered
within 24 hours and the average time to answer, leaving out the messages marked "no
response needed"; the playbook adds the golden 4 hours from the alert. This module
measures both from the seller's own export (docs/report.md, "Buyer messages").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..errors import InputError

__all__ = ["DUE_HOURS", "MessageFigures", "MessageResponse", "summarise", "figures", "cut_time"]

DUE_HOURS = 24.0
"""Amazon's window: a buyer message should be answered within 24 hours."""

DAILY_COLUMNS = ["local_date", "received", "due", "within_24h", "unanswered",
                 "mean_response_hours"]


@dataclass(frozen=True)
class MessageFigures:
    """The response-time figures of the messages received in one period.

    Attributes
    ----------
    received : int
        Messages received in the period.
    counted : int
        ``received`` less the messages marked "no response needed".
    due : int
        Counted messages whose 24 hours are over at the cut, or that were answered within
        them: the messages the 24-hour share is decided for. A message still inside its
        24 hours and unanswered is neither late nor on time yet.
    answered : int
        Counted messages answered by the cut.
    within_24h : int
        Answered within 24 hours of coming in.
    within_golden : int
        Answered within the golden hours of coming in.
    unanswered : int
        Due messages with no answer by the cut.
    within_24h_share, unanswered_share, within_golden_hours_share : float or None
        Those counts over ``due`` (None when nothing is due).
    average_response_hours, median_response_hours : float or None
        Hours from coming in to the first answer, over the answered messages.
    """

    received: int = 0
    counted: int = 0
    due: int = 0
    answered: int = 0
    within_24h: int = 0
    within_golden: int = 0
    unanswered: int = 0
    within_24h_share: float | None = None
    unanswered_share: float | None = None
    within_golden_hours_share: float | None = None
    average_response_hours: float | None = None
    median_response_hours: float | None = None

    def summary(self) -> dict[str, Any]:
        """The figures as ``summary.json`` writes them (shares and hours to 3 decimals)."""
        def r(value: float | None) -> float | None:
            return None if value is None else round(float(value), 3)

        return {"received": self.received, "due": self.due, "answered": self.answered,
                "answered_within_24h_share": r(self.within_24h_share),
                "unanswered_share": r(self.unanswered_share),
                "within_golden_hours_share": r(self.within_golden_hours_share),
                "average_response_hours": r(self.average_response_hours),
                "median_response_hours": r(self.median_response_hours)}


@dataclass(frozen=True)
class MessageResponse:
    """Buyer messages since the onset (all of them without one), and in the weeks before.

    Attributes
    ----------
    cut : pd.Timestamp
        UTC: the moment the figures are taken at (the end of ``as_of``'s local day, else
        the latest time in the export); answers after it do not count.
    golden_hours : float
        The playbook's window (4 hours).
    onset : pd.Timestamp or None
        The moment the crisis period starts.
    period : MessageFigures
        Messages received from the onset to the cut (every message without an onset).
    before : MessageFigures or None
        Messages received in the ``baseline_days`` before the onset.
    first_answer_at : pd.Timestamp or None
        The first answer to any buyer message at or after the onset.
    first_answer_hours : float or None
        Hours from the onset to it, to set beside the golden hours.
    daily : pd.DataFrame
        Each row one local day: messages received, due, answered within 24 hours,
        unanswered, and the mean hours to answer (``DAILY_COLUMNS``).
    """

    cut: pd.Timestamp
    golden_hours: float
    onset: pd.Timestamp | None
    period: MessageFigures
    before: MessageFigures | None = None
    first_answer_at: pd.Timestamp | None = None
    first_answer_hours: float | None = None
    daily: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def first_answer_met(self) -> bool | None:
        """Whether the first answer after the onset came within the golden hours."""
        if self.first_answer_hours is None:
            return None
        return self.first_answer_hours <= self.golden_hours

    def summary(self, tz: str) -> dict[str, Any]:
        """``summary.json``'s ``response.messages`` block."""
        first = self.first_answer_at
        return {**self.period.summary(),
                "first_answer_at": None if first is None else first.tz_convert(tz).isoformat(),
                "first_answer_hours": None if self.first_answer_hours is None
                else round(self.first_answer_hours, 3),
                "first_answer_met": self.first_answer_met,
                "before_onset": None if self.before is None else self.before.summary()}


def _utc(column: pd.Series) -> pd.Series:
    values = pd.to_datetime(column)
    return values.dt.tz_localize("UTC") if values.dt.tz is None else values.dt.tz_convert("UTC")


def cut_time(messages: pd.DataFrame, as_of: dt.date | None, tz: str) -> pd.Timestamp | None:
    """The moment the figures are taken at: the end of ``as_of``'s local day, else the latest time.

    Never the wall clock, so two runs on the same data give the same figures.
    """
    if as_of is not None:
        end = pd.Timestamp(as_of) + pd.Timedelta(days=1)
        return end.tz_localize(tz).tz_convert("UTC")
    if messages.empty:
        return None
    times = pd.concat([_utc(messages["received_at"]), _utc(messages["answered_at"])])
    return times.max()


def _hours(messages: pd.DataFrame, cut: pd.Timestamp) -> pd.DataFrame:
    """Each message with its answer as known at the cut and its hours to answer."""
    received = _utc(messages["received_at"])
    answered = _utc(messages["answered_at"])
    answered = answered.where(answered <= cut)
    return messages.assign(
        received_at=received, answered_at=answered,
        hours=(answered - received).dt.total_seconds() / 3600,
        open_hours=(cut - received).dt.total_seconds() / 3600,
        no_response_needed=messages["no_response_needed"].fillna(False).astype(bool))


def figures(timed: pd.DataFrame, golden_hours: float) -> MessageFigures:
    """The figures of the messages in ``timed`` (rows of :func:`_hours`).

    Notes
    -----
    Counted = received less "no response needed". Due = counted messages answered within
    24 hours, or 24 hours old at the cut. Within-24-hours share = answered within 24 hours
    / due; unanswered share = due without an answer / due; the golden-hours share likewise
    with the golden window. Average and median hours are over the answered messages.
    """
    counted = timed[~timed["no_response_needed"]]
    hours = counted["hours"]
    within = hours <= DUE_HOURS
    due = within | (counted["open_hours"] >= DUE_HOURS)
    answered = hours.notna()
    n_due = int(due.sum())

    def share(mask: pd.Series) -> float | None:
        return float((mask & due).sum() / n_due) if n_due else None

    return MessageFigures(
        received=len(timed), counted=len(counted), due=n_due, answered=int(answered.sum()),
        within_24h=int(within.sum()), within_golden=int((hours <= golden_hours).sum()),
        unanswered=int((due & ~answered).sum()),
        within_24h_share=share(within), unanswered_share=share(~answered),
        within_golden_hours_share=share(hours <= golden_hours),
        average_response_hours=float(hours.mean()) if answered.any() else None,
        median_response_hours=float(hours.median()) if answered.any() else None)


def _daily(timed: pd.DataFrame) -> pd.DataFrame:
    counted = timed[~timed["no_response_needed"]]
    if counted.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in DAILY_COLUMNS})
    within = counted["hours"] <= DUE_HOURS
    due = within | (counted["open_hours"] >= DUE_HOURS)
    frame = counted.assign(local_date=pd.to_datetime(counted["local_date"]), due=due,
                           within_24h=within, unanswered=due & counted["hours"].isna())
    daily = frame.groupby("local_date").agg(
        received=("message_id", "size"), due=("due", "sum"), within_24h=("within_24h", "sum"),
        unanswered=("unanswered", "sum"), mean_response_hours=("hours", "mean"))
    return daily.reset_index()[DAILY_COLUMNS]


def summarise(messages: pd.DataFrame, onset: pd.Timestamp | None, golden_hours: float,
              as_of: dt.date | None, tz: str, baseline_days: int = 28) -> MessageResponse | None:
    """The response-time figures of the buyer messages, since the onset and before it.

    Parameters
    ----------
    messages : pd.DataFrame
        Rows of the ``messages`` table (``received_at``, ``answered_at`` in UTC).
    onset : pd.Timestamp or None
        tz-aware onset; without one every message makes the period.
    golden_hours : float
        The playbook's window, to set the first answer and each message's hours beside.
    as_of : datetime.date or None
        The report's day: answers after its end do not count.
    tz : str
        The marketplace's time zone (the end of ``as_of``).
    baseline_days : int
        Days before the onset whose messages make ``before``.

    Returns
    -------
    MessageResponse or None
        None when there are no messages.
    """
    if messages is None or messages.empty:
        return None
    missing = {"received_at", "answered_at", "local_date", "no_response_needed"} - set(
        messages.columns)
    if missing:
        raise InputError(f"the messages table lacks the columns {sorted(missing)}",
                         fix="pass rows of the store's messages table")
    cut = cut_time(messages, as_of, tz)
    timed = _hours(messages, cut)
    before = None
    period = timed
    first_at = first_hours = None
    if onset is not None:
        onset = onset.tz_convert("UTC")
        period = timed[timed["received_at"] >= onset]
        start = onset - pd.Timedelta(days=baseline_days)
        before = figures(timed[(timed["received_at"] >= start) & (timed["received_at"] < onset)],
                         golden_hours)
        answers = timed.loc[~timed["no_response_needed"], "answered_at"]
        answers = answers[answers >= onset]
        if len(answers):
            first_at = answers.min()
            first_hours = (first_at - onset).total_seconds() / 3600
    return MessageResponse(cut=cut, golden_hours=golden_hours, onset=onset,
                           period=figures(period, golden_hours), before=before,
                           first_answer_at=first_at, first_answer_hours=first_hours,
                           daily=_daily(timed))
