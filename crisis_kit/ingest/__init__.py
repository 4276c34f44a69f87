"""Ingest: seller exports in, the evidence store's tables out.

:func:`inspect_file` reads one file into a throw-away in-memory store and says what
it is and what became of its rows; :func:`ingest_incident` brings every file an
``incident.yaml`` names into the incident's store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import replace
from itertools import groupby
from pathlib import Path

from ..config import ExportFile, Incident
from ..errors import CrisisKitError, InputError
from ..store import open_store
from .batch import ingest_files
from .formats import FORMATS, Format, detect_format, get_format
from .load import FileSpec, IngestReport, ingest_file

__all__ = [
    "FORMATS", "Format", "FileSpec", "IngestReport", "detect_format", "get_format",
    "ingest_file", "inspect_file", "ingest_incident", "incident_files",
]


def inspect_file(path: str | Path, format: str | None = None, marketplace: str | None = None,
                 encoding: str | None = None, sheet: str | None = None,
                 date: dt.date | None = None) -> IngestReport:
    """Read one file as ``ingest`` would, into memory only, and report on it.

    Duplicates are those repeated within the file (no store is consulted).
    """
    with open_store(":memory:") as store:
        return ingest_file(store, FileSpec(Path(path), marketplace=marketplace or "US",
                                           format=format, encoding=encoding, sheet=sheet,
                                           date=date, marketplace_given=marketplace is not None))


def _spec(incident: Incident, entry: ExportFile, path: Path, table: str) -> FileSpec:
    return FileSpec(
        path=path, marketplace=entry.marketplace or incident.marketplace, format=entry.format,
        source=entry.source, encoding=entry.encoding, mapping=entry.mapping, date=entry.date,
        date_pattern=entry.date_pattern, asins=tuple(incident.asins), table=table,
        sheet=entry.sheet,
    )


def incident_files(incident: Incident) -> list[FileSpec]:
    """Every file the incident names, globs expanded, in the order they are ingested.

    Raises
    ------
    InputError
        When a named file does not exist or a glob matches nothing.
    """
    specs = []
    groups = [("events", incident.complaints), ("sales", incident.sales),
              ("messages", incident.messages)]
    if incident.actions:
        groups.append(("actions", [ExportFile(path=incident.actions, format="actions")]))
    keys = {"events": "complaints", "sales": "sales", "actions": "actions",
            "messages": "messages"}
    for table, entries in groups:
        for index, entry in enumerate(entries):
            paths = incident.expand(entry)
            named = _entry_name(incident, keys[table], index, entry.path)
            if not paths or not paths[0].exists():
                raise InputError(
                    f"incident.yaml names {entry.path!r}, which matches no file", named,
                    "check the path (relative to incident.yaml) or drop the export there",
                )
            specs.extend(replace(_spec(incident, entry, p, table), entry=named) for p in paths)
    return specs


def _entry_name(incident: Incident, key: str, index: int, path: str) -> str:
    """``/x/incident.yaml, complaints[2] (exports/returns.txt)``; ``actions`` is a single path."""
    item = key if key == "actions" else f"{key}[{index}]"
    return f"{incident.root / 'incident.yaml'}, {item} ({path})"


def ingest_incident(
    incident: Incident,
    store_path: str | Path | None = None,
    on_file: Callable[[FileSpec, IngestReport], None] | None = None,
    progress: bool = False,
) -> list[IngestReport]:
    """Bring every file of ``incident`` into its evidence store.

    Parameters
    ----------
    incident : Incident
        The loaded ``incident.yaml``.
    store_path : str or Path, optional
        Where the store lives (default: ``store.duckdb`` beside ``incident.yaml``).
    on_file : callable, optional
        Called after each file with its spec and report (the CLI's progress).
    progress : bool
        Let DuckDB draw its progress bar on the terminal for a query that runs more than
        two seconds (a large file): for the CLI on a terminal; off everywhere else.

    Returns
    -------
    list of IngestReport
        One per file, in order.
    """
    reports = []
    specs = incident_files(incident)
    with open_store(store_path or incident.store_path, salt_seed=incident.incident) as store:
        if progress:
            store.con.execute("SET enable_progress_bar = true")
        # the files of one entry (a glob) go together: many small ones are read at once
        for entry, group in groupby(specs, key=lambda spec: spec.entry):
            try:
                for spec, report in ingest_files(store, list(group)):
                    reports.append(report)
                    if on_file:
                        on_file(spec, report)
            except CrisisKitError as exc:
                raise exc.located(entry) from exc
    return reports


def iter_formats() -> Iterator[Format]:
    """The known formats, in the order ``inspect`` lists them."""
    return iter(FORMATS.values())
