"""``run_analysis(incident)``: the one readable recipe from the evidence store to the numbers.

The notebooks and the CLI both call it, so they cannot drift. Each step is one call
into a narrow module; the result is a frozen :class:`Analysis` that renders to the
notebook, to ``summary.json`` and to the HTML report (figures never compute).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from typing import Any

import pandas as pd

from . import poa, statements
from .analysis import (
    amazon_topics,
    campaigns,
    effects,
    health,
    messages,
    phrases,
    ratings,
    response,
    sales,
    social,
    topics,
    voice,
    volume,
)
from .analysis.detection import preload
from .analysis.detection import rules as detect
from .analysis.evidence import Evidence, load_evidence
from .analysis.findings import Findings
from .config import Incident, marketplaces
from .poa import PlanOfAction, followups, remedies
from .schemas import TABLES
from .statements import replies
from .statements.replies import ReplyConsistency
from .statements.review import StatementReview
from .summary import write_summary

__all__ = ["Analysis", "Evidence", "Findings", "load_evidence", "measure", "run_analysis", "write_summary"]


@dataclass(frozen=True, eq=False)
class Analysis(Findings):
    """Everything computed for one incident, once: the :class:`Findings` and what is made from them.

    ``statement``: the statement's review with its commitments checked against the
    actions log (None without ``statement:``); ``replies``: how the team's replies follow
    its templates and agree with the statement (:func:`crisis_kit.statements.replies.reply_consistency`;
    None without ``reply_templates``); ``poa``: the Plan of Action draft
    (:func:`crisis_kit.poa.draft`; None without an onset); ``remedies``: each row one
    remedy of ``incident.remedies`` priced over the affected orders
    (:func:`crisis_kit.poa.remedies.costs`, empty without an onset); ``followups``:
    each row one measure of the POA's follow-ups file, overdue ones first, with the
    measured before/after of the done ones (:func:`crisis_kit.poa.followups.review_followups`;
    empty without ``followups:``); ``campaigns``: each row one outreach action of the
    log with its reach and conversion (:func:`crisis_kit.analysis.campaigns.campaigns`);
    ``social``: the social-media mentions beside Amazon's negative signals
    (:func:`crisis_kit.analysis.social.social_view`; None without a mention).
    """

    statement: StatementReview | None = None
    poa: PlanOfAction | None = None
    remedies: pd.DataFrame = field(default_factory=pd.DataFrame)
    replies: ReplyConsistency | None = None
    followups: pd.DataFrame = field(default_factory=pd.DataFrame)
    campaigns: pd.DataFrame = field(default_factory=pd.DataFrame)
    social: social.SocialView | None = None

    def summary(self) -> dict[str, Any]:
        """``summary.json`` exactly as design.md section 9 shapes it."""
        events = self.events
        negative = events.loc[events["is_negative"],
                              [c for c in ("topic", "n") if c in events.columns]]
        n_negative = volume.count(negative)
        return {
            "incident": self.incident.incident,
            "complaints": {
                "total": volume.count(events),
                "negative": n_negative,
                "by_source": _counts(events, "source"),
                "by_topic": _counts(negative, "topic"),
                # share of negative signals with a topic other than `other` (design.md 8)
                "topic_coverage": round(volume.count(
                    negative, negative["topic"].astype(str) != "other") / n_negative,
                                        3) if n_negative else None,
                # Amazon's leading negative topic per ASIN against the kit's (new field)
                "amazon_topics": self.amazon_topics.summary() if self.amazon_topics else None,
            },
            "detection": self.detection.summary(),
            "rating": self.rating.summary() if self.rating else _empty_rating(
                self.incident, self.health),
            "response": {**_response_block(self.response, self.tz),
                         "messages": self.messages.summary(self.tz) if self.messages else None},
            "sales": self.sales.summary() if self.sales else {
                "baseline_units_per_day": None, "trough_index": None, "latest_index": None,
                "recovered_100_date": None, "reached_target_date": None},
            "statement": self.statement.summary() if self.statement else {
                "star": {}, "vague_terms": [], "commitments": [], "passed": None},
            "followups": _followups_block(self.followups),
            "campaigns": _campaigns_block(self.campaigns, self.tz),
            "social": _social_block(self.social),
        }


def _social_block(view: social.SocialView | None) -> dict[str, Any]:
    """The social mentions in counts and first days (docs/report.md); zeros without any."""
    def day(value: Any) -> str | None:
        return None if value is None else value.isoformat()

    if view is None:
        return {"mentions": 0, "complaints": 0, "first_complaint_date": None,
                "first_amazon_date": None}
    return {"mentions": view.mentions, "complaints": view.complaints,
            "first_complaint_date": day(view.first_complaint_day),
            "first_amazon_date": day(view.first_amazon_day)}


def _campaigns_block(table: pd.DataFrame, tz: str) -> dict[str, Any]:
    """Each outreach campaign's reach and conversion (docs/report.md)."""
    def whole(value: Any) -> int | None:
        return None if value is None or pd.isna(value) else int(value)

    items = [{"at": pd.Timestamp(r.at).tz_convert(tz).isoformat(), "action": r.action,
              "channel": r.channel if isinstance(r.channel, str) else None,
              "sent": whole(r.sent), "redeemed": whole(r.redeemed),
              "conversion": None if pd.isna(r.conversion) else round(float(r.conversion), 3)}
             for r in table.itertuples()] if table is not None and len(table) else []
    return {"count": len(items), "items": items}


