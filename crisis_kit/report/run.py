"""Run the post-mortem notebook with papermill and export it to one offline HTML file.

The recipe of :func:`render_report`: validate the parameters against the notebook's
own ``parameters`` cell, execute the notebook (papermill writes the executed copy,
with the error when a cell fails), strip what changes from run to run, export with
the crisis-kit nbconvert template (no code, no prompts, plotly.js inlined once, no
network address), and write the HTML and ``summary.json``. The analysis runs once, in
the notebook's kernel: ``summary.json`` is read back from the key-figures output.

The kernel is started first (:class:`~crisis_kit.report.kernel.Kernel`), so that it
boots while this process imports papermill, nbformat and nbconvert: those are imported
by the functions that use them, not at the top of this module, and nothing here
imports the analysis (the kernel does).
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import errors
from ..config import load_incident
from ..errors import ConfigError, CrisisKitError, NotebookError
from ..language import LANGUAGES
from ..summary import write_summary
from . import provenance, review
from .fragments import METADATA_KEY
from .kernel import KERNEL_NAME, Kernel

if TYPE_CHECKING:
    import nbformat
    from nbconvert import HTMLExporter

__all__ = [
    "KERNEL_NAME",
    "NOTEBOOK",
    "NOTEBOOK_IMPORTS",
    "ReportPaths",
    "contents",
    "export_html",
    "poa_markdown_of",
    "render_report",
    "run_notebook",
    "start_kernel",
    "summary_of",
    "validate_parameters",
]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
"""The folder holding ``notebooks/`` and ``crisis_kit/``, and the kernel's working folder.

