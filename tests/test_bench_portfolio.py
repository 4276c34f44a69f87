"""bench/portfolio.py: its generator is deterministic and in the portfolio's schema, and
the benchmark runs end to end at a tiny size (no time is asserted)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from crisis_kit.portfolio import EVENT_COLUMNS, scan

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(BENCH))  # bench/portfolio.py imports bench/harness.py
    try:
        spec = importlib.util.spec_from_file_location("bench_portfolio", BENCH / "portfolio.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(BENCH))


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted((root / "events").rglob("*.parquet"))}


def test_the_generator_is_deterministic_and_writes_the_portfolio_schema(bench, tmp_path):
    first = bench.generate(tmp_path / "a", 30_000, brands=6)
    again = bench.generate(tmp_path / "b", 30_000, brands=6)
    other = bench.generate(tmp_path / "c", 30_000, brands=6, seed=14)
    files = _files(first)
    assert list(files) == [  # hive-partitioned by marketplace and brand, brand by number
        "events/marketplace=DE/brand=brand-003/data_0.parquet",
        "events/marketplace=JP/brand=brand-004/data_0.parquet",
        "events/marketplace=UK/brand=brand-002/data_0.parquet",
        "events/marketplace=US/brand=brand-000/data_0.parquet",
        "events/marketplace=US/brand=brand-001/data_0.parquet",
        "events/marketplace=US/brand=brand-005/data_0.parquet"]
    assert files == _files(again)  # byte for byte
    assert files != _files(other)

    glob = f"{first}/events/*/*/*.parquet"
    con = duckdb.connect()
    columns = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{glob}', "
                                  f"hive_partitioning = false)")
               .fetchall()]
    assert columns == EVENT_COLUMNS
    total, asins, first_day, last_day, bad_negative, unordered = con.execute(f"""
        SELECT count(*), count(DISTINCT asin), min(local_date), max(local_date),
               count(*) FILTER (rating IS NOT NULL AND is_negative <> (rating <= 2)),
               count(*) FILTER (local_date < previous)
        FROM (SELECT *, lag(local_date) OVER (PARTITION BY filename ORDER BY file_row_number)
                  AS previous
              FROM read_parquet('{glob}', filename = true, file_row_number = true,
                                hive_partitioning = false))
    """).fetchone()
    assert abs(total - 30_000) < 300 and asins == 60  # rounding by uniform draws: about
    # three years, volume growing: the first days are thin at this size
    assert "2023-01-01" <= str(first_day) <= "2023-01-31" and str(last_day) == "2025-12-30"
    assert bad_negative == 0 and unordered == 0  # rated events negative at 1-2 stars; by day

    names = {r[0] for r in con.execute(
        f"SELECT DISTINCT asin FROM read_parquet('{glob}', hive_partitioning = true) "
        f"WHERE brand = 'brand-001'").fetchall()}
    assert names == {bench.asin_name(a) for a in range(10, 20)}  # the bench's names

    # the scan reads it: one row per ASIN on the last day, each with its sales index
    result = scan(first)
    assert (result.day.isoformat(), len(result.table)) == ("2025-12-30", 60)
    assert result.table["sales_index"].notna().all()


def test_the_generated_business_report_is_in_the_sales_schema(bench, tmp_path):
    from crisis_kit.portfolio.workspace import PORTFOLIO_TABLES

    root = bench.generate(tmp_path / "a", 30_000, brands=6)
    again = bench.generate(tmp_path / "b", 30_000, brands=6)
    for path in (root / "sales").rglob("*.parquet"):  # byte for byte
        assert path.read_bytes() == (again / path.relative_to(root)).read_bytes()
    assert sorted(p.relative_to(root).as_posix() for p in (root / "sales").rglob("*.parquet")) == [
        f"sales/marketplace={m}/brand=brand-{b:03d}/data_0.parquet"
        for m, b in (("DE", 3), ("JP", 4), ("UK", 2), ("US", 0), ("US", 1), ("US", 5))]
    con = duckdb.connect()
    glob = f"{root}/sales/*/*/*.parquet"
    described = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{glob}', "
                            f"hive_partitioning = false)").fetchall()
    declared = {c.name: c.type for c in PORTFOLIO_TABLES["sales"].columns}
    assert all(declared[name] == kind for name, kind, *_ in described)  # a subset, same types
    rows, asins, days, low = con.execute(
        f"SELECT count(*), count(DISTINCT asin), count(DISTINCT date), "
        f"count(*) FILTER (units < 0) FROM read_parquet('{glob}')").fetchone()
    assert (rows, asins, days, low) == (60 * 1095, 60, 1095, 0)
    # the crisis ASIN (number 11) sells half in its last four days
    crisis = bench.asin_name(11)
    before, during = con.execute(
        f"SELECT avg(units) FILTER (date BETWEEN DATE '2025-12-13' AND DATE '2025-12-26'), "
        f"avg(units) FILTER (date >= DATE '2025-12-27') FROM read_parquet('{glob}') "
        f"WHERE asin = '{crisis}'").fetchone()
    assert during < 0.7 * before


def test_the_benchmark_runs_at_a_tiny_size():
    out = subprocess.run(
        [sys.executable, str(BENCH / "portfolio.py"), "--events", "20000", "--brands", "4",
         "--spark-events", "0", "--rounds", "2"], capture_output=True, text=True, check=True,
        cwd=BENCH.parent)
    lines = out.stdout.splitlines()
    assert lines[0].startswith("machine: ")
    assert "4 brands, 40 ASINs, 1095 days" in lines[1]
    assert lines[2].startswith("medians of 2 rounds")
    assert "baseline (one DuckDB GROUP BY asin, day over the Parquet" in lines[3]
    assert "crisis-kit portfolio scan (DuckDB, 40 ASINs on 2025-12-30" in lines[4]
    assert lines[5].startswith("ratio time ") and "goal < 4 GB" in lines[5]
    assert lines[6].startswith("planted crises: 1 ASINs;")  # ASIN 11 of brand-001


def test_without_java_the_spark_part_says_why_it_is_skipped(bench, monkeypatch):
    monkeypatch.setattr(bench.shutil, "which", lambda name: None)
    assert bench.spark_missing() == (
        "Java is missing (apt-get install openjdk-17-jre-headless)")