def _followups_block(table: pd.DataFrame) -> dict[str, Any]:
    """Counts of the follow-ups and each overdue one (docs/poa.md); zeros without the file."""
    if table is None or table.empty:
        return {"total": 0, "overdue": 0, "done": 0, "measured": 0, "overdue_items": []}
    late = table[table["overdue"]]
    return {
        "total": int(len(table)), "overdue": int(len(late)),
        "done": int((table["status"] == "done").sum()),
        "measured": int((table["measured"] == "yes").sum()),
        "overdue_items": [{"measure": r.measure, "owner": r.owner, "due": r.due.isoformat(),
                           "days_overdue": int(r.days_overdue)} for r in late.itertuples()],
    }


def _counts(events: pd.DataFrame, column: str) -> dict[str, int]:
    """The events per value of ``column`` (each row counted ``n`` times when grouped)."""
    sums = volume.count_by(events, events[column])
    return {str(k): int(v) for k, v in sorted(sums.items()) if v}


def _empty_rating(incident: Incident, state: health.Health | None = None) -> dict[str, Any]:
    """The rating block without an onset: only ``latest`` (design.md 9: whenever reviews exist)."""
    t = incident.thresholds
    return {"window_days": t.rating_window_days, "baseline": None, "trough": None,
            "trough_date": None, "latest": state.rating if state else None,
            "target": t.target_rating,
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
                 lang: str | None = None, *, grouped: bool = True) -> Analysis:
    """Compute every number of the post-mortem from the incident's evidence store.

    The recipe: read the evidence, detect the alert and the onset, then measure the
    rating, the topics, the sales and the response from that onset (design.md section 8
    defines each number): the :class:`Findings`. From them: lint the statement and check
    its dated commitments against the actions log, and the replies against the team's
    templates (docs/statements.md); draft the Plan of Action and price the remedies over
    the same orders (docs/poa.md).

    ``lang`` is the language of the POA draft's words (default ``incident.language``):
    the report passes its own, so the draft is made once, in the language it is shown in.
    No number depends on it.

    ``grouped`` (default): the events come grouped by the engine, each negative one a
    row of its own and the others counted per day, source, ASIN, rating and reason
    (:func:`crisis_kit.analysis.evidence.load_evidence`); ``grouped=False`` reads every
    event, the reference the tests hold the grouped numbers equal to.
    """
    # The customer's words are read twice: for the topics (at ingest) and for the quotes
    # (here); every other step counts, and a million texts copied at each filter cost seconds.
    preload()  # the detectors' scipy.special, imported while the store is read
    evidence = load_evidence(incident, as_of, words=False, grouped=grouped)
    findings = measure(incident, evidence)
    statement = statements.review_incident(incident, evidence.actions, findings.events,
                                           as_of=evidence.as_of)
    consistency = _reply_consistency(incident, findings.events, evidence.actions, statement)
    orders = poa.load_orders(incident, evidence.as_of, evidence.orders)
    onset = findings.detection.onset
    plan = _when(onset, poa.draft, findings, lang or incident.language, {"orders": orders})
    prices = _frame(_when(onset, remedies.costs, incident, findings, orders),
                    remedies.REMEDY_COLUMNS)
    tracked = _frame(_when(incident.followups, _followups, incident, findings, orders),
                     followups.REVIEW_COLUMNS)
    outreach = campaigns.campaigns(
        evidence.actions, findings.tz, findings.sales.daily if findings.sales else None,
        _trajectory(findings))
    return Analysis(**{f.name: getattr(findings, f.name) for f in fields(Findings)},
                    statement=statement, poa=plan, remedies=prices, replies=consistency,
                    followups=tracked, campaigns=outreach,
                    social=social.social_view(findings.events))


def _trajectory(findings: Findings) -> pd.DataFrame | None:
    """The displayed rating per day: from the onset's summary, else the calm product's."""
    if findings.rating is not None:
        return findings.rating.trajectory
    return findings.health.trajectory if findings.health is not None else None


def _followups(incident: Incident, findings: Findings, orders: pd.DataFrame) -> pd.DataFrame:
    """The follow-ups file judged on the last day of data, the done ones measured."""
    table = followups.read_followups(incident.resolve(incident.followups or ""))
    day = effects.last_day(findings.as_of, findings.events)
    if day is None:
        return table.assign(overdue=False).reindex(columns=followups.REVIEW_COLUMNS)
    return followups.review_followups(
        table, day, findings.events, orders, window_days=incident.thresholds.crisis_window_days,
        onset_day=findings.onset_day, asins=incident.asins or None)


