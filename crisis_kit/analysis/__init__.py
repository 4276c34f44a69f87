"""The measurements of one incident, each a function of tables (design.md section 8).

``volume`` (daily series), ``detection`` (seed rule, detectors, backtest), ``ratings`` and
``forecast``, ``topics``, ``sales``, ``response``, ``effects`` (before/after windows);
``findings``: the frozen result the POA, the remedies and the report read.
Nothing is imported here: each caller imports the module it needs.
"""
