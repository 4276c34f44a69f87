"""What the post-mortem notebook shows: one call builds it, one-line cells display it.

:func:`build` reads the incident and its evidence store, computes the tables and
figures once, and returns a frozen :class:`Report`; each of its methods returns a
:class:`~crisis_kit.report.fragments.Fragment` for one notebook cell. The notebook
therefore holds no logic, and every word it shows comes from the strings file of the
chosen language.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from .. import figures, theme
from ..config import Incident, load_incident
from ..errors import ConfigError, CrisisKitError
from ..ratings import trailing_rating
from ..store import open_store
from ..volume import as_day, daily_counts
from . import fragments
from .fragments import Column, Fragment
from .language import Strings, load_strings

__all__ = ["RECENT_LIMIT", "Report", "build", "require_store", "resolve_language", "version"]

RECENT_LIMIT = 10
"""How many of the latest negative signals the report quotes."""


def version() -> str:
    """Return the installed crisis-kit version (``unknown`` in a bare source tree)."""
    try:
        return importlib.metadata.version("crisis-kit")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def resolve_language(lang: str, incident: Incident) -> str:
    """Return the report language: ``lang`` when given, else the incident's."""
    return lang or incident.language


def require_store(incident: Incident, incident_path: str | Path) -> Path:
    """Return the incident's evidence store; raise if it has not been created yet.

    Raises
    ------
    CrisisKitError
        Telling the user to run ``crisis-kit ingest`` first.
    """
    if not incident.store_path.is_file():
        raise CrisisKitError(
            "the incident has no evidence store yet",
            str(incident.store_path),
            f"run `crisis-kit ingest {incident_path}` first",
        )
    return incident.store_path


