"""One file into the evidence store: sniff, stage, normalise, then commit in one transaction.

Counting is exact and always adds up: every data row of a file is read once and
ends as accepted (it added at least one new record), rejected (quarantined with a
reason) or a duplicate (every record it holds was already in the store or earlier
in the same file): ``read = accepted + rejected + duplicates``.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import duckdb

from ..analysis import tagging as topics
from ..config import marketplaces
from ..errors import InputError
from ..schemas import TABLES
from ..store import Store
from . import stage as staging
from .customerfeedback import (
    FEEDBACK_FIELDS,
    feedback_rows,
    is_customer_feedback,
    refuse_error_response,
)
from .formats import Format, detect_format, get_format
from .normalise import (
    Target,
    actions_sql,
    constant_event_columns,
    events_sql,
    feedback_topics_sql,
    in_order,
    load_reason_map,
    mapped_format,
    messages_sql,
    orders_sql,
    sales_sql,
    voc_sql,
)
from .salestraffic import data_kiosk_rows, is_data_kiosk, sales_traffic_rows
from .sheets import read_html_tables, read_workbook, refuse_xls
from .sniff import check_file, normalise_header, sniff
from .stage import (
    Rejection,
    Staged,
    finish_delimited,
    keeps_order,
    number_rows,
    read_json_records,
    stage_delimited,
    stage_in_table,
    stage_records,
    temp_workdir,
)
from .values import sql_str

__all__ = ["FileSpec", "IngestReport", "ingest_file", "name_date"]

_BUILDERS = {"events": events_sql, "sales": sales_sql, "orders": orders_sql,
             "actions": actions_sql, "voc": voc_sql, "messages": messages_sql,
             "feedback_topics": feedback_topics_sql}


@dataclass(frozen=True)
class FileSpec:
    """How to read one file (what ``incident.yaml`` says of it, or the CLI's flags)."""

    path: Path
    marketplace: str = "US"
    format: str | None = None
    source: str | None = None
    encoding: str | None = None
    mapping: dict[str, str] | None = None
    date: dt.date | None = None
    date_pattern: str | None = None
    asins: tuple[str, ...] = ()
    table: str | None = None
    sheet: str | None = None
    """The workbook's sheet to read (default: the first with a known header)."""
    marketplace_given: bool = True
    """False when nobody said the marketplace (``inspect`` without --marketplace): a file
    name whose date reads two ways is then refused with both readings."""
    entry: str | None = None
    """Where incident.yaml names the file (``complaints[2]``), for error messages."""


@dataclass
class IngestReport:
    """What became of one file's rows."""

    path: str
    format: str
    encoding: str
    table: str
    read: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    records_added: int = 0
    rejections: list[dict[str, Any]] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    sheet: str | None = None
    """The sheet (or HTML table) read, for a workbook; with ``header_row``, its 1-based row."""
    header_row: int | None = None
    day: str | None = None
    """The day of a Business Report (from ``date:`` or its file name), ISO."""
    warnings: list[str] = field(default_factory=list)
    """What was read but looks wrong (a currency the marketplace does not use)."""

    def as_json(self, limit: int = 20) -> dict[str, Any]:
        """The ``inspect --json`` shape of design.md section 10."""
        store_table = "sales" if self.table == "orders" else self.table
        found = ({"sheet": self.sheet, "header_row": self.header_row}
                 if self.sheet is not None else {})
        if self.day is not None:
            found["day"] = self.day
        return {
            "format": self.format, "encoding": self.encoding, "table": store_table, **found,
            "rows": {"read": self.read, "accepted": self.accepted, "rejected": self.rejected,
                     "duplicates": self.duplicates},
            "rejections": self.rejections[:limit],
            "warnings": self.warnings,
        }

    def to_dict(self) -> dict[str, Any]:
        """Every field, for logs and tests."""
        return asdict(self)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


_YEAR_FIRST = re.compile(r"(?<!\d)(\d{4})[-_.](\d{1,2})[-_.](\d{1,2})(?!\d)")
_YEAR_LAST = re.compile(r"(?<!\d)(\d{1,2})[-_.](\d{1,2})[-_.](\d{4}|\d{2})(?!\d)")
_COMPACT = re.compile(r"(?<!\d)((?:19|20)\d{2})(\d{2})(\d{2})(?!\d)")  # 20220504
_ORDER_WORDS = {"DMY": "day first", "MDY": "month first"}


def _valid(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def name_date(text: str, date_order: str | None) -> tuple[dt.date | None, list[dt.date]]:
    """The day a file name (or a ``date`` group) names, in Amazon's own forms.

    ``BusinessReport-2025-07-23``, ``BusinessReport-23-07-2025`` (day first: UK, EU),
    ``BusinessReport-7-23-25`` (month first: US), ``BusinessReport-02.04.25``. Returns the
    day and, when the name alone reads two ways, both readings: the marketplace's date
    order (``date_order``, None when unknown) then chooses; a name that one order cannot
    read (23 is no month) needs no order.
    """
    found = _YEAR_FIRST.search(text)
    if found:
        year, month, day = (int(g) for g in found.groups())
        return _valid(year, month, day), []
    found = _YEAR_LAST.search(text)
    if not found:
        compact = _COMPACT.search(text)
        if compact:
            return _valid(*(int(g) for g in compact.groups())), []
        return None, []
    first, second, year_text = found.groups()
    year = int(year_text) + (2000 if len(year_text) == 2 else 0)
    readings = {"DMY": _valid(year, int(second), int(first)),
                "MDY": _valid(year, int(first), int(second))}
    valid = {order: day for order, day in readings.items() if day is not None}
    if len(set(valid.values())) == 1:
        return next(iter(valid.values())), []
    if not valid:
        return None, []
    if date_order in valid:
        return valid[date_order], []
    return None, [readings["DMY"], readings["MDY"]]


def _file_date(spec: FileSpec) -> dt.date:
    if spec.date:
        return spec.date
    text = spec.path.name
    if spec.date_pattern:
        match = re.search(spec.date_pattern, spec.path.name)
        text = (match.groupdict().get("date") or match.group(0)) if match else ""
    order = marketplaces.get(spec.marketplace).date_order if spec.marketplace_given else None
    day, readings = name_date(text, order)
    if day is not None:
        return day
    if readings:
        dmy, mdy = readings
        raise InputError(
            f"the file name's date reads two ways: {dmy:%d %B %Y} (day first, as UK and EU "
            f"marketplaces name files) or {mdy:%d %B %Y} (month first, as the US does), and "
            "the marketplace is not known",
            str(spec.path),
            "say the marketplace (`marketplace:` in incident.yaml, --marketplace for inspect) "
            "or give the day (`date:` in incident.yaml, --date YYYY-MM-DD for inspect)",
        )
    raise InputError(
        "a Business Report has no date column and no date was found for this file",
        str(spec.path),
        "give the day in incident.yaml (`date: 2022-05-03` for this file, --date for "
        "inspect) or a `date_pattern:` that finds it in the file name; Amazon's own names "
        "(BusinessReport-23-07-2025.csv, BusinessReport-7-23-25.csv) are read as they are",
    )


def _day_of(spec: FileSpec, fmt: Format) -> str | None:
    """The day of a file whose rows do not carry one (a Business Report), ISO; else None."""
    if fmt.name == "business-report" or (
            fmt.name == "mapping" and fmt.table == "sales" and "date" not in fmt.fields):
        return _file_date(spec).isoformat()
    return None


def _stage(con: duckdb.DuckDBPyConnection, spec: FileSpec, workdir: Path
           ) -> tuple[Format, str, Staged, list[dict[str, Any]] | None]:
    """Stage the file; return its format, encoding, staging, and ready sales rows.

    Ready rows come from a Sales and Traffic report or a Data Kiosk result.
    """
    market = marketplaces.get(spec.marketplace)
    sniffed = sniff(spec.path, encoding_hint=market.encoding, encoding=spec.encoding)
    where = str(spec.path)
    if sniffed.kind == "delimited":
        fmt = _choose(spec, sniffed.header, "delimited", where)
        quoted = fmt.quoted or sniffed.delimiter != "\t"
        ordered = in_order(fmt, {normalise_header(h): i for i, h in enumerate(sniffed.header)})
        return (fmt, sniffed.encoding,
                stage_delimited(con, spec.path, sniffed, workdir, quoted=quoted,
                                in_order=ordered), None)
    if sniffed.kind == "xls":
        raise refuse_xls(spec.path)
    if sniffed.kind in ("xlsx", "html"):
        def accept(header: list[str]) -> bool:
            try:
                _choose(spec, header, "delimited", where)
            except InputError:
                return False
            return True

        table = (read_workbook(spec.path, accept, spec.sheet) if sniffed.kind == "xlsx"
                 else read_html_tables(spec.path, sniffed.encoding, accept))
        fmt = _choose(spec, table.header, "delimited", where)
        staged = stage_records(con, table.records, table.header)
        staged.sheet, staged.header_row = table.sheet, table.header_row
        encoding = "xlsx" if sniffed.kind == "xlsx" else f"html ({sniffed.encoding})"
        return fmt, encoding, staged, None
    text = spec.path.read_text(encoding=sniffed.encoding).lstrip("\ufeff")
    if spec.format in (None, "amazon-sales-traffic") and '"reportSpecification"' in text[:200_000]:
        rows, rejections, read = sales_traffic_rows(json.loads(text), market.code, list(spec.asins))
        return get_format("amazon-sales-traffic"), sniffed.encoding, Staged([], read, rejections), rows
    records, rejections = read_json_records(spec.path, sniffed.encoding)
    refuse_error_response(records, where)
    if spec.format in (None, "amazon-customer-feedback") and is_customer_feedback(records):
        fmt = get_format("amazon-customer-feedback")
        _refuse_misplaced(spec, fmt, where)
        rows = feedback_rows(records, market.code)
        staged = stage_records(con, iter(rows), FEEDBACK_FIELDS)
        # a response that is not valid JSON counts as one row, after the topics
        staged.rejections.extend(Rejection(len(rows) + i, r.column, r.reason, r.raw)
                                 for i, r in enumerate(rejections, start=1))
        staged.rows_read += len(rejections)
        return fmt, sniffed.encoding, staged, None
    header: list[str] = []
    for record in records[:1000]:
        header.extend(k for k in record if k not in header)
    fmt = _choose(spec, header, "json", where)
    if fmt.name == "amazon-data-kiosk-sales-traffic" and is_data_kiosk(records):
        bad = {r.row for r in rejections}
        numbers = [n for n in range(1, len(records) + len(bad) + 1) if n not in bad]
        rows, refused = data_kiosk_rows(records, market.code, list(spec.asins), numbers)
        return (fmt, sniffed.encoding,
                Staged([], len(records) + len(bad), sorted(rejections + refused,
                                                           key=lambda r: r.row)), rows)
    staged = stage_records(con, iter(records), header)
    # JSON rejections were numbered among all records; renumber the good ones around them.
    staged.rows_read += len(rejections)
    staged.rejections.extend(rejections)
    if rejections:
        bad = sorted(r.row for r in rejections)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE stage_rows AS SELECT m._row AS _row, s.* EXCLUDE (_row) "
            "FROM stage_rows s JOIN (SELECT r AS _row, row_number() OVER (ORDER BY r) AS ordinal "
            f"FROM range(1, {staged.rows_read + 1}) t(r) WHERE r NOT IN (SELECT unnest(?))) m "
            "ON m.ordinal = s._row", [bad])
    return fmt, sniffed.encoding, staged, None


def _choose(spec: FileSpec, header: list[str] | tuple[str, ...], kind: str, where: str) -> Format:
    if spec.mapping:
        return mapped_format(spec.mapping, spec.source or "other", list(header), spec.table)
    if spec.format:
        fmt = get_format(spec.format, where)
        present = {normalise_header(h) for h in header}
        missing = set(fmt.required) - present
        missing |= {" or ".join(group) for group in fmt.required_any if not present & set(group)}
        if missing:
            raise InputError(
                f"the file is named as {fmt.name!r} but lacks its columns {sorted(missing)}",
                where, "remove `format:` to detect the format, or export the right report",
            )
        return fmt
    fmt = detect_format(header, kind, where)
    _refuse_misplaced(spec, fmt, where)
    return fmt


def _refuse_misplaced(spec: FileSpec, fmt: Format, where: str) -> None:
    """A file listed under the wrong key of incident.yaml is refused, naming the right one."""
    if spec.table == "messages" and fmt.table != "messages":
        raise InputError(
            f"the file is a {fmt.label}, which feeds {fmt.table}, but it is listed under "
            "`messages` in incident.yaml", where,
            "give a `mapping:` for it (received_at, answered_at, order_id, ...: docs/ingest.md) "
            "or move it to the list its table belongs to")
    # Amazon's own views (Voice of the Customer, Customer Feedback topics) are neither
    # complaints nor sales: they may be listed under either
    if spec.table and fmt.table != spec.table and fmt.table not in (
            "voc", "feedback_topics") and not (
            spec.table == "sales" and fmt.table == "orders"):
        raise InputError(
            f"the file is a {fmt.label}, which feeds {fmt.table}, but it is listed under "
            f"`{spec.table}` in incident.yaml", where, f"move it to the `{fmt.table}` list",
        )


def ingest_file(store: Store, spec: FileSpec) -> IngestReport:
    """Read one export into ``store``: new rows added, duplicates counted, bad rows kept.

    Everything the file adds lands in one transaction with its ``files`` record.

    Raises
    ------
    InputError
        When the file as a whole cannot be read (missing, empty, a directory, an
        unknown header, an unreadable encoding).
    """
    check_file(spec.path)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return _ingest_file(store, spec, pool)


_PENDING_SHA = "(digest pending)"


def _ingest_file(store: Store, spec: FileSpec, pool: ThreadPoolExecutor) -> IngestReport:
    con = store.con
    path = spec.path
    hashing = None
    if path.stat().st_size >= staging.PARALLEL_BYTES and not _named_before(store, spec):
        # A large file whose name and size were never ingested cannot be a repeat: its
        # digest is taken (on another core) while DuckDB reads it, and written in after.
        hashing, sha = pool.submit(_sha256, path), _PENDING_SHA
    else:
        sha = _sha256(path)
        again = _already_ingested(store, spec, sha)
        if again is not None:
            return again
    one_pass = False
    try:
        with temp_workdir() as tmp:
            fmt, encoding, staged, ready = _stage(con, spec, Path(tmp))
            one_pass = staged.unnumbered is not None
            if hashing is not None and not one_pass:
                sha = hashing.result()  # the staged parse overlapped it: the SQL gets it
            report = _normalise_and_commit(store, spec, fmt, encoding, staged, ready, sha,
                                           hashing if one_pass else None)
    finally:
        if one_pass:
            _drop_one_pass(con)
    return report


def _drop_one_pass(con: duckdb.DuckDBPyConnection) -> None:
    """Drop a one-pass file's candidates (a view ``cand`` over ``cand_rows``) if still there."""
    if con.execute("SELECT count(*) FROM duckdb_views() WHERE temporary "
                   "AND view_name = 'cand'").fetchone()[0]:
        con.execute("DROP VIEW cand")
    con.execute("DROP TABLE IF EXISTS cand_rows")


def _normalise_and_commit(store: Store, spec: FileSpec, fmt: Format, encoding: str,
                          staged: Staged, ready: list[dict[str, Any]] | None, sha: str,
                          hashing: Future | None) -> IngestReport:
    con = store.con
    path = spec.path
    index = {normalise_header(h): i for i, h in enumerate(staged.header)}
    target = Target(spec.marketplace, path.name, sha, store.salt, spec.source,
                    _day_of(spec, fmt))
    if fmt.table == "events":
        load_reason_map(con)  # return reasons' groups: only events read them
    if ready is not None:
        select = _ready_sales_sql(con, ready, target)
    else:
        select = _BUILDERS[fmt.table](fmt, index, target)
    if staged.unnumbered and not keeps_order(con, select):
        stage_in_table(con, staged, path)  # the rows numbered by the staged table instead
        if hashing is not None:
            sha = hashing.result()
            select = _BUILDERS[fmt.table](fmt, index, replace(target, source_sha256=sha))
    if staged.unnumbered:
        # one pass: parsed and normalised into cand_rows, seen numbered as cand; what is
        # the same for every row (a column the file lacks, its name) is left to the view
        constants = constant_event_columns(fmt, index, target)
        columns = _build_candidates(con, fmt, select, path, "cand_rows",
                                    leave=[*constants, "source_row", "source_sha256"])
        if hashing is not None:
            sha = hashing.result()
        number_rows(con, staged, "cand_rows", "cand", sha, columns, constants)
        if staged.lossy_rows or con.execute(
                "SELECT (SELECT count(*) FROM stage_rejects) + "
                "(SELECT count(*) FROM cand WHERE _reject_reason IS NOT NULL)").fetchone()[0]:
            # refused rows are renumbered and marked by UPDATE: a table of its own
            con.execute("CREATE OR REPLACE TEMP TABLE cand_numbered AS SELECT * FROM cand")
            _drop_one_pass(con)
            con.execute("ALTER TABLE cand_numbered RENAME TO cand")
    else:
        _build_candidates(con, fmt, select, path)
    personal = _personal_columns(fmt, staged.header)
    raw_of = _raw_of_rejected(con, staged.header, personal)
    if staged.deferred:
        finish_delimited(con, staged, "cand")
        staged.rejections = [
            Rejection(r.row, r.column, r.reason, _redact_line(r.raw, staged.delimiter, personal))
            for r in staged.rejections
        ]
    report = IngestReport(str(path), fmt.name, encoding, fmt.table, read=staged.rows_read,
                          sheet=staged.sheet, header_row=staged.header_row,
                          day=target.date)
    report.unknown_columns = [
        h for h in staged.header if normalise_header(h) not in fmt.known_columns
    ]
    # raw_of holds every row the normaliser refused (their cells, when the file has a
    # header): when it is empty, the queries for refused rows below need not run
    refused = bool(raw_of) or not staged.header
    if refused:
        _mark_repeated_headers(con, staged.header)
    if fmt.name == "mapping" and fmt.table == "events" and fmt.source == "other" and (
            "rating" in fmt.fields):
        report.warnings.append(UNNAMED_SOURCE_WARNING)
    if fmt.table == "actions":
        _refuse_bad_actions(con, path)
    if fmt.table == "sales":
        refused = _refuse_conflicting_figures(con) or refused
        report.warnings.extend(_currency_warnings(con, fmt, spec.marketplace))
    if staged.materialised:
        # the staged copy of a large file is read no more: its memory goes to the insert
        con.execute("DROP VIEW stage")
        con.execute("DROP TABLE stage_rows")
    _commit(store, fmt, staged, report, sha, path, raw_of, spec.marketplace, refused,
            one_per_row=ready is None and in_order(fmt, index))
    return report


UNNAMED_SOURCE_WARNING = (
    "the mapping names a `rating` but the file has no `source:`, so its rows are stored as "
    "source 'other': they count as complaints (1-2 stars as negatives) but in no rating, "
    "baseline, trough or forecast; add `source: review` to this file's entry in "
    "incident.yaml for product reviews (`seller_feedback` for seller feedback) and ingest "
    "again into a new store (delete store.duckdb beside incident.yaml first: the rows "
    "stored as 'other' would stay and count twice)")
"""Said by ``ingest`` and ``inspect`` for a mapped file of rated rows without a source."""


def _named_before(store: Store, spec: FileSpec) -> bool:
    """A file of the same name, size and marketplace was ingested (it may be the same bytes)."""
    return bool(store.con.execute(
        "SELECT count(*) FROM files WHERE name = ? AND size = ? AND marketplace = ?",
        [spec.path.name, spec.path.stat().st_size, spec.marketplace]).fetchone()[0])


def _already_ingested(store: Store, spec: FileSpec, sha: str) -> IngestReport | None:
    """The same bytes, name and marketplace were ingested before: count, do not read again.

    Reading the file again would add nothing and refuse the same rows, so the report
    is the earlier one's with every readable row a duplicate; the ingest is recorded.
    """
    con = store.con
    # The same help-desk export may be listed under `complaints` (its words as events)
    # and under `messages` (its times): each reading is an ingest of its own.
    messages = "=" if spec.table == "messages" else "<>"
    previous = con.execute(
        "SELECT format, encoding, table_name, rows_read, rejected FROM files "
        f"WHERE sha256 = ? AND name = ? AND marketplace = ? AND table_name {messages} 'messages' "
        "ORDER BY ingest_seq DESC LIMIT 1",
        [sha, spec.path.name, spec.marketplace]).fetchone()
    if previous is None:
        return None
    fmt_name, encoding, table, read, rejected = previous
    report = IngestReport(str(spec.path), fmt_name, encoding, table, read=int(read),
                          rejected=int(rejected), duplicates=int(read) - int(rejected))
    report.rejections = [
        {"row": int(row), "column": col, "reason": reason}
        for row, col, reason in con.execute(
            "SELECT source_row, column_name, reason FROM rejections WHERE source_sha256 = ? "
            "ORDER BY source_row", [sha]).fetchall()
    ]
    con.execute("BEGIN TRANSACTION")
    try:
        seq = con.execute("SELECT coalesce(max(ingest_seq), 0) + 1 FROM files").fetchone()[0]
        con.execute(
            "INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [seq, str(spec.path), spec.path.name, sha, spec.path.stat().st_size, fmt_name,
             encoding, table, spec.marketplace, report.read, 0, report.rejected,
             report.duplicates, 0])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return report


