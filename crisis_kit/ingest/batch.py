"""Many small files of one ``incident.yaml`` entry, read together.

A seller downloads one Business Report a day: a year of sales is 365 files of a few rows.
Read one by one (:func:`~crisis_kit.ingest.load.ingest_file`), each file pays a dozen
DuckDB statements whose planning costs the same whatever the rows (about 25 ms a file,
most of the bundled sample's ingest). Here the files of one entry that share a format
and a header are staged by one ``read_csv`` over the list of files, normalised by one
statement, and tested at once, file by file, for everything that makes a file's outcome
depend on more than its own rows.

A file is *plain* when the parser refused none of its lines, the normaliser refused none
of its rows, none of its keys is repeated in the file, in another file of the batch or in
the store, and its bytes were not ingested before under its name. A plain file's outcome
is known without the file-by-file machinery: every row is read and added, none rejected
or a duplicate. Plain files are committed in order, each run of them in one transaction
with their ``files`` records; every other file goes through ``ingest_file`` at its place
in the order, exactly as before, so rejections, duplicates, figure conflicts and counts
are those of a file-by-file ingest. (A file that is not plain cannot change what another
file of the batch finds: its keys are not theirs, or they would not be plain.)

Only sales files (Business Reports, mapped sales tables) are batched: they are the many
small files; events, orders and the rest come one or a few large files at a time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import duckdb

from ..config import marketplaces
from ..schemas import TABLES
from ..store import Store
from .formats import Format
from .load import (
    FileSpec,
    IngestReport,
    _choose,
    _day_of,
    _sha256,
    currency_warning,
    ingest_file,
)
from .normalise import Target, sales_sql
from .sniff import normalise_header, sniff
from .stage import MAX_LINE_BYTES
from .values import sql_str

__all__ = ["ingest_files", "MIN_FILES", "FILE_BYTES"]

MIN_FILES = 4
"""Fewer files of one shape than this are read one by one."""
FILE_BYTES = 1 << 20
"""Only files up to this size are batched: a larger one's own reading dwarfs the statements."""
_BATCH_BYTES = 64 << 20
_BATCH_FILES = 1000
_GLOB = frozenset("*?[]{}")  # read_csv would take such a path for a pattern


@dataclass(frozen=True)
class _Plan:
    """What the first look at one file found, as ``ingest_file`` would find it."""

    spec: FileSpec
    sha: str
    size: int
    encoding: str
    delimiter: str
    header: tuple[str, ...]
    fmt: Format
    quoted: bool
    day: str | None

    @property
    def shape(self) -> tuple:
        return (self.fmt.name, self.fmt.table, self.header, self.delimiter, self.quoted,
                self.spec.marketplace, self.spec.source, self.spec.entry)


def _plan(spec: FileSpec) -> _Plan | None:
    """The file's plan, or None to read it one by one (anything unusual, any error)."""
    path = spec.path
    try:
        if _GLOB & set(str(path)) or not path.is_file():
            return None
        size = path.stat().st_size
        if not 0 < size <= FILE_BYTES:
            return None
        market = marketplaces.get(spec.marketplace)
        sniffed = sniff(path, encoding_hint=market.encoding, encoding=spec.encoding)
        if (sniffed.kind != "delimited" or sniffed.bad_lines
                or sniffed.encoding not in ("utf-8", "utf-8-sig")):
            return None  # decoded to a copy first, one by one
        fmt = _choose(spec, sniffed.header, "delimited", str(path))
        if fmt.table != "sales":
            return None
        return _Plan(spec, _sha256(path), size, sniffed.encoding, sniffed.delimiter,
                     tuple(sniffed.header), fmt, fmt.quoted or sniffed.delimiter != "\t",
                     _day_of(spec, fmt))
    except Exception:  # noqa: BLE001 - ingest_file meets it again at the file's turn and says it
        return None


def _runs(plans: list[_Plan | None]) -> Iterator[tuple[int, list[_Plan]]]:
    """(start, plans) of each run of consecutive files of one shape; a lone file alone."""
    start = 0
    while start < len(plans):
        first = plans[start]
        end = start + 1
        if first is not None:
            size = first.size
            while (end < len(plans) and plans[end] is not None and end - start < _BATCH_FILES
                   and plans[end].shape == first.shape and size + plans[end].size <= _BATCH_BYTES):
                size += plans[end].size
                end += 1
        yield start, [p for p in plans[start:end] if p is not None]
        start = end


