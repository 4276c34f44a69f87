"""Benchmark: ``run_analysis`` on a store of 1,000,000 events over 3 years and 50 ASINs.

Builds a workspace (``incident.yaml`` + ``store.duckdb`` filled by SQL: reviews and
returns with text, a two-week defect spike in year three, daily sales, an actions
log), then measures, each in a fresh subprocess so peak memory is its own:

- crisis-kit: ``pipeline.run_analysis(incident)`` (every number of summary.json), the
  imports on the clock, and again in a warm process (imports paid first, as in a
  notebook kernel or a scheduled run over many incidents), and reading every event
  (``grouped=False``, the path before the events were grouped in the engine);
- baseline: one DuckDB SQL query doing the daily aggregation (events, negatives and
  mean rating per local day and ASIN) on the same store;
- frame floor: pandas imported and the events (without their text) read into a
  DataFrame, what any pandas analysis of the store pays before computing anything.

Prints wall time and peak RSS of each and the ratios. Goal (issues 3, 13): at most 3x
the baseline and under 400 MB. The sides run in turn, ``--rounds`` times (default 3),
and the medians are compared: the first process after the store is built pays for what
the system has not cached yet (one baseline took 0.76 s there against 0.38-0.45 s after),
and a shared machine moves single runs.

``--asins 5`` spreads the same events over 5 ASINs: the shape of one product's crisis,
hundreds of reviews a day, where the engine's grouping counts many events a row.

Usage: python bench/analysis.py [--events 1000000] [--asins 50] [--rounds 3] [--keep]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from harness import machine, measure, named, report_child

WORDS = ("bottle valve leak leaked milk baby loves nipple flow slow easy clean colic vent "
         "works great broke cracked week month returned refund service replacement quality "
         "plastic smell hot warm formula feeding night newborn recommend buy again love "
         "perfect size lid cap ring seal tight loose drip soaked messy defect happy").split()

INCIDENT = """incident: bench-analysis
title: Benchmark incident
marketplace: US
language: en
asins: []
complaints: []
sales: []
thresholds:
  negative_growth: 0.15
  min_negative_per_day: 40
