"""Stage an export in DuckDB: every cell as text, every row numbered, bad rows caught.

The staged table ``stage`` has ``_row`` (1 = first data row after the header) and
one VARCHAR column per source column, named ``c0``, ``c1``, ... in header order.
Rows the CSV parser cannot split (a truncated last line, too many or too few cells,
a line longer than the limit) are returned as :class:`Rejection` with DuckDB's
own reason, and keep their row numbers.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from ..errors import InputError
from .sniff import Sniffed, decode_to_utf8
from .values import sql_str

__all__ = ["Rejection", "Staged", "stage_delimited", "finish_delimited", "number_rows",
           "keeps_order", "stage_in_table",
           "stage_records", "read_json_records", "MAX_LINE_BYTES"]

MAX_LINE_BYTES = 8 * 1024 * 1024
PARALLEL_BYTES = 16 * 1024 * 1024
"""From this size on, a delimited file is parsed into a table by every core (see
:func:`stage_delimited`); a smaller one is read through a view, in one statement."""
_BATCH = 50_000


@dataclass(frozen=True)
class Rejection:
    """One quarantined row: where, which column, why (and how to fix), and what was read."""

    row: int
    column: str | None
    reason: str
    raw: str | None = None


@dataclass
class Staged:
    """A staged export: its header, its row count and the rows refused while reading.

    ``deferred`` stagings are views over the file: their ``rows_read`` and parser
    rejections are known once :func:`finish_delimited` has run.
    """

    header: list[str]
    rows_read: int
    rejections: list[Rejection]
    deferred: bool = False
    lossy_rows: tuple[int, ...] = ()
    ordinal_rows: list[int] = field(default_factory=list)
    delimiter: str = ","
    sheet: str | None = None
    header_row: int | None = None
    materialised: bool = False
    """The rows were parsed into the table ``stage_rows`` (a large file), to drop afterwards."""
    unnumbered: str | None = None
    """A large file read in order, straight into the candidates: ``stage`` has no row
    numbers (``_row`` NULL) until :func:`number_rows` numbers the candidates; the scan."""


def _reject_reason(error_type: str, message: str) -> str:
    fixes = {
        "MISSING COLUMNS": "the row has fewer cells than the header (a truncated line?); "
        "export the file again or complete the row",
        "TOO MANY COLUMNS": "the row has more cells than the header (an unquoted delimiter "
        "inside a cell?); quote the cell or export again",
        "UNQUOTED VALUE": "a quote opened in this row is never closed (a truncated file?); "
        "export the file again",
        "LINE SIZE OVER MAXIMUM": f"the line is longer than {MAX_LINE_BYTES // 2**20} MB, "
        "which no real export row is; the file is damaged or not a row-per-line export",
        "INVALID UNICODE": "the row is not valid UTF-8 (the file mixes encodings); "
        "save the file again as 'CSV UTF-8' from Excel",
    }
    return f"{message.strip().rstrip('.')}: {fixes.get(error_type, 'check this row')}"


def stage_delimited(
    con: duckdb.DuckDBPyConnection, path: Path, sniffed: Sniffed, workdir: Path,
    quoted: bool = True, in_order: bool = False,
) -> Staged:
    """Read a CSV/TSV export into the ``stage`` table (all text).

    Encodings DuckDB does not read natively are first streamed to UTF-8 in
    ``workdir``; lines in another encoding than the file's are quarantined.
    ``quoted=False``: ``"`` is an ordinary character (Amazon's tab-separated flat files
    never quote, and a product name may begin with one). ``in_order``: the normalising
    SELECT gives one candidate per staged row, in their order, so a large file is read
    straight into the candidates by every core, and numbered after (:func:`number_rows`).
    """
    source = path
    if sniffed.encoding not in ("utf-8", "utf-8-sig") or sniffed.bad_lines:
        source = workdir / "decoded.csv"
        try:
            decode_to_utf8(path, sniffed.encoding, source, set(sniffed.bad_lines))
        except UnicodeDecodeError as exc:
            raise InputError(
                f"the file is not valid {sniffed.encoding} (byte {exc.start} cannot be decoded)",
                str(path),
                "set `encoding:` for this file in incident.yaml, or save it again as UTF-8",
            ) from None
    names = {f"c{i}": "VARCHAR" for i in range(len(sniffed.header))}
    columns = "{" + ", ".join(f"{sql_str(k)}: 'VARCHAR'" for k in names) + "}"
    quote = "quote = '\"', escape = '\"'" if quoted else "quote = '', escape = ''"
    scan = f"""read_csv({sql_str(str(source))}, auto_detect = false,
            columns = {columns}, skip = 1, header = false,
            delim = {sql_str(sniffed.delimiter)}, {quote},
            max_line_size = {MAX_LINE_BYTES}, store_rejects = true,
            rejects_table = 'stage_rejects', rejects_scan = 'stage_scans',
            null_padding = false, parallel = true)"""
    materialised = source.stat().st_size >= PARALLEL_BYTES
    # DuckDB adds a scan's refused lines to the rejects tables that are there: those of
    # the file before would be counted again for this one
    con.execute("DROP TABLE IF EXISTS stage_rejects")
    con.execute("DROP TABLE IF EXISTS stage_scans")
    if materialised and in_order:
        # Every core parses and normalises at once, into ``cand`` in file order (DuckDB
        # keeps the insertion order): the k-th candidate is the k-th row, no copy of the
        # staged text is made, and the rows are numbered afterwards.
        con.execute(f"CREATE OR REPLACE TEMP VIEW stage AS "
                    f"SELECT CAST(NULL AS BIGINT) AS _row, * FROM {scan}")
        materialised = False
    elif materialised:
        _stage_table(con, scan, path)
    else:
        # A view: a small file is parsed once, by the statement that normalises it.
        con.execute(f"CREATE OR REPLACE TEMP VIEW stage AS "
                    f"SELECT row_number() OVER () AS _row, * FROM {scan}")
    bad_rows = tuple(sorted({line - 1 for line in sniffed.bad_lines if line > 1}))
    return Staged(list(sniffed.header), -1, [], deferred=True, lossy_rows=bad_rows,
                  delimiter=sniffed.delimiter, materialised=materialised,
                  unnumbered=scan if in_order and not materialised and source.stat().st_size
                  >= PARALLEL_BYTES else None)


def _stage_table(con: duckdb.DuckDBPyConnection, scan: str, path: Path) -> None:
    """Parse a large file into ``stage_rows`` on every core; ``stage`` numbers by rowid.

    In file order (DuckDB keeps the insertion order of a plain scan), so a row's number is
    its rowid: numbering rows while reading (row_number() OVER ()) would hold the parse
    and every value parser after it to one thread.
    """
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE stage_rows AS SELECT * FROM {scan}")
    except duckdb.Error as exc:
        raise InputError(
            f"the file cannot be read as a table: {str(exc).splitlines()[0]}",
            str(path),
            "check that it is a delimited export; open it in a text editor to see its "
            "first lines, or export it again",
        ) from None
    con.execute("CREATE OR REPLACE TEMP VIEW stage AS SELECT rowid + 1 AS _row, * FROM stage_rows")


ORDER_KEEPING = frozenset({"PROJECTION", "FILTER", "READ_CSV"})
"""Plan operators through which DuckDB keeps the rows of a scan in order into a table."""


def keeps_order(con: duckdb.DuckDBPyConnection, select: str) -> bool:
    """Whether DuckDB's plan of ``select`` holds only operators that keep the scan's order.

    A join (DuckDB plans an ``IN`` of many constants as one), a window, an aggregate or a
    union lets a parallel insert take the rows in any order.
    """
    plan = json.loads(con.execute(f"EXPLAIN (FORMAT json) {select}").fetchall()[0][1])
    names, todo = set(), list(plan)
    while todo:
        node = todo.pop()
        names.add(node.get("name"))
        todo.extend(node.get("children", ()))
    return names <= ORDER_KEEPING


def stage_in_table(con: duckdb.DuckDBPyConnection, staged: Staged, path: Path) -> None:
    """Turn an ``unnumbered`` staging into a staged table (its plan would not keep order)."""
    _stage_table(con, staged.unnumbered, path)
    staged.unnumbered = None
    staged.materialised = True


def number_rows(con: duckdb.DuckDBPyConnection, staged: Staged, rows: str, view: str,
                sha: str, columns: list[str], constants: dict[str, str]) -> None:
    """Show the one-pass candidates ``rows`` (one per row, in order) as ``view``, numbered.

    A candidate's number is its place (``rowid + 1``) and its file's digest is ``sha``
    (taken while the file was read): given by the view, not written by an ``UPDATE``,
    whose changes DuckDB keeps in memory it cannot spill (5M rows ran out of 1 GB).
    ``columns`` are the view's, in order: those of ``constants`` (name -> SQL), the same
    for every row, are not in ``rows`` and the view gives them. ``stage`` then numbers
    the file's rows as read (for the cells of refused rows: read again, on one core, only
    when a row was refused).
    """
    given = {**constants, "source_row": "rowid + 1", "_ordinal": "rowid + 1",
             "source_sha256": sql_str(sha)}
    shown = ", ".join(f'{given[c]} AS "{c}"' if c in given else f'"{c}"' for c in columns)
    con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT {shown} FROM {rows}")
    con.execute(f"CREATE OR REPLACE TEMP VIEW stage AS "
                f"SELECT row_number() OVER () AS _row, * FROM {staged.unnumbered}")
    staged.unnumbered = None


def finish_delimited(con: duckdb.DuckDBPyConnection, staged: Staged, table: str) -> None:
    """Finish a deferred staging once ``table`` was built from the ``stage`` view.

    Collects the rows the CSV parser refused, renumbers ``table.source_row`` around
    them, and counts the rows read.
    """
    rejected = con.execute(
        "SELECT DISTINCT ON (line) line - 1 AS row, column_name, error_type, error_message, "
        "left(csv_line, 2000) FROM stage_rejects ORDER BY line"
    ).fetchall()
    rejections = [
        Rejection(int(row), staged.header[_index_of(col)] if _index_of(col) is not None else None,
                  _reject_reason(kind, message), raw.strip("\r\n") if raw else None)
        for row, col, kind, message, raw in rejected
    ]
    refused = sorted({r.row for r in rejections})
    parsed = con.execute(f"SELECT coalesce(max(source_row), 0) FROM {table}").fetchone()[0]
    staged.rows_read = int(parsed) + len(refused)
    if refused:
        # Accepted rows keep their place in the file: ordinal k becomes the k-th row
        # number that the parser did not refuse.
        con.execute(
            f"""
            UPDATE {table} SET source_row = m._row
            FROM (SELECT r AS _row, row_number() OVER (ORDER BY r) AS ordinal
                  FROM range(1, {staged.rows_read + 1}) t(r)
                  WHERE r NOT IN (SELECT unnest(?::BIGINT[]))) m
            WHERE {table}.source_row = m.ordinal
            """,
            [refused],
        )
    staged.rejections.extend(rejections)
    lossy = [row for row in staged.lossy_rows if row not in set(refused)]
    # Those lines were decoded with replacement characters only to keep the numbering:
    # they are quarantined, never stored.
    if lossy:
        con.execute(f"DELETE FROM {table} WHERE source_row IN (SELECT unnest(?::BIGINT[]))", [lossy])
    staged.rejections.extend(
        Rejection(row, None, "the line is not valid in the file's encoding (the file mixes "
                  "encodings); save the file again as 'CSV UTF-8' from Excel")
        for row in lossy
    )
    staged.ordinal_rows = refused


def _index_of(column_name: str | None) -> int | None:
    if column_name and column_name.startswith("c") and column_name[1:].isdigit():
        return int(column_name[1:])
    return None


def _cell(value: Any) -> str | None:
    """A JSON or spreadsheet value as the text a CSV would hold."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return "; ".join(f"{str(k).strip().rstrip(':')}: {str(v).strip()}" for k, v in value.items())
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float) and value.is_integer():
        return str(value)
    return str(value)


