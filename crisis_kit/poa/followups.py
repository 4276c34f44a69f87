"""The follow-through of the Plan of Action: each measure's owner, due day, status and effect.

A POA is accepted on promises. ``followups.csv`` (``followups:`` in incident.yaml;
``crisis-kit new`` starts it from the playbook's POA skeleton) lists each corrective or
preventive measure with its owner, due day, status, the complaint topic it addresses
and the day it took effect (the contract: :data:`crisis_kit.schemas.FOLLOWUPS`).
:func:`read_followups` reads it, refusing the whole file with every bad line named;
:func:`review_followups` says which are overdue on a day and, for each done measure
with a topic and an effective day, measures that topic's complaints per 100 orders
before and after that day, the POA's own measure (:func:`crisis_kit.analysis.effects.before_after`),
so that "it worked" is shown, not claimed. ``docs/poa.md`` documents the file.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..analysis import effects
from ..analysis.volume import DayLike, as_day
from ..config.taxonomy import load_taxonomy
from ..errors import InputError
from ..schemas import FOLLOWUP_KINDS, FOLLOWUP_STATUSES, FOLLOWUPS

__all__ = ["FOLLOWUP_COLUMNS", "HEADER", "REVIEW_COLUMNS", "STATUS_WORDS", "overdue",
           "read_followups", "review_followups"]

HEADER = ",".join(FOLLOWUPS.names)
"""The header ``crisis-kit new`` writes: ``kind,measure,owner,due,status,topic,effective,ref``."""

FOLLOWUP_COLUMNS = [*FOLLOWUPS.names, "line"]
"""Columns of :func:`read_followups`: the contract's, and the file's line of each row."""

REVIEW_COLUMNS = [
    *FOLLOWUP_COLUMNS, "overdue", "days_overdue", "measured",
    "before_start", "before_end", "before_complaints", "before_orders", "before_per_100",
    "after_start", "after_end", "after_complaints", "after_orders", "after_per_100",
    "change_pct",
]
"""Columns of :func:`review_followups` (``measured`` says why a row has no figures)."""

STATUS_WORDS = {
    "open": "open", "todo": "open", "to do": "open", "not started": "open", "planned": "open",
    "未开始": "open", "待办": "open",
    "in-progress": "in-progress", "in progress": "in-progress", "in_progress": "in-progress",
    "ongoing": "in-progress", "started": "in-progress", "进行中": "in-progress",
    "done": "done", "complete": "done", "completed": "done", "closed": "done",
    "finished": "done",
    "已完成": "done", "完成": "done",
    "cancelled": "cancelled", "canceled": "cancelled", "dropped": "cancelled",
    "已取消": "cancelled", "取消": "cancelled",
}
"""Words a team writes for a status (lower-cased, trimmed) -> the status they mean."""

_SYNONYMS = {
    "kind": ("kind", "type", "part", "类型"), "measure": ("measure", "action", "措施"),
    "owner": ("owner", "responsible", "负责人"),
    "due": ("due", "due date", "deadline", "截止日期"), "status": ("status", "状态"),
    "topic": ("topic", "complaint topic", "主题"),
    "effective": ("effective", "effective date", "took effect", "in effect from", "生效日期"),
    "ref": ("ref", "reference", "参考"),
    "note": ("note", "notes", "comment", "comments", "备注"),
}
"""Column names read as each field; ``note`` is the team's own column, read and left out."""
_KINDS = {"corrective": "corrective", "preventive": "preventive", "prevention": "preventive",
          "纠正": "corrective", "纠正措施": "corrective", "预防": "preventive",
          "预防措施": "preventive"}
_FIX_DATE = "write dates as YYYY-MM-DD, e.g. 2022-06-30"


def _column_map(header: Sequence[str], path: Path) -> dict[str, int]:
    """Canonical field -> column index; unknown columns are refused with the valid names."""
    from ..ingest.sniff import normalise_header  # the ingest's modules load when a file is read

    wanted = {normalise_header(alias): field for field, aliases in _SYNONYMS.items()
              for alias in aliases}
    found: dict[str, int] = {}
    unknown = []
    for i, name in enumerate(header):
        field = wanted.get(normalise_header(name))
        if field is None:
            if name.strip():
                unknown.append(name)
        elif field not in found:
            found[field] = i
    missing = [f for f in ("measure", "status") if f not in found]
    if missing or unknown:
        problems = ([f"it lacks the column(s) {', '.join(missing)}"] if missing else []) + (
            [f"it has unknown column(s) {', '.join(repr(u) for u in unknown)}"] if unknown else [])
        raise InputError(f"the follow-ups file's header cannot be read: {'; '.join(problems)}",
                         f"{path}, line 1", f"use the header {HEADER} (a `notes` column may "
                         "follow; docs/poa.md)")
    return found


