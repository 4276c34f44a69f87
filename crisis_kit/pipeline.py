"""``run_analysis(incident)``: the one readable recipe from the evidence store to the numbers.

The notebooks and the CLI both call it, so they cannot drift. Each step is one call
into a narrow module; the result is a frozen :class:`Analysis` that renders to the
notebook, to ``summary.json`` and to the HTML report (figures never compute).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from . import poa, statements
from .analysis import ratings, response, sales, topics
from .analysis.detection import rules as detect
from .config import Incident, marketplaces
from .poa import PlanOfAction, remedies
from .statements import replies
from .store import open_store
from .summary import write_summary

__all__ = ["Analysis", "Evidence", "load_evidence", "run_analysis", "write_summary"]


@dataclass(frozen=True, eq=False)
class Evidence:
    """The store's tables for one incident, cut at ``as_of`` and to the incident's ASINs.

    - ``events``: each row one complaint signal (design.md section 4, with its ``topic``)
      of the incident's ASINs (all ASINs when the incident names none; an event without an ASIN counts
      when its order held one of them), on or before ``as_of``.
    - ``sales``: each row one local day of one ASIN as one source reports it.
    - ``actions``: each row one response action, at or before the end of ``as_of``.
    """

    events: pd.DataFrame
    sales: pd.DataFrame
    actions: pd.DataFrame
    files: pd.DataFrame
    as_of: dt.date | None
    quotable: pd.DataFrame | None = None


def _day(value: str | dt.date | None) -> dt.date | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def load_evidence(incident: Incident, as_of: str | dt.date | None = None,
                  words: bool = True) -> Evidence:
    """Read the incident's evidence store (read-only) and cut it at ``as_of``.

    ``words=False``: the events come without ``title`` and ``text``; ``quotable`` holds
    ``event_id``, ``title`` and ``text`` of the negative events instead (join on
    ``event_id``), so the analysis does not carry every customer's words through each step.
    """
    cut = _day(as_of)
    tz = marketplaces.get(incident.marketplace).tz
    with open_store(incident.store_path, read_only=True) as store:
        tagged = store.meta("taxonomy") == topics.fingerprint()
        slim = tagged and not words
        events, sales_rows, actions, files, orders = (
            store.events(words=not slim), store.sales(), store.actions(), store.files(),
            store.table("orders"))
        quotable = store.negative_words() if slim else None
    events = _with_topics(events, tagged)
    if not words and quotable is None:
        negative = events["is_negative"].fillna(False).astype(bool)
        quotable = events.loc[negative, ["event_id", "title", "text"]].reset_index(drop=True)
        events = events.drop(columns=["title", "text"])
    if not words:
        events = _compact(events)
    if incident.asins:
        # Feedback names an order, not an ASIN: it belongs to the incident when its order
        # held one of the incident's ASINs.
        ours = set(orders.loc[orders["asin"].isin(incident.asins), "order_id"])
        events = events[events["asin"].isin(incident.asins)
                        | (events["asin"].isna() & events["order_id"].isin(ours))]
    if cut is not None:
        events = events[pd.to_datetime(events["local_date"]).dt.date <= cut]
        sales_rows = sales_rows[pd.to_datetime(sales_rows["date"]).dt.date <= cut]
        actions = actions[actions["at"].dt.tz_convert(tz).dt.date <= cut]
    return Evidence(events.reset_index(drop=True), sales_rows.reset_index(drop=True),
                    actions.reset_index(drop=True), files, cut, quotable)


_CODES = ("source", "marketplace", "asin", "parent_asin", "sku", "date_precision", "reason",
          "reason_group", "status", "disposition", "variant", "source_file", "source_sha256")


def _compact(events: pd.DataFrame) -> pd.DataFrame:
    """Return the events with their few-valued text columns held as categories.

    Every filter of a million events then copies small integer codes, not strings.
    Values and comparisons are unchanged.
    """
    return events.astype({c: "category" for c in _CODES if c in events.columns})


def _with_topics(events: pd.DataFrame, tagged: bool) -> pd.DataFrame:
    """Return the events with their topic.

    As the ingest stored it while the taxonomy is unchanged (``tagged``), else assigned
    here (:func:`crisis_kit.analysis.topics.assign`).
    """
    names = topics.load_taxonomy().names
    if tagged and events["topic"].notna().all():
        return events.assign(topic=pd.Categorical(events["topic"], categories=names))
    return events.assign(topic=topics.assign(events))


@dataclass(frozen=True, eq=False)
class Analysis:
    """Everything computed for one incident, once.

    Tables say what a row is in the module that makes them: ``events`` (one complaint
    signal, with its ``topic``; without ``title`` and ``text``, which stay in the store:
    the quoted ones are in ``representatives``), ``topic_shares`` (one local day of one topic),
    ``topic_drivers`` (one topic: share during the crisis window against before),
    ``representatives`` (one quoted complaint), ``remedies`` (one remedy of
    ``incident.remedies``: :func:`crisis_kit.poa.remedies.costs`, empty without an onset), and
    the tables inside ``detection``, ``rating``, ``sales``, ``response`` and ``poa``
    (the Plan of Action draft, :func:`crisis_kit.poa.draft`; None without an onset).
    ``replies``: how the team's replies follow its templates and agree with the
    statement (:func:`crisis_kit.statements.replies.reply_consistency`; None without
    ``reply_templates`` in incident.yaml).
    """

    incident: Incident
    as_of: dt.date | None
    tz: str
    events: pd.DataFrame
    files: pd.DataFrame
    detection: detect.Detection
    rating: ratings.RatingSummary | None
    topic_shares: pd.DataFrame
    topic_drivers: pd.DataFrame
    representatives: pd.DataFrame
    sales: sales.SalesSummary | None
    response: response.Response | None
    statement: statements.StatementReview | None = None
    poa: PlanOfAction | None = None
    remedies: pd.DataFrame = field(default_factory=pd.DataFrame)
    replies: replies.ReplyConsistency | None = None

    @property
    def onset_day(self) -> dt.date | None:
        """The onset's marketplace-local day."""
        onset = self.detection.onset
        return None if onset is None else onset.tz_convert(self.tz).date()

    def summary(self) -> dict[str, Any]:
        """``summary.json`` exactly as design.md section 9 shapes it."""
        events = self.events
        negative = events[events["is_negative"]]
        return {
            "incident": self.incident.incident,
            "complaints": {
                "total": int(len(events)),
                "negative": int(len(negative)),
                "by_source": _counts(events["source"]),
                "by_topic": _counts(negative["topic"]),
            },
            "detection": self.detection.summary(),
            "rating": self.rating.summary() if self.rating else _empty_rating(self.incident),
            "response": _response_block(self.response, self.tz),
            "sales": self.sales.summary() if self.sales else {
                "baseline_units_per_day": None, "trough_index": None, "latest_index": None,
                "recovered_100_date": None, "reached_target_date": None},
            "statement": self.statement.summary() if self.statement else {
                "star": {}, "vague_terms": [], "commitments": [], "passed": None},
        }


