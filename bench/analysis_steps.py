"""Benchmark: the time of each step of ``run_analysis`` after the store's read, warm.

Runs ``run_analysis`` on an incident once (imports and first calls paid), then
``--rounds`` more times with a wall clock (``time.perf_counter``, no profiler) around
each step the pipeline calls: detection, the rating, the topics' drivers and daily
shares, the health, the quoted complaints, the sales, the distinctive phrases, the
Plan of Action, and ``pipeline.measure`` (the steps and the words' read) and
``run_analysis`` in all. Prints the median and the range of each, with the load average
(other benchmarks on the machine move every figure). No ratio: compare two trees by
running this script in each, one after the other, on the same store.

Usage: python bench/analysis.py --keep (the store stays in the newest
/tmp/crisis-kit-bench-analysis-*/), then
python bench/analysis_steps.py /tmp/crisis-kit-bench-analysis-XXXX/incident.yaml [--rounds 5]
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

STEPS = [
    ("crisis_kit.analysis.detection.rules", "detect", "detect.detect"),
    ("crisis_kit.analysis.ratings", "summarise", "ratings.summarise"),
    ("crisis_kit.analysis.topics", "drivers", "topics.drivers"),
    ("crisis_kit.analysis.topics", "daily_shares", "topics.daily_shares"),
    ("crisis_kit.analysis.topics", "representatives", "topics.representatives"),
    ("crisis_kit.analysis.health", "health", "health.health"),
    ("crisis_kit.analysis.sales", "summarise", "sales.summarise"),
    ("crisis_kit.pipeline", "_distinctive", "pipeline._distinctive (phrases)"),
    ("crisis_kit.pipeline", "measure", "pipeline.measure (all of the above)"),
    ("crisis_kit.poa", "draft", "poa.draft"),
]
"""(module, attribute, label): each is called through its module by the pipeline."""


def timed(spent: dict[str, float], label: str, step: Callable[..., Any]) -> Callable[..., Any]:
    """``step`` adding its wall time to ``spent[label]`` at every call."""

    @functools.wraps(step)
    def run(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return step(*args, **kwargs)
        finally:
            spent[label] = spent.get(label, 0.0) + time.perf_counter() - started

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("incident", help="incident.yaml of an ingested workspace")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    import importlib

    from crisis_kit.config import load_incident
    from crisis_kit.pipeline import run_analysis

    spent: dict[str, float] = {}
    for module_name, attribute, label in STEPS:
        module = importlib.import_module(module_name)
        setattr(module, attribute, timed(spent, label, getattr(module, attribute)))
    run_analysis(load_incident(args.incident))  # imports and first calls paid
    rounds = []
    for _ in range(args.rounds):
        spent.clear()
        started = time.perf_counter()
        run_analysis(load_incident(args.incident))
        spent["run_analysis (warm)"] = time.perf_counter() - started
        rounds.append(dict(spent))
    print(f"load average {os.getloadavg()[0]:.2f}; medians of {args.rounds} warm runs [range]")
    for label in rounds[0]:
        values = [r.get(label, 0.0) for r in rounds]
        print(f"{label:38s} {statistics.median(values):6.3f} s "
              f"[{min(values):.3f}-{max(values):.3f}]")


if __name__ == "__main__":
    main()