@dataclass(frozen=True)
class Report:
    """The computed content of one post-mortem: tables, figures and the words.

    Each table says what a row is:

    - ``events``: one complaint signal up to ``as_of`` (design.md section 4).
    - ``daily_by_source``: one local day of one source (:func:`crisis_kit.volume.daily_counts`).
    - ``trailing``: one local day of the displayed rating
      (:func:`crisis_kit.ratings.trailing_rating`).
    - ``files``: one ingest of one file (the store's ``files`` table).
    """

    incident: Incident
    incident_file: str
    strings: Strings
    as_of: pd.Timestamp
    events: pd.DataFrame
    daily_by_source: pd.DataFrame
    trailing: pd.DataFrame
    files: pd.DataFrame
    figures: Mapping[str, go.Figure] = field(default_factory=dict)
    version: str = "unknown"

    # -- small helpers ----------------------------------------------------------------
    def _source(self, name: object) -> str:
        sources = self.strings.section("sources")
        return sources.get(str(name), str(name))

    @property
    def _window(self) -> int:
        return self.incident.thresholds.rating_window_days

    # -- fragments, in the order of the notebook ---------------------------------------
    def masthead(self) -> Fragment:
        """The report's title and what it covers."""
        s = self.strings
        title = s.text("document_title", title=self.incident.title or self.incident.incident)
        subtitle = s.text(
            "subtitle", incident=self.incident.incident,
            marketplace=self.incident.marketplace, as_of=s.date(self.as_of),
        )
        html = fragments.render("masthead", title=title, subtitle=subtitle)
        return Fragment(html=html, text=f"{title}\n{subtitle}")

    def heading(self, section: str, level: int = 2) -> Fragment:
        """A section heading (``summary``, ``volume``, ``rating``, ``evidence``, ...)."""
        return fragments.heading(section, self.strings.text(f"sections.{section}"), level)

    def key_figures(self) -> Fragment:
        """Key figures: signals, negative, share, period, latest rating; then by source."""
        s = self.strings
        total = len(self.events)
        negative = int(self.events["is_negative"].fillna(False).astype(bool).sum())
        days = pd.to_datetime(self.events["local_date"])
        latest = self.trailing["rating"].iloc[-1] if not self.trailing.empty else None
        cards = [
            {"label": s.text("summary.total"), "value": s.number(total)},
            {"label": s.text("summary.negative"), "value": s.number(negative)},
            {"label": s.text("summary.negative_share"),
             "value": s.number(negative / total, "percent") if total else ""},
            {"label": s.text("summary.period"),
             "value": s.text("summary.period_value", first=s.date(days.min()),
                             last=s.date(self.as_of)) if total else ""},
            {"label": s.text("summary.latest_rating", window=self._window),
             "value": s.number(latest, "rating") or s.text("summary.no_rating")},
        ]
        counts = self.by_source()
        by_source = fragments.table(
            [Column(s.text("summary.source")), Column(s.text("summary.events"), "number"),
             Column(s.text("summary.negative_col"), "number")],
            [[self._source(r.source), s.number(r.events), s.number(r.negative)]
             for r in counts.itertuples()],
            title=s.text("summary.by_source"),
        )
        html = fragments.render("cards", cards=cards) + "\n" + by_source.html
        text = "\n".join(f"{c['label']}: {c['value']}" for c in cards)
        return Fragment(html=html, text=text + "\n" + by_source.text)

    def by_source(self) -> pd.DataFrame:
        """Each row represents one source: its signals and negative signals up to ``as_of``."""
        counts = (
            self.events.assign(negative=self.events["is_negative"].fillna(False).astype(bool))
            .groupby("source")
            .agg(events=("negative", "size"), negative=("negative", "sum"))
        )
        order = [s for s in theme.SOURCE_ORDER if s in counts.index]
        order += sorted(s for s in counts.index if s not in order)
        return counts.reindex(order).reset_index()

    def figure(self, name: str) -> Fragment:
        """One of :attr:`figures` with its caption (``negative_volume``, ``rating_trajectory``)."""
        s = self.strings
        if name not in self.figures:
            raise KeyError(f"no figure {name!r}; the report has {', '.join(self.figures)}")
        captions = {
            "negative_volume": s.text("volume.caption", marketplace=self.incident.marketplace),
            "rating_trajectory": s.text(
                "rating.caption", window=self._window,
                target=s.number(self.incident.thresholds.target_rating, "rating"),
            ),
        }
        div_id = "figure-" + name.replace("_", "-")
        return fragments.figure(self.figures[name], div_id, captions.get(name, ""))

    def recent_complaints(self, limit: int = RECENT_LIMIT) -> Fragment:
        """The latest negative signals, in the customers' words (redacted, escaped)."""
        s = self.strings
        negative = self.events[self.events["is_negative"].fillna(False).astype(bool)]
        latest = negative.sort_values(["occurred_at", "event_id"], ascending=[False, True])
        rows = []
        for event in latest.head(limit).itertuples():
            parts = [p for p in (event.title, event.text) if isinstance(p, str) and p.strip()]
            reason = getattr(event, "reason", None)
            # A return without a comment still says why, in the marketplace's own code.
            words = " — ".join(parts) or (reason if isinstance(reason, str) else "")
            rows.append([
                s.date(event.local_date), self._source(event.source),
                event.asin if isinstance(event.asin, str) else "",
                s.number(event.rating, "stars"), s.redact(words),
            ])
        return fragments.table(
            [Column(s.text("volume.date")), Column(s.text("volume.source")),
             Column(s.text("volume.asin"), "mono"), Column(s.text("volume.rating"), "number"),
             Column(s.text("volume.words"), "words")],
            rows, title=s.text("volume.recent", limit=limit), empty=s.text("volume.recent_none"),
        )

    def evidence_files(self) -> Fragment:
        """Every ingested file with its hash and row counts, and whether they balance."""
        s = self.strings
        counts = ["rows_read", "accepted", "rejected", "duplicates"]
        files = self.files
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
        if len(unbalanced):
            names = ", ".join(unbalanced["name"].astype(str))
            notes.append((s.text("evidence.unbalanced", files=names), True))
        return fragments.table(
            [Column(s.text("evidence.file")), Column(s.text("evidence.format")),
             Column(s.text("evidence.encoding")), Column(s.text("evidence.table")),
             Column(s.text("evidence.sha256"), "hash"),
             *(Column(s.text(f"evidence.{c}"), "number") for c in counts)],
            rows, footer=footer, empty=s.text("evidence.none"), notes=notes,
        )

    def run_parameters(self) -> Fragment:
        """The parameters of the run, in place of papermill's injected-parameters cell."""
        s = self.strings
        t = self.incident.thresholds
        values = [
            ("incident", self.incident.incident),
            ("title", self.incident.title),
            ("incident_file", self.incident_file),
            ("marketplace", self.incident.marketplace),
            ("language", s.text(f"languages.{s.lang}")),
            ("as_of", s.date(self.as_of)),
            ("rating_window_days", s.number(t.rating_window_days)),
            ("target_rating", s.number(t.target_rating, "rating")),
            ("asins", ", ".join(self.incident.asins) or s.text("parameters.all_asins")),
            ("version", self.version),
        ]
        return fragments.table(
            [Column(s.text("parameters.name")), Column(s.text("parameters.value"), "words")],
            [[s.text(f"parameters.{key}"), value] for key, value in values],
            notes=[s.text("parameters.caption")],
        )


