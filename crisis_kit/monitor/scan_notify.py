"""Say it once for the portfolio: the monitor's repeat rule, ASIN by ASIN, one message a run.

``crisis-kit portfolio scan PORTFOLIO --webhook URL`` runs every hour or every day over
every ASIN of a portfolio folder. Each ASIN (its marketplace and ASIN) is judged as the
monitor judges an incident (:func:`crisis_kit.monitor.notify.decide_event`) against the
last message that named it, kept in ``PORTFOLIO/scan-notices.json``:

- ``start``: the seed rule fires on the ASIN today and the last message about it was not
  about an alert (none yet, or it cleared);
- ``kind``: still alerting, and its ``alert_kind`` changed (volume- <-> share-driven,
  both known);
- ``digest``: still alerting on a later judged day than the last message about it
  (``digest="daily"``, the default, as the monitor's ``notifications.digest``);
- ``clear``: calm today (or no longer in the scan), and the last message about it was
  about an alert.

The ASINs with an event go into ONE message (:class:`ScanNotice`); a run with none posts
nothing. Days are the scan's judged days, never the wall clock, so a backfill with
``--as-of`` behaves as live runs did; a run judging a day before the portfolio's last
message says nothing and changes nothing. The file is written (then renamed into place)
only after the bot took the message, so a failed delivery is tried again by the next run.

The scan has no alert history of its own (it judges one day): an alert's first day is
the judged day of the message that said it started, carried by the later messages
until one says it cleared. The verdicts come from the scan, whichever engine made them
(DuckDB or Spark); this module sees only its table.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from ..errors import CrisisKitError
from .notify import DIGESTS, Sent, decide_event, write_json
from .webhook import post_webhook

__all__ = ["SCAN_STATE_FILE", "MAX_LISTED", "AsinSent", "Notified", "ScanNotice",
           "scan_state_path", "read_scan_state", "plan_notice", "send_notice", "notify_scan"]

SCAN_STATE_FILE = "scan-notices.json"
"""The file, in the portfolio folder, remembering the last message about each ASIN."""

MAX_LISTED = 12
"""ASIN lines a message lists; the rest are counted (the Slack body's JSON has them all)."""

_LABELS = {"start": "started", "kind": "kind changed", "digest": "daily digest",
           "clear": "cleared"}
_ORDER = ("start", "kind", "digest", "clear")
_RECORD_FIELDS = ("marketplace", "asin", "brand", *Sent.__dataclass_fields__)


class ScanLike(Protocol):
    """What is read of a :class:`crisis_kit.portfolio.Scan`."""

    day: dt.date
    table: Any  # pandas.DataFrame of SCAN_COLUMNS

    def as_json(self) -> dict[str, Any]:
        """The scan's JSON."""
        ...


@dataclass(frozen=True)
class AsinSent:
    """The last message that named one ASIN: why, about which alert, for which day."""

    marketplace: str
    asin: str
    brand: str
    event: str
    status: str
    day: str
    alert_date: str | None
    alert_kind: str | None

    @property
    def key(self) -> tuple[str, str]:
        """(marketplace, ASIN): one product, whichever brand folder it is scanned under."""
        return (self.marketplace, self.asin)

    @property
    def sent(self) -> Sent:
        """As the monitor's record, for :func:`crisis_kit.monitor.notify.decide_event`."""
        return Sent(event=self.event, status=self.status, day=self.day,
                    alert_date=self.alert_date, alert_kind=self.alert_kind)


@dataclass(frozen=True)
class Notified:
    """One ASIN named in this run's message, and why.

    ``alert_date`` is the alert's first day (for ``clear``: of the alert that is over);
    ``previous_kind`` the kind the last message said (for ``kind``); ``today`` and
    ``leading_topic`` the scan's figures (None for an ASIN no longer in the scan).
    """

    marketplace: str
    brand: str
    asin: str
    event: str
    alert_date: str | None
    alert_kind: str | None
    previous_kind: str | None
    today: int | None
    leading_topic: str | None

    def line(self) -> str:
        """One line of the message: the ASIN, its negatives today, kind, topic, since when."""
        head = f"{self.asin} ({self.marketplace}, {self.brand})"
        parts = [f"{head} {self.today} negative" if self.today is not None
                 else f"{head} no longer in the scan"]
        if self.event == "kind":
            parts.append(f"now {self.alert_kind} (was {self.previous_kind})")
        elif self.event != "clear" and self.alert_kind:
            parts.append(self.alert_kind)
        if self.event != "clear" and self.leading_topic:
            parts.append(self.leading_topic)
        if self.event in ("kind", "digest"):
            parts.append(f"alert since {self.alert_date}")
        if self.event == "clear" and self.alert_date:
            parts.append(f"the alert of {self.alert_date} is over")
        return ", ".join(parts)


@dataclass(frozen=True)
class ScanNotice:
    """One run's message about the portfolio: the ASINs with an event (none: no message).

    A :class:`crisis_kit.monitor.webhook.Notice`: posted as its ``message`` (Slack's body
    also carries :meth:`as_json`).
    """

    day: dt.date
    asins: int
    alerting: int
    notified: tuple[Notified, ...]
    records: tuple[AsinSent, ...]
    """Every ASIN's record once this message is taken (what :func:`send_notice` writes)."""
    scan: dict[str, Any]
    digest: str = "daily"
    posted: bool = False

    @property
    def message(self) -> str:
        """The day's headline, then one line per notified ASIN, grouped by event."""
        day = self.day.isoformat()
        head = (f"crisis-kit portfolio ALERT {day}: {self.alerting} of {self.asins} ASINs "
                f"alerting" if self.alerting
                else f"crisis-kit portfolio {day}: calm, {self.asins} ASINs")
        lines = [head]
        lines += [f"{_LABELS[n.event]}: {n.line()}" for n in self.notified[:MAX_LISTED]]
        rest = self.notified[MAX_LISTED:]
        if rest:
            counts = ", ".join(f"{sum(n.event == e for n in rest)} {_LABELS[e]}"
                               for e in _ORDER if any(n.event == e for n in rest))
            lines.append(f"... and {len(rest)} more ({counts})")
        return "\n".join(lines)

    def summary(self) -> dict[str, Any]:
        """JSON-ready: whether it was posted and each notified ASIN with its event."""
        return {"posted": self.posted, "digest": self.digest,
                "asins": [asdict(n) for n in self.notified]}

    def as_json(self) -> dict[str, Any]:
        """The scan's JSON with ``notice`` (:meth:`summary`) added."""
        return {**self.scan, "notice": self.summary()}


def scan_state_path(portfolio: str | Path) -> Path:
    """``scan-notices.json`` in the portfolio folder."""
    return Path(portfolio) / SCAN_STATE_FILE


def read_scan_state(portfolio: str | Path) -> dict[tuple[str, str], AsinSent]:
    """The last message about each ASIN, by (marketplace, ASIN); empty before the first.

    Raises
    ------
    CrisisKitError
        If the file is not what this module writes (naming it, and how to start afresh).
    """
    path = scan_state_path(portfolio)
    if not path.is_file():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        records = [_record(item) for item in raw["asins"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise CrisisKitError(
            f"the portfolio scan's record of sent messages cannot be read ({exc})",
            str(path),
            "delete the file: the next run then posts as if nothing had been sent yet "
            "(each alerting ASIN as started)",
        ) from None
    return {r.key: r for r in records}


def _record(item: Any) -> AsinSent:
    """One ASIN's record, its fields checked (a hand-edited file is refused, not guessed)."""
    if not isinstance(item, dict):
        raise TypeError(f"an ASIN's record is {type(item).__name__}, not an object")
    missing = [f for f in _RECORD_FIELDS if f not in item]
    if missing:
        raise KeyError(f"an ASIN's record lacks {', '.join(missing)}")
    record = AsinSent(**{f: item[f] for f in _RECORD_FIELDS})
    for name in ("marketplace", "asin", "brand", "event", "status", "day"):
        if not isinstance(getattr(record, name), str):
            raise TypeError(f"{name} of {record.asin!r} is not text")
    for name in ("alert_date", "alert_kind"):
        if getattr(record, name) is not None and not isinstance(getattr(record, name), str):
            raise TypeError(f"{name} of {record.asin!r} is neither text nor null")
    if record.event not in _ORDER or record.status not in ("alert", "calm"):
        raise ValueError(f"{record.asin!r} has event {record.event!r}, status {record.status!r}")
    for name in ("day", "alert_date"):
        if getattr(record, name) is not None:
            dt.date.fromisoformat(getattr(record, name))
    return record


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def plan_notice(scan: ScanLike, portfolio: str | Path, digest: str = "daily") -> ScanNotice:
    """The run's message: each ASIN judged against the last message that named it.

    Parameters
    ----------
    scan : Scan
        This run's verdicts (:func:`crisis_kit.portfolio.scan`, either engine).
    portfolio : str or Path
        The portfolio folder, where ``scan-notices.json`` is kept.
    digest : {"daily", "off"}
        Whether an ASIN that stays alerting gets a line on each later judged day.

    Returns
    -------
    ScanNotice
        Not posted yet; ``notified`` empty when nothing changed (nothing to post).

    Raises
    ------
    CrisisKitError
        The record of sent messages is unreadable.
    ValueError
        If ``digest`` is not ``daily`` or ``off``.
    """
    if digest not in DIGESTS:
        raise ValueError(f"digest must be one of {', '.join(DIGESTS)}, got {digest!r}")
    known = read_scan_state(portfolio)
    day = scan.day.isoformat()
    table = scan.table
    rows: dict[tuple[str, str], Any] = {}
    for row in table.itertuples(index=False):  # most at risk first: the first row of a key wins
        rows.setdefault((str(row.marketplace), str(row.asin)), row)
    # the portfolio's last message: a run judging an earlier day says nothing at all
    quiet = any(r.day > day for r in known.values())
    notified: list[Notified] = []
    records = dict(known)
    for key in [*rows, *sorted(k for k in known if k not in rows)]:
        row, previous = rows.get(key), known.get(key)
        active = row is not None and bool(row.seed_fires)
        kind = _text(row.alert_kind) if active else None
        about_alert = previous is not None and previous.status == "alert"
        alert_date = previous.alert_date if about_alert else day
        event = None if quiet else decide_event(
            day, active=active, alert_date=alert_date if active else None, kind=kind,
            previous=previous.sent if previous else None, digest=digest)
        if event is None:
            continue
        brand = str(row.brand) if row is not None else previous.brand
        notified.append(Notified(
            marketplace=key[0], brand=brand, asin=key[1], event=event,
            alert_date=previous.alert_date if event == "clear" else alert_date,
            alert_kind=kind, previous_kind=previous.alert_kind if previous else None,
            today=int(row.today) if row is not None else None,
            leading_topic=_text(row.leading_topic) if row is not None else None))
        records[key] = AsinSent(
            marketplace=key[0], asin=key[1], brand=brand, event=event,
            status="alert" if active else "calm", day=day,
            alert_date=alert_date if active else None, alert_kind=kind)
    # grouped as the message lists them: started, kind changed, digest, cleared; within
    # each, the scan's ranking (most at risk first), then the ASINs no longer scanned
    notified.sort(key=lambda n: _ORDER.index(n.event))
    return ScanNotice(day=scan.day, asins=len(table), alerting=int(table["seed_fires"].sum()),
                      notified=tuple(notified),
                      records=tuple(records[k] for k in sorted(records)),
                      scan=scan.as_json(), digest=digest)


def send_notice(notice: ScanNotice, portfolio: str | Path, url: str, *,
                format: str = "slack", secret: str | None = None, **post: Any) -> ScanNotice:
    """Post ``notice`` if it names any ASIN, then remember it; the notice, ``posted`` said.

    Parameters
    ----------
    notice : ScanNotice
        From :func:`plan_notice`.
    portfolio : str or Path
        The portfolio folder (``scan-notices.json`` is written there after the post).
    url : str
        The webhook address (a secret, never shown beyond its host).
    format : {"slack", "feishu", "dingtalk", "wecom"}
        The bot's shape (plain text; Slack's body also carries the JSON).
    secret : str, optional
        A Feishu or DingTalk bot's signing secret.
    **post
        Passed to :func:`crisis_kit.monitor.post_webhook` (``timeout``, ``retries``,
        ``backoff``, ``clock``).

    Raises
    ------
    CrisisKitError
        The bot did not take the message: nothing is remembered, the next run tries again.
    """
    if not notice.notified:
        return notice
    post_webhook(url, notice, format=format, style="text", secret=secret, **post)
    write_json(scan_state_path(portfolio), {"asins": [asdict(r) for r in notice.records]})
    return replace(notice, posted=True)


def notify_scan(scan: ScanLike, portfolio: str | Path, url: str, *, digest: str = "daily",
                format: str = "slack", secret: str | None = None, **post: Any) -> ScanNotice:
    """:func:`plan_notice` then :func:`send_notice`: at most one message for this run.

    ``secret`` defaults to the environment variable ``CRISIS_KIT_WEBHOOK_SECRET`` (the
    monitor's default ``notifications.secret_env``).
    """
    if secret is None:
        secret = os.environ.get("CRISIS_KIT_WEBHOOK_SECRET") or None
    return send_notice(plan_notice(scan, portfolio, digest), portfolio, url, format=format,
                       secret=secret, **post)
