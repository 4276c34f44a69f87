"""What a chat message says: written for people, in the incident's language.

:func:`alert_context` finds, for the current alert, the leading topic, one short
complaint to quote and the latest complaint's time (the data's "now": the wall clock is
never read). :func:`compose` turns a :class:`~crisis_kit.monitor.MonitorState` and its
incident into a :class:`ChatMessage`: what happened in one sentence, the alert kind in
plain words, the leading topic with a quote, the playbook's first golden-hour step per
lane with its owner, the time left in the golden window and where the report is. Every
word comes from the report's strings files (``chat:`` in ``strings/<lang>.yaml``); the
numbers stay in :meth:`MonitorState.as_json`. :mod:`crisis_kit.monitor.payloads` shapes
the message for each chat platform.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..config import Incident
from ..errors import ConfigError
from ..language import Strings, load_strings

if TYPE_CHECKING:
    from .check import MonitorState

__all__ = ["EVENTS", "QUOTE_CHARS", "AlertContext", "ChatMessage", "Step", "alert_context",
           "alert_kind", "compose", "scrub_quote"]

EVENTS = ("start", "kind", "digest", "clear")
"""Why a message is sent: an alert starts, its kind changes, a day's digest, it clears."""

QUOTE_CHARS = 80
"""A quoted complaint is cut to this many characters (a phone's two lines)."""

_ORDER_ID = re.compile(r"\b\d{3}-\d{7}-\d{7}\b")
_LONG_NUMBER = re.compile(r"(?<![\w.])\+?\d[\d -]{6,}\d(?![\w.])")


@dataclass(frozen=True)
class AlertContext:
    """What the current alert is about, from the negative events since it began.

    Attributes
    ----------
    topic : str or None
        The topic with the most negative events from the alert's first day to the judged
        day (ties by name); None without an alert or without negatives.
    topic_count, negative_since_alert : int
        Negatives of that topic, and of all topics, in that span.
    quote : str or None
        The customer's words of one complaint of that topic (the most helpful, then the
        earliest; :func:`crisis_kit.analysis.topics.representatives`), verbatim and
        untrusted: :func:`scrub_quote` it, then escape it for the platform.
    latest_event_at : pandas.Timestamp or None
        The latest complaint's time on or before the judged day, in the marketplace's zone.
    """

    topic: str | None = None
    topic_count: int = 0
    negative_since_alert: int = 0
    quote: str | None = None
    latest_event_at: pd.Timestamp | None = None


def alert_context(
    events: pd.DataFrame,
    quotable: pd.DataFrame | None,
    alert_date: dt.date | None,
    day: dt.date,
    tz: str,
) -> AlertContext:
    """Compute the :class:`AlertContext` of the alert that began on ``alert_date``.

    Parameters
    ----------
    events : pandas.DataFrame
        The incident's events up to ``day`` (``local_date``, ``occurred_at``,
        ``is_negative``, ``topic``, ``event_id``; ``title`` and ``text`` optional).
    quotable : pandas.DataFrame or None
        ``event_id``, ``title``, ``text`` of the negative events, when ``events`` came
        without words (:func:`crisis_kit.pipeline.load_evidence` with ``words=False``).
    alert_date : datetime.date or None
        The current alert's first day; None: only the latest complaint's time is filled.
    day : datetime.date
        The judged day.
    tz : str
        The marketplace's time zone.
    """
    from ..analysis import topics

    local = pd.to_datetime(events["local_date"]).dt.date
    upto = events.loc[local <= day]
    latest = pd.to_datetime(upto["occurred_at"], utc=True).max() if len(upto) else None
    latest = None if latest is None or pd.isna(latest) else latest.tz_convert(tz)
    if alert_date is None:
        return AlertContext(latest_event_at=latest)
    span = upto.loc[(local.loc[upto.index] >= alert_date)
                    & upto["is_negative"].fillna(False).astype(bool)]
    if span.empty:
        return AlertContext(latest_event_at=latest)
    counts = span["topic"].astype(str).value_counts()
    leading = sorted(counts.index, key=lambda name: (-counts[name], name))[0]
    pool = span.loc[span["topic"].astype(str) == leading]
    if "text" not in pool.columns:
        words = quotable if quotable is not None else pd.DataFrame(
            columns=["event_id", "title", "text"])
        pool = pool.merge(words[["event_id", "title", "text"]], on="event_id", how="left")
    chosen = topics.representatives(pool, n=1, topics=[leading])
    quote = None
    if len(chosen):
        first = chosen.iloc[0]
        parts = [p for p in (first["title"], first["text"]) if isinstance(p, str) and p.strip()]
        quote = " — ".join(parts) or None
    return AlertContext(topic=leading, topic_count=int(counts[leading]),
                        negative_since_alert=int(len(span)), quote=quote, latest_event_at=latest)


