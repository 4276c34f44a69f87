"""crisis-kit: analyse an e-commerce complaint crisis from the seller's own exports.

The front door. Everything here is imported from the module that owns it.
"""

from .config import Incident, load_incident
from .errors import ConfigError, CrisisKitError, InputError, NotebookError, StoreBusyError
from .ingest import FORMATS, FileSpec, IngestReport, ingest_file, ingest_incident, inspect_file
from .schemas import TABLES
from .store import Store, open_store

__version__ = "0.1.0"

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