"""


def build(folder: Path, events: int, asins: int = 50) -> Path:
    from crisis_kit.store import open_store

    (folder / "incident.yaml").write_text(INCIDENT, encoding="utf-8")
    words = "[" + ", ".join(f"'{w}'" for w in WORDS) + "]"
    with open_store(folder / "store.duckdb", salt_seed="bench") as store:
        con = store.con
        con.execute("SELECT setseed(0.42)")
        con.execute(f"""
            INSERT INTO events
            WITH base AS (
                SELECT i, (i % {asins}) AS a, CAST(floor(random() * 1095) AS INTEGER) AS d,
                       random() AS r, random() AS s, random() AS w
                FROM range({events}) t(i)
            ), shaped AS (
                SELECT *, DATE '2021-01-01' + d AS day,
                       (d BETWEEN 800 AND 813 AND r < 0.6) AS spike
                FROM base
            )
            SELECT md5(i::VARCHAR) AS event_id,
                CASE WHEN s < 0.85 THEN 'review' ELSE 'fba_return' END AS source,
                'US', 'B0BENCH' || lpad(a::VARCHAR, 3, '0') AS asin, NULL, NULL, NULL,
                day::TIMESTAMP + INTERVAL 8 HOUR AS occurred_at, day AS local_date, 'day',
                CASE WHEN s < 0.85 THEN (CASE WHEN spike THEN 1
                     WHEN r < 0.05 THEN 1 WHEN r < 0.1 THEN 2 WHEN r < 0.2 THEN 3
                     WHEN r < 0.45 THEN 4 ELSE 5 END)::DOUBLE END AS rating,
                list_element({words}, (w * 40)::INTEGER + 1) || ' ' ||
                    list_element({words}, (r * 40)::INTEGER + 1) AS title,
                array_to_string(list_transform(range(12 + (w * 30)::INTEGER),
                    lambda k: list_element({words}, ((i * 7 + k * 13) % 50)::INTEGER + 1)), ' ')
                    AS text,
                CASE WHEN s >= 0.85 THEN (CASE WHEN spike OR r < 0.3 THEN 'DEFECTIVE'
                     ELSE 'UNWANTED_ITEM' END) END AS reason,
                CASE WHEN s >= 0.85 THEN (CASE WHEN spike OR r < 0.3 THEN 'quality'
                     ELSE 'other' END) END AS reason_group,
                NULL, NULL, TRUE, 0, NULL, md5('author' || i::VARCHAR), NULL,
                CASE WHEN s < 0.85 THEN spike OR r < 0.1
                     ELSE spike OR r < 0.3 END AS is_negative,
                NULL, 'bench.csv', i + 1, 'bench', 1
            FROM shaped
        """)
        con.execute(f"""
            INSERT INTO sales
            SELECT DATE '2021-01-01' + d::INTEGER, 'US', 'B0BENCH' || lpad(a::VARCHAR, 3, '0'), NULL, '',
                   (30 + (a % 7) - CASE WHEN a = 7 AND d BETWEEN 805 AND 840 THEN 18 ELSE 0 END)
                       ::DOUBLE, NULL, 'USD', 400, 600, 99, 7.5, 'business_report', 'local',
                   'bench.csv', 1, 'bench', 1
            FROM range(1095) t(d), range({asins}) u(a)
        """)
        con.execute("""
            INSERT INTO actions (action_id, "at", lane, action, channel, owner, ref, source_file,
                                 source_row, source_sha256, ingest_seq) VALUES
            ('a1', TIMESTAMPTZ '2023-03-12 18:00:00+00', 'cs', 'open case queue', NULL, NULL,
             NULL, 'log.csv', 1, 'x', 1),
            ('a2', TIMESTAMPTZ '2023-03-12 20:00:00+00', 'pr', 'statement', NULL, NULL, NULL,
             'log.csv', 2, 'x', 1),
            ('a3', TIMESTAMPTZ '2023-03-13 20:00:00+00', 'tech', 'root cause', NULL, NULL, NULL,
             'log.csv', 3, 'x', 1)
        """)
        # the ingest stores each event's topic as it inserts it; do what it does
        from crisis_kit.ingest.load import retag_topics
        retag_topics(con)
    return folder / "incident.yaml"


def run_crisis_kit(incident_path: Path) -> dict:
    from crisis_kit.config import load_incident
    from crisis_kit.pipeline import run_analysis

    summary = run_analysis(load_incident(incident_path)).summary()
    return {"alert_date": summary["detection"]["alert_date"],
            "negative": summary["complaints"]["negative"]}


def run_event_by_event(incident_path: Path) -> dict:
    """run_analysis reading every event into pandas (grouped=False): the reference path."""
    from crisis_kit.config import load_incident
    from crisis_kit.pipeline import run_analysis

    summary = run_analysis(load_incident(incident_path), grouped=False).summary()
    return {"alert_date": summary["detection"]["alert_date"],
            "negative": summary["complaints"]["negative"]}


def run_baseline(incident_path: Path) -> dict:
    import duckdb

    con = duckdb.connect(str(incident_path.parent / "store.duckdb"), read_only=True)
    daily = con.execute(
        "SELECT local_date, asin, count(*) AS events, count(*) FILTER (is_negative) AS negative, "
        "avg(rating) AS mean_rating FROM events GROUP BY local_date, asin").df()
    return {"daily_rows": len(daily)}


def run_frame_floor(incident_path: Path) -> dict:
    """What any pandas analysis of the store pays first: import pandas and read the events
    (without their text) into a DataFrame through Arrow. No number is computed."""
    import duckdb
    import pandas  # noqa: F401 - the import is part of the floor

    con = duckdb.connect(str(incident_path.parent / "store.duckdb"), read_only=True)
    frame = con.sql("SELECT * EXCLUDE (title, text) FROM events").to_arrow_table().to_pandas()
    return {"rows": len(frame)}


_SIDES = {"crisis-kit": run_crisis_kit, "baseline": run_baseline, "frame-floor": run_frame_floor,
          "event-by-event": run_event_by_event}


def child(kind: str, incident_path: Path) -> None:
    if kind == "crisis-kit-warm":
        # a warm process: the imports paid before the clock starts, as in a notebook
        # kernel or a scheduled run over many incidents
        import crisis_kit.config  # noqa: F401
        import crisis_kit.pipeline  # noqa: F401
        kind = "crisis-kit"
    side = _SIDES[kind]
    report_child(lambda: side(incident_path))


def _median(runs: list[dict]) -> dict:
    """The run of median wall time (its own memory and figures with it)."""
    return sorted(runs, key=lambda run: run["seconds"])[len(runs) // 2]


def _spread(runs: list[dict]) -> str:
    if len(runs) < 2:
        return ""
    walls = sorted(run["seconds"] for run in runs)
    return f" [{walls[0]:.2f}-{walls[-1]:.2f} s]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--asins", type=int, default=50,
                        help="ASINs the events are spread over (5: one product's crisis)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="times each side runs, in turn (the medians are compared)")
    parser.add_argument("--keep", action="store_true", help="keep the generated workspace")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return
    folder = Path(tempfile.mkdtemp(prefix="crisis-kit-bench-analysis-"))
    started = time.perf_counter()
    incident_path = build(folder, args.events, args.asins)
    print(f"built a store of {args.events:,} events, {args.asins} ASINs, 3 years in "
          f"{time.perf_counter() - started:.1f} s")
    print(machine())
    runs: dict[str, list[dict]] = {}
    kinds = ["baseline", "frame-floor", "crisis-kit", "crisis-kit-warm"]
    for number in range(args.rounds):
        # in turn, the order rotated, so no side is always the first after the build
        for kind in kinds[number % len(kinds):] + kinds[:number % len(kinds)]:
            runs.setdefault(kind, []).append(measure(__file__, kind, incident_path))
    baseline, floor, ours, warm = (_median(runs[kind]) for kind in kinds)
    one_by_one = measure(__file__, "event-by-event", incident_path)
    print(f"medians of {args.rounds} rounds, each side in a fresh process "
          f"(load average at the end {os.getloadavg()[0]:.2f})")
    print(named("baseline (one DuckDB query: daily events, negatives, mean rating by ASIN)", baseline)
          + _spread(runs["baseline"]))
    print(named("frame floor (pandas imported, the events without text read into a DataFrame)",
                floor, baseline) + _spread(runs["frame-floor"]))
    print(f"crisis-kit (run_analysis, every number of summary.json): {ours['seconds']:.2f} s, "
          f"peak {ours['peak_mb']:.0f} MB; alert {ours['alert_date']}, "
          f"{ours['negative']:,} negatives" + _spread(runs["crisis-kit"]))
    print(f"crisis-kit in a warm process (imports paid before the clock: a kernel, a "
          f"scheduled run): {warm['seconds']:.2f} s, peak {warm['peak_mb']:.0f} MB "
          f"({warm['seconds'] / baseline['seconds']:.2f}x the baseline)"
          + _spread(runs["crisis-kit-warm"]))
    print(named("crisis-kit reading every event (run_analysis(grouped=False), the reference, once)",
                one_by_one, baseline))
    print(f"ratio time {ours['seconds'] / baseline['seconds']:.2f}x the baseline (goal <= 3.0x), "
          f"{ours['seconds'] / floor['seconds']:.2f}x the frame floor; "
          f"ratio memory {ours['peak_mb'] / baseline['peak_mb']:.2f}x")
    if not args.keep:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
