"""The daily figures as Ibis expressions, one definition for every backend.

:mod:`crisis_kit.engine.daily` says the per-ASIN, per-day figures and the scan's windows
once, as Ibis expressions. The portfolio scan runs them on DuckDB (the default: nothing to
install or start) or on PySpark (``--engine spark``: local or a cluster), and
``tests/test_portfolio.py`` holds the two equal figure by figure (``docs/scale.md``). The
single-incident analysis does not use them yet: it still reads the incident's events
into pandas. Nothing is imported here.
"""