def ingest_files(store: Store, specs: list[FileSpec]) -> Iterator[tuple[FileSpec, IngestReport]]:
    """Ingest ``specs`` in order, the small sales files of one shape together.

    Yields each file's spec and report in order, as soon as the file is committed. An
    error of one file is raised at its turn, after every file before it was committed.
    """
    plans: list[_Plan | None] = ([_plan(s) for s in specs] if len(specs) >= MIN_FILES
                                 else [None] * len(specs))
    if any(plans):
        # a file ingested before is counted as such, one by one, without being read
        ingested = set(store.con.execute(
            "SELECT sha256, name, marketplace FROM files WHERE table_name <> 'messages'"
        ).fetchall())
        plans = [None if p is not None and (p.sha, p.spec.path.name, p.spec.marketplace)
                 in ingested else p for p in plans]
    for start, run in _runs(plans):
        if len(run) < MIN_FILES:
            for spec in specs[start:start + max(len(run), 1)]:
                yield spec, ingest_file(store, spec)
        else:
            yield from _ingest_run(store, run)


def _ingest_run(store: Store, run: list[_Plan]) -> Iterator[tuple[FileSpec, IngestReport]]:
    con = store.con
    try:
        try:
            plain = _normalise(store, run)
        except duckdb.Error:
            plain = {}  # the batch could not be read together: each file says why
        waiting: list[int] = []
        for number, plan in enumerate(run):
            if number in plain:
                waiting.append(number)
                continue
            if waiting:
                yield from _commit_plain(store, run, waiting, plain)
                waiting = []
            yield plan.spec, ingest_file(store, plan.spec)
        if waiting:
            yield from _commit_plain(store, run, waiting, plain)
    finally:
        for table in ("batch_cand", "batch_files", "batch_rows", "batch_rejects", "batch_scans"):
            con.execute(f"DROP TABLE IF EXISTS {table}")