def _counts(column: pd.Series) -> dict[str, int]:
    return {str(k): int(v) for k, v in sorted(column.value_counts().items()) if v}


def _empty_rating(incident: Incident) -> dict[str, Any]:
    t = incident.thresholds
    return {"window_days": t.rating_window_days, "baseline": None, "trough": None,
            "trough_date": None, "latest": None, "target": t.target_rating,
            "recovered_date": None, "five_star_reviews_to_target": None,
            "forecast_target_date": None}


def _response_block(result: response.Response | None, tz: str) -> dict[str, Any]:
    if result is None or result.first_response is None:
        return {"first_response_at": None, "first_response_hours": None,
                "golden_window_met": None, "lanes": {}}
    first = result.first_response
    return {
        "first_response_at": first.first_at.tz_convert(tz).isoformat(),
        "first_response_hours": round(first.hours, 3),
        "golden_window_met": bool(first.met),
        "lanes": {lane: {"first_at": r.first_at.tz_convert(tz).isoformat(),
                         "hours": round(r.hours, 3), "met": bool(r.met)}
                  for lane, r in result.lanes.items()},
    }


def run_analysis(incident: Incident, as_of: str | dt.date | None = None,
                 lang: str | None = None) -> Analysis:
    """Compute every number of the post-mortem from the incident's evidence store.

    The recipe: read the evidence, give each event its topic, detect the alert and the
    onset, then measure the rating, the topics, the sales and the response from that
    onset (design.md section 8 defines each number); lint the statement and check its
    dated commitments against the actions log, and the replies against the team's
    templates (docs/statements.md); draft the Plan of
    Action and price the remedies over the same orders (docs/poa.md).

    ``lang`` is the language of the POA draft's words (default ``incident.language``):
    the report passes its own, so the draft is made once, in the language it is shown in.
    No number depends on it.
    """
    # The customer's words are read twice: for the topics (at ingest) and for the quotes
    # (here); every other step counts, and a million texts copied at each filter cost seconds.
    evidence = load_evidence(incident, as_of, words=False)
    tz = marketplaces.get(incident.marketplace).tz
    t = incident.thresholds
    events = evidence.events
    detection = detect.detect(events, t, tz, onset_override=incident.onset, as_of=evidence.as_of)
    onset_day = None if detection.onset is None else detection.onset.tz_convert(tz).date()
    rating = _when(onset_day, ratings.summarise, events, t.rating_window_days, t.target_rating,
                   onset_day, asins=incident.asins or None, as_of=evidence.as_of)
    drivers = _when(onset_day, topics.drivers, events, onset_day)
    crisis = _crisis_window(events, onset_day).merge(evidence.quotable, on="event_id", how="left")
    quoted = topics.representatives(crisis, n=3, topics=_top_topics(drivers))
    sales_summary = _when(onset_day, sales.summarise, evidence.sales, onset_day, t.baseline_days,
                          t.sales_target, asins=incident.asins or None, actions=evidence.actions,
                          as_of=evidence.as_of, timezone=tz)
    lanes = _when(detection.onset, response.summarise, evidence.actions, detection.onset,
                  t.golden_hours)
    statement = statements.review_incident(incident, evidence.actions, events, as_of=evidence.as_of)
    consistency = _reply_consistency(incident, events, evidence.actions, statement)
    analysis = Analysis(incident, evidence.as_of, tz, events, evidence.files, detection, rating,
                        topics.daily_shares(events), _frame(drivers), quoted, sales_summary,
                        lanes, statement)
    orders = poa.load_orders(incident, evidence.as_of)
    return replace(analysis, replies=consistency, poa=_when(detection.onset, poa.draft, analysis,
                                       lang or incident.language, {"orders": orders}),
                   remedies=_frame(_when(detection.onset, remedies.costs, incident, analysis,
                                         orders), remedies.REMEDY_COLUMNS))


