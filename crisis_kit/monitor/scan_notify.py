"""Say it once for the portfolio: the monitor's repeat rule, ASIN by ASIN, one message a run.

``crisis-kit portfolio scan PORTFOLIO --webhook URL`` runs every hour or every day over
every ASIN of a portfolio folder. Each ASIN (its marketplace and ASIN) is judged as the
monitor judges an incident (:func:`crisis_kit.monitor.notify.decide_event`) against the
last message that named it, kept in ``PORTFOLIO/scan-notices.json``:

- ``start``: the ASIN's alert is active (``alert_active``) and the last message about it
  was not about an alert (none yet, or it cleared), or was about an earlier alert;
- ``kind``: still alerting, and its ``alert_kind`` changed (volume- <-> share-driven,
  both known);
- ``digest``: still alerting on a later judged day than the last message about it
  (``digest="daily"``, the default, as the monitor's ``notifications.digest``);
- ``clear``: not active today (no firing day in the last 4; or no longer in the scan),
  and the last message about it was about an alert.

The ASINs with an event go into ONE message (:class:`ScanNotice`); a run with none posts
nothing. Days are the scan's judged days, never the wall clock, so a backfill with
``--as-of`` behaves as live runs did; a run judging a day before the portfolio's last
message says nothing and changes nothing. The file is written (then renamed into place)
only after the bot took the message, so a failed delivery is tried again by the next run.

An ASIN alerts as an incident does in ``crisis-kit monitor``: its ``alert_active`` (the
seed rule fired on the judged day or one of the 3 days before) and ``alert_date`` (the
alert's first day: a firing day after 7 days without one) are the scan's, computed in the
engine over the ASIN's past days (:func:`crisis_kit.engine.daily.seed_alerts`), so an ASIN
firing every other day stays one alert. The verdicts come from the scan, whichever engine
made them (DuckDB or Spark); this module sees only its table.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from ..errors import CrisisKitError
from ..language import Strings, load_strings
from .notify import DIGESTS, Sent, decide_event, write_json
from .webhook import post_webhook

__all__ = ["SCAN_STATE_FILE", "MAX_LISTED", "MAX_PAYLOAD_ASINS", "LANGS", "AsinSent", "Notified",
           "ScanNotice",
           "scan_state_path", "read_scan_state", "plan_notice", "send_notice", "notify_scan"]

SCAN_STATE_FILE = "scan-notices.json"
"""The file, in the portfolio folder, remembering the last message about each ASIN."""

MAX_LISTED = 12
"""ASIN lines a message lists; the rest are counted by event ("... and N more")."""
MAX_PAYLOAD_ASINS = 100
"""Notified ASINs the Slack body's JSON carries (about 250 characters each): with the
message, the body stays under Slack's 40,000 characters of text whatever the portfolio's
size; the rest are counted (``more``)."""

_ORDER = ("start", "kind", "digest", "clear")
LANGS = ("en", "zh")
"""The languages of the message (``--lang``)."""
_RECORD_FIELDS = ("marketplace", "asin", "brand", *Sent.__dataclass_fields__)


class ScanLike(Protocol):
    """What is read of a :class:`crisis_kit.portfolio.Scan`."""

    day: dt.date
    table: Any  # pandas.DataFrame of SCAN_COLUMNS


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

    def line(self, strings: Strings | None = None) -> str:
        """One line of the message: the ASIN, its negatives today, kind, topic, since when.

        In the language of ``strings`` (default English); the topic, when not English,
        by its label in the taxonomy.
        """
        s = strings or load_strings("en")
        kinds = s.section("scan_chat")["kinds"]
        head = s.text("scan_chat.asin", asin=self.asin, marketplace=self.marketplace,
                      brand=self.brand)
        parts = [s.text("scan_chat.negative", asin=head, today=self.today)
                 if self.today is not None else s.text("scan_chat.gone", asin=head)]
        if self.event == "kind":
            parts.append(s.text("scan_chat.kind_changed",
                                kind=kinds.get(self.alert_kind, self.alert_kind),
                                previous=kinds.get(self.previous_kind, self.previous_kind)))
        elif self.event != "clear" and self.alert_kind:
            parts.append(kinds.get(self.alert_kind, self.alert_kind))
        if self.event != "clear" and self.leading_topic:
            parts.append(self.leading_topic if s.lang == "en"
                         else _taxonomy().label(self.leading_topic, s.lang))
        if self.event in ("kind", "digest"):
            parts.append(s.text("scan_chat.since", date=_day(s, self.alert_date)))
        if self.event == "clear" and self.alert_date:
            parts.append(s.text("scan_chat.over", date=_day(s, self.alert_date)))
        return s.text("scan_chat.separator").join(parts)


def _day(strings: Strings, iso: str | None) -> str:
    return strings.date(dt.date.fromisoformat(iso)) if iso else strings.text("none")


def _taxonomy() -> Any:
    from ..config.taxonomy import load_taxonomy

    return load_taxonomy()


@dataclass(frozen=True)
class ScanNotice:
    """One run's message about the portfolio: the ASINs with an event (none: no message).

    A :class:`crisis_kit.monitor.webhook.Notice`: posted as its ``message`` (Slack's body
    also carries :meth:`as_json`: the message and the notified ASINs, at most
    :data:`MAX_PAYLOAD_ASINS` of them, never the whole scan).
    """

    day: dt.date
    asins: int
    alerting: int
    notified: tuple[Notified, ...]
    records: tuple[AsinSent, ...]
    """Every ASIN's record once this message is taken (what :func:`send_notice` writes)."""
    digest: str = "daily"
    posted: bool = False
    lang: str = "en"
    """The message's language (``en`` or ``zh``, the scan's ``--lang``)."""

    @property
    def message(self) -> str:
        """The day's headline, then one line per notified ASIN, grouped by event.

        At most :data:`MAX_LISTED` lines; the rest counted by event ("... and N more").
        """
        return self.text_within()

    def text_within(self, max_bytes: int | None = None) -> str:
        """:attr:`message`, listing fewer ASINs if needed to fit ``max_bytes`` of UTF-8.

        For a bot with a small limit (WeCom's text: 2048 bytes): the lines left out are
        counted in the last line, so the count stays true. The headline alone may still
        exceed a limit of a few bytes; it is never cut.
        """
        s = load_strings(self.lang)
        events = s.section("scan_chat")["events"]
        day = s.date(self.day)
        head = (s.text("scan_chat.head_alert", day=day, alerting=self.alerting, asins=self.asins)
                if self.alerting else s.text("scan_chat.head_calm", day=day, asins=self.asins))
        listed = min(MAX_LISTED, len(self.notified))
        while True:
            lines = [head]
            lines += [s.text("scan_chat.line", event=events[n.event], what=n.line(s))
                      for n in self.notified[:listed]]
            rest = self.notified[listed:]
            if rest:
                counts = s.text("scan_chat.separator").join(
                    s.text("scan_chat.more_count", count=sum(n.event == e for n in rest),
                           event=events[e]) for e in _ORDER if any(n.event == e for n in rest))
                lines.append(s.text("scan_chat.more", count=len(rest), counts=counts))
            text = "\n".join(lines)
            if max_bytes is None or listed == 0 or len(text.encode("utf-8")) <= max_bytes:
                return text
            listed -= 1

    def summary(self) -> dict[str, Any]:
        """JSON-ready: whether it was posted and each notified ASIN with its event."""
        return {"posted": self.posted, "digest": self.digest,
                "asins": [asdict(n) for n in self.notified]}

    def as_json(self) -> dict[str, Any]:
        """What the webhook's body carries beside the text (Slack's ``crisis_kit``).

        The day, the counts, the message and the notified ASINs: the first
        :data:`MAX_PAYLOAD_ASINS` (in the message's order), ``more`` saying how many were
        left out. Never the whole scan: a portfolio of thousands of ASINs stays one small
        message (``crisis-kit portfolio scan --json`` prints every ASIN's figures).
        """
        events = [n.event for n in self.notified]
        return {"day": self.day.isoformat(), "asins": self.asins, "alerting": self.alerting,
                "digest": self.digest, "lang": self.lang, "message": self.message,
                "events": {e: events.count(e) for e in _ORDER if e in events},
                "notified": [asdict(n) for n in self.notified[:MAX_PAYLOAD_ASINS]],
                "more": max(len(self.notified) - MAX_PAYLOAD_ASINS, 0)}


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