def _date(value: str) -> dt.date | None:
    value = value.strip()
    return dt.date.fromisoformat(value) if value else None


def read_followups(path: str | Path) -> pd.DataFrame:
    """Read a follow-ups file (CSV or tab-separated, any encoding the ingest reads).

    Parameters
    ----------
    path : str or Path
        The ``followups.csv`` of an incident.

    Returns
    -------
    pandas.DataFrame
        Each row represents one measure (:data:`crisis_kit.schemas.FOLLOWUPS`), with
        :data:`FOLLOWUP_COLUMNS` in file order: ``due`` and ``effective`` as
        ``datetime.date`` or None, ``status`` one of
        :data:`crisis_kit.schemas.FOLLOWUP_STATUSES`, ``kind`` ``corrective``,
        ``preventive`` or None, empty cells as None, ``line`` the row's line in the file.
        Blank lines are skipped.

    Raises
    ------
    InputError
        For a missing or empty file, a header without ``measure`` and ``status`` or with
        an unknown column, and every row with an unknown status, kind or topic, a date
        that is not YYYY-MM-DD, or no measure: all of them at once, each with its line
        and column.
    """
    from ..ingest.sniff import sniff

    path = Path(path)
    sniffed = sniff(path)
    if sniffed.kind != "delimited":
        raise InputError(f"the follow-ups file is a {sniffed.kind} file, not a CSV", str(path),
                         "save it as CSV UTF-8 (Excel: File > Save As > CSV UTF-8)")
    with path.open(encoding=sniffed.encoding, newline="") as handle:
        rows = list(csv.reader(handle, delimiter=sniffed.delimiter))
    columns = _column_map([h.replace("\ufeff", "") for h in rows[0]], path)
    topics = load_taxonomy().names
    records, problems = [], []
    columns.pop("note", None)
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {f: (row[i].strip() if i < len(row) else "") for f, i in columns.items()}
        record: dict[str, object] = {name: None for name in FOLLOWUPS.names}
        record.update({f: v or None for f, v in cells.items()})
        record["line"] = line

        def bad(field: str, reason: str, _line: int = line) -> None:
            problems.append(f"line {_line}, column {field!r}: {reason}")

        if not cells.get("measure"):
            bad("measure", "the measure is empty: say what is to be done")
        status = STATUS_WORDS.get((cells.get("status") or "open").lower())
        if status is None:
            bad("status", f"{cells['status']!r} is not one of {', '.join(FOLLOWUP_STATUSES)}")
        record["status"] = status
        if cells.get("kind"):
            record["kind"] = _KINDS.get(cells["kind"].lower())
            if record["kind"] is None:
                bad("kind", f"{cells['kind']!r} is not one of {', '.join(FOLLOWUP_KINDS)}")
        if cells.get("topic") and cells["topic"].lower() not in topics:
            bad("topic", f"{cells['topic']!r} is not a topic; use one of {', '.join(topics)}")
        elif cells.get("topic"):
            record["topic"] = cells["topic"].lower()
        for field in ("due", "effective"):
            try:
                record[field] = _date(cells.get(field) or "")
            except ValueError:
                bad(field, f"{cells[field]!r} is not a date; {_FIX_DATE}")
        records.append(record)
    if problems:
        shown = "; ".join(problems[:20]) + ("; ..." if len(problems) > 20 else "")
        raise InputError(f"the follow-ups file has {len(problems)} problem(s): {shown}",
                         str(path), "correct those cells (docs/poa.md lists the columns and "
                         f"values; statuses are {', '.join(FOLLOWUP_STATUSES)})")
    table = pd.DataFrame(records, columns=FOLLOWUP_COLUMNS).astype(object)
    return table.where(table.notna(), None).astype({"line": int})


def overdue(followups: pd.DataFrame, day: DayLike) -> pd.Series:
    """Whether each follow-up is overdue on ``day``: not done or cancelled, due before ``day``."""
    due = pd.to_datetime(followups["due"])
    open_ = ~followups["status"].isin(["done", "cancelled"])
    return (open_ & due.notna() & (due < as_day(day))).astype(bool)


_ORDER = {"overdue": 0, "open": 1, "in-progress": 1, "done": 2, "cancelled": 3}


