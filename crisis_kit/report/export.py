"""nbconvert's side of the report: the exporter that turns the executed notebook into HTML.

The template (``templates/crisis-postmortem``) is standalone: outputs only, no code
and no prompts, the cells tagged :data:`NOT_IN_REPORT_TAGS` removed, the CSS and
plotly.js inlined once. :func:`crisis_kit.report.run.export_html` fills it in.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import plotly.offline
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

__all__ = ["NOT_IN_REPORT_TAGS", "TEMPLATES", "TEMPLATE_NAME", "exporter", "plotly_js"]

TEMPLATES = Path(__file__).parent / "templates"
"""The folder of the report's nbconvert template."""

TEMPLATE_NAME = "crisis-postmortem"
"""The report's nbconvert template."""

NOT_IN_REPORT_TAGS = frozenset({"parameters", "injected-parameters", "notebook-only"})
"""Cells with one of these tags are not part of the report."""


def exporter() -> HTMLExporter:
    """Return the exporter of the report: our template, outputs only, tagged cells removed."""
    made = HTMLExporter(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    made.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags=set(NOT_IN_REPORT_TAGS), enabled=True),
        enabled=True,
    )
    return made


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """plotly.js, minified, as bundled with the installed plotly (read once)."""
    return plotly.offline.get_plotlyjs()
