"""The live-incident explorer for JupyterLab (``docs/explorer.md``).

Needs the ``lab`` extra (ipywidgets, anywidget for plotly's ``FigureWidget``).
"""

from .app import SAMPLE_INCIDENT, Explorer
from .export import Exported, neutralise, write_selection
from .query import ExplorerData, Filters
from .search import Terms, highlight, parse

__all__ = ["Explorer", "SAMPLE_INCIDENT", "ExplorerData", "Filters", "Exported", "neutralise",
           "write_selection", "Terms", "parse", "highlight"]