def stage_records(
    con: duckdb.DuckDBPyConnection, records: Iterator[dict[str, Any]], header: list[str]
) -> Staged:
    """Stage records (JSON objects, spreadsheet rows) by name into ``stage``."""
    import pyarrow as pa  # here: a CSV-only ingest never pays its import

    cols = ", ".join(f"c{i} VARCHAR" for i in range(len(header)))
    con.execute(f"CREATE OR REPLACE TEMP TABLE stage_rows (_row BIGINT, {cols})")
    con.execute("CREATE OR REPLACE TEMP VIEW stage AS SELECT * FROM stage_rows")
    index = {name: i for i, name in enumerate(header)}
    batch: list[list[Any]] = [[] for _ in range(len(header) + 1)]
    count = 0

    def flush() -> None:
        table = pa.table(
            {"_row": pa.array(batch[0], pa.int64()),
             **{f"c{i}": pa.array(batch[i + 1], pa.string()) for i in range(len(header))}}
        )
        con.register("stage_batch", table)
        con.execute("INSERT INTO stage_rows SELECT * FROM stage_batch")
        con.unregister("stage_batch")
        for column in batch:
            column.clear()

    for count, record in enumerate(records, start=1):
        batch[0].append(count)
        values = [None] * len(header)
        for key, value in record.items():
            if key in index:
                values[index[key]] = _cell(value)
        for i, value in enumerate(values):
            batch[i + 1].append(value)
        if len(batch[0]) >= _BATCH:
            flush()
    if batch[0]:
        flush()
    return Staged(list(header), count, [])


