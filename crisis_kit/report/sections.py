"""What the post-mortem notebook shows: one call builds it, one-line cells display it.

:func:`build` runs :func:`crisis_kit.pipeline.run_analysis` once, draws every figure
from the frozen :class:`~crisis_kit.pipeline.Analysis` it returns, and gives back a
frozen :class:`Report`; each of its methods returns a
:class:`~crisis_kit.report.fragments.Fragment` for one notebook cell. Nothing here
computes a number of the post-mortem: the Analysis holds them, and
:mod:`crisis_kit.report.views` only arranges them into tables. Every word comes from
the strings file of the chosen language.

Sections, in design.md section 11's order: summary, timeline, complaint volume and
topics, rating trajectory and forecast, response lanes, statement review, Plan of
Action with the remedy options (:mod:`crisis_kit.report.review`), sales recovery,
comparison with the other incidents of the workspace (:mod:`crisis_kit.report.comparison`),
evidence appendix.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..analysis.forecast import measured_coverage
from ..analysis.voice import VOC_WINDOW_DAYS
from ..config import SAMPLE_INCIDENT, load_incident
from ..errors import ConfigError, CrisisKitError
from ..language import load_strings, resolve_language
from ..pipeline import run_analysis
from . import charts, comparison, fragments, keyfigures, review, views
from . import workspace as archive
from .charts import FIGURES
from .fragments import Column, Fragment
from .page import Page
from .provenance import require_store, version

__all__ = ["FIGURES", "Report", "build", "require_store", "resolve_language", "version"]

AMAZON_RESPONSE_TARGET = 0.9
"""Seller Central's target for buyer messages answered within 24 hours (over 90 %)."""
_HOURS_SHOWN = 72  # the timeline counts hours and minutes this long after the onset, then days


