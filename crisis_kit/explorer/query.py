"""The explorer's data: an in-memory DuckDB copy of the store, and the filter state as SQL.

:class:`ExplorerData` copies the events of an evidence store into an in-memory DuckDB
database, with their topics (as the ingest stored them; :func:`crisis_kit.analysis.topics.assign`
in batches only when the taxonomy changed since, so that topic filters are plain SQL)
and their search text (title and text,
lower-case). It holds no lock on the store between loads, so the CLI or a pipeline
run can write to it while the explorer is open; :meth:`ExplorerData.load` adds only
events of ingests it has not seen. :class:`Filters` is the state of every control;
every query is parameterised SQL over the copy, and no Python loop touches event rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import pyarrow as pa

from ..analysis.topics import assign, fingerprint
from ..config.taxonomy import Taxonomy, load_taxonomy
from ..schemas import EVENTS
from ..store import Store, open_store
from .search import haystack_sql, parse, where_sql

__all__ = ["Filters", "ExplorerData", "SORT_COLUMNS", "PAGE_COLUMNS", "BATCH_ROWS"]

BATCH_ROWS = 200_000
"""Events read from the store, and given topics, per batch (bounds memory on a large store)."""

SORT_COLUMNS = {"date": "occurred_at", "rating": "rating", "source": "source", "asin": "asin",
                "topic": "topic"}
"""The table's sort keys (what the analyst picks) and their columns; nothing else is sorted on."""

PAGE_COLUMNS = ["event_id", "local_date", "occurred_at", "source", "marketplace", "asin",
                "rating", "topic", "is_negative", "title", "text"]
"""Columns of a table page."""

_SALES_PRIORITY = ["business_report", "sales_traffic", "orders"]  # as crisis_kit.analysis.sales
_SINGLE_ASIN_ORDERS = """(SELECT order_id, any_value(asin) AS asin FROM orders
                          GROUP BY order_id HAVING count(DISTINCT asin) = 1)"""


@dataclass(frozen=True)
class Filters:
    """The state of the explorer's controls; empty means "any".

    Dates are marketplace-local days, inclusive. ``day`` (a click on the volume chart)
    narrows the table only; the charts keep the rest of the filters.
    """

    start: dt.date | None = None
    end: dt.date | None = None
    marketplaces: tuple[str, ...] = ()
    asins: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    ratings: tuple[int, ...] = ()
    negative_only: bool = False
    text: str = ""
    day: dt.date | None = None

    def where(self, with_day: bool = False, hits: str | None = None) -> tuple[str, list[object]]:
        """The SQL condition of these filters over the explorer's table, and its parameters.

        ``hits`` names a table of the ``rid`` (rowid) of the rows that match the search
        text, used in place of the text conditions when given.
        """
        conditions: list[str] = []
        params: list[object] = []
        for column, value, op in (("local_date", self.start, ">="), ("local_date", self.end, "<=")):
            if value is not None:
                conditions.append(f"{column} {op} ?")
                params.append(value)
        for column, values in (("marketplace", self.marketplaces), ("asin", self.asins),
                               ("source", self.sources), ("topic", self.topics),
                               ("rating", tuple(float(r) for r in self.ratings))):
            if values:
                conditions.append(f"{column} IN ({', '.join('?' * len(values))})")
                params.extend(values)
        if self.negative_only:
            conditions.append("is_negative")
        if hits is not None:
            conditions.append(f"rowid IN (SELECT rid FROM {hits})")
        else:
            text_conditions, text_params = where_sql(parse(self.text))
            conditions += text_conditions
            params += text_params
        if with_day and self.day is not None:
            conditions.append("local_date = ?")
            params.append(self.day)
        return " AND ".join(conditions) or "TRUE", params

    def without_day(self) -> Filters:
        """The same filters without the clicked day."""
        return replace(self, day=None)