def measure(incident: Incident, evidence: Evidence) -> Findings:
    """The measured findings: detection, then rating, topics, sales and response from the onset."""
    tz = marketplaces.get(incident.marketplace).tz
    t = incident.thresholds
    events = evidence.events
    # the displayed rating per day, computed once: the detection, the rating and the health
    # read it (the events are the incident's ASINs' already: load_evidence)
    displayed = ratings.trailing_rating(events, t.rating_window_days, as_of=evidence.as_of)
    detection = detect.detect(events, t, tz, onset_override=incident.onset, as_of=evidence.as_of,
                              trajectory=displayed)
    onset_day = None if detection.onset is None else detection.onset.tz_convert(tz).date()
    rating = _when(onset_day, ratings.summarise, events, t.rating_window_days, t.target_rating,
                   onset_day, asins=incident.asins or None, as_of=evidence.as_of,
                   trajectory=displayed)
    drivers = _when(onset_day, topics.drivers, events, onset_day,
                    crisis_days=t.crisis_window_days, before_days=t.baseline_days)
    state = health.health(events, t.rating_window_days, t.negative_growth,
                          t.min_negative_per_day, as_of=evidence.as_of, trajectory=displayed)
    crisis = topics.crisis_window(events, onset_day, t.crisis_window_days)
    window = _phrase_window(events, onset_day, state, t)
    # the words of the complaints quoted and of those the phrases are read from, read once
    words = evidence.words_of(pd.concat([crisis["event_id"], window.negatives["event_id"]])
                              if window else crisis["event_id"])
    crisis = crisis.merge(words, on="event_id", how="left")
    quoted = topics.representatives(crisis, n=3, topics=_top_topics(drivers))
    sales_summary = _when(onset_day, sales.summarise, evidence.sales, onset_day, t.baseline_days,
                          t.sales_target, asins=incident.asins or None, actions=evidence.actions,
                          as_of=evidence.as_of, timezone=tz)
    lanes = _when(detection.onset, response.summarise, evidence.actions, detection.onset,
                  t.golden_hours)
    voc = evidence.voc if evidence.voc is not None else _frame(None, TABLES["voc"].names)
    buyer_messages = messages.summarise(evidence.messages, detection.onset, t.golden_hours,
                                       evidence.as_of, tz, t.baseline_days)
    distinctive = _distinctive(window if evidence.has_words else None, words,
                               incident.marketplace)
    return Findings(incident, evidence.as_of, tz, events, evidence.files, detection, rating,
                    topics.daily_shares(events), _frame(drivers), quoted, sales_summary, lanes,
                    voc, state, distinctive, buyer_messages,
                    amazon_topics.compare(evidence.feedback_topics, events),
                    voice.beside(voc, events, onset_day),
                    evidence.rejections if evidence.rejections is not None else pd.DataFrame())


@dataclass(frozen=True)
class _PhraseWindow:
    """Where the phrases are read: ``days`` from ``start``, against the ``days`` before.

    ``negatives``: ``event_id`` and ``local_date`` of the negatives of both windows.
    """

    start: pd.Timestamp
    days: int
    negatives: pd.DataFrame


def _phrase_window(events: pd.DataFrame, onset_day: Any, state: health.Health | None,
                   t: Any) -> _PhraseWindow | None:
    """The crisis window (the last 28 days when calm) and the negatives of it and before it."""
    if state is None:
        return None
    if onset_day is not None:
        start, days = pd.Timestamp(onset_day), t.crisis_window_days
    else:
        days = health.WINDOW_DAYS
        start = pd.Timestamp(state.day) - pd.Timedelta(days=days - 1)
    local = pd.to_datetime(events["local_date"])
    inside = (local >= start - pd.Timedelta(days=days)) & (
        local <= start + pd.Timedelta(days=days - 1))
    negatives = events.loc[events["is_negative"].fillna(False).astype(bool) & inside,
                           ["event_id", "local_date"]]
    return _PhraseWindow(start, days, negatives)


def _distinctive(window: _PhraseWindow | None, words: pd.DataFrame,
                 marketplace: str) -> pd.DataFrame:
    """Phrases of the window's negatives against the days before it (none without words)."""
    if window is None:
        return _frame(None, phrases.PHRASE_COLUMNS)
    worded = window.negatives.merge(words, on="event_id", how="inner")
    return phrases.distinctive_phrases(
        worded, window.start, window.start + pd.Timedelta(days=window.days - 1), window.days,
        marketplace=marketplace)


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


def _frame(table: pd.DataFrame | None, columns: list[str] | None = None) -> pd.DataFrame:
    if table is not None:
        return table
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns or []})


def _top_topics(drivers: pd.DataFrame | None, n: int = 3) -> list[str] | None:
    if drivers is None or drivers.empty:
        return None
    return [t for t in drivers["topic"].tolist() if t != "other"][:n]
