"""Where a report comes from: the evidence store it reads and the crisis-kit that wrote it.

Both the report runner (before it starts the kernel) and the notebook's
:func:`crisis_kit.report.sections.build` ask these questions; this module answers them
without importing the analysis, so that the runner stays light.
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

from ..config import Incident
from ..errors import CrisisKitError

__all__ = ["require_store", "version"]


def version() -> str:
    """Return the installed crisis-kit version (``unknown`` in a bare source tree)."""
    try:
        return importlib.metadata.version("crisis-kit")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def require_store(incident: Incident, incident_path: str | Path) -> Path:
    """Return the incident's evidence store; raise if it has not been created yet.

    Raises
    ------
    CrisisKitError
        Telling the user to run ``crisis-kit ingest`` first.
    """
    if not incident.store_path.is_file():
        raise CrisisKitError(
            "the incident has no evidence store yet",
            str(incident.store_path),
            f"run `crisis-kit ingest {incident_path}` first",
        )
    return incident.store_path