def scrub_quote(words: str, strings: Strings, limit: int = QUOTE_CHARS) -> str:
    """Customer words fit to quote in a chat: no e-mail, order number or phone number, short.

    The result is still untrusted text: each platform's payload escapes it.

    Examples
    --------
    >>> from crisis_kit.language import load_strings
    >>> scrub_quote("Leaks! Order 114-2962899-5762619, call 555 123 4567", load_strings("en"))
    'Leaks! Order [order no. removed], call [number removed]'
    """
    cleaned = _ORDER_ID.sub(strings.text("chat.redacted_order"), words)
    cleaned = _LONG_NUMBER.sub(strings.text("chat.redacted_number"), cleaned)
    return strings.redact(cleaned, limit=limit)


@dataclass(frozen=True)
class Step:
    """One first step of the golden hours: a lane's first checklist item and its owner."""

    lane: str
    text: str
    owner_mobile: str | None = None


@dataclass(frozen=True)
class ChatMessage:
    """One chat message, in the incident's language, before it is shaped for a platform.

    Every field is plain text; ``quote`` holds customer words (scrubbed, untrusted), so
    each platform's payload escapes it (and the rest) for its own markup.
    """

    event: str
    lang: str
    title: str
    what: tuple[str, ...]
    kind_label: str = ""
    kind: str | None = None
    topic: str | None = None
    quote: str | None = None
    steps_title: str | None = None
    steps: tuple[Step, ...] = ()
    window: str | None = None
    report: str = ""
    report_url: str | None = None
    open_report: str = ""
    numbers: dict[str, Any] = field(default_factory=dict)
    message: str = ""

    @property
    def alert(self) -> bool:
        """True unless the message says the alert cleared."""
        return self.event != "clear"

    @property
    def mobiles(self) -> tuple[str, ...]:
        """The lane owners' mobile numbers, once each, in step order (DingTalk's @)."""
        seen: list[str] = []
        for step in self.steps:
            if step.owner_mobile and step.owner_mobile not in seen:
                seen.append(step.owner_mobile)
        return tuple(seen)

    def as_json(self) -> dict[str, Any]:
        """The numbers (:meth:`MonitorState.as_json`), for relays that read JSON."""
        return dict(self.numbers)

    def text(self) -> str:
        """The message as plain text: title, sentences, quote, steps, window, report."""
        lines = [self.title, *self.what]
        if self.kind:
            lines.append(f"{self.kind_label} {self.kind}")
        if self.topic:
            lines.append(self.topic)
        if self.quote:
            lines.append(f"“{self.quote}”")
        if self.steps:
            lines.append(str(self.steps_title))
            lines += [f"• {step.text}" for step in self.steps]
        if self.window:
            lines.append(self.window)
        if self.report:
            lines.append(self.report)
        return "\n".join(lines)


def alert_kind(state: Any) -> str | None:
    """The state's ``alert_kind`` (``volume-driven``, ``share-driven``), or None when it has none."""
    value = state.as_json().get("alert_kind") if hasattr(state, "as_json") else None
    if value is None:
        value = getattr(state, "alert_kind", None)
    return str(value) if value else None


def _steps(incident: Incident, strings: Strings) -> tuple[str | None, tuple[Step, ...]]:
    """The playbook's first checklist item of each lane, with its owner (none without a playbook)."""
    from ..playbooks.playbook import CHECKLIST_LANES, load_playbook
    from ..schemas import LANES

    owners = incident.notifications.owners
    unknown = sorted(set(owners) - set(LANES))
    if unknown:
        raise ConfigError(
            f"notifications.owners names unknown lane(s) {', '.join(unknown)}",
            str(incident.root / "incident.yaml"), f"use lanes of: {', '.join(LANES)}",
        )
    if not incident.playbook:
        return None, ()
    text = load_playbook(incident.playbook).text(strings.lang)
    lanes = strings.section("lanes")
    steps = []
    for lane in CHECKLIST_LANES:
        item = next((i for i in text.checklist if i.lane == lane), None)
        if item is None:
            continue
        owner = owners.get(lane)
        name = owner.name if owner and owner.name else strings.text("chat.owner_unset")
        steps.append(Step(lane=lane, owner_mobile=owner.mobile if owner else None,
                          text=strings.text("chat.step", lane=lanes.get(lane, lane),
                                            action=item.action, within=f"{item.within_hours:g}",
                                            owner=name)))
    hours = f"{incident.thresholds.golden_hours:g}"
    return strings.text("chat.steps_title", hours=hours), tuple(steps)


