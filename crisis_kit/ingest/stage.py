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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ..errors import InputError
from .sniff import Sniffed, decode_to_utf8
from .values import sql_str

__all__ = ["Rejection", "Staged", "stage_delimited", "stage_records", "read_json_records",
           "read_xlsx_records", "MAX_LINE_BYTES"]

MAX_LINE_BYTES = 8 * 1024 * 1024
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
    """A staged export: its header, its row count and the rows refused while reading."""

    header: list[str]
    rows_read: int
    rejections: list[Rejection]


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
    con: duckdb.DuckDBPyConnection, path: Path, sniffed: Sniffed, workdir: Path
) -> Staged:
    """Read a CSV/TSV export into the ``stage`` table (all text).

    Encodings DuckDB does not read natively are first streamed to UTF-8 in
    ``workdir``; lines in another encoding than the file's are quarantined.
    """
    source = path
    bad_rows = {line - 1 for line in sniffed.bad_lines if line > 1}
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
    con.execute("DROP TABLE IF EXISTS stage_raw")
    try:
        con.execute(
            f"""
            CREATE TEMP TABLE stage_raw AS
            SELECT * FROM read_csv({sql_str(str(source))}, auto_detect = false,
                columns = {columns}, skip = 1, header = false,
                delim = {sql_str(sniffed.delimiter)}, quote = '"', escape = '"',
                max_line_size = {MAX_LINE_BYTES}, store_rejects = true,
                rejects_table = 'stage_rejects', rejects_scan = 'stage_scans',
                null_padding = false, parallel = true)
            """
        )
    except duckdb.Error as exc:
        raise InputError(
            f"the file cannot be read as a table: {str(exc).splitlines()[0]}",
            str(path),
            "check that it is a delimited export; open it in a text editor to see its first lines",
        ) from None
    rejected = con.execute(
        "SELECT DISTINCT ON (line) line - 1 AS row, column_name, error_type, error_message, "
        "left(csv_line, 2000) FROM stage_rejects ORDER BY line"
    ).fetchall()
    header = list(sniffed.header)
    rejections = [
        Rejection(int(row), header[int(_index_of(col))] if _index_of(col) is not None else None,
                  _reject_reason(kind, message), raw.strip("\r\n") if raw else None)
        for row, col, kind, message, raw in rejected
    ]
    # Accepted rows keep their place: number them around the refused ones.
    refused = sorted({r.row for r in rejections})
    con.execute("DROP TABLE IF EXISTS stage")
    total = con.execute("SELECT count(*) FROM stage_raw").fetchone()[0] + len(refused)
    if not refused:
        con.execute("ALTER TABLE stage_raw RENAME TO stage_plain")
        con.execute("CREATE TEMP TABLE stage AS SELECT row_number() OVER () AS _row, * "
                    "FROM stage_plain")
        con.execute("DROP TABLE stage_plain")
        con.execute("CREATE TEMP TABLE stage_raw AS SELECT 1")
    else:
        con.execute(
            f"""
            CREATE TEMP TABLE stage AS
            WITH numbered AS (SELECT row_number() OVER () AS ordinal, * FROM stage_raw),
                 rows AS (
                    SELECT r AS _row, row_number() OVER (ORDER BY r) AS ordinal
                    FROM range(1, {total + 1}) t(r)
                    WHERE r NOT IN (SELECT unnest(?::BIGINT[]))
                 )
            SELECT rows._row, numbered.* EXCLUDE (ordinal)
            FROM numbered JOIN rows USING (ordinal)
            """,
            [refused],
        )
    con.execute("DROP TABLE stage_raw")
    rejections.extend(
        Rejection(row, None, "the line is not valid in the file's encoding (the file mixes "
                  "encodings); save the file again as 'CSV UTF-8' from Excel")
        for row in sorted(bad_rows - set(refused))
    )
    return Staged(header, total, rejections)


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
    con.execute("DROP TABLE IF EXISTS stage")
    cols = ", ".join(f"c{i} VARCHAR" for i in range(len(header)))
    con.execute(f"CREATE TEMP TABLE stage (_row BIGINT, {cols})")
    index = {name: i for i, name in enumerate(header)}
    batch: list[list[Any]] = [[] for _ in range(len(header) + 1)]
    count = 0

    def flush() -> None:
        table = pa.table(
            {"_row": pa.array(batch[0], pa.int64()),
             **{f"c{i}": pa.array(batch[i + 1], pa.string()) for i in range(len(header))}}
        )
        con.register("stage_batch", table)
        con.execute("INSERT INTO stage SELECT * FROM stage_batch")
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


def read_xlsx_records(path: Path) -> tuple[list[str], Iterator[dict[str, Any]]]:
    """Header and rows of the first worksheet of an xlsx workbook (values, not formulas)."""
    from openpyxl import load_workbook  # heavy; only when an xlsx is read

    workbook = load_workbook(path, read_only=True, data_only=True)
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    try:
        header = [str(c).strip() if c is not None else "" for c in next(rows)]
    except StopIteration:
        raise InputError("the workbook's first sheet is empty", str(path)) from None

    def records() -> Iterator[dict[str, Any]]:
        for row in rows:
            if all(c is None or str(c).strip() == "" for c in row):
                continue
            yield dict(zip(header, row, strict=False))
        workbook.close()

    return header, records()


def temp_workdir() -> tempfile.TemporaryDirectory:
    """A scratch folder for decoded copies, removed afterwards."""
    return tempfile.TemporaryDirectory(prefix="crisis-kit-")
