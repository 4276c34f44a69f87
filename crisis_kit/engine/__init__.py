"""The daily figures as Ibis expressions: one definition for one incident and for a portfolio.

:mod:`crisis_kit.engine.daily` says the per-ASIN, per-day figures and the scan's windows
once, as Ibis expressions; DuckDB runs them here (nothing to install or start). The
expressions use only what Ibis compiles for its SQL backends, so the same code is meant to
run on PySpark for a cluster (``docs/scale.md``: not yet wired or tested in this version).
Nothing is imported here.
"""
