"""The statement review, the Plan of Action and the remedy options, in the report's words.

Everything is read off the frozen :class:`~crisis_kit.pipeline.Analysis`:
``analysis.statement`` (:func:`crisis_kit.statements.review_incident`), ``analysis.poa``
(:func:`crisis_kit.poa.draft`, drafted by the pipeline in the report's language) and
``analysis.remedies`` (:func:`crisis_kit.poa.remedies.costs`). The linter's rule messages
and a commitment's ``evidence`` are English only, so the sentences here are built from
their structured fields (terms with line and column, deadline hours, the fulfilling
action and its time) with the strings of the report's language.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pandas as pd

from ..language import Strings
from ..statements import Finding, StatementReview
from ..statements.commitments import Commitment
from ..statements.lexicon import load_lexicon
from . import fragments
from .fragments import Column, Fragment
from .page import Page

__all__ = ["POA_SUFFIX", "followups", "plan_of_action", "poa_file_name", "remedy_options",
           "statement_review"]

POA_SUFFIX = ".poa.md"
"""The editable Markdown of the POA draft, written beside the report: ``<incident>.poa.md``."""

_HEADING = re.compile(r"<(/?)h([2-5])(?=[\s>])")


def poa_file_name(incident: str) -> str:
    """The file name of the POA draft's Markdown for an incident slug."""
    return f"{incident}{POA_SUFFIX}"


# -- statement review -----------------------------------------------------------------------
def statement_review(report: Page) -> Fragment:
    """Score, verdict and failed rules; the STAR parts, the flagged words, the commitments."""
    s, review = report.strings, report.analysis.statement
    if review is None:
        return fragments.note(s.text("statement.none"))
    published = ("" if review.published_at is None else
                 s.text("statement.published", at=s.time(_local(review.published_at, report))))
    lead = s.text("statement.lead", published=published, score=review.score,
                  verdict=s.text("statement.passes" if review.passed else "statement.fails"))
    return fragments.concat(
        fragments.note(lead, lead=True),
        fragments.cards(_cards(report, review)),
        fragments.note(*(_rule_sentence(report, review, r.name) for r in review.failed_rules),
                       warning=True),
        _star_table(report, review),
        _findings_table(report, review),
        _commitments_table(report, review),
        _replies(report),
    )


def _replies(report: Page) -> Fragment:
    """How the team's replies follow its templates (``reply_templates``) and the statement."""
    s, consistency = report.strings, report.analysis.replies
    if consistency is None:
        return fragments.note(s.text("statement.replies_none"))
    summary = consistency.summary()
    lead = s.text("statement.replies_lead", replies=s.number(summary["replies"]),
                  following=s.number(summary["following_template"]),
                  share=s.number(summary["share"], "percent") if summary["share"] is not None
                  else s.text("none"),
                  templates=s.number(len(consistency.templates)),
                  contradicting=s.number(summary["contradicting"]))
    table = consistency.replies
    off = table[~table["follows"].astype(bool)]
    grouped = (off.groupby("text", sort=False)
               .agg(count=("text", "size"), similarity=("similarity", "max"))
               .reset_index().sort_values(["count", "text"], ascending=[False, True]).head(10))
    contradicting = consistency.contradicting
    return fragments.concat(
        fragments.note(lead),
        fragments.table(
            [Column(s.text("statement.reply_text"), "words"),
             Column(s.text("statement.reply_count"), "number"),
             Column(s.text("statement.reply_similarity"), "number")],
            [[str(r.text), s.number(int(r.count)), s.number(float(r.similarity), "percent")]
             for r in grouped.itertuples()],
            title=s.text("statement.replies_off_title"), empty=s.text("statement.replies_off_none"),
        ),
        fragments.table(
            [Column(s.text("statement.reply_text"), "words"),
             Column(s.text("statement.reply_contradiction"), "words")],
            [[str(r.text), str(r.contradiction)] for r in contradicting.itertuples()],
            title=s.text("statement.replies_contradicting_title"),
            empty=s.text("statement.replies_contradicting_none"),
        ),
    )