def _build_candidates(con: duckdb.DuckDBPyConnection, fmt: Format, select: str,
                      path: Path, table: str = "cand", leave: list[str] | None = None
                      ) -> list[str]:
    """Normalise the staged rows once into ``table`` (the file is parsed here, once).

    Returns the candidates' columns; those named in ``leave`` (and ``_ordinal``) are not
    written to ``table``, for a view over it to give them.
    """
    query = f"SELECT *, source_row AS _ordinal FROM ({select})"
    columns: list[str] = []
    try:
        if leave:
            # bound, not run: the names in order
            columns = [r[0] for r in con.execute(f"DESCRIBE {query}").fetchall()]
            kept = ", ".join(f'"{c}"' for c in columns if c not in leave and c != "_ordinal")
            query = f"SELECT {kept} FROM ({select})"
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {query}")
    except duckdb.Error as exc:
        raise InputError(
            f"the file cannot be read as a table: {str(exc).splitlines()[0]}",
            str(path),
            "check that it is a delimited export; open it in a text editor to see its first "
            "lines, or export it again",
        ) from None
    return columns


FEW_ROWS = 20_000
"""Below this many rows an events file's insert is planned without the expression rewriter."""
AUTHOR_WITHHELD = "[author withheld]"


def _personal_columns(fmt: Format, header: list[str]) -> set[int]:
    """Indices of the columns that name a person (author, rater e-mail): never stored raw."""
    names = set(fmt.fields.get("author", ()))
    if fmt.table == "messages":
        # A help-desk export carries the buyer's name, e-mail and words in columns the
        # mapping does not read: a refused row keeps only the columns that were read.
        return {i for i, h in enumerate(header) if normalise_header(h) not in fmt.known_columns}
    return {i for i, h in enumerate(header) if normalise_header(h) in names}