IPython puts the working folder first on ``sys.path``, so the kernel imports the very
``crisis_kit`` whose notebook it runs, installed or not.
"""

NOTEBOOK = PROJECT_ROOT / "notebooks" / "postmortem.ipynb"
"""The post-mortem notebook."""

NOTEBOOK_IMPORTS = ("crisis_kit.report.sections",)
"""What the post-mortem notebook imports first: its kernel imports it while it starts."""

_VOLATILE = ("start_time", "end_time", "duration")
_OUR_ERRORS = frozenset(errors.__all__)


@dataclass(frozen=True)
class ReportPaths:
    """The files one report run writes.

    ``poa`` is the Plan of Action draft as editable Markdown (``<incident>.poa.md``),
    None when there is no onset and so no draft.
    """

    html: Path
    notebook: Path
    summary: Path
    poa: Path | None = None


def validate_parameters(
    parameters: Mapping[str, Any], notebook: str | Path = NOTEBOOK
) -> dict[str, Any]:
    """Check parameters against the notebook's ``parameters`` cell before any cell runs.

    papermill only warns about an unknown parameter and injects it anyway; here an
    unknown name or a value of the wrong type is an error.

    Parameters
    ----------
    parameters : Mapping
        Parameter names and values.
    notebook : str or Path
        The notebook whose ``parameters`` cell declares the valid names and types.

    Returns
    -------
    dict
        The parameters, unchanged.

    Raises
    ------
    ConfigError
        Naming every bad parameter and listing the valid ones.
    """
    import papermill

    declared = papermill.inspect_notebook(str(notebook))
    valid = sorted(declared)
    problems = []
    for name, value in parameters.items():
        if name not in declared:
            close = difflib.get_close_matches(name, valid, n=1, cutoff=0.5)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"unknown parameter {name!r}{hint}")
            continue
        expected = declared[name]["inferred_type_name"]
        types = {"str": str, "int": int, "float": (int, float), "bool": bool}.get(expected)
        if types is not None and (
            not isinstance(value, types) or (expected != "bool" and isinstance(value, bool))
        ):
            problems.append(
                f"parameter {name!r} must be {expected}, got {type(value).__name__} {value!r}"
            )
    if problems:
        described = ", ".join(
            f"{n} ({declared[n]['inferred_type_name']}: {declared[n]['help'] or 'no help'})"
            for n in valid
        )
        raise ConfigError(
            "; ".join(problems),
            f"parameters of {Path(notebook).name}",
            f"use only the notebook's parameters: {described}",
        )
    return dict(parameters)


def _path_for_papermill(path: Path) -> str:
    # papermill formats paths with the parameters (str.format): keep braces literal.
    return str(path).replace("{", "{{").replace("}", "}}")


def _strip_volatile(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop timings, paths and random ids, so that two runs save the same notebook."""
    meta = nb.metadata.get("papermill", {})
    for key in (*_VOLATILE, "input_path", "output_path"):
        meta.pop(key, None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        for key in _VOLATILE:
            cell.metadata.get("papermill", {}).pop(key, None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"
    return nb


def start_kernel(cwd: str | Path | None = None, preload: tuple[str, ...] = ()) -> Kernel:
    """Start the kernel a notebook will run in (see :class:`~crisis_kit.report.kernel.Kernel`).

    Raises
    ------
    CrisisKitError
        If the kernel cannot be started (no ipykernel in this interpreter).
    """
    try:
        return Kernel(cwd or PROJECT_ROOT, preload=preload)
    except Exception as exc:
        _raise_for_kernel(exc)
        raise


def run_notebook(
    notebook: str | Path,
    output: str | Path,
    parameters: Mapping[str, Any],
    *,
    cwd: str | Path | None = None,
    quiet: bool = False,
    kernel: Kernel | None = None,
) -> nbformat.NotebookNode:
    """Validate ``parameters``, execute ``notebook`` with papermill, save it to ``output``.

    Parameters
    ----------
    notebook, output : str or Path
        The notebook to run and where to write the executed copy.
    parameters : Mapping
        Values for the notebook's ``parameters`` cell (see :func:`validate_parameters`).
    cwd : str or Path, optional
        Working folder of the kernel. Default: :data:`PROJECT_ROOT`.
    quiet : bool
        Hide papermill's progress bar.
    kernel : Kernel, optional
        A kernel already started (:func:`start_kernel`), left running for its owner to
        shut down. Default: one started and shut down here.

    Returns
    -------
    nbformat.NotebookNode
        The executed notebook, as saved (without timings).

    Raises
    ------
    ConfigError
        If a parameter is unknown or mistyped (nothing has run then).
    NotebookError
        If a cell fails; the saved notebook holds the error and its traceback.

    Notes
    -----
    papermill saves the executed notebook once, at the end (and, when a cell fails,
    with the error, before raising), not before and after every cell: each save
    validates and writes the whole notebook, and the post-mortem's 38 cells made 76 of
    them, a third of a second.
    """
    validate_parameters(parameters, notebook)
    if kernel is None:
        with start_kernel(cwd) as own:
            return _execute(notebook, Path(output), parameters, cwd=cwd, quiet=quiet, kernel=own)
    return _execute(notebook, Path(output), parameters, cwd=cwd, quiet=quiet, kernel=kernel)


def _execute(
    notebook: str | Path,
    output: Path,
    parameters: Mapping[str, Any],
    *,
    cwd: str | Path | None,
    quiet: bool,
    kernel: Kernel,
) -> nbformat.NotebookNode:
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    try:
        nb = papermill.execute_notebook(
            _path_for_papermill(Path(notebook)),
            _path_for_papermill(output),
            parameters=dict(parameters),
            kernel_name=KERNEL_NAME,
            language="python",
            progress_bar=not quiet,
            cwd=str(cwd or PROJECT_ROOT),
            request_save_on_cell_execute=False,
            km=kernel.manager,
        )
    except PapermillExecutionError as exc:
        fix = "open the executed notebook, find the failing cell and its traceback"
        if exc.ename in _OUR_ERRORS:
            fix = "correct what the error above says; the executed notebook holds its traceback"
        elif exc.ename == "ModuleNotFoundError" and "crisis_kit" in exc.evalue:
            fix = "install crisis-kit into the interpreter that runs it (pip install -e .)"
        raise NotebookError(
            f"the notebook {Path(notebook).name} failed in cell {exc.exec_count}: "
            f"{exc.ename}: {exc.evalue}",
            str(output),
            fix,
        ) from None
    except Exception as exc:
        _raise_for_kernel(exc)
        raise
    nb = _strip_volatile(nb)
    nbformat.write(nb, str(output))
    return nb


def _raise_for_kernel(exc: Exception) -> None:
    """Raise a readable error in place of a kernel's failure to start or to answer."""
    if "kernel" in type(exc).__name__.lower() or "No such kernel" in str(exc):
        raise CrisisKitError(
            f"papermill could not start the {KERNEL_NAME!r} kernel: {exc}",
            fix="install ipykernel into the interpreter that runs crisis-kit",
        ) from exc


def contents(nb: nbformat.NotebookNode) -> list[dict[str, Any]]:
    """Return the table of contents: the heading entries the notebook's outputs carry."""
    entries = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            entry = output.get("metadata", {}).get(METADATA_KEY, {}).get("toc")
            if entry:
                entries.append(dict(entry))
    return entries


def summary_of(nb: nbformat.NotebookNode) -> dict[str, Any]:
    """Return the ``summary.json`` content the executed notebook's key figures carry.

    :meth:`crisis_kit.report.sections.Report.key_figures` puts
    :meth:`crisis_kit.pipeline.Analysis.summary` into its output's metadata, so the
    summary file holds the very numbers the page shows, computed once in the kernel.

    Raises
    ------
    CrisisKitError
        If no output carries a summary (the notebook lost its key-figures cell).
    """
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            summary = output.get("metadata", {}).get(METADATA_KEY, {}).get("summary")
            if summary is not None:
                return json.loads(json.dumps(summary))  # plain dicts, not NotebookNodes
    raise CrisisKitError(
        "the executed notebook shows no key figures, so there is no summary to write",
        str(NOTEBOOK), "keep the cell `report.key_figures()` in the notebook",
    )


def poa_markdown_of(nb: nbformat.NotebookNode) -> str | None:
    """Return the POA draft's Markdown the executed notebook's POA output carries, if any.

    :meth:`crisis_kit.report.sections.Report.plan_of_action` puts
    :meth:`crisis_kit.poa.PlanOfAction.markdown` into its output's metadata: the draft
    on the page and in the file are the same one, made once in the kernel. None when
    the notebook shows no draft (no onset yet).
    """
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            markdown = output.get("metadata", {}).get(METADATA_KEY, {}).get("poa_markdown")
            if markdown is not None:
                return str(markdown)
    return None


def export_html(
    nb: nbformat.NotebookNode,
    *,
    title: str | None = None,
    html_lang: str | None = None,
    contents_label: str | None = None,
    exporter: HTMLExporter | None = None,
) -> str:
    """Export an executed notebook to one self-contained HTML page.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed post-mortem notebook.
    title : str, optional
        The page title (escaped by the template).
    html_lang : str, optional
        The ``lang`` attribute of the page (``en``, ``zh-CN``).
    contents_label : str, optional
        The heading of the table of contents.
    exporter : HTMLExporter, optional
        :func:`crisis_kit.report.export.exporter`, made beforehand; default a new one.

    Returns
    -------
    str
        The HTML: outputs only (no code, no prompts, no parameters cell), the report
        CSS and plotly.js inlined once, and no address of any network resource. The
        title, language and label default to those the notebook's masthead carries
        (:func:`crisis_kit.report.export.page_of`), which is what
        ``jupyter nbconvert --to crisis-html`` uses.
    """
    from . import export

    resources = {"crisis_kit": export.report_resources(
        nb, title=title, html_lang=html_lang, contents_label=contents_label)}
    html, _ = (exporter or export.exporter()).from_notebook_node(nb, resources=resources)
    return html


def _as_of_text(as_of: str | dt.date | None) -> str:
    if as_of is None or as_of == "":
        return ""
    if isinstance(as_of, dt.date):
        return as_of.isoformat()[:10]
    try:
        return dt.date.fromisoformat(str(as_of)).isoformat()
    except ValueError:
        raise ConfigError(
            f"as_of {as_of!r} is not a date", "parameter as_of", "give it as YYYY-MM-DD"
        ) from None


def render_report(
    incident_path: str | Path,
    out_dir: str | Path,
    lang: str | None = None,
    as_of: str | dt.date | None = None,
    quiet: bool = False,
) -> ReportPaths:
    """Write the post-mortem of one incident: ``.ipynb``, ``.html``, ``.summary.json``, ``.poa.md``.

    ``summary.json`` (design.md section 9) comes from the executed notebook
    (:func:`summary_of`), so it holds the numbers the page shows, computed once; so
    does ``<incident>.poa.md``, the Plan of Action draft as editable Markdown
    (:func:`poa_markdown_of`), written when there is an onset (an earlier run's file
    is removed when there is none, so that no stale draft stays beside the report).

    Parameters
    ----------
    incident_path : str or Path
        The ``incident.yaml``; its evidence store must have been filled (``ingest``).
    out_dir : str or Path
        Folder for the files (created if missing).
    lang : {"en", "zh"}, optional
        Report language; default the incident's ``language``.
    as_of : str (YYYY-MM-DD) or datetime.date, optional
        Last day the report covers; default the last day with an event. The report
        never reads the clock, so the same inputs and ``as_of`` give the same bytes.
    quiet : bool
        Hide the progress bar.

    Returns
    -------
    ReportPaths

    Raises
    ------
    ConfigError
        Invalid incident file or parameters (before any cell runs).
    CrisisKitError
        No evidence store for the incident.
    NotebookError
        A notebook cell failed; ``executed`` names the notebook holding the error.
    """
    incident_path = Path(incident_path).resolve()
    incident = load_incident(incident_path)
    if lang not in (None, "", *LANGUAGES):
        raise ConfigError(
            f"unknown report language {lang!r}", "parameter lang",
            f"use one of: {', '.join(LANGUAGES)}",
        )
    provenance.require_store(incident, incident_path)
    parameters = {
        "incident_path": str(incident_path),
        "lang": lang or "",
        "as_of": _as_of_text(as_of),
    }
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = ReportPaths(
        html=out_dir / f"{incident.incident}.html",
        notebook=out_dir / f"{incident.incident}.ipynb",
        summary=out_dir / f"{incident.incident}.summary.json",
    )
    # The kernel starts first: it boots and imports the notebook's modules on another
    # CPU while this process imports papermill and nbconvert and makes the exporter.
    with start_kernel(preload=NOTEBOOK_IMPORTS) as kernel:
        from . import export

        exporter = export.exporter()
        nb = run_notebook(NOTEBOOK, paths.notebook, parameters, quiet=quiet, kernel=kernel)
        kernel.release()  # it exits while the files are written; leaving the block waits
        # The page's title and language come from the notebook's masthead, as for
        # `jupyter nbconvert --to crisis-html`: one way to the page, byte for byte.
        html = export_html(nb, exporter=exporter)
        return _write_files(nb, html, paths)


def _write_files(nb: nbformat.NotebookNode, html: str, paths: ReportPaths) -> ReportPaths:
    """Write the page, ``summary.json`` and the POA draft (removing a stale one)."""
    paths.html.write_text(html, encoding="utf-8", newline="\n")
    write_summary(summary_of(nb), paths.summary)
    poa_path = paths.html.parent / review.poa_file_name(paths.html.stem)
    markdown = poa_markdown_of(nb)
    if markdown is None:
        poa_path.unlink(missing_ok=True)
        return paths
    poa_path.write_text(markdown, encoding="utf-8", newline="\n")
    return replace(paths, poa=poa_path)
