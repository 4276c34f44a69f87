"""`crisis-kit lint-statement`: what it prints, its JSON and exit codes, its errors."""

from __future__ import annotations

import json

import pytest

from crisis_kit.cli import main

from .conftest import SAMPLES
from .test_statements import EN_CLEAN


@pytest.mark.parametrize(("name", "expected"), [
    ("statement.md", ["8:64", "maybe", "13:78", "probably", "22:72", "as soon as possible",
                      "within 72 hours = 72 h", "within 7 days = 168 h", "FAIL vague"]),
    ("statement.zh.md", ["8:10", "可能", "12:24", "大概", "19:6", "尽快", "72小时内 = 72 h",
                         "7天内 = 168 h", "FAIL vague"]),
])
def test_cli_prints_every_planted_finding_and_fails(name, expected, capsys):
    assert main(["lint-statement", str(SAMPLES / name)]) == 1
    out = capsys.readouterr().out
    for piece in expected:
        assert piece in out
    for part in ("situation", "truth", "action", "result"):
        assert f"{part:<10} found" in out


def test_cli_passes_a_clean_statement_and_prints_json(tmp_path, capsys):
    path = tmp_path / "clean.md"
    path.write_text(EN_CLEAN, encoding="utf-8")
    assert main(["lint-statement", str(path)]) == 0
    assert "PASS" in capsys.readouterr().out
    assert main(["lint-statement", str(SAMPLES / "statement.zh.md"), "--lang", "zh", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["passed"] is False
    assert [v["term"] for v in report["vague_terms"]] == ["可能", "大概", "尽快"]
    assert [(v["line"], v["column"]) for v in report["vague_terms"]] == [(8, 10), (12, 24), (19, 6)]
    assert [c["deadline_hours"] for c in report["commitments"]] == [72.0, 168.0, 344.25]
    assert report["failed_rules"][0]["rule"] == "vague"


def test_cli_errors_are_one_paragraph(tmp_path, capsys):
    assert main(["lint-statement", str(tmp_path / "missing.md")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("crisis-kit: statement file") and "Fix:" in err
    assert err.count("\n") == 1
    with pytest.raises(SystemExit) as usage:
        main(["lint-statement", str(tmp_path / "x.md"), "--lang", "fr"])
    assert usage.value.code == 2
