"""Benchmark: ``crisis-kit portfolio scan`` over a generated portfolio of 50,000,000 events.

Generates (DuckDB ``COPY``, seeded, streaming: nothing is held in memory) a portfolio folder
in the events columns the scan reads (the first seven of the schema ``crisis-kit
export-parquet`` writes, docs/scale.md): 500 brands with 10
ASINs each in five marketplaces, three years of reviews, seller feedback, returns and
messages, hive-partitioned ``events/marketplace=../brand=../data_0.parquet``, each file in
day order. Volume grows over the three years and is skewed across ASINs (a few sell a
lot); one ASIN in 97 has a quality crisis in the last four days. Beside the events, a
Business Report row per ASIN and day (``sales/marketplace=../brand=../data_0.parquet``,
the columns of the sales schema the scan reads: units growing with the events, halved in
the crisis ASINs' last four days), so the scan computes its sales index too (``--no-sales``:
events alone). Then measures, each in a fresh subprocess so peak memory is its own:

- crisis-kit: ``crisis-kit portfolio scan PORTFOLIO --json`` (every ASIN's figures on the
  last day, the detectors, the 30-day rating, the leading topic, ranked);
- baseline: one bare DuckDB ``GROUP BY asin, day`` over the same Parquet (events,
  negatives and mean rating per ASIN and day, for every day), fetched as Arrow.

Prints wall time and peak RSS of both and the ratio, medians of ``--rounds`` runs of each
(default 3, in turn): single runs on a shared machine move by half. Goal (issue 13): at
most 2x the baseline, peak under 4 GB. Then generates a smaller portfolio (``--spark-events``, same
generator) and runs the scan on DuckDB and on a local Spark session (``local[2]``) over it:
the two tables must be equal figure by figure (exit 1 when not), and Spark's time is
printed. Skipped, saying so, when Java or PySpark is missing.

Usage: python bench/portfolio.py [--events 50000000] [--spark-events 5000000] [--rounds 3]
       [--keep]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from harness import machine, measure, named, report_child

BRANDS = 500
ASINS_PER_BRAND = 10
DAYS = 1095
FIRST_DAY = "2023-01-01"
MARKETPLACES = ("US", "US", "UK", "DE", "JP")  # by brand number modulo 5
CRISIS_EVERY = 97       # ASIN numbers 11, 108, 205, ... have the crisis
CRISIS_DAYS = 4         # the crisis: the portfolio's last four days
TOPICS = ("quality", "packaging", "listing", "fit", "shipping", "service", "safety", "other")
SEED = 13


def popularity(a: int) -> float:
    """ASIN ``a``'s share of the events before normalising: Zipf-like, 1/sqrt(rank).

    Ranks are a permutation of the ASIN numbers (7919 is prime to 5000), so every brand
    has some big and some small sellers.
    """
    return 1.0 / ((1 + (a * 7919) % (BRANDS * ASINS_PER_BRAND)) ** 0.5)


def generate(root: Path, events: int, seed: int = SEED, brands: int = BRANDS,
             sales: bool = True) -> Path:
    """Write about ``events`` events into the portfolio folder ``root`` and return it.

    One DuckDB ``COPY`` per brand writes ``events/marketplace=M/brand=B/data_0.parquet``
    in day order (the partitioned writer of ``COPY ... PARTITION_BY`` does not keep the
    rows' order, and day order is what lets a reader skip row groups by date). ASIN
    ``a`` gets ``events * popularity(a) * (2d + 1) / 1095**2`` events on day ``d`` in
    expectation (volume grows linearly over the three years), rounded by a uniform draw.
    Deterministic: every value is a hash of the ASIN, day, event and ``seed`` (DuckDB's
    ``random()`` is not reproducible across threads), so the same arguments give the same
    rows on any machine with the same DuckDB. ``sales``: also one Business Report row per
    ASIN and day (:func:`generate_sales`).
    """
    import duckdb

    asins = brands * ASINS_PER_BRAND
    scale = events / sum(popularity(a) for a in range(asins)) / DAYS**2
    topics = "[" + ", ".join(f"'{t}'" for t in TOPICS[:-1]) + "]"
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = true")

    def uniform(*keys: str) -> str:
        """A uniform number in [0, 1) from the keys and the seed."""
        return f"(hash({', '.join(keys)}, {seed}) % 1000000007) / 1000000007.0"

    for b in range(brands):
        brand = f"brand-{b:03d}"
        folder = root / "events" / f"marketplace={MARKETPLACES[b % len(MARKETPLACES)]}" / (
            f"brand={brand}")
        folder.mkdir(parents=True, exist_ok=True)
        weights = ", ".join(f"({a}, {popularity(a) * scale!r})"
                            for a in range(b * ASINS_PER_BRAND, (b + 1) * ASINS_PER_BRAND))
        con.execute(f"""
            COPY (
                WITH cells AS (
                    SELECT a, d, CAST(floor(w * (2 * d + 1) + {uniform("a", "d", "0")})
                                      AS INTEGER) AS n
                    FROM (VALUES {weights}) p(a, w), range({DAYS}) t(d)
                ), base AS (
                    SELECT a, d, j, (a % {CRISIS_EVERY} = 11 AND d >= {DAYS - CRISIS_DAYS})
                                    AS crisis,
                        {uniform("a", "d", "j", "1")} AS u_source,
                        {uniform("a", "d", "j", "2")} AS u_rating,
                        {uniform("a", "d", "j", "3")} AS u_topic
                    FROM cells, range(n) e(j)
                ), shaped AS (
                    SELECT *,
                        CASE WHEN u_source < 0.62 THEN 'review'
                             WHEN u_source < 0.70 THEN 'seller_feedback'
                             WHEN u_source < 0.88 THEN 'fba_return'
                             WHEN u_source < 0.94 THEN 'mfn_return'
                             ELSE 'message' END AS source
                    FROM base
                ), rated AS (
                    SELECT *,
                        CASE WHEN source IN ('review', 'seller_feedback') THEN
                            CASE WHEN crisis AND u_rating < 0.7 THEN 1
                                 WHEN u_rating < 0.06 THEN 1 WHEN u_rating < 0.11 THEN 2
                                 WHEN u_rating < 0.20 THEN 3 WHEN u_rating < 0.45 THEN 4
                                 ELSE 5 END END::DOUBLE AS rating
                    FROM shaped
                ), judged AS (
                    SELECT *,
                        CASE WHEN rating IS NOT NULL THEN rating <= 2
                             WHEN crisis THEN u_rating < 0.8
                             WHEN source = 'message' THEN u_rating < 0.5
                             ELSE u_rating < 0.3 END AS is_negative
                    FROM rated
                )
                SELECT
                    '{brand}-watch' AS incident,
                    'B0' || upper(substr(md5('asin-' || a::VARCHAR), 1, 8)) AS asin,  -- asin_name
                    source,
                    DATE '{FIRST_DAY}' + CAST(d AS INTEGER) AS local_date,
                    rating,
                    is_negative,
                    CASE WHEN NOT is_negative THEN 'other'
                         WHEN crisis THEN 'quality'
                         ELSE list_element({topics}, 1 + CAST(floor(u_topic * 7) AS INTEGER))
                    END AS topic
                FROM judged
                ORDER BY d, a, j
            ) TO '{folder / "data_0.parquet"}' (FORMAT parquet)
        """)
        if sales:
            generate_sales(con, root, b, brand, weights, seed)
    con.close()
    return root


def generate_sales(con: object, root: Path, b: int, brand: str, weights: str, seed: int) -> None:
    """Brand ``b``'s Business Report: one row per ASIN and day, in the sales schema's columns.

    Units are about one in six of the ASIN's expected events that day times 4 (a review or
    return for a few percent of orders), with a hashed +-20 % day-to-day wobble, and half
    of that in the crisis ASINs' last four days. One ``COPY`` per brand, in day order.
    """
    folder = root / "sales" / f"marketplace={MARKETPLACES[b % len(MARKETPLACES)]}" / (
        f"brand={brand}")
    folder.mkdir(parents=True, exist_ok=True)
    wobble = f"(hash(a, d, 'units', {seed}) % 1000000007) / 1000000007.0"
    con.execute(f"""
        COPY (
            SELECT '{brand}-watch' AS incident, DATE '{FIRST_DAY}' + CAST(d AS INTEGER) AS date,
                'B0' || upper(substr(md5('asin-' || a::VARCHAR), 1, 8)) AS asin,
                NULL::VARCHAR AS parent_asin, '' AS sku,
                round(4 * w * (2 * d + 1) * (0.8 + 0.4 * {wobble})
                      * CASE WHEN a % {CRISIS_EVERY} = 11 AND d >= {DAYS - CRISIS_DAYS}
                             THEN 0.5 ELSE 1 END)::DOUBLE AS units,
                'business_report' AS source
            FROM (VALUES {weights}) p(a, w), range({DAYS}) t(d)
            ORDER BY d, a
        ) TO '{folder / "data_0.parquet"}' (FORMAT parquet)
    """)


def count(root: Path, table: str = "events") -> int:
    """The rows of ``table`` in the portfolio, from the Parquet footers (0 without it)."""
    import duckdb

    if not any((root / table).glob("*/*/*.parquet")):
        return 0
    return duckdb.connect().execute(f"SELECT sum(num_rows)::BIGINT FROM parquet_file_metadata("
                                    f"'{root}/{table}/*/*/*.parquet')").fetchone()[0]


# -- the sides, each run in its own process --------------------------------------------------

def run_scan(root: Path, engine: str = "duckdb") -> dict:
    """``crisis-kit portfolio scan ROOT --json``, as a user runs it; its JSON kept beside."""
    from crisis_kit.cli import main

    target = root / f"scan-{engine}.json"
    with target.open("w", encoding="utf-8") as out, contextlib.redirect_stdout(out):
        code = main(["portfolio", "scan", str(root), "--json", "--engine", engine])
    result = json.loads(target.read_text(encoding="utf-8"))
    return {"exit": code, "day": result["day"], "asins": len(result["asins"]),
            "alerting": result["alerting"]}


def run_baseline(root: Path) -> dict:
    """One DuckDB query: events, negatives and mean rating per ASIN and day, every day."""
    import duckdb

    con = duckdb.connect()
    daily = con.sql(
        f"SELECT asin, local_date, count(*) AS events, count(*) FILTER (is_negative) "
        f"AS negative, avg(rating) AS mean_rating "
        f"FROM read_parquet('{root}/events/*/*/*.parquet', hive_partitioning = true) "
        f"GROUP BY asin, local_date").to_arrow_table()
    return {"daily_rows": daily.num_rows}


_SIDES = {"crisis-kit": run_scan, "baseline": run_baseline,
          "spark": lambda root: run_scan(root, engine="spark")}


def _median(runs: list[dict]) -> dict:
    """The run of median wall time (its own CPU and memory with it)."""
    return sorted(runs, key=lambda run: run["seconds"])[len(runs) // 2]


def _spread(runs: list[dict]) -> str:
    walls = sorted(run["seconds"] for run in runs)
    return f" [{walls[0]:.2f}-{walls[-1]:.2f} s]" if len(walls) > 1 else ""


def spark_missing() -> str | None:
    """Why Spark cannot run here, or None."""
    import importlib.util

    if shutil.which("java") is None:
        return "Java is missing (apt-get install openjdk-17-jre-headless)"
    if importlib.util.find_spec("pyspark") is None:
        return "PySpark is missing (pip install pyspark, pinned in constraints.txt)"
    return None


def asin_name(a: int) -> str:
    """ASIN number ``a``'s ten characters, as the generator writes them."""
    import hashlib

    return "B0" + hashlib.md5(f"asin-{a}".encode()).hexdigest()[:8].upper()


