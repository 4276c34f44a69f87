"""Say it once: which monitor runs post a message, remembered beside the evidence store.

A scheduler runs ``crisis-kit monitor`` every hour or every day; the team wants to hear
when something changes, not each run. :func:`decide` compares the verdict with what
was last sent (kept in ``monitor-notices.json`` beside ``store.duckdb``):

- ``start``: an alert is active and the last message was not about this alert (none
  yet, the last one said it cleared, or it names another first day);
- ``kind``: the same alert, and its ``alert_kind`` changed (both known);
- ``digest``: the same alert on a later judged day than the last message, when
  ``notifications.digest`` is ``daily`` (the default);
- ``clear``: calm, and the last message was about an alert;
- None otherwise: nothing is posted, whatever the schedule.

Days are the monitor's judged days (marketplace-local), never the wall clock, so a
backfill with ``--as-of`` behaves as the live runs did. A run judging a day before the
last message's says nothing and changes nothing. The file is written only after the
bot took the message, so a failed delivery is tried again on the next run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import Incident
from ..errors import CrisisKitError
from .notice import alert_kind, compose
from .webhook import post_webhook

if TYPE_CHECKING:
    from .check import MonitorState

__all__ = ["DIGESTS", "STATE_FILE", "Sent", "decide", "decide_event", "last_sent", "notify",
           "state_path", "write_json"]

DIGESTS = ("daily", "off")
"""``daily``: one digest per later judged day while an alert stays active; ``off``: none."""

STATE_FILE = "monitor-notices.json"
"""The file, beside the incident's ``store.duckdb``, remembering the last message sent."""


@dataclass(frozen=True)
class Sent:
    """The last message sent for an incident: why, about which alert, for which day."""

    event: str
    status: str
    day: str
    alert_date: str | None
    alert_kind: str | None


def state_path(incident: Incident) -> Path:
    """``monitor-notices.json`` beside the incident's evidence store."""
    return incident.store_path.parent / STATE_FILE


def last_sent(incident: Incident) -> Sent | None:
    """The last message sent for ``incident`` (None before the first).

    Raises
    ------
    CrisisKitError
        If the file is not what this module writes (naming it, and how to start afresh).
    """
    path = state_path(incident)
    if not path.is_file():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return Sent(**{key: raw[key] for key in Sent.__dataclass_fields__})
    except (ValueError, KeyError, TypeError) as exc:
        raise CrisisKitError(
            f"the monitor's record of sent messages cannot be read ({type(exc).__name__})",
            str(path),
            "delete the file: the next run then posts as if nothing had been sent yet",
        ) from None


def decide(state: MonitorState, previous: Sent | None, digest: str = "daily") -> str | None:
    """Why to post for ``state``, given the last message sent, or None to stay quiet.

    Parameters
    ----------
    state : MonitorState
        This run's verdict.
    previous : Sent or None
        The last message sent (:func:`last_sent`).
    digest : {"daily", "off"}
        Whether a still-active alert gets one digest per later judged day.

    Returns
    -------
    {"start", "kind", "digest", "clear"} or None
    """
    return decide_event(
        state.day.isoformat(), active=state.alert_active,
        alert_date=state.alert_date.isoformat() if state.alert_date else None,
        kind=alert_kind(state) if state.alert_active else None,
        previous=previous, digest=digest)


def decide_event(day: str, *, active: bool, alert_date: str | None, kind: str | None,
                 previous: Sent | None, digest: str = "daily") -> str | None:
    """:func:`decide` on plain fields: one verdict (an incident's, or one ASIN's of a scan).

    Parameters
    ----------
    day : str
        The judged day, ISO (``YYYY-MM-DD``: ISO days compare as text).
    active : bool
        Whether an alert is active on ``day``.
    alert_date : str or None
        The active alert's first day, ISO: another first day than the last message's is
        another alert.
    kind : str or None
        The active alert's kind (``volume-driven``, ``share-driven``), None if unknown.
    previous : Sent or None
        The last message sent about this verdict's subject.
    digest : {"daily", "off"}
        Whether a still-active alert gets one digest per later judged day.

    Returns
    -------
    {"start", "kind", "digest", "clear"} or None

    Raises
    ------
    ValueError
        If ``digest`` is not ``daily`` or ``off``.
    """
    if digest not in DIGESTS:
        raise ValueError(f"digest must be one of {', '.join(DIGESTS)}, got {digest!r}")
    if previous is not None and day < previous.day:
        return None
    about_alert = previous is not None and previous.status == "alert"
    if not active:
        return "clear" if about_alert else None
    if not about_alert or previous.alert_date != alert_date:
        return "start"
    if kind and previous.alert_kind and kind != previous.alert_kind:
        return "kind"
    if digest == "daily" and day > previous.day:
        return "digest"
    return None


def write_json(path: Path, record: dict[str, Any]) -> None:
    """Write ``record`` as sorted, indented JSON: to a hidden file beside, then renamed.

    A run killed mid-write leaves the previous file whole.
    """
    handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}-", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(record, out, ensure_ascii=False, indent=2, sort_keys=True)
            out.write("\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def notify(
    state: MonitorState,
    incident: Incident,
    url: str,
    *,
    format: str | None = None,
    style: str | None = None,
    **post: Any,
) -> str | None:
    """Post the message this verdict calls for, if any, and remember it.

    Parameters
    ----------
    state : MonitorState
        This run's verdict (:func:`crisis_kit.monitor.check`).
    incident : Incident
        Its incident (language, playbook, owners, ``notifications``, ``report_url``).
    url : str
        The webhook address (a secret, never shown beyond its host).
    format, style : str, optional
        Default: ``notifications.format`` (else slack) and ``notifications.style``.
    **post
        Passed to :func:`crisis_kit.monitor.post_webhook` (``timeout``, ``retries``,
        ``backoff``, ``clock``). The signing secret is read from the environment
        variable ``notifications.secret_env`` names.

    Returns
    -------
    str or None
        The event posted (``start``, ``kind``, ``digest``, ``clear``), or None.

    Raises
    ------
    CrisisKitError
        The bot did not take the message (nothing is remembered then), or the record
        of sent messages is unreadable.
    """
    settings = incident.notifications
    previous = last_sent(incident)
    event = decide(state, previous, settings.digest)
    if event is None:
        return None
    cleared = dt.date.fromisoformat(previous.alert_date) if (
        event == "clear" and previous is not None and previous.alert_date) else None
    message = compose(state, incident, event, cleared_since=cleared)
    secret = os.environ.get(settings.secret_env) or None
    post_webhook(url, message, format=format or settings.format or "slack",
                 style=style or settings.style, secret=secret, **post)
    record = Sent(event=event, status=state.status, day=state.day.isoformat(),
                  alert_date=state.alert_date.isoformat() if state.alert_date else None,
                  alert_kind=alert_kind(state))
    write_json(state_path(incident), asdict(record))
    return event
