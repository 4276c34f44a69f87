"""Measure one side of a benchmark in a fresh subprocess, so its peak memory is its own.

A benchmark script calls :func:`measure` for each side; the subprocess it starts (the
same script with ``--child KIND ARG``) runs the side through :func:`report_child`, which
prints wall time and peak RSS (the process or any child it waited for, e.g. a kernel).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def report_child(run: Callable[[], dict]) -> None:
    """Run one side, then print its result with ``seconds`` and ``peak_mb`` as JSON."""
    started = time.perf_counter()
    result = run()
    result["seconds"] = time.perf_counter() - started
    result["peak_mb"] = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    print(json.dumps(result))


def measure(script: str, kind: str, argument: Path) -> dict:
    """Run ``script --child KIND ARGUMENT`` in a new interpreter and return its JSON result."""
    out = subprocess.run([sys.executable, script, "--child", kind, str(argument)],
                         check=True, capture_output=True, text=True, cwd=REPO)
    return json.loads(out.stdout.strip().splitlines()[-1])
