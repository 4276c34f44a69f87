"""Benchmark: the explorer on a store of 1,000,000 events (issue 6's 150 ms goal).

Builds the store of ``bench/analysis.py`` (``build``), opens ``Explorer`` on it, then
applies 50 random filter changes (date range, ASINs, source, topic, stars, negative
only, a search word; seeded) and times, for each:

- explorer: setting the filter as the analyst does, which re-runs the selection and
  redraws every chart and the first table page (``Explorer.update``);
- bare DuckDB: one query of the same filter over the same in-memory table (the daily
  negative count), the least any chart needs.

Prints median and p95 of both and their ratio. Goal: explorer p95 <= 150 ms.

Usage: python bench/explorer.py [--events 1000000] [--changes 50]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from analysis import WORDS, build  # noqa: E402


def random_filters(rng: random.Random, choices: dict, Filters: type) -> object:
    first, last = choices["first_day"], choices["last_day"]
    span = (last - first).days
    start = first + dt.timedelta(days=rng.randrange(span)) if rng.random() < 0.6 else None
    end = (start or first) + dt.timedelta(days=rng.randrange(14, 400)) if rng.random() < 0.6 else None
    pick = lambda values, p, k: tuple(rng.sample(values, k)) if rng.random() < p else ()  # noqa: E731
    return Filters(start=start, end=end, asins=pick(choices["asins"], 0.4, 3),
                   sources=pick(choices["sources"], 0.3, 1), topics=pick(choices["topics"], 0.3, 2),
                   ratings=pick([1, 2, 3, 4, 5], 0.3, 2), negative_only=rng.random() < 0.4,
                   text=rng.choice(WORDS) if rng.random() < 0.35 else "")


def apply(explorer: object, filters: object) -> None:
    """Set every control as the analyst would, redrawing once."""
    explorer._quiet = True
    explorer.start.value, explorer.end.value = filters.start, filters.end
    explorer.asin.value, explorer.source.value = filters.asins, filters.sources
    explorer.topic.value, explorer.rating.value = filters.topics, filters.ratings
    explorer.negative.value, explorer.search.value = filters.negative_only, filters.text
    explorer._quiet = False
    explorer._filters_changed()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--changes", type=int, default=50)
    args = parser.parse_args()
    from crisis_kit.explorer import Explorer, Filters

    folder = Path(tempfile.mkdtemp(prefix="crisis-kit-bench-explorer-"))
    try:
        started = time.perf_counter()
        build(folder, args.events)
        print(f"built a store of {args.events:,} events in {time.perf_counter() - started:.1f} s")
        print(f"machine: {platform.machine()}, {os.cpu_count()} cpus, Python {platform.python_version()}")
        started = time.perf_counter()
        explorer = Explorer(folder / "store.duckdb")
        print(f"opened the explorer (copy, topics, first draw) in {time.perf_counter() - started:.1f} s")
        rng = random.Random(6)
        choices = explorer.data.choices()
        ours, bare = [], []
        for _ in range(args.changes):
            filters = random_filters(rng, choices, Filters)
            started = time.perf_counter()
            apply(explorer, filters)
            ours.append(time.perf_counter() - started)
            where, params = dataclasses.replace(filters).where()
            started = time.perf_counter()
            explorer.data.con.execute(
                f"SELECT local_date, count(*) FROM explorer_events WHERE {where} AND is_negative "
                "GROUP BY 1", params).fetchall()
            bare.append(time.perf_counter() - started)
        for name, times in (("explorer (every chart + first table page)", ours),
                            ("bare DuckDB (daily negatives, same filter)", bare)):
            print(f"{name}: median {statistics.median(times) * 1000:.1f} ms, "
                  f"p95 {percentile(times, 0.95) * 1000:.1f} ms over {len(times)} changes")
        print(f"ratio explorer / bare: median {statistics.median(ours) / statistics.median(bare):.1f}x, "
              f"p95 {percentile(ours, 0.95) / percentile(bare, 0.95):.1f}x; goal: explorer p95 <= 150 ms "
              f"({'met' if percentile(ours, 0.95) <= 0.150 else 'NOT met'})")
        explorer.data.close()
    finally:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
