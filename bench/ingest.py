"""Benchmark: ingest a large review export into the evidence store, plus the daily series.

Generates an N-row Helium 10-style review export (realistic text, 50 ASINs, 3 years),
then measures, each in a fresh subprocess so peak memory is its own:

- crisis-kit: ``ingest_file`` into a new store, then the daily series by ASIN and day;
- baseline: DuckDB's bare ``read_csv`` + ``GROUP BY asin, day`` on the same file.

Prints wall time and peak RSS of each and the ratios. A second named baseline, the
store floor (DuckDB reading every column and writing it to a database file, nothing
else), shows what any ingest that keeps the rows pays before doing any of its work.
Goals: at most 2.0x the baseline's time (issue 2) and 2.0x the store floor's (issue 13),
under 1.5 GB peak at 1M rows; under 2 GB at 5M rows.

Usage: python bench/ingest.py [--rows 1000000] [--keep]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import tempfile
import time
from pathlib import Path

from harness import machine, measure, named, report_child

WORDS = (
    "bottle valve leak leaked leaking milk everywhere baby loves nipple flow slow fast easy "
    "clean dishwasher safe colic anti vent works great terrible broke cracked after week "
    "month returned refund customer service replacement quality cheap plastic smell hot "
    "warm formula feeding night daughter son newborn months old recommend would not buy "
    "again five stars love perfect size small large lid cap ring seal tight loose drip "
    "drips soaked bib messy design flaw defect defective disappointed happy excellent"
).split()
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


def generate(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    asins = [f"B0BENCH{i:03d}" for i in range(50)]
    start = dt.date(2021, 1, 1)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(["Date", "Author", "Verified", "Helpful", "Title", "Body", "Rating",
                         "Images", "Videos", "URL", "Variation", "Style"])
        for i in range(rows):
            day = start + dt.timedelta(days=rng.randrange(365 * 3))
            body = " ".join(rng.choices(WORDS, k=rng.randint(8, 60))).capitalize() + "."
            title = " ".join(rng.choices(WORDS, k=rng.randint(2, 6))).title()
            writer.writerow([
                f"{MONTHS[day.month - 1]} {day.day}, {day.year}", f"Buyer {rng.randrange(10**7)}",
                "Verified Purchase" if rng.random() < 0.9 else "", rng.choice(["", "1", "3"]),
                title, body, rng.choices([1, 2, 3, 4, 5], [8, 5, 7, 20, 60])[0], "", "",
                f"https://www.amazon.com/product-reviews/{rng.choice(asins)}/ref=cm_cr_{i}",
                "Color: Blue", "",
            ])


def run_crisis_kit(path: Path, workdir: Path) -> dict:
    from crisis_kit.ingest.load import FileSpec, ingest_file
    from crisis_kit.store import open_store

    with open_store(workdir / "store.duckdb") as store:
        report = ingest_file(store, FileSpec(path))
        daily = store.con.execute(
            "SELECT asin, local_date, count(*) AS events, count(*) FILTER (is_negative) AS neg, "
            "avg(rating) AS mean_rating FROM events GROUP BY asin, local_date"
        ).df()
    return {"rows": report.read, "accepted": report.accepted, "daily_rows": len(daily)}


def run_baseline(path: Path, workdir: Path) -> dict:
    import duckdb

    con = duckdb.connect()
    daily = con.execute(
        f"""SELECT regexp_extract("URL", 'product-reviews/([A-Z0-9]{{10}})', 1) AS asin,
                   strptime("Date", '%B %d, %Y')::DATE AS day, count(*) AS events,
                   avg("Rating") AS mean_rating
            FROM read_csv('{path}') GROUP BY asin, day"""
    ).df()
    return {"daily_rows": len(daily)}


def run_store_floor(path: Path, workdir: Path) -> dict:
    """What any ingest that keeps the rows pays: DuckDB reading every column of the file
    and writing it to a database file (no parsing of values, ids, dedup or checks)."""
    import duckdb

    con = duckdb.connect(str(workdir / "floor.duckdb"))
    con.execute("SET enable_progress_bar = false")
    con.execute(f"CREATE TABLE raw AS SELECT * FROM read_csv('{path}')")
    con.execute("CHECKPOINT")
    rows = con.execute("SELECT count(*) FROM raw").fetchall()[0][0]
    con.close()
    return {"rows": rows}


_SIDES = {"crisis-kit": run_crisis_kit, "baseline": run_baseline, "store-floor": run_store_floor}


def child(kind: str, path: Path) -> None:
    side = _SIDES[kind]
    with tempfile.TemporaryDirectory() as tmp:
        report_child(lambda: side(path, Path(tmp)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the generated export")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return
    folder = Path(tempfile.mkdtemp(prefix="crisis-kit-bench-"))
    export = folder / f"reviews-{args.rows}.csv"
    started = time.perf_counter()
    generate(export, args.rows)
    print(f"generated {args.rows:,} rows ({export.stat().st_size / 2**20:.0f} MB) "
          f"in {time.perf_counter() - started:.1f} s")
    print(machine())
    baseline = measure(__file__, "baseline", export)
    floor = measure(__file__, "store-floor", export)
    ours = measure(__file__, "crisis-kit", export)
    print(named("baseline (DuckDB read_csv + GROUP BY asin, day)", baseline))
    print(named("store floor (DuckDB read_csv of every column, written to a database file)", floor, baseline))
    print(f"crisis-kit (ingest into store + daily series):   {ours['seconds']:.2f} s, "
          f"peak {ours['peak_mb']:.0f} MB, rows {ours['rows']:,}, accepted {ours['accepted']:,}")
    print(f"ratio time {ours['seconds'] / baseline['seconds']:.2f}x the baseline (issue 2's goal "
          f"<= 2.0x), {ours['seconds'] / floor['seconds']:.2f}x the store floor (issue 13's goal "
          f"<= 2.0x); "
          f"ratio memory {ours['peak_mb'] / baseline['peak_mb']:.2f}x")
    # On a shared machine the wall times move with the load; CPU time moves much less.
    print(f"cpu: crisis-kit {ours['cpu_seconds']:.2f} s, store floor {floor['cpu_seconds']:.2f} s "
          f"({ours['cpu_seconds'] / floor['cpu_seconds']:.2f}x), baseline "
          f"{baseline['cpu_seconds']:.2f} s")
    if not args.keep:
        export.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