def _report(incident: Incident, strings: Strings) -> tuple[str, str | None]:
    """The report line and, for an http(s) ``report_url``, the link."""
    where = (incident.report_url or "").strip()
    if where.startswith(("http://", "https://")):
        return strings.text("chat.report", where=where), where
    if where:
        return strings.text("chat.report", where=str(incident.resolve(where))), None
    default = incident.root / "reports" / f"{incident.incident}.html"
    if default.is_file():
        return strings.text("chat.report", where=str(default)), None
    command = (f"crisis-kit report {incident.root / 'incident.yaml'} "
               f"--out {incident.root / 'reports'}")
    return strings.text("chat.report_none", command=command), None


def _window(state: MonitorState, incident: Incident, strings: Strings) -> str | None:
    """Time left in the golden window, counted to the latest complaint (never the clock)."""
    if state.alert_at is None:
        return None
    deadline = state.alert_at + pd.Timedelta(hours=incident.thresholds.golden_hours)
    latest = state.context.latest_event_at
    if latest is not None and latest < deadline:
        left = (deadline - latest).total_seconds() / 3600
        return strings.text("chat.window_open", left=strings.duration(left),
                            deadline=strings.time(deadline), latest=strings.time(latest))
    return strings.text("chat.window_closed", deadline=strings.time(deadline))


def compose(state: MonitorState, incident: Incident, event: str, *,
            cleared_since: dt.date | None = None) -> ChatMessage:
    """Write the chat message for one monitor verdict.

    Parameters
    ----------
    state : MonitorState
        The verdict (:func:`crisis_kit.monitor.check`).
    incident : Incident
        Its incident: language, title, playbook, lane owners, golden hours, report.
    event : {"start", "kind", "digest", "clear"}
        Why the message is sent (:func:`crisis_kit.monitor.notify.decide`).
    cleared_since : datetime.date, optional
        For ``clear``: the first day of the alert that is over (the state no longer has it).

    Returns
    -------
    ChatMessage

    Raises
    ------
    ConfigError
        An unknown ``event``, an unknown playbook or lane in the incident file.
    """
    if event not in EVENTS:
        raise ValueError(f"event must be one of {', '.join(EVENTS)}, got {event!r}")
    strings = load_strings(incident.language)
    title = strings.text(f"chat.title_{event}", title=incident.title or incident.incident)
    date = strings.date(state.day)
    report, url = _report(incident, strings)
    common = {"event": event, "lang": strings.lang, "title": title, "report": report,
              "report_url": url, "open_report": strings.text("chat.open_report"),
              "numbers": state.as_json(), "message": state.message}
    if event == "clear":
        since = strings.date(cleared_since) if cleared_since else strings.text("none")
        what = strings.text("chat.clear", days=state.active_days + 1, since=since, date=date,
                            negative=state.negative)
        return ChatMessage(what=(what,), **common)
    if state.prior_mean is None:
        what = [strings.text("chat.what_no_usual", date=date, negative=state.negative)]
    else:
        what = [strings.text("chat.what", date=date, negative=state.negative,
                             usual=f"{state.prior_mean:.1f}")]
    if state.alert_at is not None:
        what.append(strings.text("chat.since", time=strings.time(state.alert_at),
                                 zone=state.alert_at.strftime("%Z") or str(state.alert_at.tz)))
    late = state.overdue_followups
    if late:
        # the POA's measures past their due day (docs/poa.md): the team's words, untrusted
        items = strings.text("statement.separator").join(
            strings.text("chat.followup", measure=f["measure"],
                         due=strings.date(dt.date.fromisoformat(f["due"])),
                         days=f["days_overdue"], owner=f["owner"] or strings.text("chat.owner_unset"))
            for f in late)
        what.append(strings.text("chat.overdue_followups", count=len(late), items=items))
    kind = alert_kind(state)
    kinds = strings.section("chat")["kinds"]
    context = state.context
    topic = None
    if context.topic is not None:
        from ..config.taxonomy import load_taxonomy

        topic = strings.text("chat.topic", topic=load_taxonomy().label(context.topic, strings.lang),
                             count=context.topic_count, total=context.negative_since_alert)
    quote = scrub_quote(context.quote, strings) if context.quote else None
    steps_title, steps = _steps(incident, strings)
    return ChatMessage(
        what=tuple(what), kind_label=strings.text("chat.kind_label"),
        kind=kinds.get(kind) if kind else None, topic=topic, quote=quote or None,
        steps_title=steps_title, steps=steps, window=_window(state, incident, strings), **common,
    )