@dataclass(frozen=True, eq=False)
class Report(Page):
    """One post-mortem (:class:`~crisis_kit.report.page.Page`) with a method per notebook cell."""

    # -- masthead and headings ----------------------------------------------------------
    def masthead(self) -> Fragment:
        """The report's title and what it covers."""
        s = self.strings
        title = s.text("document_title", title=self.incident.title or self.incident.incident)
        subtitle = s.text(
            "subtitle", incident=self.incident.incident,
            marketplace=self.incident.marketplace, as_of=s.date(self.as_of),
        )
        html = fragments.render("masthead", title=title, subtitle=subtitle)
        # The page's <title>, lang and contents label travel with the notebook, so that
        # `jupyter nbconvert --to crisis-html` exports it alone (report/export.py).
        page = {"title": title, "html_lang": s.text("html_lang"), "contents_label": s.text("contents")}
        return Fragment(html=html, text=f"{title}\n{subtitle}", meta={"page": page})

    def heading(self, section: str, level: int = 2) -> Fragment:
        """A section heading (``summary``, ``timeline``, ``volume``, ``rating``, ...)."""
        return fragments.heading(section, self.strings.text(f"sections.{section}"), level)

    # -- summary --------------------------------------------------------------------------
    def key_figures(self) -> Fragment:
        """The key figures, all from :meth:`Analysis.summary` (hence equal to ``summary.json``).

        The fragment carries that summary in its output metadata, so the report runner
        writes ``summary.json`` from the very numbers the page shows.
        """
        return keyfigures.key_figures(self)

    # -- timeline -------------------------------------------------------------------------
    def timeline(self) -> Fragment:
        """The key moments (:func:`views.key_moments`) as a table, in time order."""
        s = self.strings
        rows = [[s.time(m.at) if pd.notna(m.at) else s.date(m.local_date),
                 self._after_onset(m), self._moment(m), self._moment_detail(m)]
                for m in self.moments.itertuples()]
        return fragments.concat(
            fragments.note(s.text("timeline.lead"), lead=True),
            fragments.table(
                [Column(s.text("timeline.when")), Column(s.text("timeline.after")),
                 Column(s.text("timeline.moment")), Column(s.text("timeline.detail"), "words")],
                rows, empty=s.text("timeline.none"),
                notes=[s.text("times_note", marketplace=self.incident.marketplace)] if rows else [],
            ),
        )

    def _after_onset(self, moment: Any) -> str:
        """Hours and minutes in the first three days (a timed moment), else the day number."""
        s = self.strings
        if pd.notna(moment.at) and abs(moment.value) < _HOURS_SHOWN:
            return s.duration(moment.value)
        return "" if pd.isna(moment.day) else s.text("timeline.day", day=int(moment.day))

    def _moment(self, moment: Any) -> str:
        s = self.strings
        if moment.kind == "first_action":
            return s.text("timeline.first_action", lane=self.label("lanes", moment.lane))
        if moment.kind == "action":
            return self.label("lanes", moment.lane)
        return s.text(f"timeline.kinds.{moment.kind}")

    def _moment_detail(self, moment: Any) -> str:
        s, t, kind = self.strings, self._t, moment.kind
        if kind in ("action", "first_action"):
            return moment.detail  # the team's own words: escaped by the table
        key = f"timeline.details.{kind}"
        if kind == "alert":
            return s.text(key, growth=s.number(t.negative_growth, "percent_whole"),
                          floor=s.number(t.min_negative_per_day))
        if kind == "peak":
            return s.text(key, count=s.number(moment.value))
        if kind in ("rating_trough", "rating_recovered"):
            return s.text(key, window=t.rating_window_days, rating=s.number(moment.value, "rating"))
        if kind == "rating_forecast":
            f = self.analysis.rating.forecast
            beyond = s.text("rating.beyond", horizon=s.number(f.horizon_days))
            return s.text(key, interval=s.number(f.interval, "percent_whole"),
                          lower=s.date(f.lower) or beyond, upper=s.date(f.upper) or beyond)
        if kind == "sales_trough":
            return s.text(key, index=s.number(moment.value, "percent"))
        if kind.startswith("sales_"):
            return s.text(key, index=s.number(moment.value, "percent_whole"))
        return s.text(key)

    # -- figures --------------------------------------------------------------------------
    def figure(self, name: str) -> Fragment:
        """One of :data:`FIGURES` with its caption; the section's note when it has no data."""
        s = self.strings
        if name not in FIGURES:
            raise KeyError(f"no figure {name!r}; the report has {', '.join(FIGURES)}")
        if name not in self.figures:
            if name in ("negative_volume", "topic_shares"):
                return fragments.note(s.text("volume.none"))
            return Fragment(html="", text="")  # the section's outlook says why
        div_id = "figure-" + name.replace("_", "-")
        return fragments.figure(self.figures[name], div_id, self._caption(name))

    def _absent(self, section: str) -> str:
        """Why a section measured from the onset has nothing to show."""
        no_onset = self.analysis.detection.onset is None
        return self.strings.text(f"{section}.no_onset" if no_onset else f"{section}.none")

    def _caption(self, name: str) -> str:
        s, t = self.strings, self._t
        if name == "negative_volume":
            text = s.text("volume.caption", marketplace=self.incident.marketplace)
            return text + (s.text("volume.caption_alert")
                           if self.analysis.detection.alert_date else "")
        if name == "topic_shares":
            return s.text("topics.caption")
        if name == "rating_trajectory":
            text = s.text("rating.caption", window=t.rating_window_days,
                          target=s.number(t.target_rating, "rating"))
            forecast = self.analysis.rating.forecast if self.analysis.rating else None
            if forecast is not None and not forecast.path.empty:
                text += " " + s.text("rating.caption_forecast",
                                     interval=s.number(forecast.interval, "percent_whole"),
                                     simulations=s.number(forecast.simulations))
            return text
        if name == "response_lanes":
            return s.text("response.caption")
        if name == "incident_comparison":
            return s.text("comparison.figure_caption")
        return s.text("sales.caption")

    # -- complaint volume and topics --------------------------------------------------------
    def topic_drivers(self) -> Fragment:
        """Which topics drove the crisis, what no topic names, and Amazon's own topics."""
        return fragments.concat(self._topic_drivers(), self.unnamed_phrases(),
                                self.amazon_topics())

    def amazon_topics(self) -> Fragment:
        """Amazon's Customer Feedback topics beside the kit's, for the same ASINs and days."""
        s, found = self.strings, self.analysis.amazon_topics
        if found is None or (found.comparison.empty and found.returns.empty):
            return Fragment(html="", text="")
        verdicts = s.section("amazon_topics")["verdicts"]

        def pct(value: Any) -> str:
            return "" if value is None or pd.isna(value) else s.number(value / 100, "percent")

        parts = [fragments.note(s.text("amazon_topics.lead"), lead=True)]
        for lead in found.leading.itertuples():
            words = dict(asin=lead.asin, start=s.date(lead.period_start),
                         end=s.date(lead.period_end), amazon=lead.amazon_topic or "",
                         amazon_kit=self.label("topics", lead.amazon_kit_topic),
                         kit=self.label("topics", lead.kit_topic) if lead.kit_topic
                         else s.text("amazon_topics.none"))
            key = "amazon_topics.agree" if lead.agree else "amazon_topics.differ"
            table = found.comparison[found.comparison["asin"] == lead.asin]
            notes: list[str | tuple[str, bool]] = [s.text("amazon_topics.caption")]
            for r in table.itertuples():
                if r.verdict == "amazon_only":
                    notes.append(s.text("amazon_topics.amazon_only_note", names=r.amazon_topics,
                                        topic=self.label("topics", r.kit_topic)))
                elif r.verdict == "kit_only":
                    notes.append(s.text("amazon_topics.kit_only_note",
                                        topic=self.label("topics", r.kit_topic),
                                        count=s.number(r.kit_negative)))
            rows = [[self.label("topics", r.kit_topic),
                     r.amazon_topics if isinstance(r.amazon_topics, str) else "",
                     s.number(r.amazon_mentions) if r.amazon_mentions else "",
                     pct(r.amazon_occurrence_pct), s.number(r.amazon_star_impact, "excess"),
                     s.number(r.kit_negative), pct(r.kit_share_pct),
                     verdicts.get(r.verdict, r.verdict)] for r in table.itertuples()]
            parts.append(fragments.note(s.text(key, **words), warning=not lead.agree))
            parts.append(fragments.table(
                [Column(s.text("amazon_topics.kit_topic")),
                 Column(s.text("amazon_topics.amazon_names"), "words"),
                 Column(s.text("amazon_topics.mentions"), "number"),
                 Column(s.text("amazon_topics.occurrence"), "number"),
                 Column(s.text("amazon_topics.impact"), "number"),
                 Column(s.text("amazon_topics.kit_negative"), "number"),
                 Column(s.text("amazon_topics.kit_share"), "number"),
                 Column(s.text("amazon_topics.verdict"))],
                rows, title=s.text("amazon_topics.title", asin=lead.asin), notes=notes))
        if not found.trend.empty:
            rows = [[t.asin, t.topic, self.label("topics", t.kit_topic),
                     s.text("amazon_topics.month_value", year=t.month.year, month=t.month.month),
                     pct(t.amazon_pct), pct(t.kit_pct), s.number(t.reviews)]
                    for t in found.trend.itertuples()]
            parts.append(fragments.table(
                [Column(s.text("voc.asin"), "mono"), Column(s.text("amazon_topics.amazon_topic"),
                                                            "words"),
                 Column(s.text("amazon_topics.kit_topic")), Column(s.text("amazon_topics.month")),
                 Column(s.text("amazon_topics.occurrence"), "number"),
                 Column(s.text("amazon_topics.kit_share"), "number"),
                 Column(s.text("amazon_topics.reviews"), "number")],
                rows, title=s.text("amazon_topics.trend_title"),
                notes=[s.text("amazon_topics.trend_caption")]))
        if not found.returns.empty:
            rows = [[r.name if isinstance(r.name, str) else r.browse_node_id, r.topic,
                     self.label("topics", r.kit_topic), pct(r.node_occurrence_pct),
                     s.number(r.kit_returns), pct(r.kit_share_pct)]
                    for r in found.returns.itertuples()]
            parts.append(fragments.table(
                [Column(s.text("amazon_topics.node"), "words"),
                 Column(s.text("amazon_topics.amazon_topic"), "words"),
                 Column(s.text("amazon_topics.kit_topic")),
                 Column(s.text("amazon_topics.node_share"), "number"),
                 Column(s.text("amazon_topics.kit_returns"), "number"),
                 Column(s.text("amazon_topics.kit_returns_share"), "number")],
                rows, title=s.text("amazon_topics.returns_title"),
                notes=[s.text("amazon_topics.returns_caption")]))
        return fragments.concat(*parts)

    def unnamed_phrases(self) -> Fragment:
        """The phrases most distinctive of the recent negatives that no topic matches."""
        s, table = self.strings, self.analysis.phrases
        if table is None or table.empty:
            return Fragment(html="", text="")
        rows = [[p.phrase, s.number(p.recent), s.number(p.before), s.number(p.z, "decimal"),
                 " / ".join(_short(e) for e in (p.example_1, p.example_2) if e)]
                for p in table.itertuples()]
        return fragments.table(
            [Column(s.text("phrases.phrase")), Column(s.text("phrases.recent"), "number"),
             Column(s.text("phrases.before"), "number"), Column(s.text("phrases.z"), "number"),
             Column(s.text("phrases.examples"), "words")],
            rows, title=s.text("phrases.title"), notes=[s.text("phrases.caption")])

    def _topic_drivers(self) -> Fragment:
        s = self.strings
        drivers = self.analysis.topic_drivers
        windows = self._windows
        if drivers.empty:
            return fragments.note(s.text("topics.drivers_none"))
        rows = [[self.label("topics", r.topic), s.number(r.crisis_negative),
                 s.number(r.crisis_share, "percent"), s.number(r.before_negative),
                 s.number(r.before_share, "percent"),
                 s.number(r.lift, "lift") or (s.text("topics.new") if r.crisis_negative else ""),
                 s.number(r.excess, "excess")]
                for r in drivers.itertuples()]
        return fragments.table(
            [Column(s.text("topics.topic")),
             Column(s.text("topics.crisis_negative", **windows), "number"),
             Column(s.text("topics.crisis_share"), "number"),
             Column(s.text("topics.before_negative", **windows), "number"),
             Column(s.text("topics.before_share"), "number"),
             Column(s.text("topics.lift"), "number"), Column(s.text("topics.excess"), "number")],
            rows, title=s.text("topics.drivers_title"),
            notes=[s.text("topics.drivers_caption", **windows)],
        )

    def representatives(self) -> Fragment:
        """Three complaints per leading topic, in the customers' words (redacted, escaped)."""
        s = self.strings
        quoted = self.analysis.representatives
        if quoted.empty:
            return fragments.note(s.text("topics.representatives_none"))
        columns = [Column(s.text("topics.date")), Column(s.text("topics.source")),
                   Column(s.text("topics.rating"), "number"),
                   Column(s.text("topics.helpful"), "number"), Column(s.text("topics.words"), "words")]
        caption = (s.text("topics.representatives_caption", days=self._t.crisis_window_days)
                   if self.analysis.detection.onset is not None
                   else s.text("topics.representatives_caption_all"))
        parts = [fragments.note(caption)]
        for topic, group in quoted.groupby("topic", sort=False):
            rows = [[s.date(q.local_date), self.label("sources", q.source), s.number(q.rating, "stars"),
                     s.or_none(s.number(q.helpful_votes)), s.redact(_words(q.title, q.text))]
                    for q in group.itertuples()]
            parts.append(fragments.table(columns, rows, title=self.label("topics", topic)))
        return fragments.concat(*parts)

    def social(self) -> Fragment:
        """Social-media mentions beside Amazon's negative signals: volume, platforms, topics."""
        s, view = self.strings, self.analysis.social
        if view is None:
            return fragments.note(s.text("social.none"))
        lead = s.text("social.lead", mentions=s.number(view.mentions), first=s.date(view.first_day),
                      last=s.date(view.last_day), platforms=s.number(len(view.by_platform)),
                      complaints=s.number(view.complaints),
                      first_complaint=s.or_none(s.date(view.first_complaint_day)),
                      first_amazon=s.or_none(s.date(view.first_amazon_day)))
        lines = [lead]
        if view.first_complaint_day and view.first_amazon_day \
                and view.first_complaint_day < view.first_amazon_day:
            lines.append(s.text("social.earlier", days=s.number(
                (view.first_amazon_day - view.first_complaint_day).days)))
        volume = [[s.date(p.start), s.number(p.mentions), s.number(p.complaints),
                   s.number(p.amazon_negative)] for p in view.by_period.itertuples()]
        platforms = [[p.platform if p.platform != "unknown" else s.text("social.unknown"),
                      s.number(p.mentions), s.number(p.complaints)]
                     for p in view.by_platform.itertuples()]
        topics = [[self.label("topics", t.topic), s.number(t.social),
                   s.number(t.social_share, "percent"), s.number(t.amazon),
                   s.number(t.amazon_share, "percent")] for t in view.topics.itertuples()]
        return fragments.concat(
            fragments.note(*lines, lead=True),
            fragments.table(
                [Column(s.text(f"social.{view.period}")), Column(s.text("social.mentions"), "number"),
                 Column(s.text("social.complaints"), "number"),
                 Column(s.text("social.amazon_negative"), "number")],
                volume, title=s.text("social.volume_title")),
            fragments.table(
                [Column(s.text("social.platform")), Column(s.text("social.mentions"), "number"),
                 Column(s.text("social.complaints"), "number")],
                platforms, title=s.text("social.platforms_title")),
            fragments.table(
                [Column(s.text("social.topic")), Column(s.text("social.social"), "number"),
                 Column(s.text("social.social_share"), "number"),
                 Column(s.text("social.amazon"), "number"),
                 Column(s.text("social.amazon_share"), "number")],
                topics, title=s.text("social.topics_title"), notes=[s.text("social.caption")]),
        )

    # -- rating -----------------------------------------------------------------------------
    def rating_outlook(self) -> Fragment:
        """Baseline, trough and latest rating, the recovery, five-star reviews and forecast."""
        s, rating = self.strings, self.analysis.rating
        if rating is None and self.analysis.health is not None:
            return self._calm()
        if rating is None or rating.trajectory.empty:
            return fragments.note(self._absent("rating"))
        window, target = rating.window_days, s.number(rating.target, "rating")
        latest = s.or_none(s.number(rating.latest, "rating"))
        if rating.baseline is not None and rating.trough is not None:
            opening = s.text("rating.baseline", window=window,
                             baseline=s.number(rating.baseline, "rating"),
                             trough=s.number(rating.trough, "rating"),
                             trough_date=s.date(rating.trough_date), latest=latest,
                             as_of=s.date(rating.trajectory["local_date"].iloc[-1]))
        else:
            opening = s.text("rating.baseline_unknown", window=window, latest=latest,
                             as_of=s.date(rating.trajectory["local_date"].iloc[-1]))
        recovered = (s.text("rating.recovered", target=target, date=s.date(rating.recovered_date))
                     if rating.recovered_date is not None else "")
        needed = rating.five_star_reviews_to_target
        five_star = (s.text("rating.five_star_never") if needed is None else
                     s.text("rating.five_star_met", window=window, target=target) if needed == 0
                     else s.text("rating.five_star", count=s.number(needed), window=window,
                                 target=target))
        f = rating.forecast
        beyond = s.text("rating.beyond", horizon=s.number(f.horizon_days))
        forecast = s.text(
            f"rating.forecast.{f.status}", target=target, date=s.date(f.target_date),
            interval=s.number(f.interval, "percent_whole"),
            lower=s.date(f.lower) or beyond, upper=s.date(f.upper) or beyond,
            probability=s.number(f.probability, "percent_whole"),
            horizon=s.number(f.horizon_days), lookback=s.number(f.lookback_days),
            pace=s.or_none(s.number(f.reviews_per_day, "decimal")),
        )
        measured = measured_coverage(f)
        if measured is not None:  # how often this model's interval held on real histories
            forecast += " " + s.text(
                "rating.calibration", interval=s.number(f.interval, "percent_whole"),
                **{f"h{h}": s.number(measured[h], "percent_whole") for h in ("30", "60", "90")})
        return fragments.note(" ".join(p for p in (opening, recovered) if p), five_star,
                              forecast, lead=True)

    def _calm(self) -> Fragment:
        """No onset: the product's health on the last day, and how far the alert is."""
        s, h = self.strings, self.analysis.health
        t = self.incident.thresholds
        rating = (s.text("calm.rating", window=t.rating_window_days,
                         rating=s.number(h.rating, "rating"),
                         lifetime=s.or_none(s.number(h.lifetime_rating, "rating")),
                         reviews=s.number(h.reviews_in_window), date=s.date(h.day))
                  if h.rating is not None else s.text("calm.no_rating", date=s.date(h.day)))
        volume = s.text("calm.volume", per_day=s.number(h.events_per_day, "decimal"),
                        negative=s.number(h.negative_recent), signals=s.number(h.signals_recent),
                        share=s.or_none(s.number(h.share_recent, "percent")),
                        before=s.or_none(s.number(h.share_before, "percent")))
        fire = (s.text("calm.fires_today") if h.to_fire == 0 else
                s.text("calm.to_fire", count=s.number(h.to_fire), today=s.number(h.negatives_today)))
        rows = [[self.label("topics", r.topic), s.number(r.recent), s.number(r.before)]
                for r in h.topics.head(5).itertuples()]
        table = fragments.table(
            [Column(s.text("calm.topic")), Column(s.text("calm.recent"), "number"),
             Column(s.text("calm.before"), "number")], rows,
            title=s.text("calm.topics_title"), empty=s.text("calm.topics_none"))
        return fragments.concat(fragments.note(rating, volume, fire, lead=True), table)

    # -- response lanes ----------------------------------------------------------------------
    def response_outlook(self) -> Fragment:
        """What the lanes are measured against, and the times to the statement and the POA."""
        s, response = self.strings, self.analysis.response
        if response is None:
            return fragments.note(self._absent("response"))
        lines = [s.text("response.lead", hours=s.number(response.golden_hours, "plain"),
                        onset=s.time(response.onset.tz_convert(self.analysis.tz)))]
        if response.statement is not None:
            lines.append(s.text("response.statement_at",
                                duration=s.duration(response.statement.hours)))
        if response.plan_of_action is not None:
            lines.append(s.text("response.poa_at",
                                duration=s.duration(response.plan_of_action.hours)))
        return fragments.note(*lines, lead=True)

    def response_lanes(self) -> Fragment:
        """Each lane's first action after the onset, then the buyer messages' response times."""
        return fragments.concat(self._response_lanes(), self.buyer_messages())

    def buyer_messages(self) -> Fragment:
        """The buyer messages as Amazon measures them, before the onset and since.

        Answered within 24 hours, unanswered, average hours, beside the golden hours.
        """
        s, replies = self.strings, self.analysis.messages
        if replies is None:
            return Fragment(html="", text="")
        golden = s.number(replies.golden_hours, "plain")
        periods = [replies.before, replies.period] if replies.before is not None else [
            replies.period]

        def row(label: str, value: Any) -> list[str]:
            return [label, *(value(p) for p in periods)]

        def share(name: str) -> Any:
            return lambda p: s.number(getattr(p, name), "percent")

        rows = [
            row(s.text("messages.received"), lambda p: s.number(p.received)),
            row(s.text("messages.due"), lambda p: s.number(p.due)),
            row(s.text("messages.within_24h"), share("within_24h_share")),
            row(s.text("messages.unanswered"), share("unanswered_share")),
            row(s.text("messages.within_golden", hours=golden),
                share("within_golden_hours_share")),
            row(s.text("messages.average"), lambda p: s.duration(p.average_response_hours)),
            row(s.text("messages.median"), lambda p: s.duration(p.median_response_hours)),
        ]
        headers = ([s.text("messages.before", days=s.number(self._t.baseline_days)),
                    s.text("messages.since")] if replies.before is not None
                   else [s.text("messages.all")])
        notes: list[str | tuple[str, bool]] = [s.text("messages.caption")]
        if replies.first_answer_hours is not None:
            notes.append((s.text("messages.first_answer", duration=s.duration(
                replies.first_answer_hours), hours=golden,
                verdict=s.text("answer_yes" if replies.first_answer_met else "answer_no")),
                not replies.first_answer_met))
        elif replies.onset is not None:
            notes.append((s.text("messages.no_answer_since"), True))
        late = replies.period.within_24h_share
        if late is not None and late < AMAZON_RESPONSE_TARGET:
            notes.append((s.text("messages.below_target", share=s.number(late, "percent"),
                                 target=s.number(AMAZON_RESPONSE_TARGET, "percent_whole")),
                          True))
        return fragments.table(
            [Column(s.text("messages.figure")), *(Column(h, "number") for h in headers)],
            rows, title=s.text("messages.title"), notes=notes)

    def _response_lanes(self) -> Fragment:
        s, response = self.strings, self.analysis.response
        if response is None:
            return Fragment(html="", text="")
        hours = s.number(response.golden_hours, "plain")
        rows = [[self.label("lanes", lane.lane), lane.action, s.time(lane.first_at),
                 s.duration(lane.hours) or s.text("summary.no_action"),
                 s.text("answer_yes" if lane.met else "answer_no") if pd.notna(lane.hours)
                 else s.text("answer_no")]
                for lane in self.lanes.itertuples()]
        notes: list[str | tuple[str, bool]] = [
            s.text("times_note", marketplace=self.incident.marketplace)]
        if response.missing_golden_lanes:
            notes.append((s.text("response.missing", lanes=", ".join(
                self.label("lanes", x) for x in response.missing_golden_lanes)), True))
        return fragments.table(
            [Column(s.text("response.lane")), Column(s.text("response.action"), "words"),
             Column(s.text("response.at")), Column(s.text("response.hours"), "number"),
             Column(s.text("response.met", hours=hours))],
            rows, empty=s.text("response.none"), notes=notes,
        )

    # -- statement review, Plan of Action, remedy options (crisis_kit/report/review.py) -------
    def statement_review(self) -> Fragment:
        """The statement's score and verdict, STAR parts, flagged words and commitments."""
        return review.statement_review(self)

    def plan_of_action(self) -> Fragment:
        """The POA draft (its own escaped HTML); its Markdown rides in the output metadata."""
        return review.plan_of_action(self)

    def remedy_options(self) -> Fragment:
        """Each remedy's cost over the affected orders, beside what followed its first day."""
        return review.remedy_options(self)

    def followups(self) -> Fragment:
        """The POA's follow-ups, overdue first, and the measured effect of each done one."""
        return review.followups(self)

    # -- sales recovery ----------------------------------------------------------------------
    def sales_outlook(self) -> Fragment:
        """The baseline the sales index is measured against."""
        s, sales = self.strings, self.analysis.sales
        if sales is None or sales.daily.empty:
            return fragments.note(self._absent("sales"))
        if sales.baseline_units_per_day is None:
            return fragments.note(s.text("sales.lead_none"))
        lead = fragments.note(s.text("sales.lead", units=s.number(sales.baseline_units_per_day,
                                                                 "decimal"),
                                     days=s.number(sales.baseline_days_covered)), lead=True)
        shared = sales.shared_children
        if shared.empty:
            return lead
        return fragments.concat(lead, *(
            fragments.note(s.text("sales.shared_child", asin=c.asin, parents=c.parents,
                                  days=s.number(c.days)))
            for c in shared.itertuples()))

    def sales_phases(self) -> Fragment:
        """The phases of the recovery, the marketing lane's interventions, Amazon's NCX view."""
        return fragments.concat(self._sales_phases(), self.voice_of_customer())

    def _sales_phases(self) -> Fragment:
        s, sales = self.strings, self.analysis.sales
        if sales is None or sales.daily.empty:
            return Fragment(html="", text="")
        phases = self.strings.section("phases")
        phase_rows = [[phases.get(p.phase, p.phase), s.date(p.start), s.date(p.end),
                       s.number(p.days), s.number(p.mean_units, "decimal"),
                       s.number(p.mean_index, "percent")]
                      for p in sales.phases.itertuples() if p.days]
        marker_rows = [[str(i), s.time(m.at), m.action, m.channel if isinstance(m.channel, str)
                        else "", s.number(m.sales_index, "percent")]
                       for i, m in enumerate(sales.markers.itertuples(), start=1)]
        return fragments.concat(
            fragments.table(
                [Column(s.text("sales.phase")), Column(s.text("sales.start")),
                 Column(s.text("sales.end")), Column(s.text("sales.days"), "number"),
                 Column(s.text("sales.mean_units"), "number"),
                 Column(s.text("sales.mean_index"), "number")],
                phase_rows, title=s.text("sales.phases_title"),
            ),
            fragments.table(
                [Column(s.text("sales.number"), "number"), Column(s.text("sales.date")),
                 Column(s.text("sales.action"), "words"), Column(s.text("sales.channel"), "mono"),
                 Column(s.text("sales.index"), "number")],
                marker_rows, title=s.text("sales.interventions_title"),
                empty=s.text("sales.interventions_none"),
            ),
        )

    def campaigns(self) -> Fragment:
        """Each outreach campaign's reach and conversion, beside sales and rating that day."""
        s, table = self.strings, self.analysis.campaigns
        if table is None or table.empty:
            return fragments.note(s.text("campaigns.none"))
        benchmark = self._t.campaign_conversion

        def counted(count: Any, rate: Any) -> str:
            if pd.isna(count):
                return ""
            share = s.number(rate, "percent")
            return s.text("campaigns.share", count=s.number(count), share=share) if share \
                else s.number(count)

        rows = [[s.text("campaigns.key", number=int(c.number)), s.date(c.local_date),
                 s.text("campaigns.action_audience", action=c.action, audience=c.audience)
                 if isinstance(c.audience, str) else c.action,
                 c.channel if isinstance(c.channel, str) else "",
                 "" if pd.isna(c.sent) else s.number(c.sent), counted(c.opened, c.open_rate),
                 counted(c.clicked, c.click_rate), counted(c.replied, c.reply_rate),
                 counted(c.redeemed, c.conversion), s.number(c.sales_index, "percent"),
                 s.number(c.rating, "rating")]
                for c in table.itertuples()]
        notes: list[str | tuple[str, bool]] = [
            s.text("campaigns.caption", benchmark=s.number(benchmark, "percent_whole"))]
        for c in table[table["conversion"].notna() & table["coupon"]].itertuples():
            met = c.conversion >= benchmark
            notes.append((s.text("campaigns.benchmark", action=c.action,
                                 conversion=s.number(c.conversion, "percent"),
                                 redeemed=s.number(c.redeemed), reach=s.number(c.sent),
                                 verdict=s.text("campaigns.above" if met else "campaigns.below"),
                                 benchmark=s.number(benchmark, "percent_whole")), not met))
        return fragments.concat(
            fragments.note(s.text("campaigns.lead"), lead=True),
            fragments.table(
                [Column(s.text("campaigns.number"), "mono"), Column(s.text("campaigns.date")),
                 Column(s.text("campaigns.action"), "words"),
                 Column(s.text("campaigns.channel"), "mono"),
                 Column(s.text("campaigns.reach"), "number"),
                 Column(s.text("campaigns.opened"), "number"),
                 Column(s.text("campaigns.clicked"), "number"),
                 Column(s.text("campaigns.replied"), "number"),
                 Column(s.text("campaigns.redeemed"), "number"),
                 Column(s.text("campaigns.sales_index"), "number"),
                 Column(s.text("campaigns.rating"), "number")],
                rows, title=s.text("campaigns.title"), notes=notes),
        )

    def voice_of_customer(self) -> Fragment:
        """Amazon's NCX rate and CX Health per ASIN and day, and each change of band."""
        s, voc = self.strings, self.analysis.voc
        if voc is None or voc.empty:
            return Fragment(html="", text="")
        voc = voc.sort_values(["asin", "date"])
        rows = [[v.asin, s.date(pd.Timestamp(v.date).date()),
                 s.number(v.total_orders) if pd.notna(v.total_orders) else "",
                 s.number(v.ncx_orders) if pd.notna(v.ncx_orders) else "",
                 s.number(v.ncx_rate / 100, "percent") if pd.notna(v.ncx_rate) else "",
                 v.top_ncx_reason if isinstance(v.top_ncx_reason, str) else "",
                 v.cx_health if isinstance(v.cx_health, str) else ""]
                for v in voc.itertuples()]
        notes: list[str | tuple[str, bool]] = [s.text("voc.caption")]
        for asin, days in voc.groupby("asin", sort=True):
            bands = days[["date", "cx_health"]].dropna()
            changed = bands["cx_health"].ne(bands["cx_health"].shift()) & bands.index.isin(
                bands.index[1:])
            for i in bands.index[changed]:
                before = bands["cx_health"].shift().loc[i]
                notes.append(s.text("voc.changed", asin=asin, before=before,
                                    after=bands.at[i, "cx_health"],
                                    date=s.date(pd.Timestamp(bands.at[i, "date"]).date())))
        return fragments.concat(fragments.table(
            [Column(s.text("voc.asin"), "mono"), Column(s.text("voc.date")),
             Column(s.text("voc.orders"), "number"), Column(s.text("voc.ncx_orders"), "number"),
             Column(s.text("voc.ncx_rate"), "number"), Column(s.text("voc.reason"), "words"),
             Column(s.text("voc.health"))],
            rows, title=s.text("voc.title"), notes=notes,
        ), self.voice_beside())

    def voice_beside(self) -> Fragment:
        """Each ASIN's NCX rate and CX Health beside the kit's figures for the same days."""
        s, table = self.strings, self.analysis.voc_beside
        if table is None or table.empty:
            return Fragment(html="", text="")
        kinds = ("reason_differs", "direction_differs", "band_vs_alert")
        labels = s.section("voc")["disagree"]

        def pct(value: Any) -> str:
            return "" if value is None or pd.isna(value) else s.number(value / 100, "percent")

        def topic(value: Any) -> str:
            return self.label("topics", value) if isinstance(value, str) else ""

        rows, notes = [], [s.text("voc.beside_caption", days=VOC_WINDOW_DAYS)]
        for r in table.itertuples():
            band = r.cx_health if isinstance(r.cx_health, str) else ""
            if r.band_changed:
                band = s.text("voc.band_was", band=band, before=r.previous_band)
            found = [labels[k] for k in kinds if getattr(r, k)]
            rows.append([r.asin, s.date(r.date), pct(r.ncx_rate), band,
                         pct(r.kit_negative_share), s.number(r.kit_per_100_orders, "decimal"),
                         topic(r.reason_topic), topic(r.kit_topic), "; ".join(found)])
            day = s.date(r.date)
            if r.reason_differs:
                notes.append((s.text("voc.reason_note", asin=r.asin, date=day,
                                     reason=r.top_ncx_reason, amazon=topic(r.reason_topic),
                                     kit=topic(r.kit_topic) or s.text("amazon_topics.none")),
                              True))
            if r.direction_differs:
                notes.append((s.text("voc.direction_note", asin=r.asin, date=day), True))
            if r.band_vs_alert:
                key = "voc.band_good_note" if _band_good(band) else "voc.band_poor_note"
                notes.append((s.text(key, asin=r.asin, date=day, band=r.cx_health), True))
        return fragments.table(
            [Column(s.text("voc.asin"), "mono"), Column(s.text("voc.date")),
             Column(s.text("voc.ncx_rate"), "number"), Column(s.text("voc.health")),
             Column(s.text("voc.kit_share", days=VOC_WINDOW_DAYS), "number"),
             Column(s.text("voc.kit_per_100"), "number"), Column(s.text("voc.reason_topic")),
             Column(s.text("voc.kit_topic")), Column(s.text("voc.disagreement"), "words")],
            rows, title=s.text("voc.beside_title"), notes=notes)

    # -- comparison with the other incidents of the workspace (report/comparison.py) --------
    def comparison(self) -> Fragment:
        """The incident beside the others of its workspace; a sentence when it stands alone."""
        return comparison.comparison(self)

    # -- evidence appendix --------------------------------------------------------------------
    def evidence_files(self) -> Fragment:
        """Every ingested file (once) with its hash and row counts, and whether they balance."""
        s = self.strings
        counts = ["rows_read", "accepted", "rejected", "duplicates"]
        files = self.analysis.files
        # A file ingested again unchanged (same name, bytes and marketplace) adds nothing:
        # a scheduled monitor re-reads the exports folder every day, and the appendix lists
        # each file once, with the counts of its first ingest.
        again = files.duplicated(["name", "sha256", "marketplace"]) & files["records_added"].eq(0)
        repeats = int(again.sum())
        files = files[~again]
        tables = self.strings.section("tables")
        rows = [
            [f.name, f.format, f.encoding, tables.get(f.table_name, f.table_name), f.sha256,
             *(s.number(getattr(f, c)) for c in counts)]
            for f in files.itertuples()
        ]
        footer = None
        if len(files):
            footer = [s.text("evidence.total"), "", "", "", "",
                      *(s.number(files[c].sum()) for c in counts)]
        unbalanced = files[
            files["rows_read"] != files["accepted"] + files["rejected"] + files["duplicates"]
        ]
        notes: list[str | tuple[str, bool]] = [s.text("evidence.caption")]
        if repeats:
            notes.append(s.text("evidence.repeats", count=s.number(repeats)))
        voc = self.analysis.voc
        if voc is not None and len(voc):
            notes.append(s.text("voc.evidence", rows=s.number(len(voc)),
                                asins=s.number(voc["asin"].nunique())))
        if self.incident.followups and len(self.analysis.followups):
            path = self.incident.resolve(self.incident.followups)
            notes.append(s.text("evidence.followups", file=path.name,
                                sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
                                measures=s.number(len(self.analysis.followups))))
        if len(unbalanced):
            names = ", ".join(unbalanced["name"].astype(str))
            notes.append((s.text("evidence.unbalanced", files=names), True))
        return fragments.table(
            [Column(s.text("evidence.file"), "name"), Column(s.text("evidence.format"), "name"),
             Column(s.text("evidence.encoding")), Column(s.text("evidence.table")),
             Column(s.text("evidence.sha256"), "hash"),
             *(Column(s.text(f"evidence.{c}"), "number") for c in counts)],
            rows, footer=footer, empty=s.text("evidence.none"), notes=notes,
        )

    def run_parameters(self) -> Fragment:
        """The parameters of the run, in place of papermill's injected-parameters cell."""
        s, t = self.strings, self._t
        values = [
            ("incident", self.incident.incident),
            ("title", self.incident.title),
            ("incident_file", self.incident_file),
            ("marketplace", self.incident.marketplace),
            ("language", s.text(f"languages.{s.lang}")),
            ("as_of", s.date(self.as_of)),
            ("negative_growth", s.number(t.negative_growth, "percent_whole")),
            ("min_negative_per_day", s.number(t.min_negative_per_day)),
            ("golden_hours", s.number(t.golden_hours, "plain")),
            ("rating_window_days", s.number(t.rating_window_days)),
            ("target_rating", s.number(t.target_rating, "rating")),
            ("baseline_days", s.number(t.baseline_days)),
            ("sales_target", s.number(t.sales_target, "percent_whole")),
            ("campaign_conversion", s.number(t.campaign_conversion, "percent_whole")),
            ("asins", ", ".join(self.incident.asins) or s.text("parameters.all_asins")),
            ("version", self.version),
        ]
        return fragments.table(
            [Column(s.text("parameters.name")), Column(s.text("parameters.value"), "words")],
            [[s.text(f"parameters.{key}"), value] for key, value in values],
            notes=[s.text("parameters.caption")],
        )


