"""The seeded generator of ``data/samples`` (``generator``) and its export writers (``exports``).

``python -m crisis_kit.samples DIR`` writes the sample incident.
"""
