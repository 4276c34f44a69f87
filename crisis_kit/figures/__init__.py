"""Pure figures: a table in, a plotly Figure out (``charts``), in one theme (``theme``).

Used by the report and by the explorer; figures never compute analytics.
"""