def _cards(report: Page, review: StatementReview) -> list[dict[str, str]]:
    s = report.strings
    kept = sum(c.kept is True for c in review.commitments)
    broken = sum(c.kept is False for c in review.commitments)
    names = s.text("statement.separator").join(
        s.text(f"statement.rule_names.{r.name}") for r in review.failed_rules)
    return [
        {"key": "statement.score", "label": s.text("statement.score"),
         "value": f"{review.score} / 100", "note": s.text("statement.score_note")},
        {"key": "statement.passed", "label": s.text("statement.verdict"),
         "value": s.text("statement.verdict_passes" if review.passed else "statement.verdict_fails"),
         "note": s.text("statement.failed_note", rules=names) if names else "",
         "tone": "good" if review.passed else "bad"},
        {"key": "statement.terms", "label": s.text("statement.words_found"),
         "value": s.number(len(review.vague) + len(review.emotive)),
         "note": s.text("statement.words_note", vague=len(review.vague),
                        emotive=len(review.emotive))},
        {"key": "statement.kept", "label": s.text("statement.kept"),
         "value": s.text("statement.kept_value", kept=kept, total=len(review.commitments)),
         "note": s.text("statement.kept_note", broken=broken,
                        open=len(review.commitments) - kept - broken),
         "tone": "bad" if broken else ""},
    ]


def _rule_sentence(report: Page, review: StatementReview, rule: str) -> str:
    """What a failed rule asks for, from the review's fields (Rule.message is English only)."""
    s = report.strings
    join = s.text("statement.separator").join
    if rule == "star":
        missing = [s.text(f"statement.parts.{p.part}") for p in review.star if not p.found]
        return s.text("statement.rules.star", parts=join(missing))
    if rule in ("vague", "emotive"):
        found = review.vague if rule == "vague" else review.emotive
        return s.text(f"statement.rules.{rule}", terms=join(_term_at(report, f) for f in found))
    return s.text("statement.rules.commitments")


def _term_at(report: Page, finding: Finding) -> str:
    return report.strings.text("statement.term_at", term=finding.text, line=finding.line,
                               column=finding.column)


def _star_table(report: Page, review: StatementReview) -> Fragment:
    s = report.strings
    rows = []
    for part in review.star:
        how = ("" if not part.found else
               s.text("statement.how_heading", heading=part.heading) if part.how == "heading"
               else s.text("statement.how_cue"))
        rows.append([s.text(f"statement.parts.{part.part}"),
                     s.text("statement.found_yes" if part.found else "statement.found_no"),
                     how, s.number(part.line), s.or_none(part.sentence or "")])
    return fragments.table(
        [Column(s.text("statement.part")), Column(s.text("statement.found")),
         Column(s.text("statement.how")), Column(s.text("statement.line"), "number"),
         Column(s.text("statement.sentence"), "words")],
        rows, title=s.text("statement.star_title"),
    )


def _findings_table(report: Page, review: StatementReview) -> Fragment:
    s = report.strings
    found = sorted((*review.vague, *review.emotive), key=lambda f: f.start)
    rows = [[f"{f.line}:{f.column}", s.text(f"statement.kinds.{f.kind}"), f.text, f.alternative]
            for f in found]
    return fragments.table(
        [Column(s.text("statement.where"), "number"), Column(s.text("statement.kind")),
         Column(s.text("statement.as_written")), Column(s.text("statement.alternative"), "words")],
        rows, title=s.text("statement.findings_title"), empty=s.text("statement.findings_none"),
    )


def _commitments_table(report: Page, review: StatementReview) -> Fragment:
    s = report.strings
    rows = []
    for c in review.commitments:
        outcome, evidence = _outcome(report, review, c)
        rows.append([
            c.text, c.phrase,
            s.text("statement.hours", hours=s.number(c.deadline_hours, "plain"))
            if c.deadline_hours is not None else s.text("none"),
            s.text(f"statement.outcomes.{outcome}"), evidence,
        ])
    return fragments.table(
        [Column(s.text("statement.commitment"), "words"), Column(s.text("statement.deadline")),
         Column(s.text("statement.deadline_hours"), "number"),
         Column(s.text("statement.outcome")), Column(s.text("statement.evidence"), "words")],
        rows, title=s.text("statement.commitments_title"),
        empty=s.text("statement.commitments_none"),
        notes=[s.text("statement.commitments_caption", marketplace=report.incident.marketplace)]
        if rows else (),
    )