def read_json_records(path: Path, encoding: str) -> tuple[list[dict[str, Any]], list[Rejection]]:
    """Read JSON lines, concatenated JSON objects or a JSON array into records.

    A record that is not valid JSON is returned as a rejection with its number.
    """
    text = path.read_text(encoding=encoding)
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("["):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"the JSON array is not valid: {exc.msg}",
                f"{path}, line {exc.lineno}, column {exc.colno}",
                "export the file again; a truncated download ends mid-array",
            ) from None
        return [r for r in data if isinstance(r, dict)], []
    decoder = json.JSONDecoder()
    records: list[dict[str, Any]] = []
    rejections: list[Rejection] = []
    position, number = len(text) - len(stripped), 0
    while position < len(text):
        while position < len(text) and text[position] in " \t\r\n":
            position += 1
        if position >= len(text):
            break
        number += 1
        try:
            obj, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            line_end = text.find("\n", position)
            line_end = len(text) if line_end < 0 else line_end
            rejections.append(Rejection(number, None, f"not valid JSON ({exc.msg}): a truncated "
                                        "record? export the file again",
                                        text[position:line_end][:2000]))
            position = line_end + 1
            continue
        records.append(obj if isinstance(obj, dict) else {"_value": obj})
        position = end
    return records, rejections


def temp_workdir() -> tempfile.TemporaryDirectory:
    """A scratch folder for decoded copies, removed afterwards."""
    return tempfile.TemporaryDirectory(prefix="crisis-kit-")
