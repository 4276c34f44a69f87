"""Measure one side of a benchmark in a fresh subprocess, so its peak memory is its own.

A benchmark script calls :func:`measure` for each side; the subprocess it starts (the
same script with ``--child KIND ARG``) runs the side through :func:`report_child`, which
prints wall time, CPU time and peak RSS (the process or any child it waited for, e.g.
a kernel).
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def report_child(run: Callable[[], dict]) -> None:
    """Run one side, then print its result with ``seconds``, ``cpu_seconds``, ``peak_mb`` as JSON.

    ``cpu_seconds`` is user plus system time of the process and of the children it
    waited for (a kernel): with ``seconds`` it tells work cut from work overlapped.
    """
    started = time.perf_counter()
    result = run()
    result["seconds"] = time.perf_counter() - started
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    result["cpu_seconds"] = sum(u.ru_utime + u.ru_stime for u in usage)
    result["peak_mb"] = max(_own_peak_kb(usage[0].ru_maxrss), usage[1].ru_maxrss) / 1024
    print(json.dumps(result))


def _own_peak_kb(maxrss_kb: int) -> int:
    """This process's peak RSS in kB: ``VmHWM`` on Linux, else ``ru_maxrss``.

    Linux carries ``ru_maxrss`` across ``exec``: a child started by a parent holding
    300 MB (a benchmark that has just built its store) reports at least 300 MB whatever
    it uses. ``VmHWM`` is the peak of this program's own memory since it started.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return maxrss_kb


def measure(script: str, kind: str, argument: Path) -> dict:
    """Run ``script --child KIND ARGUMENT`` in a new interpreter and return its JSON result."""
    out = subprocess.run([sys.executable, script, "--child", kind, str(argument)],
                         check=True, capture_output=True, text=True, cwd=REPO)
    return json.loads(out.stdout.strip().splitlines()[-1])


def machine() -> str:
    """The line every benchmark prints first: what it ran on, and how busy that was."""
    return (f"machine: {platform.machine()}, {os.cpu_count()} cpus, Python "
            f"{platform.python_version()}, load average {os.getloadavg()[0]:.2f}")


def named(label: str, result: dict, baseline: dict | None = None) -> str:
    """One side's figures: ``label: 1.23 s, peak 456 MB`` (and its ratio to ``baseline``)."""
    line = f"{label}: {result['seconds']:.2f} s, peak {result['peak_mb']:.0f} MB"
    if baseline is not None:
        line += f" ({result['seconds'] / baseline['seconds']:.2f}x the baseline)"
    return line