def _outcome(report: Page, review: StatementReview, c: Commitment) -> tuple[str, str]:
    """``kept``/``broken``/``not_due``/``unchecked`` and why, in the order the checker decides."""
    s = report.strings
    if review.published_at is None:
        return "unchecked", s.text("statement.evidence_unpublished")
    if c.deadline_hours is None:
        return "unchecked", s.text("statement.evidence_undated")
    if c.kind is None:
        return "unchecked", s.text("statement.evidence_unknown")
    if c.kept is not None:
        return ("kept" if c.kept else "broken"), s.text(
            "statement.evidence_action", due=s.time(_local(c.deadline_at, report)),
            action=c.evidence_action or "", at=s.time(_local(c.evidence_at, report)),
            hours=s.duration(c.evidence_hours))
    as_of = report.analysis.as_of
    if as_of is not None and c.deadline_at is not None and pd.Timestamp(c.deadline_at) > pd.Timestamp(
            dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(0))).tz_localize(report.analysis.tz):
        return "not_due", s.text("statement.evidence_not_due",
                                 due=s.time(_local(c.deadline_at, report)), as_of=s.date(as_of))
    kind = load_lexicon().kind(c.kind)
    check_with = (kind.check_with.get(s.lang) or kind.check_with.get("en", "")) if kind else ""
    return "unchecked", s.text("statement.evidence_missing", check_with=check_with,
                               kind=s.section("statement").get("kinds_of_commitment", {}).get(
                                   c.kind, c.kind))


def _local(moment: object, report: Page) -> pd.Timestamp | None:
    """A moment on the marketplace's clock (the report's times are all in its zone)."""
    if moment is None:
        return None
    stamp = pd.Timestamp(moment)
    return stamp.tz_convert(report.analysis.tz) if stamp.tzinfo is not None else stamp


# -- Plan of Action -------------------------------------------------------------------------
def plan_of_action(report: Page) -> Fragment:
    """The POA draft embedded as its own escaped HTML; its Markdown rides in the metadata.

    :meth:`crisis_kit.poa.PlanOfAction.html` is rendered by the POA's own template with
    autoescape on (customer words escaped there); it is embedded as trusted markup, its
    headings moved one level down to sit under the report's section heading. The output
    metadata carries :meth:`~crisis_kit.poa.PlanOfAction.markdown`, which
    :func:`crisis_kit.report.run.render_report` writes to ``<incident>.poa.md``.
    """
    s, plan = report.strings, report.analysis.poa
    if plan is None:
        return fragments.note(s.text("poa.none"))
    body = _HEADING.sub(lambda m: f"<{m[1]}h{int(m[2]) + 1}", plan.html())
    markdown = plan.markdown()
    return fragments.concat(
        fragments.note(s.text("poa.lead"),
                       s.text("poa.file", file=poa_file_name(report.incident.incident)), lead=True),
        fragments.embed(body, markdown, "ck-poa"),
        meta={"poa_markdown": markdown},
    )


# -- remedy options -------------------------------------------------------------------------
def remedy_options(report: Page) -> Fragment:
    """Each remedy's cost over the affected orders, beside what followed its first day."""
    s, table = report.strings, report.analysis.remedies
    if report.analysis.detection.onset is None:
        return fragments.note(s.text("remedies.no_onset"))
    if table.empty:
        return fragments.note(s.text("remedies.none"))
    first = table.iloc[0]

    def money(value: object, currency: object) -> str:
        amount = s.number(value, "money")
        return s.text("remedies.money", amount=amount, currency=currency) if amount else ""

    def change(row: pd.Series, name: str, kind: str) -> str:
        before, after = s.number(row[f"{name}_before"], kind), s.number(row[f"{name}_after"], kind)
        if not before and not after:
            return s.text("none")
        return s.text("remedies.change", before=s.or_none(before), after=s.or_none(after))

    rows = [[r["remedy"], s.or_none(s.date(r["offered_from"])), money(r["unit_cost"], r["currency"]),
             money(r["cost"], r["currency"]), money(r["cost_complaining"], r["currency"]),
             change(r, "return_rate", "decimal"), change(r, "rating", "rating"),
             change(r, "sales_index", "percent"), s.or_none(s.number(r["actions_in_after_window"]))]
            for _, r in table.iterrows()]
    return fragments.concat(
        fragments.note(s.text("remedies.lead", orders=s.number(first["affected_orders"]),
                              start=s.date(first["affected_start"]),
                              end=s.date(first["affected_end"]),
                              complaining=s.number(first["complaining_orders"])), lead=True),
        fragments.table(
            [Column(s.text("remedies.remedy")), Column(s.text("remedies.offered_from")),
             Column(s.text("remedies.unit_cost"), "number"), Column(s.text("remedies.cost"), "number"),
             Column(s.text("remedies.cost_complaining"), "number"),
             Column(s.text("remedies.return_rate"), "number"),
             Column(s.text("remedies.rating"), "number"),
             Column(s.text("remedies.sales_index"), "number"),
             Column(s.text("remedies.actions"), "number")],
            rows,
            notes=[s.text("remedies.caption", days=s.number(first["window_days"]),
                          rating_days=s.number(first["rating_window_days"]))],
        ),
    )


