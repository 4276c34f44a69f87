"""``draft(analysis, lang)``: fill Amazon's three parts and the evidence appendix from the data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..analysis import effects
from ..analysis.effects import Window
from ..analysis.findings import Findings
from ..analysis.volume import as_day
from ..errors import InputError
from .document import Item, Part, PlanOfAction, Quote, Section, Table
from .measures import (
    CORRECTIVE_LANES,
    ENGINEERING_LANE,
    corrective_actions,
    figures,
    load_orders,
    root_cause_topics,
)
from .words import Words, load_words

__all__ = ["EVIDENCE_COLUMNS", "draft"]

EVIDENCE_COLUMNS = ["kind", "reference", "local_date", "detail", "source_file", "source_row",
                    "source_sha256"]
"""Columns of :attr:`PlanOfAction.evidence`."""


def draft(
    analysis: Findings,
    lang: str = "en",
    store_tables: Mapping[str, pd.DataFrame] | None = None,
    *,
    window_days: int | None = None,
) -> PlanOfAction:
    """Draft the Plan of Action of an analysed incident.

    Parameters
    ----------
    analysis : crisis_kit.analysis.findings.Findings
        The measured findings of the incident (:func:`crisis_kit.pipeline.measure`); it
        must have an onset.
    lang : {"en", "zh"}, default "en"
        Language of the draft's own words (customer words stay as written).
    store_tables : mapping of str to pandas.DataFrame, optional
        ``orders`` (the store's orders table) and optionally ``actions`` (default: the
        analysis's response timeline). Default: read the orders from the incident's
        evidence store with :func:`load_orders`.
    window_days : int, optional
        Length of the before and after windows around each fix date; default the
        crisis window, ``thresholds.crisis_window_days``.

    Returns
    -------
    PlanOfAction

    Raises
    ------
    InputError
        If the analysis has no onset (nothing to measure before and after).
    ConfigError
        If ``lang`` is not a language of the draft.

    Notes
    -----
    Fix dates are the local days of the corrective actions (:func:`corrective_actions`:
    lanes ``cs``, ``tech``, ``platform``, at or after the onset). Root-cause topics:
    :func:`root_cause_topics` over the findings' ``topic_drivers``
    (:func:`crisis_kit.analysis.topics.drivers` with the crisis window,
    ``thresholds.crisis_window_days``, and ``thresholds.baseline_days`` before). Figures:
    :func:`figures`. The last day of data is ``as_of`` or else the earlier of the last
    event day and the last order day. ``docs/poa.md`` gives the whole method.
    """
    onset = analysis.detection.onset
    if onset is None or analysis.onset_day is None:
        raise InputError("the analysis has no onset, so there is nothing to measure before and after",
                         fix="check the complaints were ingested, or set `onset:` in incident.yaml")
    window_days = window_days or analysis.crisis_window_days
    words = load_words(lang, analysis.tz)
    incident = analysis.incident
    tables = dict(store_tables or {})
    orders = tables["orders"] if "orders" in tables else load_orders(incident, analysis.as_of)
    orders = effects.shipped_orders(orders, incident.asins or None)
    actions = tables.get("actions")
    if actions is None:
        actions = analysis.response.timeline if analysis.response is not None else pd.DataFrame(
            columns=["at", "lane", "action"])
    events = analysis.events
    onset_day = as_day(analysis.onset_day)
    last_day = effects.last_day(analysis.as_of, events, orders) or onset_day
    baseline_days = incident.thresholds.baseline_days
    # the crisis window's topics against the baseline_days before: measured with the findings
    drivers = analysis.topic_drivers
    topic_names = root_cause_topics(drivers)
    corrective = corrective_actions(actions, onset, analysis.tz)
    table = figures(events, orders, corrective["local_date"].tolist(), topic_names,
                    onset_day=onset_day, last_day=last_day, window_days=window_days,
                    baseline_days=baseline_days, asins=incident.asins or None)
    context = _Context(analysis, words, events, orders, corrective, drivers, topic_names, table,
                       onset_day, last_day, window_days)
    parts = (_root_cause(context), _actions_part(context), _prevention(context))
    evidence = _evidence(context, parts)
    return PlanOfAction(
        incident=incident.incident, lang=lang,
        title=words("title", title=incident.title or incident.incident),
        scope=words("scope", incident=incident.incident, marketplace=incident.marketplace,
                    asins=", ".join(incident.asins) or words("all_asins"),
                    as_of=words.day(last_day), tz=analysis.tz),
        parts=parts, figures=table, evidence=evidence,
        appendix_heading=words("appendix.heading"),
        tables=(_figures_table(words, table), _evidence_table(words, evidence)),
    )


@dataclass(frozen=True, eq=False)
class _Context:
    analysis: Findings
    words: Words
    events: pd.DataFrame
    orders: pd.DataFrame
    corrective: pd.DataFrame
    drivers: pd.DataFrame
    topic_names: list[str]
    figures: pd.DataFrame
    onset_day: pd.Timestamp
    last_day: pd.Timestamp
    window_days: int


def _action_line(words: Words, at: pd.Timestamp, lane: str, action: str, ref: Any = None) -> str:
    ref_text = words("ref", ref=ref.strip()) if isinstance(ref, str) and ref.strip() else ""
    return words("action_line", at=words.moment(at), lane=words.lane(lane), action=action,
                 ref=ref_text)


def _row_line(words: Words, row: pd.Series) -> str:
    return _action_line(words, row["at"], row["lane"], row["action"], row.get("ref"))


def _quotes(context: _Context, topic: str) -> tuple[Quote, ...]:
    words = context.words
    chosen = context.analysis.representatives
    if chosen is None or chosen.empty:
        return ()
    quotes = []
    for row in chosen[chosen["topic"].astype(str) == topic].itertuples(index=False):
        rating = "" if pd.isna(row.rating) else words("quote_rating", stars=f"{row.rating:.0f}")
        caption = words("quote_caption", source=words.data["sources"].get(row.source, row.source),
                        rating=rating, date=words.day(row.local_date), event_id=row.event_id)
        quotes.append(Quote(str(row.event_id), words.redact(row.title), words.redact(row.text),
                            caption))
    return tuple(quotes)


def _root_cause(context: _Context) -> Part:
    words, detection = context.words, context.analysis.detection
    crisis_end = context.onset_day + pd.Timedelta(days=context.analysis.crisis_window_days - 1)
    crisis = Window(context.onset_day, min(crisis_end, context.last_day))
    baseline_days = context.analysis.incident.thresholds.baseline_days
    negative_days = context.events.loc[context.events["is_negative"].fillna(False).astype(bool),
                                       "local_date"]  # the negatives' days, not every column
    in_crisis = int(crisis.holds(pd.to_datetime(negative_days)).sum())
    before_total = int(context.drivers["before_negative"].sum())
    items = []
    for name in context.topic_names:
        row = context.drivers.set_index(context.drivers["topic"].astype(str)).loc[name]
        items.append(Item(
            words("root_cause.topic", topic=words.topic(name),
                  count=words.number(row["crisis_negative"]), total=words.number(in_crisis),
                  start=words.day(crisis.start), end=words.day(crisis.end),
                  share=words.number(100 * row["crisis_share"], "percent"),
                  before_count=words.number(row["before_negative"]),
                  before_total=words.number(before_total), before_days=baseline_days,
                  before_share=words.number(100 * row["before_share"], "percent")),
            quotes=_quotes(context, name)))
    paragraphs = (
        words("root_cause.detection", alert_at=words.moment(detection.alert_at),
              onset=words.moment(detection.onset), start=words.day(crisis.start),
              end=words.day(crisis.end), days=crisis.days, negative=words.number(in_crisis)),
        words("root_cause.topics", before_days=baseline_days),
        words("root_cause.quotes") if items else words("root_cause.no_topic"),
    )
    tech = context.corrective[context.corrective["lane"] == ENGINEERING_LANE]
    engineering = Section(
        words("root_cause.engineering_heading"),
        (words("root_cause.engineering") if len(tech) else words("root_cause.no_engineering"),),
        tuple(Item(_row_line(words, row)) for _, row in tech.iterrows()))
    return Part("root_cause", words("parts.root_cause"),
                (Section(paragraphs=paragraphs, items=tuple(items)), engineering))


def _sentence(words: Words, row: pd.Series, date: str) -> str:
    metric = row["metric"]
    return words(f"sentences.{metric}", topic=words.topic(row["topic"]),
                 movement=words.movement(row["before_value"], row["after_value"], metric),
                 change=words.number(row["change_pct"], "change"), date=date,
                 count=words.number(row["before_count"]), base=words.number(row["before_base"]),
                 a_count=words.number(row["after_count"]), a_base=words.number(row["after_base"]))


def _actions_part(context: _Context) -> Part:
    words, corrective = context.words, context.corrective
    lanes = words("lane_separator").join(words.lane(lane) for lane in CORRECTIVE_LANES)
    listed = Section(
        paragraphs=(words("actions.intro", lanes=lanes, count=len(corrective)) if len(corrective)
                    else words("actions.none"),),
        items=tuple(Item(_row_line(words, row)) for _, row in corrective.iterrows()))
    fixes = context.figures[context.figures["kind"] == "fix"]
    items = []
    for day, group in corrective.groupby("local_date", sort=True):
        date = words.day(day)
        children = _windows_line(context, day)
        for _, row in fixes[fixes["day"] == day].iterrows():
            if row["before_days"] > 0 and row["after_days"] > 0:
                children.append(_sentence(words, row, date))
        text = words("actions.effect_day", date=date, actions=words("list_separator").join(
            words("lane_action", lane=words.lane(r["lane"]), action=r["action"])
            for _, r in group.iterrows()))
        items.append(Item(text, tuple(children)))
    effect = Section(words("actions.effects_heading"),
                     (words("actions.effects_intro", window=context.window_days),), tuple(items))
    return Part("actions", words("parts.actions"), (listed, effect) if items else (listed,))


def _windows_line(context: _Context, day: pd.Timestamp) -> list[str]:
    words = context.words
    before, after = effects.windows(day, context.window_days, not_before=context.onset_day,
                                    not_after=context.last_day)
    if before.days == 0:
        return [words("actions.no_before")]
    if after.days == 0:
        return [words("actions.no_after")]
    counted_before = effects.measure(context.events, context.orders, before)
    counted_after = effects.measure(context.events, context.orders, after)
    return [words("actions.windows", start=words.day(before.start), end=words.day(before.end),
                  days=before.days, orders=words.number(counted_before["return_rate"][1]),
                  negative=words.number(counted_before["negative_share"][1]),
                  a_start=words.day(after.start), a_end=words.day(after.end), a_days=after.days,
                  a_orders=words.number(counted_after["return_rate"][1]),
                  a_negative=words.number(counted_after["negative_share"][1]))]


def _prevention(context: _Context) -> Part:
    words, analysis = context.words, context.analysis
    tech = context.corrective[context.corrective["lane"] == ENGINEERING_LANE]
    if len(tech):
        product = words("prevention.product", action_line=_row_line(words, tech.iloc[-1]))
    else:
        product = words("prevention.no_product")
    sections = [Section(words("prevention.product_heading"), (product,))]
    sustained = context.figures[context.figures["kind"] == "sustained"]
    if len(sustained):
        first = sustained.iloc[0]
        items = tuple(Item(words(
            "prevention.sustained", topic=words.topic(row["topic"]),
            measure=words(f"measures.{row['metric']}"),
            after=words.figure(row["after_value"], row["metric"]),
            a_start=words.day(row["after_start"]), a_end=words.day(row["after_end"]),
            a_count=words.number(row["after_count"]), a_base=words.number(row["after_base"]),
            before=words.figure(row["before_value"], row["metric"]),
            start=words.day(row["before_start"]), end=words.day(row["before_end"]),
            count=words.number(row["before_count"]), base=words.number(row["before_base"]),
        )) for _, row in sustained.iterrows() if row["after_days"] > 0)
        sections.append(Section(words("prevention.sustained_heading"), (words(
            "prevention.sustained_intro", last_fix=words.day(first["day"]),
            last_day=words.day(context.last_day),
            baseline_days=analysis.incident.thresholds.baseline_days),), items))
    t = analysis.incident.thresholds
    monitoring = [words("prevention.monitoring", min_negative=t.min_negative_per_day,
                        growth=words.number(100 * t.negative_growth, "growth"),
                        alert_at=words.moment(analysis.detection.alert_at))]
    first_response = analysis.response.first_response if analysis.response else None
    if first_response is not None:
        line = _action_line(words, first_response.first_at, first_response.lane,
                            first_response.action)
        monitoring.append(words("sentence_separator").join([
            words("prevention.response", hours=words.number(first_response.hours, "hours"),
                  action_line=line),
            words("prevention.golden_met" if first_response.met else "prevention.golden_missed",
                  golden=f"{t.golden_hours:g}")]))
    sections.append(Section(words("prevention.monitoring_heading"), tuple(monitoring)))
    return Part("prevention", words("parts.prevention"), tuple(sections))


# -- the appendix ----------------------------------------------------------------------



def _evidence(context: _Context, parts: Sequence[Part]) -> pd.DataFrame:
    quoted = [q.event_id for part in parts for s in part.sections for i in s.items for q in i.quotes]
    wanted = list(dict.fromkeys(quoted))
    ids = context.events["event_id"].astype(str)
    events = context.events[ids.isin(wanted)].set_index(ids[ids.isin(wanted)])
    rows = []
    for event_id in wanted:
        event = events.loc[event_id]
        rows.append(["complaint", event_id, as_day(event["local_date"]), str(event["source"]),
                     event["source_file"], int(event["source_row"]), event["source_sha256"]])
    for _, action in context.corrective.iterrows():
        rows.append(["action", str(action.get("action_id", "")), action["local_date"],
                     str(action["action"]), action.get("source_file", ""),
                     _int_or_none(action.get("source_row")), action.get("source_sha256", "")])
    files = context.analysis.files
    if files is not None and len(files):
        # The files the figures count from: complaints, orders and actions.
        cited = set()
        for frame in (context.events, context.orders, context.corrective):
            if "source_sha256" in frame.columns:
                # the distinct hashes made text, not one string per row
                cited |= {str(h) for h in frame["source_sha256"].dropna().unique()}
        files = files[files["sha256"].isin(cited)].drop_duplicates(["name", "sha256"])
        for _, file in files.iterrows():
            rows.append(["file", str(file["name"]), pd.NaT,
                         str(file["format"]), file["name"], None,
                         file["sha256"]])
    return pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)


def _int_or_none(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _figures_table(words: Words, table: pd.DataFrame) -> Table:
    c = words.data["appendix"]["columns"]
    header = (c["day"], c["topic"], c["measure"], c["before"], c["before_counts"], c["before_value"],
              c["after"], c["after_counts"], c["after_value"], c["change"])
    rows = []
    for _, row in table.iterrows():
        metric = row["metric"]
        label = words(f"appendix.{row['kind']}")
        rows.append((
            f"{words.day(row['day'])} ({label})", words.topic(row["topic"]),
            words(f"measures.{metric}"),
            words.window(row["before_start"], row["before_end"]) if row["before_days"] else "",
            f"{words.number(row['before_count'])} / {words.number(row['before_base'])}",
            words.figure(row["before_value"], metric),
            words.window(row["after_start"], row["after_end"]) if row["after_days"] else "",
            f"{words.number(row['after_count'])} / {words.number(row['after_base'])}",
            words.figure(row["after_value"], metric), words.number(row["change_pct"], "change")))
    return Table(words("appendix.figures"), header, tuple(rows))


def _evidence_table(words: Words, evidence: pd.DataFrame) -> Table:
    c = words.data["appendix"]["columns"]
    header = (c["kind"], c["reference"], c["day"], c["detail"], c["file"], c["row"], c["sha256"])
    kinds, sources = words.data["appendix"]["kinds"], words.data["sources"]
    rows = tuple(
        (kinds[row["kind"]], str(row["reference"]),
         "" if pd.isna(row["local_date"]) else words.day(row["local_date"]),
         # a complaint's detail is its source, named in the draft's language
         sources.get(row["detail"], str(row["detail"])) if row["kind"] == "complaint"
         else str(row["detail"]),
         str(row["source_file"] or ""), "" if pd.isna(row["source_row"]) else str(int(row["source_row"])),
         str(row["source_sha256"] or ""))
        for _, row in evidence.iterrows())
    return Table(words("appendix.evidence"), header, rows)
