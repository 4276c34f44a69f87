"""The incident archive: every incident of a workspace side by side.

A workspace is a folder whose sub-folders each hold one ``incident.yaml`` (what
``crisis-kit new`` creates). :func:`compare` puts incidents beside each other on the
numbers that say whether the team is getting faster; :func:`comparison_for` is the
same for one incident and its siblings, for the post-mortem report.

Where the numbers come from (``docs/playbooks.md``): an incident with an evidence
store is analysed afresh (:func:`crisis_kit.pipeline.run_analysis`, about half a
second), because ``summary.json`` lacks three of the columns (the backtest's lead
time, the orders, the statement score) and may be stale; an incident without a
store falls back to its latest ``reports/*.summary.json``, and those three columns
stay blank except the score, which is re-linted from the statement when present.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from ..config import Incident, load_incident
from ..errors import ConfigError, CrisisKitError
from ..schemas import LANES

__all__ = ["COLUMNS", "analysis_row", "compare", "comparison_for", "find_incidents", "incident_row",
           "latest_summary"]

"""The response lanes, in the order of the table's columns."""

COLUMNS = [
    "incident", "title", "onset", "source", "alert_lead_days", "first_response_hours",
    *[f"{lane}_hours" for lane in LANES],
    "trough_rating", "days_to_rating_recovery", "days_to_sales_100", "days_to_sales_120",
    "complaints_per_1000_orders", "statement_score",
]
"""Columns of :func:`compare`."""


def find_incidents(workspace: str | Path, slugs: list[str] | None = None) -> list[Incident]:
    """The incidents of a workspace: every ``*/incident.yaml`` one level down.

    Parameters
    ----------
    workspace : str or Path
        The folder holding the incident folders.
    slugs : list of str, optional
        Keep only these incidents (the ``incident:`` key), in this order.

    Raises
    ------
    ConfigError
        When a named slug is not in the workspace (naming the ones that are).
    """
    found = [load_incident(p) for p in sorted(Path(workspace).glob("*/incident.yaml"))]
    if not slugs:
        return found
    by_slug = {i.incident: i for i in found}
    missing = [s for s in slugs if s not in by_slug]
    if missing:
        raise ConfigError(f"no incident {', '.join(map(repr, missing))} in {str(workspace)!r}",
                          fix=f"the workspace holds: {', '.join(by_slug) or 'no incident'}")
    return [by_slug[s] for s in slugs]


def latest_summary(incident: Incident) -> dict[str, Any] | None:
    """The newest ``reports/*.summary.json`` of the incident (by file time), or None."""
    paths = sorted((incident.root / "reports").glob(f"{incident.incident}*.summary.json"),
                   key=lambda p: p.stat().st_mtime)
    return json.loads(paths[-1].read_text(encoding="utf-8")) if paths else None


def _day(value: str | None) -> dt.date | None:
    return None if not value else dt.date.fromisoformat(str(value)[:10])


def _days_between(start: dt.date | None, end: str | None) -> int | None:
    day = _day(end)
    return None if start is None or day is None else (day - start).days


def _lead_days(analysis: Any) -> float | None:
    """The seed rule's lead time on the incident's alert, from the backtest (hits only)."""
    table = analysis.detection.backtest
    alert = analysis.detection.alert_date
    if table is None or table.empty or alert is None:
        return None
    hit = table[(table["detector"] == "seed_rule") & (table["kind"] == "hit")
                & (pd.to_datetime(table["alert_date"]).dt.date == alert)]
    return None if hit.empty else float(hit["lead_days"].iloc[0])


def _per_1000_orders(analysis: Any, onset_day: dt.date | None) -> float | None:
    """Negative events per 1,000 shipped orders over the rating window from the onset day."""
    from ..analysis import effects
    from ..poa import load_orders

    if onset_day is None:
        return None
    orders = load_orders(analysis.incident, analysis.as_of)
    start = pd.Timestamp(onset_day)
    window = effects.Window(start, start + pd.Timedelta(
        days=analysis.incident.thresholds.rating_window_days - 1))
    n_orders = effects.count_orders(orders, window)
    events = analysis.events
    days = pd.to_datetime(events["local_date"])
    negative = int((events["is_negative"] & window.holds(days)).sum())
    return None if n_orders == 0 else round(1000 * negative / n_orders, 1)


def _row(incident: Incident, summary: dict[str, Any], source: str) -> dict[str, Any]:
    onset_day = _day(summary["detection"].get("onset"))
    lanes = summary["response"].get("lanes") or {}
    rating, sales = summary["rating"], summary["sales"]
    return {
        "incident": incident.incident, "title": incident.title, "onset": onset_day,
        "source": source, "alert_lead_days": None,
        "first_response_hours": summary["response"].get("first_response_hours"),
        **{f"{lane}_hours": (lanes.get(lane) or {}).get("hours") for lane in LANES},
        "trough_rating": rating.get("trough"),
        "days_to_rating_recovery": _days_between(onset_day, rating.get("recovered_date")),
        "days_to_sales_100": _days_between(onset_day, sales.get("recovered_100_date")),
        "days_to_sales_120": _days_between(onset_day, sales.get("reached_target_date")),
        "complaints_per_1000_orders": None, "statement_score": None,
    }


