"""The evidence store: one DuckDB database per incident workspace (design.md section 6)."""

from .database import Store, open_store

__all__ = ["Store", "open_store"]
