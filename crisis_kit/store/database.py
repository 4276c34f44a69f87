"""The evidence store: one DuckDB database per incident workspace.

Append-only, with provenance. Every ingest of a file runs in one transaction: the
file's record, its new rows and its quarantined rows land together or not at all, so
a crash or a kill mid-ingest leaves the store as it was before that file (or before the
run of small files committed together with it, ``crisis_kit.ingest.batch``). DuckDB
holds an exclusive file lock for a writer; a second writer waits (``wait`` seconds)
and then fails with :class:`~crisis_kit.errors.StoreBusyError`.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from ..errors import InputError, StoreBusyError
from ..schemas import TABLES

if TYPE_CHECKING:  # pandas is imported where a table is returned: the ingest never needs it
    import numpy as np
    import pandas as pd
    import pyarrow as pa

__all__ = ["GroupedRows", "Store", "open_store", "release_arrow_memory"]

_SCHEMA_VERSION = "1"

LATEST_ACTIONS = (
    'SELECT * FROM actions QUALIFY row_number() OVER (PARTITION BY "at", lane, action, '
    "channel, owner, ref ORDER BY ingest_seq DESC, source_row DESC) = 1")
"""The actions as the kit reads them: an outreach action saved again with grown counts is
stored once per version; only its latest ingested version is kept (:meth:`Store.actions`)."""


class Store:
    """An open evidence store.

    Use :func:`open_store` (a context manager) rather than the constructor.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The open connection.
    path : Path
        The database file.
    read_only : bool
        Whether the connection may write.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, read_only: bool) -> None:
        self.con = con
        self.path = path
        self.read_only = read_only
        self._salt: str | None = None

    # -- schema ---------------------------------------------------------------------------
    def _create(self, salt_seed: str) -> None:
        """Create the tables and the salt in one transaction: a store has all or none."""
        salt = os.environ.get("CRISIS_KIT_SALT") or hashlib.sha256(
            f"crisis-kit:{salt_seed}".encode()
        ).hexdigest()
        self.con.execute("BEGIN TRANSACTION")
        try:
            for table in TABLES.values():
                self.con.execute(table.ddl())
            self._add_new_columns()
            self.con.execute(
                "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
            self.con.execute(
                "INSERT INTO meta VALUES ('schema_version', ?), ('salt', ?) ON CONFLICT DO NOTHING",
                [_SCHEMA_VERSION, salt],
            )
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise

    def _add_new_columns(self) -> None:
        """Give a store made by an earlier version the columns added to a table since.

        Columns are only ever added (design.md): a new one is nullable, and rows stored
        before it have NULL there. Tables added since are made by ``CREATE ... IF NOT EXISTS``.
        """
        have = self._columns()
        for table in TABLES.values():
            for name, sql_type, _ in table.columns:
                if name not in have.get(table.name, ()):
                    nullable = sql_type.replace("NOT NULL", "").strip()
                    self.con.execute(f'ALTER TABLE {table.name} ADD COLUMN "{name}" {nullable}')

    def _columns(self) -> dict[str, set[str]]:
        """The columns each table of the store has now, by table name."""
        have: dict[str, set[str]] = {}
        for table, column in self.con.execute(
                "SELECT table_name, column_name FROM duckdb_columns() "
                "WHERE database_name = current_database() AND NOT internal").fetchall():
            have.setdefault(table, set()).add(column)
        return have

    def _shadow_old_tables(self) -> None:
        """Read a store made by an earlier version, read-only, as if it had today's tables.

        A writable open adds the new columns (:meth:`_add_new_columns`); a read-only one
        cannot, so each table that lacks a column (or is missing) is shadowed by a
        temporary view with NULL there (or with no rows). A report comparing this incident
        with an older sibling then reads the sibling as it is, without writing to it.
        """
        have = self._columns()
        database = self.con.execute("SELECT current_database()").fetchall()[0][0].replace('"', '""')
        for table in TABLES.values():
            columns = have.get(table.name)
            missing = [(n, t.replace("NOT NULL", "").strip()) for n, t, _ in table.columns
                       if columns is None or n not in columns]
            if not missing:
                continue
            nulls = ", ".join(f'NULL::{sql_type} AS "{name}"' for name, sql_type in missing)
            source = (f'SELECT *, {nulls} FROM "{database}".main."{table.name}"' if columns
                      else f"SELECT {nulls} WHERE false")
            self.con.execute(f'CREATE TEMP VIEW "{table.name}" AS {source}')

    @property
    def salt(self) -> str:
        """The salt of author hashes in this store (set once, when the store is made)."""
        if self._salt is None:
            self._salt = self.meta("salt")
        return self._salt

    def meta(self, key: str) -> str | None:
        """One value of the store's ``meta`` table (``schema_version``, ``salt``, ``taxonomy``)."""
        rows = self.con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchall()
        return rows[0][0] if rows else None

    # -- reading --------------------------------------------------------------------------
    def table(self, name: str, where: str = "", params: list | None = None) -> pd.DataFrame:
        """Return one table as a DataFrame, in a stable order."""
        contract = TABLES[name]
        order = ", ".join(contract.key) if contract.key else "1"
        columns = ", ".join(f'"{c}"' for c in contract.names)  # the contract's order
        sql = f"SELECT {columns} FROM {name} {('WHERE ' + where) if where else ''} ORDER BY {order}"
        return self.con.execute(sql, params or []).df()

    def frame(self, sql: str, params: list | None = None) -> pd.DataFrame:
        """Run a query (with its ``params``) and return a DataFrame, through Arrow.

        Four times faster than ``.df()`` on text; typed as ``.df()`` types it: dates as
        ``datetime64[us]``, integers and booleans with nulls as pandas' nullable dtypes.
        """
        return self._to_frame(self.con.sql(sql, params=params).to_arrow_table())

    @staticmethod
    def _to_frame(table: pa.Table) -> pd.DataFrame:
        """An Arrow table as a DataFrame typed as ``.df()`` types it (see :meth:`frame`)."""
        import pandas as pd
        import pyarrow as pa

        frame = table.to_pandas(date_as_object=False)
        for field in table.schema:
            column = frame[field.name]
            if pa.types.is_date(field.type) or pa.types.is_timestamp(field.type) and \
                    field.type.tz is None:
                frame[field.name] = column.astype("datetime64[us]")
            elif pa.types.is_integer(field.type) and table.column(field.name).null_count:
                frame[field.name] = column.astype(pd.Int64Dtype() if field.type.bit_width > 32
                                                  else pd.Int32Dtype())
            elif pa.types.is_boolean(field.type) and table.column(field.name).null_count:
                frame[field.name] = column.astype(pd.BooleanDtype())
        return frame

    def events(self, words: bool = True) -> pd.DataFrame:
        """All events (design.md section 4), ordered by time then id.

        Seller feedback names an order, not an ASIN: where the orders file shows that
        order held one ASIN, the event carries it (the stored row is left as read).
        ``words=False`` leaves out ``title`` and ``text`` (the bulk of the bytes).
        """
        leave = () if words else ("title", "text")
        return self.frame(f"{_events_with_asins(leave)} ORDER BY e.occurred_at, e.event_id")

    def grouped_events(self, asins: list[str] | None = None, until: str | None = None,
                       orders_of: list[str] | None = None,
                       categories: tuple[str, ...] = ()) -> pd.DataFrame:
        """The incident's events grouped in the engine: what an analysis counts, not every event.

        Each row holds ``n`` events. A negative event, a social mention and an event
        with a seller response are rows of their own (``n`` = 1, every column but
        ``title`` and ``text``): the evidence is quoted, timed and listed one by one.
        Every other event is counted in a row per source, marketplace, ASIN, parent
        ASIN, local day, date precision, rating, reason, reason group, status,
        disposition and topic (the topic of a review or seller feedback left out: no
        figure counts the topics of positive ratings): ``event_id`` and the other
        per-event columns are null there and ``occurred_at`` is the group's latest (the
        latest event's time is the latest row's).

        The rows are the incident's as :meth:`events` and the analysis cut them:
        ``asins`` (an event without an ASIN counts when its order held one of them,
        ``orders_of``' order ids, or when it is a social mention), up to the local day
        ``until``. Rows come in :meth:`events`' order (time, then id), groups first on ties.
        The ``categories`` columns come as pandas categories (:meth:`GroupedRows.frame`).
        """
        return self.grouped_table(asins, until, orders_of).frame(categories)

    def grouped_table(self, asins: list[str] | None = None, until: str | None = None,
                      orders_of: list[str] | None = None) -> GroupedRows:
        """:meth:`grouped_events` as the engine gives them: call ``.frame()`` once the store is closed.

        Two queries, each sorted by the engine: the counted rows, then the events of
        their own. Their rows are merged on time (a stable sort on ``occurred_at``: the
        groups before the events of the same instant, as ``event_id NULLS FIRST``, each
        half in its own order), the order of one query sorting both, at 40-50 MB less
        for a million events; after the store is closed, DuckDB's memory is not held
        beside the DataFrame being made.
        """
        import numpy as np
        import pyarrow as pa

        counted_sql, single_sql, params = grouped_events_sql(asins, until, orders_of)
        both = pa.concat_tables([self.con.sql(counted_sql, params=params).to_arrow_table(),
                                 self.con.sql(single_sql, params=params).to_arrow_table()])
        return GroupedRows(both, np.argsort(both.column("occurred_at").to_numpy(), kind="stable"))

    def negative_words(self, ids: list[str] | None = None) -> pd.DataFrame:
        """``event_id``, ``title`` and ``text`` of every negative event (the quotable ones).

        Only those whose id is in ``ids`` when given.
        """
        among = "" if ids is None else " AND event_id IN (SELECT unnest(?::VARCHAR[]))"
        return self.frame(f"SELECT event_id, title, text FROM events WHERE is_negative{among} "
                          "ORDER BY event_id", None if ids is None else [ids])

    def sales(self) -> pd.DataFrame:
        """Daily sales: Business Report and Sales and Traffic rows, and order lines per day.

        Each row represents one marketplace-local day of one ASIN as one source reports it.
        Read through Arrow (:meth:`frame`): DuckDB's ``.df()`` holds tens of MB more for
        three years of fifty ASINs.
        """
        return self.frame(
            """
            SELECT * FROM sales
            UNION ALL
            SELECT local_date AS date, marketplace, coalesce(asin, '') AS asin,
                   NULL AS parent_asin, sku, sum(quantity) AS units,
                   sum(item_price) AS revenue, any_value(currency) AS currency,
                   NULL AS sessions, NULL AS page_views, NULL AS buy_box_pct,
                   NULL AS unit_session_pct, 'orders' AS source, 'local' AS day_definition,
                   min(source_file) AS source_file, min(source_row) AS source_row,
                   min(source_sha256) AS source_sha256, max(ingest_seq) AS ingest_seq
            FROM orders
            WHERE coalesce(lower(status), '') NOT IN ('cancelled', 'canceled')
            GROUP BY ALL
            ORDER BY source, marketplace, date, asin, sku
            """
        )[TABLES["sales"].names]

    def voc(self) -> pd.DataFrame:
        """Voice of the Customer rows: one ASIN (SKU, condition) per `Last updated` day."""
        return self.table("voc")

    def _has(self, name: str) -> bool:
        return bool(self.con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
            "AND table_name = ?", [name]).fetchall()[0][0])

    def _empty(self, name: str) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame({c: pd.Series(dtype=object) for c in TABLES[name].names})

    def messages(self) -> pd.DataFrame:
        """Buyer messages (one a row: received, first answered), in time order.

        A store made before the table existed, opened read-only, has none: an empty table.
        """
        if not self._has("messages"):
            return self._empty("messages")
        columns = ", ".join(f'"{c}"' for c in TABLES["messages"].names)
        return self.con.execute(
            f"SELECT {columns} FROM messages ORDER BY received_at, message_id").df()

    def feedback_topics(self) -> pd.DataFrame:
        """Amazon's Customer Feedback topics (one topic of one ASIN or node over one period).

        Empty for a store made before the table existed, opened read-only.
        """
        return self.table("feedback_topics") if self._has("feedback_topics") else self._empty(
            "feedback_topics")

    def actions(self) -> pd.DataFrame:
        """The response actions, in time order.

        An outreach action whose counts grew between two saves of the log is stored in
        each version (the counts are part of its id); only the latest ingested version of
        the same time, lane, action, channel, owner and reference is returned.
        """
        return self.con.execute(f'{LATEST_ACTIONS} ORDER BY "at", action_id').df()

    def files(self) -> pd.DataFrame:
        """Every ingest of every file, in order."""
        return self.table("files")

    def rejections(self) -> pd.DataFrame:
        """Every quarantined row with its reason."""
        return self.table("rejections")

    def export_parquet(self, folder: str | Path) -> list[Path]:
        """Write every table to ``folder/<table>.parquet`` (a stable schema) and return the paths."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for name in TABLES:
            target = folder / f"{name}.parquet"
            columns = ", ".join(f'"{c}"' for c in TABLES[name].names)  # the contract's order
            self.con.execute(f"COPY (SELECT {columns} FROM {name}) TO '{target}' (FORMAT parquet)")
            written.append(target)
        return written


class GroupedRows:
    """The grouped events as :meth:`Store.grouped_table` read them: Arrow rows and their order."""

    def __init__(self, table: pa.Table, order: np.ndarray) -> None:
        self._table: pa.Table | None = table
        self.order = order

    def frame(self, categories: tuple[str, ...] = ()) -> pd.DataFrame:
        """The rows as a DataFrame, in order (once: the table is let go as it is converted).

        The ``categories`` columns come as pandas categories (sorted, as ``astype`` makes
        them), encoded in Arrow: their strings are never all made in pandas.
        """
        import pyarrow as pa
        import pyarrow.compute as pc

        table, self._table = self._table, None
        if table is None:
            raise RuntimeError("GroupedRows.frame() was called already: its table is gone")
        for name in categories:
            i = table.schema.get_field_index(name)
            table = table.set_column(i, name, pc.dictionary_encode(table.column(name)))
        table = table.take(pa.array(self.order))
        frame, table = Store._to_frame(table), None
        for name in categories:
            column = frame[name]
            frame[name] = column.cat.reorder_categories(sorted(column.cat.categories))
        return frame


def release_arrow_memory() -> None:
    """Give back to the system the memory Arrow's pool keeps after a conversion.

    Arrow's default pool (mimalloc) holds on to what it freed: after a million events'
    columns are made a DataFrame, some 50 MB the process no longer uses. The analysis
    calls this between its reads, so the next one does not stack on top of it.
    """
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


def _events_with_asins(leave: tuple[str, ...] = ()) -> str:
    """``SELECT`` of the events (``e``) less the ``leave`` columns, each with its ASIN.

    Seller feedback names an order, not an ASIN: where the orders file shows that order
    held one ASIN, the event carries it (:meth:`Store.events`, :meth:`Store.grouped_events`).
    """
    exclude = f" EXCLUDE ({', '.join(leave)})" if leave else ""
    return f"""
        SELECT e.*{exclude} REPLACE (coalesce(e.asin, o.asin) AS asin)
        FROM events e
        LEFT JOIN (SELECT order_id, any_value(asin) AS asin FROM orders
                   GROUP BY order_id HAVING count(DISTINCT asin) = 1) o
          ON e.asin IS NULL AND o.order_id = e.order_id"""


GROUPED_LEAVE_OUT = ("title", "text", "author_hash", "verified", "ingest_seq")
"""Columns of the events table :meth:`Store.grouped_events` does not read."""


def grouped_events_sql(asins: list[str] | None = None, until: str | None = None,
                       orders_of: list[str] | None = None) -> tuple[str, str, list]:
    """The SQL of :meth:`Store.grouped_events`: the counted rows', the single events', the parameters.

    Both give every column in the same order and types; each is sorted by
    ``occurred_at`` then its own keys (:meth:`Store.grouped_table` merges them).
    """
    where, params = ["TRUE"], []
    if asins:
        where.append("(e.asin IN (SELECT unnest(?::VARCHAR[])) OR (e.asin IS NULL AND "
                     "(e.order_id IN (SELECT unnest(?::VARCHAR[])) OR e.source = 'social')))")
        params += [list(asins), list(orders_of or [])]
    if until is not None:
        where.append("e.local_date <= ?::DATE")
        params.append(until)
    single = "(is_negative OR source = 'social' OR coalesce(trim(response), '') <> '')"
    counted = ["source", "marketplace", "asin", "parent_asin", "local_date", "date_precision",
               "rating", "reason", "reason_group", "status", "disposition", "is_negative"]
    # what no figure reads stays in the store: the words (read per quote), the author's
    # salted hash, the verified flag, the ingest's number (a scan of every event's hash
    # alone costs the engine tens of MB)
    columns = [(name, sql_type.replace("NOT NULL", "").strip())
               for name, sql_type, _ in TABLES["events"].columns if name not in GROUPED_LEAVE_OUT]
    names = ", ".join(name for name, _ in columns)
    # The two halves are two scans, not one CTE read twice (DuckDB would materialise
    # it: every column of every event, 0.7 GB for a million): the narrow counted
    # columns of every event, and every column of the few events of their own.
    events = f"({_events_with_asins(GROUPED_LEAVE_OUT)}) e WHERE {' AND '.join(where)}"
    then = ("source, asin, local_date, rating, reason, reason_group, status, disposition, "
            "topic, is_negative")
    kept = {*counted, "topic", "occurred_at"}
    padded = ", ".join(name if name in kept else f"NULL::{sql_type} AS {name}"
                       for name, sql_type in columns)
    counted_sql = f"""
        SELECT {padded}, n FROM (
            SELECT {', '.join(counted)},
                   CASE WHEN source IN ('review', 'seller_feedback') THEN NULL
                        ELSE topic END AS topic,
                   max(occurred_at) AS occurred_at, count(*)::BIGINT AS n
            FROM {events} AND NOT {single}
            GROUP BY ALL)
        ORDER BY occurred_at, {then}
    """
    single_sql = (f"SELECT {names}, 1::BIGINT AS n FROM {events} AND {single} "
                  f"ORDER BY occurred_at, event_id, {then}")
    return counted_sql, single_sql, params


def _settings(path: Path) -> dict[str, str]:
    """DuckDB settings: UTC, and a memory ceiling above which work spills to disk.

    The ceiling keeps a 5-million-row ingest under 2 GB; ``CRISIS_KIT_MEMORY_LIMIT``
    raises or lowers it (DuckDB syntax: ``1GB``, ``512MB``).
    """
    spill = (Path(tempfile.gettempdir()) if str(path) == ":memory:" else path.parent) / (
        ".crisis-kit-spill")
    return {
        "TimeZone": "UTC",
        "memory_limit": os.environ.get("CRISIS_KIT_MEMORY_LIMIT", "1GB"),
        "temp_directory": str(spill),
        # DuckDB draws its own bar on the terminal for long queries: off, library code
        # writes nothing; the CLI on a terminal turns it on for an ingest (a large file)
        "enable_progress_bar": False,
    }


def _connect(path: Path, read_only: bool, wait: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait
    delay = 0.05
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            for name, value in _settings(path).items():
                con.execute(f"SET {name} = ?", [value])
            return con
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() >= deadline:
                holder = str(exc).split("PID", 1)[-1].strip(" .)") if "PID" in str(exc) else "?"
                raise StoreBusyError(
                    f"the evidence store is in use by another process (PID {holder}) "
                    f"and stayed busy for {wait:g} s",
                    str(path),
                    "wait for the other crisis-kit run to finish, then run this again "
                    "(or raise --wait)",
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


@contextmanager
def open_store(
    path: str | Path, *, read_only: bool = False, wait: float = 30.0, salt_seed: str = ""
) -> Iterator[Store]:
    """Open (creating if needed) the evidence store at ``path``.

    Parameters
    ----------
    path : str or Path
        The ``store.duckdb`` file; its folder is created if missing.
    read_only : bool
        Open for reading only (the store must exist).
    wait : float
        Seconds to wait for another process's lock before giving up.
    salt_seed : str
        Seeds the author-hash salt of a new store (the incident slug), unless the
        environment variable ``CRISIS_KIT_SALT`` is set when the store is created.

    Yields
    ------
    Store
    """
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.is_file():
        raise InputError(
            "there is no evidence store yet: nothing was ingested for this incident",
            str(path),
            "run `crisis-kit ingest incident.yaml` first (or `crisis-kit monitor`, which "
            "ingests), then run this again",
        )
    con = _connect(path, read_only, wait)
    try:
        store = Store(con, path, read_only)
        if not read_only:
            store._create(salt_seed)
        elif path != ":memory:":
            store._shadow_old_tables()
        yield store
    finally:
        con.close()