def analysis_row(analysis: Any) -> dict[str, Any]:
    """One incident's row of :func:`compare` from an :class:`~crisis_kit.pipeline.Analysis`.

    For a caller that has analysed the incident already (the post-mortem report), so
    that it is not analysed a second time; ``source`` is ``"analysis"``.
    """
    row = _row(analysis.incident, analysis.summary(), "analysis")
    row["alert_lead_days"] = _lead_days(analysis)
    row["complaints_per_1000_orders"] = _per_1000_orders(analysis, row["onset"])
    row["statement_score"] = analysis.statement.score if analysis.statement else None
    return row


def incident_row(incident: Incident, as_of: str | dt.date | None = None) -> dict[str, Any]:
    """One incident's numbers for the archive table (one row of :func:`compare`).

    The evidence store when it exists (analysed now, cut at ``as_of``), else the latest
    ``summary.json`` of ``reports/``, else a row of blanks with ``source`` ``"none"``.
    Days count from the onset's local day; ``complaints_per_1000_orders`` counts
    negative events and shipped orders of the incident's ASINs on the
    ``rating_window_days`` local days from the onset day.
    """
    if incident.store_path.exists():
        from ..pipeline import run_analysis

        return analysis_row(run_analysis(incident, as_of))
    summary = latest_summary(incident)
    if summary is None:
        return _blank(incident.incident, incident.title, "none")
    row = _row(incident, summary, "summary.json")
    statement = incident.resolve(incident.statement) if incident.statement else None
    if statement is not None and statement.is_file():
        from ..statements import lint_file

        row["statement_score"] = lint_file(statement).score
    return row


def _blank(slug: str, title: str, source: str) -> dict[str, Any]:
    return {column: None for column in COLUMNS} | {"incident": slug, "title": title,
                                                   "source": source}


def compare(incidents: list[Incident], as_of: str | dt.date | None = None) -> pd.DataFrame:
    """Put incidents side by side.

    Parameters
    ----------
    incidents : list of Incident
        Typically :func:`find_incidents` of a workspace.
    as_of : str or datetime.date, optional
        Cut every analysed incident's evidence at this day.

    Returns
    -------
    pandas.DataFrame
        Each row represents one incident, ordered by onset (incidents without one
        last), with :data:`COLUMNS`: ``alert_lead_days`` (the seed rule's backtest
        lead time on the alert, blank when not a hit), ``first_response_hours`` and
        ``<lane>_hours`` (hours from the onset to the first action, design.md
        section 8), ``trough_rating``, ``days_to_rating_recovery``,
        ``days_to_sales_100`` and ``days_to_sales_120`` (days from the onset's local
        day), ``complaints_per_1000_orders`` and ``statement_score`` (0-100).
    """
    return _by_onset(pd.DataFrame([incident_row(i, as_of) for i in incidents], columns=COLUMNS))


def _by_onset(table: pd.DataFrame) -> pd.DataFrame:
    """Order rows by onset, incidents without one last (stable)."""
    keys = [(d is None or pd.isna(d), dt.date.max if d is None or pd.isna(d) else d)
            for d in table["onset"]]
    return table.iloc[sorted(range(len(table)), key=keys.__getitem__)].reset_index(drop=True)


def comparison_for(incident: Incident, as_of: str | dt.date | None = None,
                   analysis: Any = None) -> pd.DataFrame:
    """:func:`compare` of ``incident`` and its siblings in the same workspace folder.

    The workspace is the parent of the incident's folder. ``as_of`` cuts only this
    incident: the earlier ones are shown as they ended. The table gains a ``current``
    column, True on the incident's own row.

    ``analysis``: the incident's :class:`~crisis_kit.pipeline.Analysis` when the caller
    has it (the report), so this incident is not analysed again (``as_of`` is then the
    analysis's own). A sibling that cannot be read (its ``incident.yaml`` invalid, its
    store unreadable or empty) is listed by its folder name with blanks and ``source``
    ``"error"``: someone else's broken folder does not stop this incident's report.
    """
    current = analysis_row(analysis) if analysis is not None else incident_row(incident, as_of)
    rows = [current | {"current": True}]
    for path in sorted(incident.root.parent.glob("*/incident.yaml")):
        if path.parent.resolve() == incident.root.resolve():
            continue
        try:
            row = incident_row(load_incident(path))
        except (CrisisKitError, duckdb.Error):  # a broken sibling store: listed, not fatal
            row = _blank(path.parent.name, "", "error")
        rows.append(row | {"current": False})
    return _by_onset(pd.DataFrame(rows, columns=[*COLUMNS, "current"]))