def _reply_consistency(incident: Incident, events: pd.DataFrame, actions: pd.DataFrame,
                       review: statements.StatementReview | None) -> replies.ReplyConsistency | None:
    """The replies in the evidence against the templates ``reply_templates`` names."""
    if not incident.reply_templates:
        return None
    templates = replies.read_templates(incident.resolve(incident.reply_templates))
    return replies.reply_consistency(templates, replies.collect_replies(events, actions), review)


def _when(anchor: Any, step: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a step that measures from the onset; without an onset there is nothing to measure."""
    return None if anchor is None else step(*args, **kwargs)


def _crisis_window(events: pd.DataFrame, onset_day: dt.date | None, days: int = 14) -> pd.DataFrame:
    """Return the negative events of the first ``days`` days from the onset.

    All of them without an onset: the ones :func:`crisis_kit.analysis.topics.representatives`
    quotes from.
    """
    keep = events["is_negative"].fillna(False).astype(bool)
    if onset_day is not None:
        day = pd.to_datetime(events["local_date"])
        start = pd.Timestamp(onset_day)
        keep &= (day >= start) & (day < start + pd.Timedelta(days=days))
    return events[keep]


def _frame(table: pd.DataFrame | None, columns: list[str] | None = None) -> pd.DataFrame:
    if table is not None:
        return table
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns or []})


def _top_topics(drivers: pd.DataFrame | None, n: int = 3) -> list[str] | None:
    if drivers is None or drivers.empty:
        return None
    return [t for t in drivers["topic"].tolist() if t != "other"][:n]
