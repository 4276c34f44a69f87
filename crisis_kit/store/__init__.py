"""The evidence store: one DuckDB database per incident workspace (design.md section 6)."""

from .database import LATEST_ACTIONS, Store, open_store, release_arrow_memory

__all__ = ["LATEST_ACTIONS", "Store", "open_store", "release_arrow_memory"]