class ExplorerData:
    """An in-memory, queryable copy of one evidence store's events and sales.

    Parameters
    ----------
    source : Store or str or Path
        An open store (read through its connection) or the path of a ``store.duckdb``
        (opened read-only for each load, so the lock is held only while loading).
    taxonomy : Taxonomy, optional
        Topics to assign; default the bundled taxonomy.
    """

    def __init__(self, source: Store | str | Path, taxonomy: Taxonomy | None = None) -> None:
        self.source = source
        self.taxonomy = taxonomy if taxonomy is not None else load_taxonomy()
        self._stack = ExitStack()
        self.con = self._stack.enter_context(open_store(":memory:")).con
        columns = ", ".join(f'"{name}" {sql_type.replace(" NOT NULL", "")}'
                            for name, sql_type, _ in EVENTS.columns)
        self.con.execute(f"CREATE TABLE explorer_events ({columns}, haystack VARCHAR)")
        self.con.execute("CREATE TABLE explorer_sales (local_date DATE, marketplace VARCHAR, "
                         "asin VARCHAR, units DOUBLE)")
        self.seen_seq = 0
        self._hits_of: object = None

    def close(self) -> None:
        """Drop the in-memory copy."""
        self._stack.close()

    @contextmanager
    def _store(self) -> Iterator[Store]:
        if isinstance(self.source, Store):
            yield self.source
        else:
            with open_store(self.source, read_only=True) as store:
                yield store

    # -- loading ------------------------------------------------------------------------
    def load(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Copy the events of ingests not loaded yet, with their topics; reload sales.

        Parameters
        ----------
        progress : callable, optional
            Called as ``progress(done, total)`` before the first batch and after each
            (events copied so far, events to copy), so that a caller can show how far
            a long first load is.

        Returns
        -------
        int
            The number of events added.

        Notes
        -----
        Seller feedback names an order, not an ASIN: an event without an ASIN takes
        the one of its order where the orders file shows a single ASIN, as
        :meth:`crisis_kit.store.Store.events` does; earlier events are re-resolved
        on every load, since a new orders file can name their ASIN.
        """
        first = self.seen_seq == 0
        added = 0
        with self._store() as store:
            latest, total = store.con.execute(
                "SELECT coalesce(max(ingest_seq), 0), count(*) FILTER (WHERE ingest_seq > ?) FROM events",
                [self.seen_seq]).fetchall()[0]
            if progress is not None:
                progress(0, total)
            # the ingest stored each event's topic; match texts again only if the taxonomy changed
            tagged = store.meta("taxonomy") == fingerprint(self.taxonomy)
            reader = store.con.sql(
                f"""SELECT e.* REPLACE (coalesce(e.asin, o.asin) AS asin) FROM events e
                    LEFT JOIN {_SINGLE_ASIN_ORDERS} o ON e.asin IS NULL AND o.order_id = e.order_id
                    WHERE e.ingest_seq > ? AND e.ingest_seq <= ?""",
                params=[self.seen_seq, latest]).to_arrow_reader(BATCH_ROWS)
            for batch in reader:
                added += self._insert(batch, tagged)
                if progress is not None:
                    progress(added, total)
            resolved = store.con.sql(
                f"""SELECT e.event_id, o.asin FROM events e JOIN {_SINGLE_ASIN_ORDERS} o
                    ON o.order_id = e.order_id WHERE e.asin IS NULL AND e.ingest_seq <= ?""",
                params=[self.seen_seq]).to_arrow_table()
            sales = store.sales()[["date", "marketplace", "asin", "units", "source"]]
        if resolved.num_rows:
            self.con.register("explorer_resolved", resolved)
            self.con.execute("UPDATE explorer_events e SET asin = r.asin FROM explorer_resolved r "
                             "WHERE e.event_id = r.event_id AND e.asin IS NULL")
            self.con.unregister("explorer_resolved")
        if first and added:
            # Sorted by day, DuckDB's zone maps skip whole row groups outside a date range.
            self.con.execute("CREATE OR REPLACE TABLE explorer_events AS "
                             "SELECT * FROM explorer_events ORDER BY local_date, occurred_at")
        self._load_sales(sales)
        self.seen_seq = latest
        self._hits_of = None
        return added

    def _insert(self, batch: pa.RecordBatch, tagged: bool = False) -> int:
        if not tagged or batch.column("topic").null_count:
            topic = assign(batch.select(["title", "text", "reason", "reason_group"]).to_pandas(),
                           self.taxonomy)
            batch = batch.set_column(batch.schema.get_field_index("topic"), "topic",
                                     pa.array(topic.astype(str).to_numpy(), pa.string()))
        self.con.register("explorer_batch", batch)
        self.con.execute(f"INSERT INTO explorer_events SELECT *, {haystack_sql()} FROM explorer_batch")
        self.con.unregister("explorer_batch")
        return batch.num_rows

    def _load_sales(self, sales: pd.DataFrame) -> None:
        """Units per day, marketplace and ASIN, one source each (``analysis.sales.daily_units``)."""
        self.con.register("explorer_sales_frame", sales)
        self.con.execute(
            """CREATE OR REPLACE TABLE explorer_sales AS
               WITH ranked AS (
                   SELECT CAST(date AS DATE) AS local_date, marketplace, asin, units,
                          coalesce(list_position(?, source), 99) AS rank
                   FROM explorer_sales_frame WHERE asin IS NOT NULL AND asin NOT IN ('', '*'))
               SELECT local_date, marketplace, asin, sum(units) AS units FROM ranked
               WHERE rank = (SELECT min(rank) FROM ranked r WHERE r.local_date = ranked.local_date
                             AND r.marketplace = ranked.marketplace AND r.asin = ranked.asin)
               GROUP BY ALL""", [_SALES_PRIORITY])
        self.con.unregister("explorer_sales_frame")

    # -- what the controls offer --------------------------------------------------------
    def choices(self) -> dict[str, list]:
        """The values each multiple-choice filter offers, and the first and last day."""
        def distinct(column: str) -> list:
            return [r[0] for r in self.con.execute(
                f"SELECT DISTINCT {column} FROM explorer_events WHERE {column} IS NOT NULL "
                f"ORDER BY 1").fetchall()]
        present = set(distinct("topic"))
        first, last = self.con.execute(
            "SELECT min(local_date), max(local_date) FROM explorer_events").fetchall()[0]
        return {"marketplaces": distinct("marketplace"), "asins": distinct("asin"),
                "sources": distinct("source"),
                "topics": [t for t in self.taxonomy.names if t in present],
                "ratings": [1, 2, 3, 4, 5], "first_day": first, "last_day": last}

    # -- queries ------------------------------------------------------------------------
    def daily(self, filters: Filters) -> pd.DataFrame:
        """Each row represents one local day, source and topic of the selection.

        Columns ``local_date``, ``source``, ``topic``, ``events``, ``negative``,
        ``rating_sum`` and ``ratings`` (sum and count of review ratings): everything
        the charts draw, in one scan.
        """
        where, params = filters.where()
        return self.con.execute(
            f"""SELECT local_date, source, topic, count(*) AS events,
                       count(*) FILTER (WHERE is_negative) AS negative,
                       coalesce(sum(rating) FILTER (WHERE source = 'review'), 0) AS rating_sum,
                       count(rating) FILTER (WHERE source = 'review') AS ratings
                FROM explorer_events WHERE {where} GROUP BY ALL""", params).df()

    def page(self, filters: Filters, sort: str = "date", descending: bool = True,
             page: int = 0, size: int = 25, per_day: pd.Series | None = None) -> pd.DataFrame:
        """One page of the matching events (``filters.day`` applies), sorted.

        ``per_day`` (matching events per local day, from :meth:`daily`) bounds a
        page sorted by date to the days it can reach; the table is stored in day
        order, so DuckDB then reads only those days' row groups.
        """
        if sort not in SORT_COLUMNS:
            raise ValueError(f"sort must be one of {', '.join(SORT_COLUMNS)}; got {sort!r}")
        where, params = filters.where(with_day=True)
        if sort == "date" and per_day is not None and filters.day is None and len(per_day):
            counts = per_day.sort_index(ascending=not descending).cumsum()
            reached = counts.index[counts.to_numpy() >= (max(page, 0) + 1) * size]
            if len(reached):
                where += f" AND local_date {'>=' if descending else '<='} ?"
                params = [*params, pd.Timestamp(reached[0]).date()]
        direction = "DESC" if descending else "ASC"
        return self.con.execute(
            f"""SELECT {', '.join(PAGE_COLUMNS)} FROM explorer_events WHERE {where}
                ORDER BY {SORT_COLUMNS[sort]} {direction} NULLS LAST, event_id
                LIMIT ? OFFSET ?""", [*params, size, max(page, 0) * size]).df()

    def count(self, filters: Filters, with_day: bool = True) -> int:
        """How many events match."""
        where, params = filters.where(with_day)
        sql = f"SELECT count(*) FROM explorer_events WHERE {where}"
        return self.con.execute(sql, params).fetchall()[0][0]

    def units(self, filters: Filters) -> pd.DataFrame:
        """Units per day of the ASINs and marketplaces selected (sales know nothing else)."""
        conditions, params = [], []
        for column, values in (("marketplace", filters.marketplaces), ("asin", filters.asins)):
            if values:
                conditions.append(f"{column} IN ({', '.join('?' * len(values))})")
                params.extend(values)
        where = " AND ".join(conditions) or "TRUE"
        return self.con.execute(f"SELECT local_date, sum(units) AS units FROM explorer_sales "
                                f"WHERE {where} GROUP BY 1 ORDER BY 1", params).df()

    def negatives(self, filters: Filters, start: dt.date, end: dt.date) -> pd.DataFrame:
        """The selection's negative events from ``start`` to ``end`` (local days, inclusive).

        ``filters.day`` is ignored. Columns ``event_id``, ``local_date``, ``title``, ``text``.
        """
        where, params = filters.without_day().where()
        return self.con.execute(
            f"""SELECT event_id, local_date, title, text FROM explorer_events
                WHERE {where} AND is_negative AND local_date BETWEEN ? AND ?
                ORDER BY local_date, event_id""", [*params, start, end]).df()

    def selection(self, filters: Filters) -> pd.DataFrame:
        """Every matching event (``filters.day`` applies), every column, in time order."""
        where, params = filters.where(with_day=True)
        return self.con.execute(
            f"SELECT * EXCLUDE (haystack) FROM explorer_events WHERE {where} "
            "ORDER BY occurred_at, event_id", params).df()
