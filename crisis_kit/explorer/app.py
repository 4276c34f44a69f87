"""The live-incident explorer: linked filters, four charts and the complaints behind them.

``Explorer(incident)`` is an ``ipywidgets`` box: show it as a notebook cell's last
expression. Every control is a widget whose ``value`` can also be set from code (the
tests do); any change re-runs the selection's SQL (:mod:`.query`) and redraws the
charts (:mod:`.charts`) and the table (:mod:`.table`) in place.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from .. import theme
from ..config import Incident, Thresholds, load_incident
from ..errors import CrisisKitError, InputError
from ..ingest import FileSpec, incident_files, ingest_file, ingest_incident
from ..store import Store, open_store
from .charts import draw, make_figures, series
from .export import Exported, write_selection
from .query import SORT_COLUMNS, ExplorerData, Filters
from .search import parse
from .table import render_table

__all__ = ["Explorer", "SAMPLE_INCIDENT"]

SAMPLE_INCIDENT = Path(__file__).resolve().parents[2] / "data" / "samples" / "incident.yaml"
"""The bundled sample incident (in a source checkout), opened by ``Explorer("")``."""

_WIDE = {"description_width": "initial"}


def _resolve(source: Store | Incident | str | Path) -> tuple[Store | Path, Incident | None]:
    """The store to read and the incident (None for a bare store) of what was passed."""
    if isinstance(source, Store):
        return source, None
    if isinstance(source, Incident):
        incident = source
    else:
        path = Path(source) if str(source) else SAMPLE_INCIDENT
        if path.is_dir():
            path = path / "incident.yaml" if (path / "incident.yaml").exists() else path / "store.duckdb"
        if path.suffix == ".duckdb":
            if not path.exists():
                raise InputError(f"no evidence store at {str(path)!r}", str(path),
                                 "pass an incident.yaml, its folder or an existing store.duckdb")
            return path, None
        incident = load_incident(path)
    if not incident.store_path.exists():
        ingest_incident(incident)
    return incident.store_path, incident


class Explorer(widgets.VBox):
    """Explore an incident's complaints: filters, linked charts, a drill-down table.

    Parameters
    ----------
    store_or_incident : Store, Incident, str or Path
        An open store, a loaded incident, the path of an ``incident.yaml`` (or its
        folder), or of a ``store.duckdb``; ``""`` opens the bundled sample.
    page_size : int
        Complaints per table page.

    Notes
    -----
    Filters: date range (local days), marketplace, ASIN, source, topic, star rating,
    negative only, and a search (:mod:`crisis_kit.explorer.search`). Charts: negative
    complaints per day by source with the seed rule's alert, the trailing review
    rating, topic shares of the negatives, and the sales index (sales follow the
    marketplace and ASIN filters only). Clicking a day of the volume chart narrows
    the table to that day (:meth:`select_day`).
    """

    def __init__(self, store_or_incident: Store | Incident | str | Path, page_size: int = 25) -> None:
        source, self.incident = _resolve(store_or_incident)
        self.thresholds = self.incident.thresholds if self.incident else Thresholds()
        self.data = ExplorerData(source)
        self.data.load()
        self.page_size = page_size
        self._day: dt.date | None = None
        self._page = 0
        self._quiet = False
        self.last_series = None
        self._per_day: pd.Series | None = None
        choices = self.data.choices()
        self.topic_labels = {t: self.data.taxonomy.label(t) for t in self.data.taxonomy.names}
        self._build_controls()
        self.figures = make_figures([], self.topic_labels)
        self._set_choices(choices)
        title = self.incident.title or self.incident.incident if self.incident else str(source)
        header = widgets.HTML(f"<h3 style='margin:4px 0'>Explorer: {_escape(title)}</h3>")
        filters = widgets.HBox([
            widgets.VBox([self.start, self.end, self.negative, self.search]),
            self.marketplace, self.asin, self.source, self.topic, self.rating])
        actions = widgets.HBox([self.refresh_button, self.export_button, self.all_days_button,
                                self.status])
        charts = widgets.GridBox(
            [self.figures[k] for k in ("volume", "rating", "topics", "sales")],
            layout=widgets.Layout(grid_template_columns="repeat(auto-fit, minmax(440px, 1fr))", width="100%"))
        pager = widgets.HBox([self.sort, self.descending, self.previous_button, self.page_label,
                              self.next_button])
        super().__init__([header, filters, actions, charts, pager, self.table])
        self.update()

    # -- controls -----------------------------------------------------------------------
    def _build_controls(self) -> None:
        self.start = widgets.DatePicker(description="From", style=_WIDE)
        self.end = widgets.DatePicker(description="To", style=_WIDE)
        box = widgets.Layout(width="170px")
        self.marketplace = widgets.SelectMultiple(description="Marketplace", rows=5, layout=box)
        self.asin = widgets.SelectMultiple(description="ASIN", rows=5, layout=box)
        self.source = widgets.SelectMultiple(description="Source", rows=5, layout=box)
        self.topic = widgets.SelectMultiple(description="Topic", rows=5, layout=box)
        self.rating = widgets.SelectMultiple(options=[(f"{r}★", r) for r in range(1, 6)],
                                             description="Stars", rows=5,
                                             layout=widgets.Layout(width="110px"))
        for control in (self.marketplace, self.asin, self.source, self.topic, self.rating):
            control.style = {"description_width": "initial"}
            control.layout.flex_flow = "column"
        self.negative = widgets.Checkbox(description="Negative only", value=False, indent=False)
        self.search = widgets.Text(description="Search", continuous_update=False, style=_WIDE,
                                   placeholder='leak "milk everywhere" 漏水 -love')
        self.sort = widgets.Dropdown(options=list(SORT_COLUMNS), value="date", description="Sort",
                                     layout=widgets.Layout(width="160px"))
        self.descending = widgets.Checkbox(description="descending", value=True, indent=False,
                                           layout=widgets.Layout(width="110px"))
        self.previous_button = widgets.Button(description="◀", layout=widgets.Layout(width="40px"))
        self.next_button = widgets.Button(description="▶", layout=widgets.Layout(width="40px"))
        self.page_label = widgets.Label()
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh",
                                             tooltip="ingest new files of the exports folder")
        self.export_button = widgets.Button(description="Export selection", icon="download")
        self.all_days_button = widgets.Button(description="All days", tooltip="undo a day click")
        self.status = widgets.HTML()
        self.table = widgets.HTML()
        for control in (self.start, self.end, self.marketplace, self.asin, self.source, self.topic,
                        self.rating, self.negative, self.search):
            control.observe(self._filters_changed, "value")
        for control in (self.sort, self.descending):
            control.observe(self._sort_changed, "value")
        self.previous_button.on_click(lambda _: self.go_to_page(self._page - 1))
        self.next_button.on_click(lambda _: self.go_to_page(self._page + 1))
        self.refresh_button.on_click(lambda _: self.refresh())
        self.export_button.on_click(lambda _: self.export_selection())
        self.all_days_button.on_click(lambda _: self.select_day(None))

    def _set_choices(self, choices: dict) -> None:
        """Offer the data's values in each control, keeping what was selected."""
        self._quiet = True
        try:
            for control, options in ((self.marketplace, choices["marketplaces"]),
                                     (self.asin, choices["asins"]), (self.source, choices["sources"]),
                                     (self.topic, [(self.topic_labels.get(t, t), t)
                                                   for t in choices["topics"]])):
                kept = control.value
                control.options = options
                values = [o[1] if isinstance(o, tuple) else o for o in options]
                control.value = tuple(v for v in kept if v in values)
        finally:
            self._quiet = False
        self.first_day, self.last_day = choices["first_day"], choices["last_day"]
        volume = self.figures["volume"]
        for source in choices["sources"]:
            if source not in {trace.name for trace in volume.data}:
                position = len(volume.data)
                volume.add_bar(x=[], y=[], name=source, hovertemplate="%{x}: %{y:,}",
                               marker={"color": theme.source_color(source, position),
                                       "line": {"width": 0}})
                volume.data[-1].on_click(self._volume_clicked)

    @property
    def filters(self) -> Filters:
        """The current state of every control."""
        return Filters(start=self.start.value, end=self.end.value,
                       marketplaces=tuple(self.marketplace.value), asins=tuple(self.asin.value),
                       sources=tuple(self.source.value), topics=tuple(self.topic.value),
                       ratings=tuple(self.rating.value), negative_only=bool(self.negative.value),
                       text=self.search.value, day=self._day)

    # -- reacting -----------------------------------------------------------------------
    def _filters_changed(self, _change: dict | None = None) -> None:
        if not self._quiet:
            self._page = 0
            self.update()

    def _sort_changed(self, _change: dict | None = None) -> None:
        self._page = 0
        self.update_table()

    def _volume_clicked(self, _trace: object, points: object, _state: object) -> None:
        xs = getattr(points, "xs", None)
        if xs:
            self.select_day(pd.Timestamp(xs[0]).date())

    def select_day(self, day: dt.date | str | None) -> None:
        """Narrow the table to one local day (None: every day of the selection)."""
        self._day = pd.Timestamp(day).date() if day is not None else None
        self._page = 0
        self.update()

    def go_to_page(self, page: int) -> None:
        """Show page ``page`` (0-based) of the table, clamped to the pages there are."""
        self._page = max(0, min(page, max(self._pages - 1, 0)))
        self.update_table()

    def update(self) -> None:
        """Re-run the selection: every chart and the table's current page."""
        filters = self.filters
        start = filters.start or self.first_day
        end = filters.end or self.last_day
        daily = self.data.daily(filters.without_day())
        self._per_day = daily.groupby("local_date")["events"].sum()
        self.last_series = series(daily, self.data.units(filters),
                                  start, end, [t.name for t in self.figures["volume"].data],
                                  self.data.taxonomy.names, self.thresholds)
        draw(self.figures, self.last_series, self.topic_labels, self.thresholds.target_rating,
             filters.day)
        self.update_table()

    def update_table(self) -> None:
        """Re-query and redraw the table's current page."""
        filters = self.filters
        total = (self.last_series.matching if filters.day is None and self.last_series is not None
                 else self.data.count(filters))
        self._pages = max(1, -(-total // self.page_size))
        self._page = min(self._page, self._pages - 1)
        self.page_rows = self.data.page(filters, self.sort.value, self.descending.value,
                                        self._page, self.page_size, self._per_day)
        self.table.value = render_table(self.page_rows, parse(filters.text), self.topic_labels)
        on_day = f" on {filters.day.isoformat()}" if filters.day else ""
        self.page_label.value = f"{total:,} complaints{on_day} · page {self._page + 1} of {self._pages}"

    # -- actions ------------------------------------------------------------------------
    def export_selection(self, folder: str | Path | None = None) -> Exported:
        """Write the selected events to CSV and xlsx (formula-looking cells neutralised).

        Parameters
        ----------
        folder : str or Path, optional
            Default: ``selections/`` beside ``incident.yaml`` (or the store).
        """
        where = Path(folder) if folder else (
            (self.incident.root if self.incident else Path(self.data.source.path
                                                           if isinstance(self.data.source, Store)
                                                           else self.data.source).parent)
            / "selections")
        stem = "selection-" + dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        result = write_selection(self.data.selection(self.filters), where, stem)
        files = ", ".join(_escape(str(p)) for p in (result.csv, result.xlsx) if p)
        self.status.value = f"exported {result.rows:,} events to {files} {_escape(result.note)}"
        return result

    def refresh(self) -> int:
        """Ingest new files, load the new events, and redraw with the same filters.

        The incident's named exports are ingested (a glob picks up new files), then
        any other file in its ``exports/`` folder; files already in the store are
        skipped. With a bare store, only what others ingested is loaded.

        Returns
        -------
        int
            Events added to the explorer.
        """
        problems = []
        if self.incident is not None:
            ingest_incident(self.incident)
            named = {spec.path.resolve() for spec in incident_files(self.incident)}
            folder = self.incident.root / "exports"
            extra = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")
                           and p.resolve() not in named) if folder.is_dir() else []
            if extra:
                with open_store(self.incident.store_path, salt_seed=self.incident.incident) as store:
                    for path in extra:
                        try:
                            ingest_file(store, FileSpec(path, marketplace=self.incident.marketplace,
                                                        asins=tuple(self.incident.asins)))
                        except CrisisKitError as exc:
                            problems.append(f"{path.name}: {exc}")
        added = self.data.load()
        self._set_choices(self.data.choices())
        self.update()
        note = "; ".join(problems)
        self.status.value = f"refresh: {added:,} new events" + (f" (skipped {_escape(note)})" if note else "")
        return added


def _escape(text: str) -> str:
    return html.escape(text)