# -- follow-through -------------------------------------------------------------------------
def followups(report: Page) -> Fragment:
    """The POA's follow-ups, overdue first, and the measured effect of each done one."""
    s, table = report.strings, report.analysis.followups
    incident = report.incident
    if not incident.followups or table is None or table.empty:
        return fragments.note(s.text("followups.none"))
    late = table[table["overdue"].astype(bool)]
    lead = s.text("followups.lead", file=incident.followups, day=s.date(report.as_of),
                  total=s.number(len(table)), overdue=s.number(len(late)),
                  done=s.number(int((table["status"] == "done").sum())),
                  measured=s.number(int((table["measured"] == "yes").sum())))
    warning = (s.text("followups.overdue_warning", count=s.number(len(late)),
                      measures=s.text("statement.separator").join(
                          f"{r.measure} ({r.owner}, {s.date(r.due)})" if isinstance(r.owner, str)
                          else f"{r.measure} ({s.date(r.due)})" for r in late.itertuples()))
               if len(late) else "")
    rows = [[_followup_status(s, r), r.measure, s.text(f"followups.kinds.{r.kind}") if r.kind
             else "", r.owner or "", s.date(r.due) if r.due else "",
             report.label("topics", r.topic) if r.topic else "",
             s.date(r.effective) if r.effective else "", _effect(s, r)]
            for r in table.itertuples()]
    measured = table[table["measured"] == "yes"]
    detail = [[r.measure, report.label("topics", r.topic),
               s.text("followups.window", start=s.date(r.before_start), end=s.date(r.before_end)),
               s.text("followups.complaints_orders", complaints=s.number(r.before_complaints),
                      orders=s.number(r.before_orders)),
               s.number(r.before_per_100, "decimal"),
               s.text("followups.window", start=s.date(r.after_start), end=s.date(r.after_end)),
               s.text("followups.complaints_orders", complaints=s.number(r.after_complaints),
                      orders=s.number(r.after_orders)),
               s.number(r.after_per_100, "decimal"), _change(s, r.change_pct)]
              for r in measured.itertuples()]
    return fragments.concat(
        fragments.note(lead, lead=True),
        fragments.note(warning, warning=True),
        fragments.table(
            [Column(s.text("followups.status")), Column(s.text("followups.measure"), "words"),
             Column(s.text("followups.kind")), Column(s.text("followups.owner")),
             Column(s.text("followups.due")), Column(s.text("followups.topic")),
             Column(s.text("followups.effective")), Column(s.text("followups.effect"))],
            rows),
        fragments.table(
            [Column(s.text("followups.measure"), "words"), Column(s.text("followups.topic")),
             Column(s.text("followups.before")), Column(s.text("followups.counted"), "number"),
             Column(s.text("followups.per_100"), "number"), Column(s.text("followups.after")),
             Column(s.text("followups.counted"), "number"),
             Column(s.text("followups.per_100"), "number"),
             Column(s.text("followups.change"), "number")],
            detail, title=s.text("followups.measured_title"),
            notes=[s.text("followups.caption", days=s.number(incident.thresholds.crisis_window_days))],
        ) if detail else Fragment(html="", text=""),
    )


def _followup_status(s: Strings, row: Any) -> str:
    if row.overdue:
        return s.text("followups.statuses.overdue", days=s.number(row.days_overdue))
    return s.text(f"followups.statuses.{row.status}")


def _change(s: Strings, change_pct: float) -> str:
    if change_pct is None or pd.isna(change_pct):
        return ""
    text = s.number(change_pct / 100, "percent")
    return f"+{text}" if change_pct > 0 else text


def _effect(s: Strings, row: Any) -> str:
    """The measured effect in one cell, or why there is none."""
    if row.measured != "yes":
        return s.text(f"followups.reasons.{row.measured}")
    before = s.number(row.before_per_100, "decimal")
    after = s.number(row.after_per_100, "decimal")
    change = _change(s, row.change_pct)
    key = "followups.effect_value" if change else "followups.effect_flat"
    return s.text(key, before=before, after=after, change=change)