def _raw_of_rejected(con: duckdb.DuckDBPyConnection, header: list[str],
                     personal: set[int]) -> dict[int, str]:
    """The cells of every row the normaliser refused, by staged ordinal.

    Kept as evidence, with the cells that name a person withheld.
    """
    ordinals = [r[0] for r in con.execute(
        "SELECT DISTINCT _ordinal FROM cand WHERE _reject_reason IS NOT NULL").fetchall()]
    if not ordinals or not header:
        return {}
    cells = ", ".join(
        f"'{AUTHOR_WITHHELD}'" if i in personal else f"c{i}" for i in range(len(header)))
    fetched = con.execute(
        f"SELECT _row, left(concat_ws(' | ', {cells}), 2000) FROM stage "
        "WHERE _row IN (SELECT unnest(?::BIGINT[]))", [ordinals]).fetchall()
    return {int(row): raw for row, raw in fetched}


def _redact_line(raw: str | None, delimiter: str, personal: set[int]) -> str | None:
    """A line the CSV parser refused, as cells, with the cells that name a person withheld."""
    if raw is None or not personal:
        return raw
    cells = next(csv.reader([raw.replace("\r", " ").replace("\n", " ")], delimiter=delimiter),
                 [])
    return " | ".join(AUTHOR_WITHHELD if i in personal else c for i, c in enumerate(cells))


