"""The report's data half: the frozen :class:`Page` every section module reads.

It sits below :mod:`crisis_kit.report.sections` (which adds the one-line section
methods) and below the modules that render parts of it (``keyfigures``, ``review``,
``comparison``), so none of them imports ``sections`` back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from ..config import Incident
from ..language import Strings
from ..pipeline import Analysis

__all__ = ["Page"]


@dataclass(frozen=True, eq=False)
class Page:
    """One post-mortem's data: the Analysis, the tables arranged from it, its figures and words.

    - ``analysis``: :func:`crisis_kit.pipeline.run_analysis`, computed once.
    - ``daily_by_source``: one local day of one source (:func:`crisis_kit.report.views.daily_by_source`).
    - ``moments``: one key moment (:func:`crisis_kit.report.views.key_moments`).
    - ``lanes``: one response lane (:func:`crisis_kit.report.views.lane_table`).
    - ``comparison_table``: one incident of the workspace
      (:func:`crisis_kit.report.workspace.comparison_for`: this one and its siblings, by onset).
    - ``figures``: the figures of :data:`crisis_kit.report.charts.FIGURES` that have data.
    """

    analysis: Analysis
    incident_file: str
    strings: Strings
    as_of: pd.Timestamp
    daily_by_source: pd.DataFrame
    moments: pd.DataFrame
    lanes: pd.DataFrame
    topic_labels: Mapping[str, str]
    comparison_table: pd.DataFrame = field(default_factory=pd.DataFrame)
    figures: Mapping[str, go.Figure] = field(default_factory=dict)
    version: str = "unknown"

    # -- small helpers ----------------------------------------------------------------
    @property
    def incident(self) -> Incident:
        """The incident, as read from its file."""
        return self.analysis.incident

    def label(self, group: str, name: object) -> str:
        """The display name of ``name`` in a group: ``sources``, ``lanes``, ``phases``, ``topics``.

        Topics take the taxonomy's label in the report's language; the other groups are
        groups of the strings file.
        """
        names = self.topic_labels if group == "topics" else self.strings.section(group)
        return names.get(str(name), str(name))

    @property
    def _windows(self) -> dict[str, int]:
        """The windows the topic drivers compare: the crisis window and the baseline before it."""
        return {"crisis_days": self._t.crisis_window_days, "before_days": self._t.baseline_days}

    @property
    def _t(self) -> Any:
        return self.incident.thresholds
