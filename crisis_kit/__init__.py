"""crisis-kit: analyse an e-commerce complaint crisis from the seller's own exports.

The front door. Everything here is imported from the module that owns it, on first use
(PEP 562): ``import crisis_kit`` does no work, and a CLI verb or a report kernel pays only
for the modules it touches.
"""

from __future__ import annotations

import importlib
from typing import Any

from .errors import ConfigError, CrisisKitError, InputError, NotebookError, StoreBusyError

__version__ = "0.1.0"

# name -> (module that owns it, its name there)
_OWNERS = {
    "Incident": (".config", "Incident"), "load_incident": (".config", "load_incident"),
    "FORMATS": (".ingest", "FORMATS"), "FileSpec": (".ingest", "FileSpec"),
    "IngestReport": (".ingest", "IngestReport"), "ingest_file": (".ingest", "ingest_file"),
    "ingest_incident": (".ingest", "ingest_incident"), "inspect_file": (".ingest", "inspect_file"),
    "TABLES": (".schemas", "TABLES"),
    "Store": (".store", "Store"), "open_store": (".store", "open_store"),
    "Analysis": (".pipeline", "Analysis"), "run_analysis": (".pipeline", "run_analysis"),
    "lint_statement": (".statements", "lint"), "lint_statement_file": (".statements", "lint_file"),
    "render_report": (".report.run", "render_report"),
}

__all__ = [
    "__version__",
    "Incident",
    "load_incident",
    "CrisisKitError",
    "ConfigError",
    "InputError",
    "NotebookError",
    "StoreBusyError",
    "FORMATS",
    "FileSpec",
    "IngestReport",
    "inspect_file",
    "ingest_file",
    "ingest_incident",
    "TABLES",
    "Store",
    "open_store",
    "run_analysis",
    "Analysis",
    "lint_statement",
    "lint_statement_file",
    "render_report",
]


def __getattr__(name: str) -> Any:
    owner = _OWNERS.get(name)
    if owner is None:
        raise AttributeError(f"module 'crisis_kit' has no attribute {name!r}")
    module, attribute = owner
    value = getattr(importlib.import_module(module, __name__), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
