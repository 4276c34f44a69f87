"""The key figures of the summary: :meth:`Analysis.summary` as cards, in the report's words.

Every value is read from the summary dict that ``summary.json`` is written from, so the
page and the file cannot disagree; the fragment carries that dict in its output
metadata for :func:`crisis_kit.report.run.summary_of`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..analysis.response import GOLDEN_LANES
from ..config.taxonomy import OTHER
from ..figures import theme
from . import fragments
from .fragments import Column, Fragment
from .page import Page

__all__ = ["key_figures"]


def key_figures(report: Page) -> Fragment:
    """The key figures, all from :meth:`Analysis.summary` (hence equal to ``summary.json``).

    The fragment carries that summary in its output metadata, so the report runner
    writes ``summary.json`` from the very numbers the page shows.
    """
    s = report.strings
    summary = report.analysis.summary()
    c, d = summary["complaints"], summary["detection"]
    rating, sales, response = summary["rating"], summary["sales"], summary["response"]
    days = pd.to_datetime(report.analysis.events["local_date"])
    parts = [fragments.cards([
        {"key": "complaints.total", "label": s.text("summary.total"),
         "value": s.number(c["total"]),
         "note": s.text("summary.period_note", first=s.date(days.min()),
                        last=s.date(report.as_of))},
        {"key": "complaints.negative", "label": s.text("summary.negative"),
         "value": s.number(c["negative"]),
         "note": s.text("summary.negative_note",
                        share=s.number(c["negative"] / c["total"], "percent"))
         if c["total"] else ""},
        *_top_topic_card(report, c),
    ], title=s.text("summary.complaints"))]
    parts.append(fragments.cards(_detection_cards(report, d), title=s.text("summary.detection")))
    if d["onset"] is None:
        parts.append(fragments.note(s.text("summary.no_onset")))
        if d["share_alert_date"] or d["low_volume_alert_date"]:
            parts.append(fragments.note(s.text(
                "summary.no_onset_share_alert", file="incident.yaml", setting="onset:",
                detectors=s.text("summary.note_join").join(_share_alerts(report, d)))))
    else:
        parts += [
            fragments.cards(_response_cards(report, response), title=s.text("summary.response")),
            fragments.cards(_rating_cards(report, rating), title=s.text("summary.rating")),
            fragments.cards(_sales_cards(report, sales), title=s.text("summary.sales")),
        ]
    parts.append(fragments.note(s.text("times_note", marketplace=report.incident.marketplace)))
    parts.append(_by_source(report, c["by_source"]))
    return fragments.concat(*parts, meta={"summary": summary})


def _top_topic_card(report: Page, complaints: Mapping[str, Any]) -> list[dict[str, str]]:
    s = report.strings
    counts = {k: v for k, v in complaints["by_topic"].items() if k != OTHER}
    if not counts or not complaints["negative"]:
        return []
    top = sorted(counts, key=lambda k: (-counts[k], k))[0]
    return [{"key": "complaints.by_topic", "label": s.text("summary.top_topic"),
             "value": report.label("topics", top),
             "note": s.text("summary.top_topic_note", count=s.number(counts[top]),
                            share=s.number(counts[top] / complaints["negative"], "percent"))}]


def _detection_cards(report: Page, d: Mapping[str, Any]) -> list[dict[str, str]]:
    s = report.strings
    statistical = (s.text("summary.alert_note", date=s.date(d["statistical_alert_date"]))
                   if d["statistical_alert_date"] else s.text("summary.alert_note_none"))
    cards = [{"key": "detection.alert_at", "label": s.text("summary.alert"),
              "value": s.time(d["alert_at"]) or s.text("summary.no_alert"),
              "note": s.text("summary.note_join").join([statistical, *_share_alerts(report, d)])}]
    kind = d.get("alert_kind")
    if kind:
        c = report.analysis.detection.alert_context or {}
        note = s.text(f"summary.kind_{kind.replace('-', '_')}")
        if c.get("week_signals"):
            note += " " + s.text("summary.kind_numbers", negative=s.number(c["week_negative"]),
                                 signals=s.number(c["week_signals"]),
                                 share=s.number(c["week_share"], "percent"),
                                 baseline=s.number(c["baseline_share"] or 0, "percent"))
        cards.append({"key": "detection.alert_kind", "label": s.text("summary.kind"),
                      "value": s.text(f"summary.kind_value_{kind.replace('-', '_')}"),
                      "note": note})
    if d["onset"] is not None:
        overridden = report.analysis.detection.onset_overridden
        cards.append({"key": "detection.onset", "label": s.text("summary.onset"),
                      "value": s.time(d["onset"]),
                      "note": s.text("summary.onset_overridden" if overridden
                                     else "summary.onset_is_alert")})
    if d["peak_date"] is not None:
        cards.append({"key": "detection.peak_negative", "label": s.text("summary.peak"),
                      "value": s.number(d["peak_negative"]),
                      "note": s.text("summary.peak_note", date=s.date(d["peak_date"]))})
    return cards


def _share_alerts(report: Page, d: Mapping[str, Any]) -> list[str]:
    """The share and low-volume detectors' first days, those that fired (docs/detection.md).

    They never set the onset, but on a quiet product (a few reviews a day) the low-volume
    detector is the only one that sees a dip: the page must say when it fired.
    """
    s = report.strings
    return [s.text(f"summary.{name}", date=s.date(d[key]))
            for key, name in (("share_alert_date", "alert_note_share"),
                              ("low_volume_alert_date", "alert_note_low_volume")) if d.get(key)]


def _response_cards(report: Page, r: Mapping[str, Any]) -> list[dict[str, str]]:
    s = report.strings
    hours = report.incident.thresholds.golden_hours
    first = report.analysis.response.first_response if report.analysis.response else None
    golden = report.lanes[report.lanes["lane"].isin(GOLDEN_LANES)]
    met = r["golden_window_met"]
    return [
        {"key": "response.first_response_hours", "label": s.text("summary.first_response"),
         "value": s.duration(r["first_response_hours"]) or s.text("summary.no_action"),
         "note": s.text("summary.first_response_note", lane=report.label("lanes", first.lane),
                        action=first.action) if first else ""},
        {"key": "response.golden_window_met",
         "label": s.text("summary.golden_window", hours=s.number(hours, "plain")),
         "value": s.or_none("" if met is None else
                                s.text("answer_yes" if met else "answer_no")),
         "tone": "" if met is None else ("good" if met else "bad"),
         "note": s.text("summary.golden_lanes_note", met=int(golden["met"].sum()),
                        total=len(golden))},
    ]


def _rating_cards(report: Page, r: Mapping[str, Any]) -> list[dict[str, str]]:
    s = report.strings
    target = s.number(r["target"], "rating")
    forecast = r["forecast_target_date"]
    return [
        {"key": "rating.path", "label": s.text("summary.rating_path", window=r["window_days"]),
         "value": s.text("summary.rating_path_value",
                         baseline=s.or_none(s.number(r["baseline"], "rating")),
                         trough=s.or_none(s.number(r["trough"], "rating")),
                         latest=s.or_none(s.number(r["latest"], "rating"))),
         "note": s.text("summary.rating_trough_note", date=s.date(r["trough_date"]))
         if r["trough_date"] else ""},
        {"key": "rating.recovered_date", "label": s.text("summary.recovered", target=target),
         "value": s.date(r["recovered_date"]) or s.text("not_yet"),
         "note": s.text("summary.forecast_note", date=s.date(forecast)) if forecast else ""},
        {"key": "rating.five_star_reviews_to_target",
         "label": s.text("summary.five_star", target=target),
         "value": s.or_none(s.number(r["five_star_reviews_to_target"]))},
    ]


def _sales_cards(report: Page, sales: Mapping[str, Any]) -> list[dict[str, str]]:
    s = report.strings
    summary = report.analysis.sales
    trough_note = ""
    if summary is not None and summary.trough_date is not None:
        trough_note = s.text("summary.sales_trough_note", date=s.date(summary.trough_date),
                             units=s.number(sales["baseline_units_per_day"], "decimal"))
    # "not yet" only where there is something to recover to: no sales rows, or none before
    # the onset to make a baseline, say so instead
    pending = (s.text("summary.no_sales") if summary is None or summary.daily.empty
               else s.text("summary.no_baseline") if sales["baseline_units_per_day"] is None
               else s.text("not_yet"))
    return [
        {"key": "sales.trough_index", "label": s.text("summary.sales_trough"),
         "value": s.or_none(s.number(sales["trough_index"], "percent")),
         "note": trough_note},
        {"key": "sales.recovered_100_date", "label": s.text("summary.recovered_100"),
         "value": s.date(sales["recovered_100_date"]) or pending},
        {"key": "sales.reached_target_date",
         "label": s.text("summary.reached_target",
                         target=s.number(report.incident.thresholds.sales_target, "percent_whole")),
         "value": s.date(sales["reached_target_date"]) or pending},
        {"key": "sales.latest_index", "label": s.text("summary.latest_index"),
         "value": s.or_none(s.number(sales["latest_index"], "percent"))},
    ]


def _by_source(report: Page, by_source: Mapping[str, int]) -> Fragment:
    s = report.strings
    events = report.analysis.events
    negative = events.loc[events["is_negative"], "source"].value_counts()
    order = [x for x in theme.SOURCE_ORDER if x in by_source]
    order += sorted(x for x in by_source if x not in order)
    return fragments.table(
        [Column(s.text("summary.source")), Column(s.text("summary.events"), "number"),
         Column(s.text("summary.negative_col"), "number")],
        [[report.label("sources", x), s.number(by_source[x]), s.number(negative.get(x, 0))]
         for x in order],
        title=s.text("summary.by_source"),
    )
