"""The look of every crisis-kit figure and report: one plotly template, colours, fonts.

Fonts are a system font stack (no web font, so nothing is fetched and a report opened
offline looks the same), with CJK faces so that a Chinese report renders on Windows,
macOS and Linux. Colours follow the Okabe-Ito palette, readable with colour-vision
deficiencies; each complaint source keeps its colour in every figure.

Nothing here runs at import time: :func:`template` builds the template and
:func:`register` adds it to ``plotly.io.templates`` when asked.
"""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

__all__ = [
    "COLORS",
    "COLORWAY",
    "FONT_FAMILY",
    "MONO_FAMILY",
    "PHASE_COLORS",
    "TOPIC_COLORS",
    "SOURCE_COLORS",
    "SOURCE_ORDER",
    "TEMPLATE_NAME",
    "register",
    "source_color",
    "topic_color",
    "template",
]

TEMPLATE_NAME = "crisis_kit"
"""The name :func:`register` gives the template in ``plotly.io.templates``."""

FONT_FAMILY = (
    '-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, '
    '"Noto Sans", "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", '
    '"Hiragino Sans GB", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif'
)
"""The text font stack of figures and report (system fonts only)."""

MONO_FAMILY = (
    'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", '
    '"Noto Sans Mono CJK SC", monospace'
)
"""The monospace stack (hashes, ids)."""

COLORS = {
    "ink": "#1f2a44",
    "muted": "#5f6b7a",
    "faint": "#8c96a8",
    "grid": "#e3e7ed",
    "background": "#ffffff",
    "panel": "#f5f7fa",
    "accent": "#0072b2",
    "alert": "#b2182b",
    "target": "#1b7837",
    "band": "rgba(0, 114, 178, 0.16)",
    "window": "rgba(27, 120, 55, 0.10)",
    "marker": "#7b3294",
    "campaign": "#d55e00",
}
"""Named colours of the report (text, grid, marks)."""

SOURCE_ORDER = (
    "review",
    "seller_feedback",
    "fba_return",
    "mfn_return",
    "claim",
    "message",
    "social",
    "other",
)
"""Complaint sources in the order figures and tables list them."""

SOURCE_COLORS = {
    "review": "#0072b2",
    "seller_feedback": "#009e73",
    "fba_return": "#e69f00",
    "mfn_return": "#cc79a7",
    "claim": "#d55e00",
    "message": "#56b4e9",
    "social": "#f0e442",
    "other": "#999999",
}
"""One colour per complaint source (Okabe-Ito)."""

COLORWAY = ["#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9", "#f0e442",
            "#999999"]
"""Colours of traces that are not sources, in order."""


PHASE_COLORS = {
    "pre_crisis": "rgba(0, 0, 0, 0)",
    "crisis": "rgba(178, 24, 43, 0.10)",
    "stabilisation": "rgba(230, 159, 0, 0.12)",
    "repair": "rgba(27, 120, 55, 0.10)",
}
"""Background of each sales phase (:data:`crisis_kit.analysis.sales.PHASES`): faint, so lines stay legible."""


TOPIC_COLORS = {
    "quality": "#6a51a3",
    "safety": "#b2182b",
    "packaging": "#8c6d31",
    "listing": "#1b9e9e",
    "fit": "#e7298a",
    "shipping": "#66a61e",
    "service": "#3f6fb5",
    "other": "#a6a6a6",
}
"""One colour per topic of the bundled taxonomy, apart from the source colours, so that a
topic chart is not read as a source chart."""


def topic_color(topic: str, position: int = 0) -> str:
    """Return the colour of a complaint topic; an unknown one takes a colorway colour."""
    return TOPIC_COLORS.get(topic, COLORWAY[position % len(COLORWAY)])


def source_color(source: str, position: int = 0) -> str:
    """Return the colour of a complaint source; an unknown one takes a colorway colour."""
    return SOURCE_COLORS.get(source, COLORWAY[position % len(COLORWAY)])


def template() -> go.layout.Template:
    """Build the crisis-kit plotly template.

    Returns
    -------
    plotly.graph_objects.layout.Template
        A new template (callers may change their copy). It sets layout only, so that
        figures serialise small.
    """
    axis = {
        "gridcolor": COLORS["grid"],
        "linecolor": COLORS["grid"],
        "zerolinecolor": COLORS["grid"],
        "tickcolor": COLORS["grid"],
        "ticks": "outside",
        "title": {"standoff": 8},
        "automargin": True,
    }
    return go.layout.Template(
        layout={
            "font": {"family": FONT_FAMILY, "size": 13, "color": COLORS["ink"]},
            "colorway": COLORWAY,
            "paper_bgcolor": COLORS["background"],
            "plot_bgcolor": COLORS["background"],
            "xaxis": {**axis, "showgrid": False},
            "yaxis": {**axis, "showgrid": True, "rangemode": "tozero"},
            # "normal": plotly reverses the legend of stacks and filled bands otherwise.
            "legend": {"orientation": "h", "x": 0, "y": -0.18, "yanchor": "top",
                       "font": {"size": 12}, "traceorder": "normal"},
            "hoverlabel": {"font": {"family": FONT_FAMILY, "size": 12}},
            "hovermode": "x unified",
            "margin": {"l": 56, "r": 16, "t": 24, "b": 40},
            "height": 420,
            "bargap": 0.15,
        }
    )


def register(default: bool = False) -> str:
    """Add the template to ``plotly.io.templates`` under :data:`TEMPLATE_NAME`.

    Parameters
    ----------
    default : bool
        Also make it plotly's default template (for an analyst's own figures).

    Returns
    -------
    str
        The template's name.
    """
    pio.templates[TEMPLATE_NAME] = template()
    if default:
        pio.templates.default = TEMPLATE_NAME
    return TEMPLATE_NAME