def planted(root: Path, brands: int = BRANDS) -> str:
    """What the DuckDB scan of ``root`` says of the ASINs given a crisis, and of the rest."""
    crisis = {asin_name(a) for a in range(brands * ASINS_PER_BRAND) if a % CRISIS_EVERY == 11}
    rows = json.loads((root / "scan-duckdb.json").read_text(encoding="utf-8"))["asins"]
    mine = [r for r in rows if r["asin"] in crisis]
    rest = [r for r in rows if r["asin"] not in crisis]

    def fired(group: list[dict], column: str) -> int:
        return sum(bool(r[column]) for r in group)

    return (f"planted crises: {len(mine)} ASINs; the seed rule fires on {fired(mine, 'seed_fires')} "
            f"of them ({fired(rest, 'seed_fires')} of the other {len(rest):,}), the Poisson "
            f"detector on {fired(mine, 'statistical_fires')} "
            f"({fired(rest, 'statistical_fires')}), the share detector on "
            f"{fired(mine, 'share_fires')} ({fired(rest, 'share_fires')}); leading topic "
            f"quality on {sum(r['leading_topic'] == 'quality' for r in mine)}")


def same_tables(root: Path) -> list[str]:
    """Where the DuckDB and Spark scans of ``root`` differ (empty when equal)."""
    import pandas as pd

    frames = {}
    for engine in ("duckdb", "spark"):
        result = json.loads((root / f"scan-{engine}.json").read_text(encoding="utf-8"))
        frames[engine] = pd.DataFrame(result["asins"]).sort_values(
            ["marketplace", "brand", "asin"]).reset_index(drop=True)
    try:
        pd.testing.assert_frame_equal(frames["duckdb"], frames["spark"], check_dtype=False)
    except AssertionError as error:
        return [str(error)]
    return []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000_000)
    parser.add_argument("--spark-events", type=int, default=5_000_000,
                        help="the portfolio the Spark scan runs on (0: no Spark run)")
    parser.add_argument("--brands", type=int, default=BRANDS,
                        help="brands of 10 ASINs each (fewer for a quick check)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="times the scan and the baseline run, in turn (medians compared)")
    parser.add_argument("--keep", action="store_true", help="keep the generated portfolios")
    parser.add_argument("--no-sales", dest="sales", action="store_false",
                        help="generate the events alone (no Business Report rows)")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        side = _SIDES[args.child[0]]
        report_child(lambda: side(Path(args.child[1])))
        return
    print(machine())
    folder = Path(tempfile.mkdtemp(prefix="crisis-kit-bench-portfolio-"))
    failed = False
    try:
        root = folder / "portfolio"
        started = time.perf_counter()
        generate(root, args.events, brands=args.brands, sales=args.sales)
        size = sum(f.stat().st_size for f in root.rglob("*.parquet"))
        print(f"generated {count(root):,} events (asked {args.events:,}) and "
              f"{count(root, 'sales'):,} Business Report rows, {args.brands} brands, "
              f"{args.brands * ASINS_PER_BRAND:,} ASINs, {DAYS} days: {size / 1e6:,.0f} MB of "
              f"Parquet in {time.perf_counter() - started:.1f} s")
        runs: dict[str, list[dict]] = {"baseline": [], "crisis-kit": []}
        for number in range(args.rounds):  # in turn, the first side alternating
            for kind in (["baseline", "crisis-kit"] if number % 2 == 0
                         else ["crisis-kit", "baseline"]):
                runs[kind].append(measure(__file__, kind, root))
        baseline, ours = _median(runs["baseline"]), _median(runs["crisis-kit"])
        print(f"medians of {args.rounds} rounds, each side in a fresh process "
              f"(load average now {os.getloadavg()[0]:.2f})")
        print(named(f"baseline (one DuckDB GROUP BY asin, day over the Parquet: "
                    f"{baseline['daily_rows']:,} rows)", baseline) + _spread(runs["baseline"]))
        print(named(f"crisis-kit portfolio scan (DuckDB, {ours['asins']:,} ASINs on "
                    f"{ours['day']}, {ours['alerting']:,} alerting, exit {ours['exit']})",
                    ours, baseline) + _spread(runs["crisis-kit"]))
        print(f"ratio time {ours['seconds'] / baseline['seconds']:.2f}x the baseline "
              f"(goal <= 2.0x), CPU {ours['cpu_seconds']:.2f} s against "
              f"{baseline['cpu_seconds']:.2f} s ({ours['cpu_seconds'] / baseline['cpu_seconds']:.2f}x: "
              f"the figure a busy machine moves least); peak {ours['peak_mb'] / 1024:.2f} GB "
              f"(goal < 4 GB), {ours['peak_mb'] / baseline['peak_mb']:.2f}x the baseline's")
        print(planted(root, args.brands))
        if args.spark_events:
            why = spark_missing()
            if why:
                print(f"Spark: skipped, {why}")
            else:
                small = folder / "spark"
                generate(small, args.spark_events, brands=args.brands, sales=args.sales)
                duck = measure(__file__, "crisis-kit", small)
                spark = measure(__file__, "spark", small)
                differ = same_tables(small)
                failed = bool(differ)
                print(named(f"scan on DuckDB, {args.spark_events:,} events", duck))
                print(f"scan on Spark local[2], {args.spark_events:,} events: "
                      f"{spark['seconds']:.2f} s ({spark['seconds'] / duck['seconds']:.1f}x "
                      f"DuckDB; JVM start included, the driver process's peak "
                      f"{spark['peak_mb']:.0f} MB); "
                      + ("tables DIFFER: " + differ[0] if differ else
                         f"the {spark['asins']:,} ASINs' figures equal DuckDB's"))
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
