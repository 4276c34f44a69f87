"""A/B in one run: the code of another commit against this tree, alternated in fresh processes.

On a shared machine the wall time of the same command moves with the others' load (the
store floor alone took 1.6-3.8 s from one run to the next); two sides measured in the same
minutes, alternated, each in a fresh process, can be compared. The other commit is
exported with ``git archive`` into a temporary folder and each side runs its own tree's
code and benchmark script (``--child``). Prints each round and, per side, the range and
median of wall time, CPU time (user + system of the process and its threads) and peak
memory; then the after - before difference of each round's pair (its median, its range
and in how many rounds after was faster: on a busy machine, the figure that moves least).

- ``ingest FILE``: ``bench/ingest.py --child`` on FILE (a generated export, e.g. ``python
  -c 'from ingest import generate; ...'`` or ``bench/ingest.py --keep``): the store floor
  and crisis-kit, before and after.
- ``analysis INCIDENT``: ``bench/analysis.py --child`` on INCIDENT (the ``incident.yaml``
  ``bench/analysis.py --keep`` leaves): the one DuckDB query and ``run_analysis`` with its
  imports on the clock, before and after.
- ``small``: ``bench/small.py --child`` on a fresh copy of the sample: the pandas script and
  crisis-kit (ingest + ``run_analysis``), before and after.
- ``small-ingest``: ``crisis-kit ingest incident.yaml --quiet`` alone on a fresh copy of
  the sample, before and after.

Usage: python bench/ab.py [--before REF] [--rounds 3] {ingest FILE | analysis INCIDENT | small | small-ingest}
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import REPO, machine

SAMPLE = REPO / "data" / "samples"


def _run(command: list[str], tree: Path) -> tuple[float, float, float, str]:
    """Wall, CPU (user + system, from wait4), peak MB and output of ``command`` in ``tree``."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=tree, env=env, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode:
            raise SystemExit(f"{' '.join(command)} in {tree} failed:\n{err.read()[-2000:]}")
        return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out.read()


def _child(tree: Path, script: str, kind: str, argument: Path) -> dict:
    _, _, _, out = _run([sys.executable, f"bench/{script}", "--child", kind, str(argument)], tree)
    return json.loads(out.strip().splitlines()[-1])


def _sample_copy(work: Path) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="sample-", dir=work))
    shutil.copytree(SAMPLE, folder / "sample",
                    ignore=shutil.ignore_patterns("store.duckdb*", "*.wal"))
    return folder / "sample"


def _cli_ingest(tree: Path, work: Path) -> dict:
    folder = _sample_copy(work)
    wall, cpu, peak, _ = _run([sys.executable, "-m", "crisis_kit", "ingest",
                               str(folder / "incident.yaml"), "--quiet"], tree)
    shutil.rmtree(folder.parent, ignore_errors=True)
    return {"seconds": wall, "cpu_seconds": cpu, "peak_mb": peak}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["ingest", "analysis", "small", "small-ingest"])
    parser.add_argument("file", nargs="?", type=Path,
                        help="the export (`ingest`), the incident.yaml (`analysis`)")
    parser.add_argument("--before", default="main", help="the commit to compare (default main)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.what in ("ingest", "analysis") and not (args.file and args.file.is_file()):
        parser.error(f"`{args.what}` needs its file")
    work = Path(tempfile.mkdtemp(prefix="crisis-kit-ab-"))
    try:
        base = work / "before"
        base.mkdir()
        archive = subprocess.run(["git", "archive", args.before], cwd=REPO, check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
        trees = {"before": base, "after": REPO}
        print(machine())
        commit = subprocess.run(["git", "rev-parse", "--short", args.before], cwd=REPO,
                                capture_output=True, text=True).stdout.strip()
        print(f"before: {args.before} ({commit}), after: this tree")
        results: dict[str, list[dict]] = {}
        for number in range(args.rounds):
            order = ["before", "after"] if number % 2 == 0 else ["after", "before"]
            if args.what == "ingest":
                sides = [("store floor", REPO, "store-floor")] + [(s, trees[s], "crisis-kit")
                                                                   for s in order]
            elif args.what == "analysis":
                sides = [("baseline", REPO, "baseline")] + [(s, trees[s], "crisis-kit")
                                                            for s in order]
            elif args.what == "small":
                sides = [("pandas", REPO, "pandas")] + [(s, trees[s], "kit") for s in order]
            else:
                sides = [(s, trees[s], None) for s in order]
            for label, tree, kind in sides:
                if args.what == "ingest":
                    result = _child(tree, "ingest.py", kind, args.file)
                elif args.what == "analysis":
                    result = _child(tree, "analysis.py", kind, args.file)
                elif args.what == "small":
                    folder = _sample_copy(work)
                    result = _child(tree, "small.py", kind, folder)
                    shutil.rmtree(folder.parent, ignore_errors=True)
                else:
                    result = _cli_ingest(tree, work)
                results.setdefault(label, []).append(result)
                print(f"round {number + 1} {label:12s} {result['seconds']:6.2f} s, "
                      f"cpu {result['cpu_seconds']:6.2f} s, peak {result['peak_mb']:5.0f} MB, "
                      f"load {os.getloadavg()[0]:.2f}", flush=True)
        medians = {}
        for label, rows in results.items():
            walls = sorted(r["seconds"] for r in rows)
            cpus = sorted(r["cpu_seconds"] for r in rows)
            peaks = sorted(r["peak_mb"] for r in rows)
            medians[label] = (walls[len(walls) // 2], cpus[len(cpus) // 2])
            print(f"{label:12s} wall {walls[0]:.2f}-{walls[-1]:.2f} s (median {medians[label][0]:.2f}), "
                  f"cpu {cpus[0]:.2f}-{cpus[-1]:.2f} s (median {medians[label][1]:.2f}), "
                  f"peak {peaks[0]:.0f}-{peaks[-1]:.0f} MB")
        reference = {"ingest": "store floor", "small": "pandas", "analysis": "baseline"}.get(args.what)
        if reference:
            for side in ("before", "after"):
                wall, cpu = medians[side]
                print(f"{side}: {wall / medians[reference][0]:.2f}x the {reference} "
                      f"(CPU {cpu / medians[reference][1]:.2f}x), medians")
        # the two sides of a round ran a few seconds apart, under nearly the same load: their
        # difference moves less with the others' work on the machine than either side does
        diffs = sorted(a["seconds"] - b["seconds"]
                       for a, b in zip(results["after"], results["before"], strict=True))
        faster = sum(d < 0 for d in diffs)
        print(f"after - before, paired by round: median {diffs[len(diffs) // 2]:+.2f} s "
              f"({diffs[0]:+.2f} to {diffs[-1]:+.2f}), after faster in {faster} of {len(diffs)} rounds")
        print(f"load at the end {os.getloadavg()[0]:.2f}")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