def _normalise(store: Store, run: list[_Plan]) -> dict[int, tuple[int, list[str]]]:
    """Stage and normalise the run into ``batch_cand``; return its plain files.

    The plain files by their number in the run, each with its rows and its warnings.
    """
    con = store.con
    first = run[0]
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(first.header))) + "}"
    quote = "quote = '\"', escape = '\"'" if first.quoted else "quote = '', escape = ''"
    con.execute("DROP TABLE IF EXISTS batch_rejects")  # never another scan's refused lines
    con.execute("DROP TABLE IF EXISTS batch_scans")
    # Rows land in file order, each file's together (DuckDB keeps the insertion order):
    # a row's number in its file is its rowid less its file's first rowid.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE batch_rows AS SELECT * FROM read_csv(?, auto_detect = false,
            columns = {columns}, skip = 1, header = false, delim = {sql_str(first.delimiter)},
            {quote}, max_line_size = {MAX_LINE_BYTES}, store_rejects = true,
            rejects_table = 'batch_rejects', rejects_scan = 'batch_scans',
            null_padding = false, parallel = true, filename = true)""",
                [[str(p.spec.path) for p in run]])
    con.execute("CREATE OR REPLACE TEMP TABLE batch_files AS SELECT * FROM ("
                "SELECT unnest(?::INTEGER[]) AS _file, unnest(?::VARCHAR[]) AS path, "
                "unnest(?::VARCHAR[]) AS source_file, unnest(?::VARCHAR[]) AS source_sha256, "
                "unnest(?::VARCHAR[]) AS day)",
                [list(range(len(run))), [str(p.spec.path) for p in run],
                 [p.spec.path.name for p in run], [p.sha for p in run], [p.day for p in run]])
    con.execute("""
        CREATE OR REPLACE TEMP VIEW stage AS
        SELECT r.rowid - min(r.rowid) OVER (PARTITION BY r.filename) + 1 AS _row, f._file,
            f.source_file AS _source_file, f.source_sha256 AS _source_sha256, f.day AS _day,
            r.* EXCLUDE (filename)
        FROM batch_rows r JOIN batch_files f ON f.path = r.filename""")
    index = {normalise_header(h): i for i, h in enumerate(first.header)}
    target = Target(first.spec.marketplace, "", "", store.salt, first.spec.source, None,
                    per_file=True)
    con.execute(f"CREATE OR REPLACE TEMP TABLE batch_cand AS {sales_sql(first.fmt, index, target)}")
    con.execute("DROP VIEW stage")
    # each file's rows together and the files in their order, or nothing is plain
    scattered = con.execute("""
        SELECT count(*) FILTER (last - first + 1 <> n OR first <= before) FROM (
            SELECT *, lag(last) OVER (ORDER BY _file) AS before FROM (
                SELECT f._file, min(r.rowid) AS first, max(r.rowid) AS last, count(*) AS n
                FROM batch_rows r JOIN batch_files f ON f.path = r.filename GROUP BY f._file))
        """).fetchone()[0]
    con.execute("DROP TABLE batch_rows")
    if scattered:
        return {}

    key = ", ".join(f'"{k}"' for k in TABLES["sales"].key)
    same_key = " AND ".join(f't."{k}" IS NOT DISTINCT FROM c."{k}"' for k in TABLES["sales"].key)
    found = con.execute(f"""
        WITH per_file AS (
            SELECT _file, count(*) AS rows, max(source_row) AS last,
                   count(_reject_reason) AS refused
            FROM batch_cand GROUP BY _file),
        repeated AS (  -- a key twice in the batch: the files holding it go one by one
            SELECT DISTINCT _file FROM batch_cand
            QUALIFY count(*) OVER (PARTITION BY {key}) > 1),
        stored AS (
            SELECT DISTINCT _file FROM batch_cand c
            WHERE EXISTS (SELECT 1 FROM sales t WHERE {same_key})),
        parser AS (
            SELECT DISTINCT f._file FROM batch_rejects j
            JOIN batch_scans s ON s.scan_id = j.scan_id AND s.file_id = j.file_id
            JOIN batch_files f ON f.path = s.file_path)
        SELECT _file, rows FROM per_file
        WHERE refused = 0 AND rows = last
          AND _file NOT IN (SELECT _file FROM repeated)
          AND _file NOT IN (SELECT _file FROM stored)
          AND _file NOT IN (SELECT _file FROM parser)
        ORDER BY _file""").fetchall()
    # the same bytes under the same name again are counted as such, one by one
    ingested = set(con.execute(
        "SELECT sha256, name FROM files WHERE marketplace = ? AND table_name <> 'messages'",
        [first.spec.marketplace]).fetchall())
    seen = Counter((plan.sha, plan.spec.path.name) for plan in run)
    plain = {int(number): (int(rows), []) for number, rows in found
             if (run[number].sha, run[number].spec.path.name) not in ingested
             and seen[(run[number].sha, run[number].spec.path.name)] == 1}
    for number, currency, rows in con.execute(
            "SELECT _file, currency, count(*) FROM batch_cand "
            "WHERE _reject_reason IS NULL AND currency <> ? GROUP BY ALL ORDER BY ALL",
            [marketplaces.get(first.spec.marketplace).currency]).fetchall():
        if number in plain:
            plain[number][1].append(currency_warning(first.fmt, first.spec.marketplace,
                                                     currency, int(rows)))
    return plain


_FILES_COLUMNS = ", ".join(f"unnest(?::{sql_type.replace('NOT NULL', '').strip()}[])"
                           for _, sql_type, _ in TABLES["files"].columns)


def _commit_plain(store: Store, run: list[_Plan], numbers: list[int],
                  plain: dict[int, tuple[int, list[str]]]
                  ) -> Iterator[tuple[FileSpec, IngestReport]]:
    """Add the plain files ``numbers`` of the run, in order, in one transaction."""
    con = store.con
    table = TABLES["sales"]
    wide = ", ".join(f'"{n}"' for n in table.names if n not in ("ingest_seq", "source_row"))
    reports = []
    con.execute("BEGIN TRANSACTION")
    try:
        seq = int(con.execute("SELECT coalesce(max(ingest_seq), 0) FROM files").fetchone()[0])
        seqs = [seq + 1 + i for i in range(len(numbers))]
        added = con.execute(f"""
            INSERT INTO sales ({wide}, source_row, ingest_seq)
            SELECT {wide}, c.source_row, s.ingest_seq
            FROM batch_cand c JOIN (SELECT unnest(?::INTEGER[]) AS _file,
                                           unnest(?::INTEGER[]) AS ingest_seq) s USING (_file)
            ORDER BY s.ingest_seq, c.source_row""", [numbers, seqs]).fetchone()[0]
        if added != sum(plain[n][0] for n in numbers):
            raise RuntimeError(f"a batch of plain files added {added} rows, not "
                               f"{sum(plain[n][0] for n in numbers)}")
        records = []
        for number, ingest_seq in zip(numbers, seqs, strict=True):
            plan, (rows, warnings) = run[number], plain[number]
            report = IngestReport(
                str(plan.spec.path), plan.fmt.name, plan.encoding, plan.fmt.table, read=rows,
                accepted=rows, records_added=rows, day=plan.day, warnings=list(warnings),
                unknown_columns=[h for h in plan.header
                                 if normalise_header(h) not in plan.fmt.known_columns])
            reports.append((plan.spec, report))
            records.append([ingest_seq, str(plan.spec.path), plan.spec.path.name, plan.sha,
                            plan.spec.path.stat().st_size, plan.fmt.name, plan.encoding,
                            plan.fmt.table, plan.spec.marketplace, rows, rows, 0, 0, rows])
        # one statement for every file record (registering an Arrow table would import pandas)
        con.execute(f"INSERT INTO files SELECT {_FILES_COLUMNS}",
                    [[r[i] for r in records] for i in range(len(records[0]))])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    yield from reports
