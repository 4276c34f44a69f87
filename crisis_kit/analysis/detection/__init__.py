"""When the alert fired: the seed rule (``rules``) and the statistical detectors.

``detectors`` holds the detectors and their backtest (docs/detection.md).

The detectors' tail probabilities come from ``scipy.special`` (0.2 s to import, most of
it numpy.f2py pulled in by scipy's array-API layer), imported where they are computed:
:func:`preload` imports it in a thread while the caller waits on the store, whose
queries leave the interpreter free (docs/performance.md, "Imports beside the engine").
"""

from __future__ import annotations

import threading

__all__ = ["preload"]


def preload() -> threading.Thread:
    """Start importing ``scipy.special`` in a daemon thread and return the thread.

    Nothing depends on the thread finishing: the first detector that needs the module
    imports it (Python's import lock makes it wait for the thread's import, or do it).
    """
    def load() -> None:
        import scipy.special  # noqa: F401

    thread = threading.Thread(target=load, name="crisis-kit-preload", daemon=True)
    thread.start()
    return thread