def _ready_sales_sql(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]],
                     target: Target) -> str:
    """Put Sales and Traffic rows in ``st_rows`` and return the SELECT that shapes them."""
    import pyarrow as pa  # here: a CSV-only ingest never pays its import

    names = ["_row", "date", "marketplace", "asin", "parent_asin", "sku", "units", "revenue",
             "currency", "sessions", "page_views", "buy_box_pct", "unit_session_pct"]
    con.execute("CREATE OR REPLACE TEMP TABLE st_rows (_row BIGINT, date VARCHAR, marketplace "
                "VARCHAR, asin VARCHAR, parent_asin VARCHAR, sku VARCHAR, units DOUBLE, revenue "
                "DOUBLE, currency VARCHAR, sessions DOUBLE, page_views DOUBLE, buy_box_pct DOUBLE, "
                "unit_session_pct DOUBLE)")
    if rows:
        con.register("st_batch", pa.table({n: [r.get(n) for r in rows] for n in names}))
        con.execute("INSERT INTO st_rows SELECT * FROM st_batch")
        con.unregister("st_batch")
    return f"""
        SELECT CAST(date AS DATE) AS date, marketplace, asin, parent_asin, sku, units, revenue,
            currency, sessions, page_views, buy_box_pct, unit_session_pct,
            'sales_traffic' AS source, 'local' AS day_definition,
            {sql_str(target.source_file)} AS source_file, _row AS source_row,
            {sql_str(target.source_sha256)} AS source_sha256,
            CAST(NULL AS VARCHAR) AS _reject_column, CAST(NULL AS VARCHAR) AS _reject_reason
        FROM st_rows"""


