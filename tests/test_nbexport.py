"""`jupyter nbconvert --to crisis-html`: an executed post-mortem notebook to `crisis-kit report`'s page.

One notebook run (``render_report`` executes the post-mortem notebook with papermill on
the bundled sample); its executed ``.ipynb`` is then exported by the exporter class, by
the nbconvert command line through the ``nbconvert.exporters`` entry point, and after
papermill's run metadata (timings, paths) is put back as a bare papermill or
PapermillOperator run leaves it; every export must equal the report's HTML byte for byte.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib

import nbformat
import pytest

from crisis_kit.errors import CrisisKitError
from crisis_kit.report.export import EXPORTER_NAME, CrisisHTMLExporter
from crisis_kit.report.run import render_report

from .conftest import REPO

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def executed(sample_incident, tmp_path_factory):
    """The sample's Chinese report: (executed notebook path, report HTML bytes)."""
    out = tmp_path_factory.mktemp("nbexport")
    paths = render_report(sample_incident.root / "incident.yaml", out, lang="zh", quiet=True)
    return paths.notebook, paths.html.read_bytes()


def _as_papermill_leaves_it(notebook, target):
    """The notebook with the run metadata a plain papermill run keeps (crisis-kit strips it)."""
    nb = nbformat.read(notebook, as_version=4)
    nb.metadata["papermill"].update({
        "start_time": "2026-01-05T06:15:02.123456", "end_time": "2026-01-05T06:15:19.654321",
        "duration": 17.53, "input_path": "/srv/crisis-kit/notebooks/postmortem.ipynb",
        "output_path": "/srv/runs/postmortem-20260105T061500.ipynb",
    })
    for number, cell in enumerate(nb.cells):
        cell.metadata.setdefault("papermill", {}).update(
            {"start_time": f"2026-01-05T06:15:{number % 60:02d}", "duration": 0.1 * number,
             "status": "completed", "exception": False})
        cell.metadata["execution"] = {"iopub.status.busy": "2026-01-05T06:15:02.2Z"}
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "5f3e9a1c"
    nbformat.write(nb, target)
    return target


def test_exporter_class_writes_the_report_byte_for_byte(executed, tmp_path):
    notebook, report = executed
    html, resources = CrisisHTMLExporter().from_filename(str(notebook))
    assert resources["output_extension"] == ".html"
    assert html.encode("utf-8") == report
    assert '<html lang="zh-CN">' in html and "<title>事件复盘：" in html


def test_run_metadata_of_a_plain_papermill_run_changes_nothing(executed, tmp_path):
    notebook, report = executed
    raw = _as_papermill_leaves_it(notebook, tmp_path / "run.ipynb")
    html, _ = CrisisHTMLExporter().from_filename(str(raw))
    assert html.encode("utf-8") == report


def test_entry_point_is_declared_in_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = project["entry-points"]["nbconvert.exporters"]
    assert declared == {EXPORTER_NAME: "crisis_kit.report.export:CrisisHTMLExporter"}


def test_jupyter_nbconvert_to_crisis_html_writes_the_report(executed, tmp_path):
    """The command line, with the entry point resolved as an installed crisis-kit declares it.

    The shared test interpreter may hold an older install of crisis-kit, so the entry
    point of this checkout's ``pyproject.toml`` is put on ``PYTHONPATH`` as a minimal
    ``dist-info`` (importlib.metadata finds it there first).
    """
    notebook, report = executed
    raw = _as_papermill_leaves_it(notebook, tmp_path / "run.ipynb")
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    dist = tmp_path / "site" / f"crisis_kit-{project['version']}.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: crisis-kit\nVersion: {project['version']}\n")
    (dist / "entry_points.txt").write_text("[nbconvert.exporters]\n" + "".join(
        f"{name} = {target}\n" for name, target in project["entry-points"]["nbconvert.exporters"].items()))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(dist.parent), str(REPO)])}
    done = subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", EXPORTER_NAME, str(raw)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "run.html").read_bytes() == report


def test_a_notebook_that_is_not_a_postmortem_is_refused_with_a_reason(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    with pytest.raises(CrisisKitError, match="not an executed crisis-kit post-mortem"):
        CrisisHTMLExporter().from_notebook_node(nb)
