"""nbconvert's side of the report: the exporter that turns the executed notebook into HTML.

The template (``templates/crisis-postmortem``) is standalone: outputs only, no code
and no prompts, the cells tagged :data:`NOT_IN_REPORT_TAGS` removed, the CSS and
plotly.js inlined once. :class:`CrisisHTMLExporter` fills it in; ``crisis-kit report``
(:func:`crisis_kit.report.run.export_html`) and ``jupyter nbconvert --to crisis-html``
(the ``nbconvert.exporters`` entry point in ``pyproject.toml``) both use it, so a
notebook executed by papermill, Airflow's ``PapermillOperator`` or JupyterLab's Run
All becomes the very page ``crisis-kit report`` writes.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import plotly.offline
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

from ..errors import CrisisKitError

if TYPE_CHECKING:
    import nbformat

__all__ = ["EXPORTER_NAME", "NOT_IN_REPORT_TAGS", "TEMPLATES", "TEMPLATE_NAME",
           "CrisisHTMLExporter", "exporter", "page_of", "plotly_js", "report_resources"]

TEMPLATES = Path(__file__).parent / "templates"
"""The folder of the report's nbconvert template."""

TEMPLATE_NAME = "crisis-postmortem"
"""The report's nbconvert template."""

EXPORTER_NAME = "crisis-html"
"""The exporter's name for ``jupyter nbconvert --to`` (the entry point's name)."""

NOT_IN_REPORT_TAGS = frozenset({"parameters", "injected-parameters", "notebook-only"})
"""Cells with one of these tags are not part of the report."""

PAGE_KEY = "page"
"""The masthead output's metadata key holding the page's title, language and labels."""


def page_of(nb: nbformat.NotebookNode) -> dict[str, str]:
    """Return the page's ``title``, ``html_lang`` and ``contents_label`` the notebook carries.

    :meth:`crisis_kit.report.sections.Report.masthead` puts them into its output's
    metadata, in the report's language, so that the page can be exported from the
    executed notebook alone (no incident file, no parameters needed).

    Raises
    ------
    CrisisKitError
        If no output carries them: not an executed post-mortem notebook.
    """
    from .fragments import METADATA_KEY

    for cell in nb.cells:
        for output in cell.get("outputs", []):
            page = output.get("metadata", {}).get(METADATA_KEY, {}).get(PAGE_KEY)
            if page is not None:
                return {key: str(page[key]) for key in ("title", "html_lang", "contents_label")}
    raise CrisisKitError(
        "the notebook carries no report masthead: it is not an executed crisis-kit "
        "post-mortem notebook (or it was executed by a crisis-kit older than this exporter)",
        fix="execute notebooks/postmortem.ipynb (papermill, PapermillOperator or Run All) "
            "with this crisis-kit, then export the executed copy",
    )


def report_resources(
    nb: nbformat.NotebookNode,
    *,
    title: str | None = None,
    html_lang: str | None = None,
    contents_label: str | None = None,
) -> dict[str, Any]:
    """The values the template reads (``resources["crisis_kit"]``) for one executed notebook.

    The title, language and contents label default to those the notebook carries
    (:func:`page_of`); the table of contents is read from its headings.
    """
    from ..figures import theme
    from . import provenance
    from .run import contents

    page = page_of(nb) if None in (title, html_lang, contents_label) else {}
    return {
        "title": page["title"] if title is None else title,
        "html_lang": page["html_lang"] if html_lang is None else html_lang,
        "contents_label": page["contents_label"] if contents_label is None else contents_label,
        "contents": contents(nb),
        "version": provenance.version(),
        "font_family": theme.FONT_FAMILY,
        "mono_family": theme.MONO_FAMILY,
        "colors": theme.COLORS,
        "plotlyjs": plotly_js(),
    }


class CrisisHTMLExporter(HTMLExporter):
    """The post-mortem report's exporter: our template, outputs only, tagged cells removed.

    Registered as ``crisis-html`` (``jupyter nbconvert --to crisis-html run.ipynb``
    writes ``run.html``). The options that shape the page are fixed here, over any
    nbconvert configuration, so that the page is the one ``crisis-kit report`` writes,
    byte for byte.
    """

    export_from_notebook = "crisis-kit report (HTML)"

    def __init__(self, config: Any = None, **kw: Any) -> None:
        # Keyword values win over configuration (traitlets), and the template is
        # chosen when the exporter is made: set afterwards, nbconvert keeps its own.
        kw.update(template_name=TEMPLATE_NAME, extra_template_basedirs=[str(TEMPLATES)],
                  exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
        super().__init__(config=config, **kw)
        self.register_preprocessor(
            TagRemovePreprocessor(remove_cell_tags=set(NOT_IN_REPORT_TAGS), enabled=True),
            enabled=True,
        )

    def from_notebook_node(
        self, nb: nbformat.NotebookNode, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[str, dict[str, Any]]:
        """Export an executed post-mortem notebook; ``resources["crisis_kit"]`` is filled in when absent.

        Raises
        ------
        CrisisKitError
            If the notebook is not an executed post-mortem notebook (:func:`page_of`).
        """
        resources = dict(resources or {})
        if "crisis_kit" not in resources:
            resources["crisis_kit"] = report_resources(nb)
        return super().from_notebook_node(nb, resources=resources, **kw)


def exporter() -> CrisisHTMLExporter:
    """Return the exporter of the report (:class:`CrisisHTMLExporter`)."""
    return CrisisHTMLExporter()


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """plotly.js, minified, as bundled with the installed plotly (read once)."""
    return plotly.offline.get_plotlyjs()
