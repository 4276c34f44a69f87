"""When the alert fired: the seed rule (``rules``) and the statistical detectors.

``detectors`` holds the detectors and their backtest (docs/detection.md).
"""
