"""Benchmark: ``crisis-kit report`` on the sample against the floor any notebook report pays.

Measures, each in a fresh subprocess so peak memory is its own:

- crisis-kit: ``render_report`` on the bundled sample (already ingested into a copy):
  papermill run of notebooks/postmortem.ipynb, our nbconvert export, summary.json;
- floor: papermill running an empty one-cell notebook, then ``nbconvert --to html`` on it.

Prints wall time, CPU time (the process and the kernel it waited for) and peak RSS of
both, the ratios, and the HTML size. Goal (issue 5): wall time at most 2.5x the floor;
HTML under 6 MB. The report starts its kernel before it imports papermill and nbconvert,
so part of its work overlaps on a second CPU: CPU time shows how much. The two sides run
alternately, ``--rounds`` times (default 3), and the medians are compared.

Usage: python bench/report.py [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from harness import machine, measure, report_child

REPO = Path(__file__).resolve().parents[1]
ROUNDS = 3  # the machine may run other work: the median of alternate pairs is steadier


def run_crisis_kit(folder: Path) -> dict:
    from crisis_kit.report.run import render_report

    paths = render_report(folder / "samples" / "incident.yaml", folder / "out", quiet=True)
    return {"html_bytes": Path(paths.html).stat().st_size}


def run_floor(folder: Path) -> dict:
    import nbformat
    import papermill
    from nbconvert import HTMLExporter

    source = folder / "empty.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, source)
    executed = folder / "empty.out.ipynb"
    papermill.execute_notebook(str(source), str(executed), kernel_name="python3",
                               progress_bar=False)
    html, _ = HTMLExporter().from_filename(str(executed))
    (folder / "empty.html").write_text(html, encoding="utf-8")
    return {"html_bytes": len(html.encode())}


def child(kind: str, folder: Path) -> None:
    side = run_crisis_kit if kind == "crisis-kit" else run_floor
    report_child(lambda: side(folder))


def _median(runs: list[dict], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], Path(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS,
                        help=f"floor/report pairs, run alternately (default {ROUNDS})")
    rounds = max(1, parser.parse_args().rounds)
    from crisis_kit.config import load_incident
    from crisis_kit.ingest import ingest_incident

    folder = Path(tempfile.mkdtemp(prefix="crisis-kit-bench-report-"))
    shutil.copytree(REPO / "data" / "samples", folder / "samples",
                    ignore=shutil.ignore_patterns("store.duckdb*", ".crisis-kit-spill"))
    ingest_incident(load_incident(folder / "samples" / "incident.yaml"))
    print(machine())
    floors, ours = [], []
    for number in range(1, rounds + 1):
        floors.append(measure(__file__, "floor", folder))
        ours.append(measure(__file__, "crisis-kit", folder))
        print(f"round {number}: floor {floors[-1]['seconds']:.2f} s, report "
              f"{ours[-1]['seconds']:.2f} s ({ours[-1]['seconds'] / floors[-1]['seconds']:.2f}x)")
    floor = {key: _median(floors, key) for key in ("seconds", "cpu_seconds", "peak_mb")}
    report = {key: _median(ours, key) for key in ("seconds", "cpu_seconds", "peak_mb")}
    html_bytes = ours[-1]["html_bytes"]
    print(f"median of {rounds} (load average now {os.getloadavg()[0]:.2f}):")
    print(f"floor (papermill empty notebook + nbconvert --to html): {floor['seconds']:.2f} s "
          f"(CPU {floor['cpu_seconds']:.2f} s), peak {floor['peak_mb']:.0f} MB")
    print(f"crisis-kit report on the sample: {report['seconds']:.2f} s "
          f"(CPU {report['cpu_seconds']:.2f} s), peak {report['peak_mb']:.0f} MB, "
          f"HTML {html_bytes / 2**20:.2f} MB (goal < 6 MB)")
    print(f"ratio time {report['seconds'] / floor['seconds']:.2f}x (goal <= 2.5x), "
          f"ratio CPU {report['cpu_seconds'] / floor['cpu_seconds']:.2f}x, "
          f"ratio memory {report['peak_mb'] / floor['peak_mb']:.2f}x")
    shutil.rmtree(folder)


if __name__ == "__main__":
    main()