def _figure_labels(strings: Strings, incident: Incident) -> dict[str, str]:
    thresholds = incident.thresholds
    labels = {**strings.section("sources"), **strings.section("figures")}
    labels["rating"] = strings.text("figures.rating", window=thresholds.rating_window_days)
    labels["target"] = strings.text(
        "figures.target", target=strings.number(thresholds.target_rating, "rating")
    )
    formats = strings.section("formats")
    labels["date_tickformat"] = formats["date_tickformat"]
    labels["date_hoverformat"] = formats["date_hoverformat"]
    return labels


def build(incident_path: str | Path, lang: str = "", as_of: str = "") -> Report:
    """Read an incident's evidence store and compute everything the report shows.

    Parameters
    ----------
    incident_path : str or Path
        The ``incident.yaml``.
    lang : str
        ``en`` or ``zh``; empty for the incident's ``language``.
    as_of : str
        Last day of the report (``YYYY-MM-DD``); empty for the last day with an event.
        Later events are left out, so a report "as of" a day shows what was known then.

    Returns
    -------
    Report

    Raises
    ------
    ConfigError
        If the incident file, ``lang`` or ``as_of`` is invalid.
    CrisisKitError
        If the evidence store is missing or holds no event.
    """
    incident = load_incident(incident_path)
    strings = load_strings(resolve_language(lang, incident))
    with open_store(require_store(incident, incident_path), read_only=True) as store:
        # author_hash is personal data: it never reaches the report.
        events = store.events().drop(columns=["author_hash"], errors="ignore")
        files = store.files()
    if events.empty:
        raise CrisisKitError(
            "the evidence store holds no complaint events", str(incident.store_path),
            f"check the complaints files of {incident_path} and run `crisis-kit ingest` again",
        )
    try:
        last_day = as_day(as_of) if as_of else as_day(pd.to_datetime(events["local_date"]).max())
    except ValueError as exc:
        raise ConfigError(str(exc), "parameter as_of", "give a date as YYYY-MM-DD") from None
    events = events[pd.to_datetime(events["local_date"]) <= last_day].reset_index(drop=True)
    thresholds = incident.thresholds
    daily_by_source = daily_counts(events, by="source", end=last_day)
    trailing = trailing_rating(
        events, thresholds.rating_window_days, asins=incident.asins, as_of=last_day
    )
    labels = _figure_labels(strings, incident)
    return Report(
        incident=incident,
        incident_file=Path(incident_path).name,
        strings=strings,
        as_of=last_day,
        events=events,
        daily_by_source=daily_by_source,
        trailing=trailing,
        files=files,
        figures={
            "negative_volume": figures.negative_volume(daily_by_source, labels),
            "rating_trajectory": figures.rating_trajectory(
                trailing, labels, target=thresholds.target_rating
            ),
        },
        version=version(),
    )