def plan_notice(scan: ScanLike, portfolio: str | Path, digest: str = "daily",
                lang: str = "en") -> ScanNotice:
    """The run's message: each ASIN judged against the last message that named it.

    Parameters
    ----------
    scan : Scan
        This run's verdicts (:func:`crisis_kit.portfolio.scan`, either engine).
    portfolio : str or Path
        The portfolio folder, where ``scan-notices.json`` is kept.
    digest : {"daily", "off"}
        Whether an ASIN that stays alerting gets a line on each later judged day.
    lang : {"en", "zh"}
        The message's language.

    Returns
    -------
    ScanNotice
        Not posted yet; ``notified`` empty when nothing changed (nothing to post).

    Raises
    ------
    CrisisKitError
        The record of sent messages is unreadable.
    ValueError
        If ``digest`` is not ``daily`` or ``off``, or ``lang`` not ``en`` or ``zh``.
    """
    if digest not in DIGESTS:
        raise ValueError(f"digest must be one of {', '.join(DIGESTS)}, got {digest!r}")
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
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
        active = row is not None and bool(row.alert_active)
        kind = _text(row.alert_kind) if active else None
        alert_date = _text(row.alert_date) if active else None
        if active and alert_date is None:
            raise ValueError(f"{key[1]} ({key[0]}) is alerting without an alert_date: the "
                             "scan's table lacks the engine's verdict")
        event = None if quiet else decide_event(
            day, active=active, alert_date=alert_date, kind=kind,
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
            alert_date=alert_date, alert_kind=kind)
    # grouped as the message lists them: started, kind changed, digest, cleared; within
    # each, the scan's ranking (most at risk first), then the ASINs no longer scanned
    notified.sort(key=lambda n: _ORDER.index(n.event))
    return ScanNotice(day=scan.day, asins=len(table), alerting=int(table["alert_active"].sum()),
                      notified=tuple(notified),
                      records=tuple(records[k] for k in sorted(records)),
                      digest=digest, lang=lang)


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
        The bot's shape (plain text; Slack's body also carries :meth:`ScanNotice.as_json`).
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
                lang: str = "en", format: str = "slack", secret: str | None = None,
                **post: Any) -> ScanNotice:
    """:func:`plan_notice` then :func:`send_notice`: at most one message for this run.

    ``secret`` defaults to the environment variable ``CRISIS_KIT_WEBHOOK_SECRET`` (the
    monitor's default ``notifications.secret_env``).
    """
    if secret is None:
        secret = os.environ.get("CRISIS_KIT_WEBHOOK_SECRET") or None
    return send_notice(plan_notice(scan, portfolio, digest, lang), portfolio, url, format=format,
                       secret=secret, **post)
