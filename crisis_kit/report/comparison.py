"""The comparison section: this incident beside the other incidents of its workspace.

The table is :func:`crisis_kit.report.workspace.comparison_for`, computed once in
:func:`crisis_kit.report.sections.build` (this incident from the report's own
Analysis, each sibling analysed as it ended) and held by the
:class:`~crisis_kit.report.sections.Report`. Here it is only arranged: one row per
measure, one column per incident in onset order, numbered as the figure's dots are
(:func:`crisis_kit.report.charts.draw`), every number in the strings' formats.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..schemas import LANES
from . import fragments
from .fragments import Column, Fragment
from .page import Page

__all__ = ["MEASURES", "PANELS", "comparison", "has_others"]

MEASURES = (
    ("onset", "date"), ("alert_lead_days", "plain"), ("first_response_hours", "duration"),
    *((f"{lane}_hours", "duration") for lane in LANES),
    ("trough_rating", "rating"), ("days_to_rating_recovery", "integer"),
    ("days_to_sales_100", "integer"), ("days_to_sales_120", "integer"),
    ("complaints_per_1000_orders", "decimal"), ("statement_score", "integer"),
    ("source", "source"),
)
"""The table's rows, top to bottom: a column of the archive table and how it is formatted."""

PANELS = ("first_response_hours", "days_to_rating_recovery", "days_to_sales_100")
"""The measures the figure draws, one panel each (``comparison.panels`` in the strings)."""


def has_others(table: pd.DataFrame) -> bool:
    """Whether the comparison table holds an incident besides the current one."""
    return bool(len(table)) and not table["current"].astype(bool).all()


def _blank(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def _cell(report: Page, value: Any, kind: str) -> str:
    s = report.strings
    if _blank(value):
        return s.text("none")
    if kind == "date":
        return s.date(value)
    if kind == "duration":
        return s.duration(value)
    if kind == "source":
        key = str(value).replace(".", "_")
        return s.section("comparison")["sources"].get(key, str(value))
    return s.number(value, kind)


def _row_label(report: Page, measure: str) -> str:
    s = report.strings
    if measure.endswith("_hours") and measure[:-len("_hours")] in LANES:
        return s.text("comparison.rows.lane_hours",
                      lane=report.label("lanes", measure[:-len("_hours")]))
    return s.text(f"comparison.rows.{measure}")


def comparison(report: Page) -> Fragment:
    """The table of the incident and the others; one sentence when it stands alone."""
    s, table = report.strings, report.comparison_table
    if not has_others(table):
        return fragments.note(s.text("comparison.none"))
    headers = [
        Column(s.text("comparison.column_current" if r.current else "comparison.column",
                      number=i, incident=r.incident), "number")
        for i, r in enumerate(table.itertuples(), start=1)
    ]
    rows = []
    for measure, kind in MEASURES:
        values = table[measure].tolist()
        if measure.endswith("_hours") and measure != "first_response_hours" and all(
                _blank(v) for v in values):
            continue  # a lane no incident logged: no row of dashes
        rows.append([_row_label(report, measure), *(_cell(report, v, kind) for v in values)])
    return fragments.concat(
        fragments.note(s.text("comparison.lead", as_of=s.date(report.as_of)), lead=True),
        fragments.table([Column(s.text("comparison.measure")), *headers], rows,
                        notes=[s.text("comparison.caption")]),
    )
