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

from ..analysis.phrases import distinctive_phrases
from ..config import SAMPLE_INCIDENT, Incident, Thresholds, load_incident
from ..errors import CrisisKitError, InputError
from ..ingest import FileSpec, incident_files, ingest_file, ingest_incident
from ..language import Strings, load_strings
from ..store import Store, open_store
from .charts import add_source, draw, make_figures, series
from .export import Exported, write_selection
from .fit import FitCharts
from .query import SORT_COLUMNS, ExplorerData, Filters
from .search import parse
from .table import render_phrases, render_table

__all__ = ["Explorer", "SAMPLE_INCIDENT"]

_WIDE = {"description_width": "initial"}
# Lists with their label above and the list as wide as its box; plotly figures that
# never push their grid cell wider than the output area.
_STYLE = """<style>
.ck-explorer .widget-select-multiple {flex-direction: column; align-items: stretch;}
.ck-explorer .widget-select-multiple select {width: 100%; min-width: 0;}
.ck-explorer .widget-select-multiple > label {text-align: left;}
.ck-explorer .ck-charts > * {min-width: 0; overflow: hidden;}
</style>"""


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
    lang : str, optional
        Language of the interface, ``"en"`` or ``"zh"``; default the incident's
        ``language`` (English for a bare store). Customer text stays as written.
    progress : bool
        In a notebook, show a progress bar while the events load (the first load of a
        large store takes seconds); it disappears once the explorer is ready.

    Notes
    -----
    Filters: date range (local days), marketplace, ASIN, source, topic, star rating,
    negative only, and a search (:mod:`crisis_kit.explorer.search`). Charts: negative
    complaints per day by source with the seed rule's alert, the trailing review
    rating, topic shares of the negatives, and the sales index (sales follow the
    marketplace and ASIN filters only). Clicking a day of the volume chart narrows
    the table to that day (:meth:`select_day`).
    """

    def __init__(self, store_or_incident: Store | Incident | str | Path, page_size: int = 25,
                 lang: str | None = None, progress: bool = True) -> None:
        source, self.incident = _resolve(store_or_incident)
        self.lang = lang or (self.incident.language if self.incident else "en")
        self.strings: Strings = load_strings(self.lang)
        self.thresholds = self.incident.thresholds if self.incident else Thresholds()
        self.page_size = page_size
        self._day: dt.date | None = None
        self._page = 0
        self._quiet = False
        self.last_series = None
        self.last_phrases: pd.DataFrame | None = None
        self._per_day: pd.Series | None = None
        self.data = ExplorerData(source)
        bar = _LoadingBar(self.strings) if progress and _in_kernel() else None
        try:
            self.data.load(bar.update if bar else None)
            choices = self.data.choices()
            self.topic_labels = {t: self.data.taxonomy.label(t, self.lang) for t in self.data.taxonomy.names}
            self._build_controls()
            self.figures = make_figures([], self.topic_labels, self.strings)
            self._set_choices(choices)
            title = self.incident.title or self.incident.incident if self.incident else str(source)
            heading = _escape(self._text("title", title=title))
            header = widgets.HTML(f"{_STYLE}<h3 style='margin:4px 0'>{heading}</h3>")
            filters = widgets.HBox([
                widgets.VBox([self.start, self.end, self.negative, self.search]),
                self.marketplace, self.asin, self.source, self.topic, self.rating],
                layout=widgets.Layout(flex_flow="row wrap"))
            actions = widgets.HBox([self.refresh_button, self.export_button, self.all_days_button,
                                    self.phrases_button, self.status],
                                   layout=widgets.Layout(flex_flow="row wrap"))
            # minmax(0, 1fr) and min-width 0: a cell may shrink below a figure's drawn width,
            # so the grid never overflows the output area (auto-fit decides 1 or 2 columns)
            charts = widgets.GridBox(
                [self.figures[k] for k in ("volume", "rating", "topics", "sales")],
                layout=widgets.Layout(grid_template_columns="repeat(auto-fit, minmax(min(440px, 100%), 1fr))",
                                      width="auto", overflow="hidden"))
            charts.add_class("ck-charts")
            pager = widgets.HBox([self.sort, self.descending, self.previous_button, self.page_label,
                                  self.next_button], layout=widgets.Layout(flex_flow="row wrap"))
            super().__init__([header, filters, actions, charts, self.phrases_box, pager,
                              self.table, FitCharts()])
            self.add_class("ck-explorer")
            self.update()
        finally:
            if bar is not None:
                bar.close()

    def _text(self, key: str, **values: object) -> str:
        """The explorer's interface text at ``key``, in its language."""
        return self.strings.text(f"explorer.{key}", **values)

    # -- controls -----------------------------------------------------------------------
    def _build_controls(self) -> None:
        text = self._text
        day = {"style": {"description_width": "60px"}, "layout": widgets.Layout(width="240px")}
        self.start = widgets.DatePicker(description=text("filters.start"), **day)
        self.end = widgets.DatePicker(description=text("filters.end"), **day)
        box = widgets.Layout(width="140px")
        self.marketplace = widgets.SelectMultiple(description=text("filters.marketplace"), rows=5,
                                                  layout=widgets.Layout(width="110px"))
        self.asin = widgets.SelectMultiple(description=text("filters.asin"), rows=5, layout=box)
        self.source = widgets.SelectMultiple(description=text("filters.source"), rows=5,
                                             layout=widgets.Layout(width="180px"))
        self.topic = widgets.SelectMultiple(description=text("filters.topic"), rows=5,
                                            layout=widgets.Layout(width="240px"))
        self.rating = widgets.SelectMultiple(options=[(f"{r}★", r) for r in range(1, 6)],
                                             description=text("filters.stars"), rows=5,
                                             layout=widgets.Layout(width="80px"))
        for control in (self.marketplace, self.asin, self.source, self.topic, self.rating):
            control.style = {"description_width": "initial"}
        self.negative = widgets.Checkbox(description=text("filters.negative"), value=False, indent=False)
        self.search = widgets.Text(description=text("filters.search"), continuous_update=False,
                                   style={"description_width": "60px"},
                                   layout=widgets.Layout(width="300px"),
                                   placeholder=text("filters.search_placeholder"))
        self.sort = widgets.Dropdown(options=[(text(f"sort_keys.{key}"), key) for key in SORT_COLUMNS],
                                     value="date", description=text("sort"),
                                     layout=widgets.Layout(width="160px"))
        self.descending = widgets.Checkbox(description=text("descending"), value=True, indent=False,
                                           layout=widgets.Layout(width="110px"))
        self.previous_button = widgets.Button(description="◀", tooltip=text("previous_tip"),
                                              layout=widgets.Layout(width="40px"))
        self.next_button = widgets.Button(description="▶", tooltip=text("next_tip"),
                                          layout=widgets.Layout(width="40px"))
        self.page_label = widgets.Label()
        self.refresh_button = widgets.Button(description=text("refresh"), icon="refresh",
                                             tooltip=text("refresh_tip"))
        self.export_button = widgets.Button(description=text("export"), icon="download",
                                            tooltip=text("export_tip"))
        self.all_days_button = widgets.Button(description=text("all_days"), tooltip=text("all_days_tip"))
        self.phrases_button = widgets.Button(description=text("phrases"), icon="search",
                                             tooltip=text("phrases_tip"))
        self.phrases_box = widgets.HTML()
        self.status = widgets.HTML()
        self.table = widgets.HTML()
        # stable class names for the page (tests and the browser benchmark find controls by them)
        for name in ("start", "end", "marketplace", "asin", "source", "topic", "rating", "negative",
                     "search", "sort", "descending", "status"):
            getattr(self, name).add_class(f"ck-{name}")
        self.page_label.add_class("ck-page")
        self.phrases_button.add_class("ck-phrases-button")
        self.phrases_box.add_class("ck-phrases-box")
        self.table.add_class("ck-table-box")
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
        self.phrases_button.on_click(lambda _: self.find_phrases())

    def _set_choices(self, choices: dict) -> None:
        """Offer the data's values in each control, keeping what was selected."""
        self._quiet = True
        names = self.strings.section("sources")
        try:
            for control, options in ((self.marketplace, choices["marketplaces"]),
                                     (self.asin, choices["asins"]),
                                     (self.source, [(names.get(s, s), s) for s in choices["sources"]]),
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
            if source not in {trace.meta for trace in volume.data}:
                add_source(volume, source, self.strings)
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
                                  start, end, [t.meta for t in self.figures["volume"].data],
                                  self.data.taxonomy.names, self.thresholds)
        draw(self.figures, self.last_series, self.topic_labels, self.thresholds.target_rating,
             filters.day, self._text("charts.alert"))
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
        self.table.value = render_table(self.page_rows, parse(filters.text), self.topic_labels,
                                        self.strings)
        counts = {"total": self.strings.number(total), "page": self.strings.number(self._page + 1),
                  "pages": self.strings.number(self._pages)}
        one = "_one" if total == 1 else ""  # "1 complaint", not "1 complaints"
        self.page_label.value = (self._text(f"page_on_day{one}", date=self.strings.date(filters.day),
                                            **counts)
                                 if filters.day else self._text(f"page{one}", **counts))

    # -- actions ------------------------------------------------------------------------
    def find_phrases(self, days: int = 28) -> pd.DataFrame:
        """What the selection's negatives say that no topic names, shown under the charts.

        The phrases most distinctive of the negatives of the last ``days`` days of the
        selection (ending on its "To" day, or the data's last day) against the ``days``
        before, by weighted log-odds (:func:`crisis_kit.analysis.phrases.distinctive_phrases`,
        the report's table); every other filter applies. On a button, not on every
        filter change: tokenising thousands of complaints takes a moment.

        Returns
        -------
        pandas.DataFrame
            The phrases (``PHRASE_COLUMNS``), also rendered in :attr:`phrases_box`.
        """
        filters = self.filters
        end = pd.Timestamp(filters.end or self.last_day)
        start = end - pd.Timedelta(days=days - 1)
        before = start - pd.Timedelta(days=days)
        negatives = self.data.negatives(filters, before.date(), end.date())
        markets = filters.marketplaces or ((self.incident.marketplace,) if self.incident else ())
        table = distinctive_phrases(negatives, start, end, days,
                                    marketplace=markets[0] if len(markets) == 1 else "US")
        window = self._text("phrases_window", start=self.strings.date(start),
                            end=self.strings.date(end), before=self.strings.date(before),
                            before_end=self.strings.date(start - pd.Timedelta(days=1)))
        self.phrases_box.value = render_phrases(table, self.strings, window)
        self.last_phrases = table
        return table


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
        rows = self.strings.number(result.rows)
        message = self._text("exported", rows=rows,
                             files=", ".join(str(p) for p in (result.csv, result.xlsx) if p))
        if result.xlsx is None:
            message += " " + self._text("csv_only", rows=rows)
        self.status.value = _escape(message)
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
        message = self._text("refreshed", added=self.strings.number(added))
        if problems:
            message += " " + self._text("skipped", files="; ".join(problems))
        self.status.value = _escape(message)
        return added


def _escape(text: str) -> str:
    return html.escape(text)


def _in_kernel() -> bool:
    """Whether this runs in a Jupyter kernel (where a widget can be displayed)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - ipywidgets depends on IPython
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class _LoadingBar:
    """A progress bar shown in the cell's output while the events load, removed after."""

    def __init__(self, strings: Strings) -> None:
        from IPython.display import display

        self.strings = strings
        self.bar = widgets.IntProgress(value=0, min=0, max=1, layout=widgets.Layout(width="320px"))
        self.label = widgets.Label()
        self.box = widgets.HBox([self.bar, self.label])
        self.box.add_class("ck-loading")
        display(self.box)

    def update(self, done: int, total: int) -> None:
        """Show ``done`` of ``total`` events copied (then the sort of the copy)."""
        self.bar.max = max(total, 1)
        self.bar.value = done
        number = self.strings.number
        self.label.value = (self.strings.text("explorer.sorting", total=number(total)) if done >= total
                            else self.strings.text("explorer.loading", done=number(done),
                                                   total=number(total)))

    def close(self) -> None:
        """Remove the bar from the output."""
        self.box.close()
        self.bar.close()
        self.label.close()
