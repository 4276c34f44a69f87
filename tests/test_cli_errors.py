"""The CLI never shows a bare traceback: an unforeseen library error becomes one paragraph.

Each verb is forced into a library ``ValueError`` (the function it calls is replaced by one
that raises), and must answer with exit 1, one paragraph on stderr naming the ``--debug``
command to rerun and the file that holds the full traceback.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest

from crisis_kit.cli import main

from .conftest import SAMPLES, heavy_imports_of


def boom(*args, **kwargs):
    raise ValueError("forced library failure")


SAMPLE = str(SAMPLES / "incident.yaml")
VERBS = [
    # (argv, the module attribute the verb calls)
    (["inspect", str(SAMPLES / "exports" / "reviews.csv")], "crisis_kit.ingest.inspect_file"),
    (["ingest", SAMPLE], "crisis_kit.ingest.ingest_incident"),
    (["report", SAMPLE, "--quiet"], "crisis_kit.report.run.render_report"),
    (["demo", "--quiet"], "crisis_kit.report.run.render_report"),
    (["monitor", SAMPLE], "crisis_kit.monitor.check"),
    (["lint-statement", str(SAMPLES / "statement.md")], "crisis_kit.statements.lint_file"),
    (["new", "x-incident", "--scenario", "product-defect"], "crisis_kit.playbooks.scaffold.create_incident"),
    (["playbooks"], "crisis_kit.playbooks.playbook.list_playbooks"),
    (["compare"], "crisis_kit.report.workspace.find_incidents"),
]


@pytest.mark.parametrize(("argv", "target"), VERBS, ids=[v[0][0] for v in VERBS])
def test_an_unforeseen_error_is_one_paragraph(argv, target, monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(target, boom)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    if argv[0] in ("ingest", "demo"):  # never write into the repository's sample folder
        monkeypatch.setattr("crisis_kit.cli._ingest", lambda *a, **k: boom())
    assert main(argv) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert "ValueError: forced library failure" in err
    assert f"crisis-kit --debug {' '.join(argv)}" in err
    saved = Path(re.search(r"saved in (\S+);", err).group(1))
    assert saved.parent == tmp_path
    text = saved.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "forced library failure" in text


def test_debug_shows_the_traceback(monkeypatch):
    monkeypatch.setattr("crisis_kit.statements.lint_file", boom)
    with pytest.raises(ValueError, match="forced library failure"):
        main(["--debug", "lint-statement", str(SAMPLES / "statement.md")])


# -- errors that name where to look -------------------------------------------------------


def test_a_statement_error_names_its_file(tmp_path):
    from crisis_kit.errors import CrisisKitError
    from crisis_kit.statements import lint_file

    statement = tmp_path / "statement.md"
    statement.write_text("Published: yesterday\n\nWe will refund every order within 72 hours.\n")
    with pytest.raises(CrisisKitError) as caught:
        lint_file(statement, published_at="not a time")
    assert caught.value.where == str(statement) and str(statement) in str(caught.value)
    empty = tmp_path / "empty.md"
    empty.write_text("\n")
    with pytest.raises(CrisisKitError, match="no text to check") as caught:
        lint_file(empty)
    assert caught.value.where == str(empty)


def test_an_ingest_error_names_the_entry_of_incident_yaml(tmp_path):
    from crisis_kit.config import load_incident
    from crisis_kit.errors import CrisisKitError
    from crisis_kit.ingest import ingest_incident

    (tmp_path / "reviews.csv").write_text("Date,Body\n2022-05-01,fine\n")
    (tmp_path / "other.csv").write_text("a,b\n1,2\n")
    (tmp_path / "incident.yaml").write_text(
        "incident: x\ncomplaints:\n  - path: reviews.csv\n    mapping: {occurred_at: Date, text: Body}\n"
        "    source: review\n  - path: nowhere.csv\n")
    with pytest.raises(CrisisKitError) as caught:
        ingest_incident(load_incident(tmp_path / "incident.yaml"), tmp_path / "s.duckdb")
    assert "complaints[1] (nowhere.csv)" in caught.value.where
    (tmp_path / "incident.yaml").write_text(
        "incident: x\ncomplaints:\n  - path: reviews.csv\n    mapping: {occurred_at: Date, text: Body}\n"
        "    source: review\n  - path: other.csv\n    format: amazon-fba-returns\n")
    with pytest.raises(CrisisKitError) as caught:
        ingest_incident(load_incident(tmp_path / "incident.yaml"), tmp_path / "s.duckdb")
    assert "complaints[1] (other.csv)" in caught.value.where, caught.value.message


@pytest.mark.parametrize("verb", ["inspect", "ingest"])
def test_ingest_and_inspect_import_no_pandas_or_scipy(tmp_path, verb):
    """The light verbs stay light (issue 11): the ingest tags topics in SQL (analysis.tagging)."""
    import shutil

    if verb == "inspect":
        args = ["inspect", str(SAMPLES / "exports" / "reviews.csv")]
    else:
        root = tmp_path / "s"
        shutil.copytree(SAMPLES, root, ignore=shutil.ignore_patterns("store.duckdb*"))
        args = ["ingest", str(root / "incident.yaml"), "--quiet"]
    done = heavy_imports_of(args)
    assert "HEAVY []" in done.stdout, done.stdout[-500:] + done.stderr[-2000:]
