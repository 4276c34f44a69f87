"""Benchmark: the date parser (``values.local_timestamp``) on each kind of date cell.

Times DuckDB evaluating ``local_timestamp`` over N generated cells of one kind (best of
three), for: Helium 10's ``May 3, 2023``, ISO ``2023-05-03``, amazon.com's review date
line, amazon.de's (``Rezension aus Deutschland vom 3. Mai 2023``), amazon.co.jp's
(``2023年5月3日に日本でレビュー済み``) and a cell no format reads (``vor 2 Tagen``).
Baseline, measured in the same run: DuckDB's bare ``try_strptime(c, '%B %d, %Y')`` on
the Helium 10 cells. A date line is read only after the formats fail (or are skipped),
so the first two kinds show what every ordinary file pays and the others what the
review date lines cost on top.

Usage: python bench/dates.py [--cells 1000000] [--threads 2]
"""

from __future__ import annotations

import argparse
import time

import duckdb
from harness import machine

from crisis_kit.ingest.values import local_timestamp

DAY = "(1 + i % 28)::VARCHAR"
KINDS = {
    "Helium 10 'May 3, 2023'": ("MDY", f"'May ' || {DAY} || ', 2023'"),
    "ISO '2023-05-03'": ("MDY", f"'2023-05-' || lpad({DAY}, 2, '0')"),
    "amazon.com date line": ("MDY", f"'Reviewed in the United States on May ' || {DAY} || ', 2023'"),
    "amazon.de date line": ("DMY", f"'Rezension aus Deutschland vom ' || {DAY} || '. Mai 2023'"),
    "amazon.co.jp date line": ("YMD", f"'2023年5月' || {DAY} || '日に日本でレビュー済み'"),
    "unreadable 'vor 2 Tagen'": ("DMY", "'vor ' || (i % 9)::VARCHAR || ' Tagen'"),
}


def best_of(con: duckdb.DuckDBPyConnection, sql: str, runs: int = 3) -> tuple[float, int]:
    best, read = float("inf"), 0
    for _ in range(runs):
        started = time.perf_counter()
        read = con.execute(sql).fetchone()[0]
        best = min(best, time.perf_counter() - started)
    return best, read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    con = duckdb.connect()
    con.execute(f"SET threads = {args.threads}")
    print(machine())
    n = args.cells
    con.execute(f"CREATE TABLE t AS SELECT {KINDS[next(iter(KINDS))][1]} AS c "
                f"FROM range({n}) r(i)")
    base, _ = best_of(con, "SELECT count(try_strptime(c, '%B %d, %Y')) FROM t")
    print(f"baseline (bare try_strptime '%B %d, %Y', Helium 10 cells): {base:.3f} s, "
          f"{base / n * 1e6:.2f} us/cell")
    for kind, (order, cell) in KINDS.items():
        con.execute(f"CREATE OR REPLACE TABLE t AS SELECT {cell} AS c FROM range({n}) r(i)")
        seconds, read = best_of(con, f"SELECT count({local_timestamp('c', order)}) FROM t")
        print(f"{kind:26s} ({order}): {seconds:.3f} s, {seconds / n * 1e6:.2f} us/cell, "
              f"{read:,} of {n:,} read, {seconds / base:.2f}x the baseline")


if __name__ == "__main__":
    main()