def _band_good(band: str) -> bool:
    """Whether a CX Health band is Excellent or Good (as the download writes it)."""
    return band.strip().lower().startswith(("excellent", "good"))


def _short(text: str, limit: int = 120) -> str:
    """A complaint cut to ``limit`` characters (escaped when rendered, like every cell)."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _words(title: object, text: object) -> str:
    return " — ".join(p for p in (title, text) if isinstance(p, str) and p.strip())


def build(incident_path: str | Path, lang: str = "", as_of: str = "") -> Report:
    """Run the analysis once and arrange everything the report shows.

    Parameters
    ----------
    incident_path : str or Path
        The ``incident.yaml``; empty for the bundled sample incident.
    lang : str
        ``en`` or ``zh``; empty for the incident's ``language``.
    as_of : str
        Last day of the report (``YYYY-MM-DD``); empty for all the data (the report
        then says it covers up to the last day with an event). Later events, sales and
        actions are left out, so a report "as of" a day shows what was known then.

    Returns
    -------
    Report

    Raises
    ------
    ConfigError
        If the incident file, ``lang`` or ``as_of`` is invalid.
    CrisisKitError
        If the evidence store is missing or holds no event of the incident.
    """
    incident_path = incident_path or SAMPLE_INCIDENT
    incident = load_incident(incident_path)
    strings = load_strings(resolve_language(lang, incident))
    require_store(incident, incident_path)
    try:
        day = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise ConfigError(f"as_of {as_of!r} is not a date", "parameter as_of",
                          "give a date as YYYY-MM-DD") from None
    # the POA is drafted once, in the words of the report's language
    analysis = run_analysis(incident, as_of=day, lang=strings.lang)
    if analysis.events.empty:
        raise CrisisKitError(
            "the evidence store holds no complaint events", str(incident.store_path),
            f"check the complaints files of {incident_path} and run `crisis-kit ingest` again",
        )
    by_source = views.daily_by_source(analysis)
    lanes = views.lane_table(analysis.response, analysis.tz)
    topic_labels = charts.topic_labels(strings)
    # the other incidents of the workspace, this one from the Analysis above (not re-run)
    compared = archive.comparison_for(incident, analysis=analysis)
    return Report(
        analysis=analysis,
        incident_file=Path(incident_path).name,
        strings=strings,
        as_of=views.last_day(analysis),
        daily_by_source=by_source,
        moments=views.key_moments(analysis),
        lanes=lanes,
        topic_labels=topic_labels,
        comparison_table=compared,
        figures=charts.draw(analysis, strings, by_source, lanes, topic_labels, compared),
        version=version(),
    )
