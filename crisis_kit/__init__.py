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

_OWNERS = {
    "Incident": ".config", "load_incident": ".config",
    "FORMATS": ".ingest", "FileSpec": ".ingest", "IngestReport": ".ingest",
    "ingest_file": ".ingest", "ingest_incident": ".ingest", "inspect_file": ".ingest",
    "TABLES": ".schemas",
    "Store": ".store", "open_store": ".store",
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
]


def __getattr__(name: str) -> Any:
    owner = _OWNERS.get(name)
    if owner is None:
        raise AttributeError(f"module 'crisis_kit' has no attribute {name!r}")
    value = getattr(importlib.import_module(owner, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