REPEATED_HEADER = ("a repeated header row (two downloads joined into one file?): not data, "
                   "left out; nothing to fix unless rows are missing")


def _mark_repeated_headers(con: duckdb.DuckDBPyConnection, header: list[str]) -> None:
    """A data row that repeats the header is refused as such, not sent to date advice.

    Looked for among the rows the normaliser refused (a header's cells never parse as a
    date or a number), so a file with none is not read twice.
    """
    named = [i for i, h in enumerate(header) if h.strip()][:4]
    if not named or not con.execute(
            "SELECT count(*) FROM cand WHERE _reject_reason IS NOT NULL").fetchone()[0]:
        return
    same = " AND ".join(f"lower(trim(coalesce(c{i}, ''))) = {sql_str(header[i].strip().lower())}"
                        for i in named)
    con.execute(f"""
        UPDATE cand SET _reject_column = NULL, _reject_reason = {sql_str(REPEATED_HEADER)}
        WHERE _reject_reason IS NOT NULL AND _ordinal IN (SELECT _row FROM stage WHERE {same})
    """)


def _refuse_bad_actions(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """An actions log with an unreadable or zoneless time is refused whole, line by line."""
    bad = con.execute(
        "SELECT source_row, _reject_column, _reject_reason FROM cand "
        "WHERE _reject_reason IS NOT NULL ORDER BY source_row LIMIT 20"
    ).fetchall()
    if bad:
        lines = "; ".join(f"line {row + 1}, column {col!r}: {reason}" for row, col, reason in bad)
        raise InputError(
            f"the actions log has {len(bad)} row(s) the response timeline cannot use: {lines}",
            str(path),
            "correct those rows; times need their zone (2022-05-03T09:30:00-07:00) and lanes "
            "are cs, pr, tech, platform, marketing, exec",
        )


def _currency_warnings(con: duckdb.DuckDBPyConnection, fmt: Format,
                       marketplace: str) -> list[str]:
    """A money column whose symbol names another currency than the marketplace's."""
    found = con.execute(
        "SELECT currency, count(*) FROM cand WHERE _reject_reason IS NULL AND currency <> ? "
        "GROUP BY currency ORDER BY currency", [marketplaces.get(marketplace).currency]).fetchall()
    return [currency_warning(fmt, marketplace, currency, rows) for currency, rows in found]


def currency_warning(fmt: Format, marketplace: str, currency: str, rows: int) -> str:
    """The warning for ``rows`` rows of a file whose money shows another currency."""
    expected = marketplaces.get(marketplace).currency
    column = (fmt.fields.get("revenue") or ("sales",))[0]
    return (f"{rows} rows show their {column!r} in {currency}, but the file is read as a "
            f"{marketplace} file ({expected}); the rows keep {currency}: if the file comes "
            f"from another marketplace, set `marketplace:` for it (or --marketplace)")


SALES_FIGURES = ("units", "revenue", "sessions", "page_views", "buy_box_pct", "unit_session_pct")


def _refuse_conflicting_figures(con: duckdb.DuckDBPyConnection) -> bool:
    """A sales row whose key was seen with other figures is refused, never a duplicate.

    The key (day, parent, child ASIN, SKU) is what the report says a row is; the same key
    again with the same figures is a duplicate, with other figures it is a contradiction
    the user must resolve (a report downloaded twice after Amazon revised it), said with
    both sets of figures. Earlier rows of the same file and rows already stored count.
    Returns whether any row was refused.

    A file whose keys are all different and whose days (per source and marketplace) are
    not stored yet cannot contradict anything: the cheap test of that comes first, so a
    one-day report of three rows does not plan the full comparison.
    """
    key = TABLES["sales"].key
    key_list = ", ".join(f'"{k}"' for k in key)
    possible = con.execute(f"""
        SELECT (SELECT count(*) - count(DISTINCT ({key_list})) FROM cand
                WHERE _reject_reason IS NULL) > 0
            OR EXISTS (SELECT 1 FROM sales o JOIN (SELECT DISTINCT source, marketplace, date
                                                   FROM cand WHERE _reject_reason IS NULL) c
                       ON o.source = c.source AND o.marketplace = c.marketplace
                      AND o.date = c.date)
    """).fetchone()[0]
    if not possible:
        return False
    same = " AND ".join(f'o."{k}" IS NOT DISTINCT FROM c."{k}"' for k in key)
    differ = " OR ".join(f'o."{f}" IS DISTINCT FROM c."{f}"' for f in SALES_FIGURES)
    shown = " || ', ' || ".join(
        f"'{f} ' || coalesce(CAST(o.\"{f}\" AS VARCHAR), '-')" for f in ("units", "sessions",
                                                                        "revenue"))
    return bool(con.execute(f"""
        UPDATE cand SET _reject_column = 'units', _reject_reason = conflict.reason
        FROM (
            SELECT c.source_row, first(
                'the same day, parent ASIN, child ASIN and SKU as ' ||
                CASE WHEN o.source_file = c.source_file AND o.source_sha256 = c.source_sha256
                     THEN 'row ' || o.source_row || ' of this file'
                     ELSE 'row ' || o.source_row || ' of ' || o.source_file || ' (stored)' END ||
                ', with other figures (there: ' || {shown} || '): keep one export per day ' ||
                'and report, or ingest the revised one into a new store'
                ORDER BY o.source_row) AS reason
            FROM cand c JOIN (
                -- the first row of each key in the file stands for it (a later row with
                -- its figures is a duplicate, with others a contradiction)
                SELECT * EXCLUDE (_ordinal, _reject_column, _reject_reason) FROM cand
                WHERE _reject_reason IS NULL
                QUALIFY row_number() OVER (PARTITION BY {key_list} ORDER BY source_row) = 1
                UNION ALL BY NAME
                SELECT * EXCLUDE (ingest_seq) FROM sales
            ) o ON {same} AND ({differ})
               AND NOT (o.source_sha256 = c.source_sha256 AND o.source_row >= c.source_row)
            WHERE c._reject_reason IS NULL
            GROUP BY c.source_row
        ) conflict
        WHERE cand.source_row = conflict.source_row
    """).fetchone()[0])


def retag_topics(con: duckdb.DuckDBPyConnection) -> int:
    """Give every stored event its topic again when the taxonomy changed since it was stored.

    The store's ``meta`` row ``taxonomy`` holds :func:`crisis_kit.analysis.topics.fingerprint` of
    the taxonomy its topics came from; a store made before topics were stored has none.
    Runs inside the caller's transaction; returns the number of events re-tagged.
    """
    current = topics.fingerprint()
    stored = con.execute("SELECT value FROM meta WHERE key = 'taxonomy'").fetchall()
    if stored and stored[0][0] == current:
        return 0
    changed = 0
    # a new store has no events to re-tag: the UPDATE alone would cost its half second of
    # compiling the taxonomy's regular expressions
    if con.execute("SELECT count(*) FROM (SELECT 1 FROM events LIMIT 1)").fetchone()[0]:
        changed = con.execute(f"UPDATE events SET topic = {topics.assign_sql()}").fetchall()[0][0]
    con.execute("INSERT OR REPLACE INTO meta VALUES ('taxonomy', ?)", [current])
    return int(changed)


def _commit(store: Store, fmt: Format, staged: Staged, report: IngestReport, sha: str,
            path: Path, raw_of: dict[int, str], marketplace: str, refused: bool = True,
            one_per_row: bool = False) -> None:
    """Add the new candidates, the rejections and the file's record in one transaction.

    ``one_per_row``: each row gave one candidate (:func:`normalise.in_order`), so the rows
    accepted are the records added, without counting them again in the store.
    """
    con = store.con
    table = TABLES[fmt.table]
    wide = [n for n in table.names if n not in ("ingest_seq", "source_row")]
    names = ", ".join(f'"{n}"' for n in wide)
    key = ", ".join(f'"{k}"' for k in table.key)
    # NULL-safe: a key column the file lacks (no SKU, no order-item-id) is NULL on both sides
    same_key = " AND ".join(f't."{k}" IS NOT DISTINCT FROM c."{k}"' for k in table.key)
    rejected_rows = con.execute(
        "SELECT DISTINCT ON (source_row) source_row, _reject_column, _reject_reason, _ordinal "
        "FROM cand WHERE _reject_reason IS NOT NULL ORDER BY source_row").fetchall() if refused else []
    rejections = sorted(
        [(r.row, r.column, r.reason, r.raw) for r in staged.rejections]
        + [(int(row), col, reason, raw_of.get(int(ordinal)))
           for row, col, reason, ordinal in rejected_rows]
    )
    written = {normalise_header(h): h for h in staged.header}
    rejections = [(row, written.get(col, col) if col else col, reason, raw)
                  for row, col, reason, raw in rejections]
    report.rejected = len({r[0] for r in rejections})
    report.rejections = [
        {"row": row, "column": col, "reason": reason} for row, col, reason, _ in rejections
    ]
    con.execute("BEGIN TRANSACTION")
    try:
        seq = con.execute("SELECT coalesce(max(ingest_seq), 0) + 1 FROM files").fetchone()[0]
        # First of its key in the file, and not stored yet: new. Everything else valid is
        # a duplicate. The single-writer lock makes this anti-join the table's key.
        new_rows = f"""
            FROM cand c WHERE _reject_reason IS NULL
              AND NOT EXISTS (SELECT 1 FROM {fmt.table} t WHERE {same_key})"""
        repeated = con.execute(
            f"SELECT count(*) - count(DISTINCT ({key})) FROM cand WHERE _reject_reason IS NULL"
        ).fetchone()[0]
        if repeated:
            # Only the first row of each key in the file counts; later ones are duplicates.
            new_rows += f" QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY source_row) = 1"
        chosen, source = names, f"SELECT c.* {new_rows}"
        # A few rows: the topic rule in fewer patterns (DuckDB compiles each when it plans
        # the insert), and no expression rewriter, whose pass over them costs more than it
        # saves (0.06 s of a small file's 0.15 s of planning)
        few = fmt.table == "events" and report.read < FEW_ROWS
        if fmt.table == "events":
            # each new event gets its topic here, once (see crisis_kit.analysis.topics.assign_sql),
            # with its title and text joined once per row rather than once per keyword part
            retag_topics(con)
            source = (f"SELECT *, {topics.ascii_words('_words')} AS _ascii FROM "
                      f"(SELECT *, {topics.joined_words()} AS _words FROM ({source}))")
            topic = topics.assign_sql(prefix="c.", words="c._words", ascii_only="c._ascii",
                                      ascii_rule=not few)
            chosen = ", ".join(f"{topic} AS topic" if n == "topic" else f'"{n}"' for n in wide)
        if few:
            con.execute("SET disabled_optimizers = 'expression_rewriter'")
        try:
            added = con.execute(
                f"INSERT INTO {fmt.table} ({names}, source_row, ingest_seq) "
                f"SELECT {chosen}, source_row, {int(seq)} FROM ({source}) c"
            ).fetchone()[0]
        finally:
            if few:
                con.execute("RESET disabled_optimizers")
        accepted = added if one_per_row else con.execute(
            f"SELECT count(DISTINCT source_row) FROM {fmt.table} "
            "WHERE ingest_seq = ? AND source_row > 0", [seq]).fetchone()[0]
        report.accepted = int(accepted)
        report.records_added = int(added)
        report.duplicates = report.read - report.accepted - report.rejected
        if rejections:
            con.executemany(
                "INSERT INTO rejections VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [(sha, path.name, row, col, reason, (raw or "")[:2000])
                 for row, col, reason, raw in rejections],
            )
        con.execute(
            "INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [seq, str(path), path.name, sha, path.stat().st_size, fmt.name, report.encoding,
             fmt.table, marketplace, report.read, report.accepted, report.rejected,
             report.duplicates, report.records_added],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