def review_followups(
    followups: pd.DataFrame,
    day: DayLike,
    events: pd.DataFrame,
    orders: pd.DataFrame,
    *,
    window_days: int,
    onset_day: DayLike | None = None,
    asins: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Which follow-ups are overdue on ``day``, and the measured effect of the done ones.

    Parameters
    ----------
    followups : pandas.DataFrame
        :func:`read_followups`.
    day : day
        The day judged: the last day of the analysis (``as_of``, else the last day of data).
    events : pandas.DataFrame
        Events with ``local_date``, ``source``, ``is_negative`` and ``topic``.
    orders : pandas.DataFrame
        Shipped order lines (the POA's, :func:`crisis_kit.poa.load_orders`).
    window_days : int
        Length of the before and after windows (the crisis window).
    onset_day : day, optional
        The before window starts no earlier than the onset day, as the POA's figures do.
    asins : sequence of str, optional
        The incident's ASINs (orders of other ASINs do not count).

    Returns
    -------
    pandas.DataFrame
        Each row represents one follow-up (:data:`REVIEW_COLUMNS`): overdue ones first
        (most overdue first), then open and in progress by due day, then done, then
        cancelled. ``overdue`` and ``days_overdue`` (days from ``due`` to ``day``, 0
        unless overdue). ``measured``: ``yes`` when the figures were computed, else why
        not: ``not_done``, ``no_topic``, ``no_effective_day``, ``not_yet`` (it took effect
        on or after ``day``), ``no_orders`` (no order in a window). The figures:
        complaints (negative events of the topic) and shipped orders in the
        ``window_days`` days before ``effective`` and from ``effective`` on (the day it
        took effect opens the after window), clipped to the onset day and to ``day``;
        ``*_per_100`` = 100 x complaints / orders; ``change_pct`` = 100 x (after -
        before) / before.

    Notes
    -----
    The same counts as the POA's before/after table (``docs/poa.md``), by
    :func:`crisis_kit.analysis.effects.before_after` with ``include_day=True``: a
    measure in effect from a day counts that day after. A table of equal counts by
    hand is in ``tests/test_followups.py``.
    """
    last = as_day(day)
    table = followups.copy()
    table["overdue"] = overdue(table, last)
    due = pd.to_datetime(table["due"])
    table["days_overdue"] = np.where(table["overdue"], (last - due).dt.days, 0).astype(int)
    shipped = effects.shipped_orders(orders, asins)
    figures = [_measured(row, last, events, shipped, window_days, onset_day)
               for row in table.itertuples()]
    figures_frame = pd.DataFrame(figures, index=table.index)
    table = pd.concat([table, figures_frame], axis=1)
    rank = table["status"].map(_ORDER).where(~table["overdue"], 0)
    table = table.assign(_rank=rank, _due=due, _late=-table["days_overdue"])
    # a measure without a due day comes after the dated ones of its group
    table = table.sort_values(["_rank", "_late", "_due", "line"], kind="mergesort",
                              na_position="last")
    return table[REVIEW_COLUMNS].reset_index(drop=True)


def _given(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and np.isnan(value)) and value != ""


def _measured(row: object, last: pd.Timestamp, events: pd.DataFrame, orders: pd.DataFrame,
              window_days: int, onset_day: DayLike | None) -> dict[str, object]:
    empty: dict[str, object] = {c: None for c in REVIEW_COLUMNS[REVIEW_COLUMNS.index("measured"):]}
    empty["change_pct"] = np.nan
    status, topic, effective = row.status, row.topic, row.effective  # type: ignore[attr-defined]
    why = ("not_done" if status != "done" else "no_topic" if not _given(topic) else
           "no_effective_day" if not _given(effective) else
           "not_yet" if as_day(effective) >= last else None)
    if why:
        return {**empty, "measured": why}
    onset = None if onset_day is None or as_day(onset_day) >= as_day(effective) else onset_day
    # before_after's windows and comparison, on the orders already cut to the shipped ones
    # (before_after would cut them again for each measure)
    before, after = effects.windows(effective, window_days, include_day=True,
                                    not_before=onset, not_after=last)
    table = effects.compare(events, orders, before, after, topic, day=effective)
    complaints = table[table["metric"] == "complaints_per_100_orders"].iloc[0]
    if not (complaints.before_base and complaints.after_base):
        why = "no_orders"
    return {
        "measured": why or "yes",
        "before_start": complaints.before_start.date(), "before_end": complaints.before_end.date(),
        "before_complaints": int(complaints.before_count),
        "before_orders": int(complaints.before_base),
        "before_per_100": float(complaints.before_value),
        "after_start": complaints.after_start.date(), "after_end": complaints.after_end.date(),
        "after_complaints": int(complaints.after_count), "after_orders": int(complaints.after_base),
        "after_per_100": float(complaints.after_value),
        "change_pct": float(complaints.change_pct),
    }
