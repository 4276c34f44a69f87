"""``summary.json`` on disk: one writer for the pipeline, the report and the CLI.

A module of its own, importing nothing heavy: the report's runner writes the summary the
kernel computed without importing the analysis (scipy among it) into its process.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["write_summary"]


def write_summary(analysis: Any, path: str | Path) -> Path:
    """Write ``summary.json`` (sorted keys, 2-space indent, UTF-8, final newline).

    Parameters
    ----------
    analysis : crisis_kit.pipeline.Analysis or Mapping
        An analysis (its ``summary()`` is written) or the mapping ``summary()`` returned.
    path : str or Path
        Where to write it.

    Returns
    -------
    Path
    """
    summary = analysis if isinstance(analysis, Mapping) else analysis.summary()
    path = Path(path)
    path.write_text(json.dumps(summary, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    return path
