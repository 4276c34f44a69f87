"""Spreadsheets as sellers save them (issue 10 item 8).

Workbooks are written here with openpyxl, the way Excel lays them out: a notes sheet
first, a title and a blank row above the header. Files whose name lies about what they
are (a CSV named .xlsx, an HTML table named .xls, a broken zip, a legacy .xls) are read
for what they are or refused with what they are and how to save them, never a traceback.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from openpyxl import Workbook

from crisis_kit.errors import InputError
from crisis_kit.ingest import FileSpec, ingest_file, inspect_file
from crisis_kit.store import open_store

HEADER = ["Date", "Author", "Title", "Body", "Rating", "URL"]
ROWS = [
    ["May 2, 2022", "Ana", "Leaks", "The valve leaks everywhere", 1,
     "https://www.amazon.com/dp/B0EXAMPLE1"],
    ["May 3, 2022", "Bo", "Great", "Works fine", 5, "https://www.amazon.com/dp/B0EXAMPLE1"],
    ["May 4, 2022", "Cy", "Broke", "Cracked after a week", 2,
     "https://www.amazon.com/dp/B0EXAMPLE1"],
]


def _workbook(path, notes_first=True, title_rows=2):
    book = Workbook()
    if notes_first:
        notes = book.active
        notes.title = "Read me"
        notes.append(["Exported from our review tool for the Q2 meeting"])
        notes.append(["Owner: CS team"])
        data = book.create_sheet("Reviews")
    else:
        data = book.active
        data.title = "Reviews"
    if title_rows:
        data.append(["Reviews of B0EXAMPLE1, May 2022"])
        for _ in range(title_rows - 1):
            data.append([])
    data.append(HEADER)
    for row in ROWS:
        data.append(row)
    book.save(path)
    return path


def test_a_notes_sheet_and_a_title_row_above_the_header(tmp_path):
    path = _workbook(tmp_path / "reviews.xlsx")
    report = inspect_file(path)
    assert report.format == "helium10-reviews"
    assert (report.sheet, report.header_row) == ("Reviews", 3)
    assert (report.read, report.accepted, report.rejected) == (3, 3, 0)
    assert report.as_json()["sheet"] == "Reviews" and report.as_json()["header_row"] == 3


def test_the_cli_says_which_sheet_and_row(tmp_path):
    path = _workbook(tmp_path / "reviews.xlsx")
    out = subprocess.run([sys.executable, "-m", "crisis_kit", "inspect", str(path)],
                         capture_output=True, text=True, check=True).stdout
    assert "sheet:     Reviews (header on row 3)" in out


def test_sheet_names_the_sheet_and_a_wrong_name_lists_the_sheets(tmp_path):
    path = _workbook(tmp_path / "reviews.xlsx")
    assert inspect_file(path, sheet="Reviews").header_row == 3
    with pytest.raises(InputError) as caught:
        inspect_file(path, sheet="Sheet1")
    assert "Read me, Reviews" in caught.value.what and "sheet:" in caught.value.fix


def test_no_known_header_in_any_sheet_says_what_each_sheet_starts_with(tmp_path):
    book = Workbook()
    book.active.append(["Just", "some", "numbers"])
    book.save(tmp_path / "other.xlsx")
    with pytest.raises(InputError) as caught:
        inspect_file(tmp_path / "other.xlsx")
    assert "first 20 rows" in caught.value.what and "Just, some, numbers" in caught.value.what
    assert "mapping" in caught.value.fix


def test_ingest_reads_the_sheet_from_incident_yaml(tmp_path):
    path = _workbook(tmp_path / "reviews.xlsx", notes_first=False, title_rows=0)
    with open_store(tmp_path / "s.duckdb") as store:
        report = ingest_file(store, FileSpec(path, sheet="Reviews"))
        n = store.con.execute("SELECT count(*) FROM events WHERE is_negative").fetchone()[0]
    assert (report.sheet, report.header_row, report.accepted) == ("Reviews", 1, 3)
    assert n == 2


def test_a_csv_named_xlsx_is_read_as_the_csv_it_is(tmp_path):
    path = tmp_path / "reviews.xlsx"
    path.write_text(",".join(HEADER) + "\n" + "\n".join(
        ",".join(f'"{c}"' for c in map(str, r)) for r in ROWS) + "\n", encoding="utf-8")
    report = inspect_file(path)
    assert (report.format, report.encoding, report.accepted) == ("helium10-reviews", "utf-8", 3)


def test_an_html_table_named_xls_is_read_as_a_table(tmp_path):
    cells = "".join(f"<th>{h}</th>" for h in HEADER)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in ROWS)
    path = tmp_path / "reviews.xls"
    path.write_text(f"<html><body><p>Report</p><table><tr>{cells}</tr>{body}</table>"
                    "</body></html>", encoding="utf-8")
    report = inspect_file(path)
    assert report.format == "helium10-reviews" and report.encoding.startswith("html")
    assert (report.sheet, report.header_row, report.accepted) == ("table 1", 1, 3)


@pytest.mark.parametrize("content, what", [
    (b"PK\x03\x04" + b"\x00" * 40, "not a readable Excel workbook"),         # broken zip
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "legacy Excel 97-2003"),
])
def test_a_broken_or_legacy_workbook_is_refused_in_json_too(tmp_path, content, what):
    path = tmp_path / "report.xlsx"
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        inspect_file(path)
    assert what in caught.value.what and caught.value.where == str(path)
    assert ".xlsx" in caught.value.fix and "CSV" in caught.value.fix
    done = subprocess.run([sys.executable, "-m", "crisis_kit", "inspect", str(path)],
                          capture_output=True, text=True)
    assert done.returncode != 0 and "Traceback" not in done.stderr + done.stdout
    assert what in done.stderr + done.stdout


def test_nothing_in_the_fixture_folder_ends_in_a_traceback():
    from .conftest import FIXTURES

    for path in sorted((FIXTURES / "exports").iterdir()):
        done = subprocess.run([sys.executable, "-m", "crisis_kit", "inspect", "--json",
                               str(path)], capture_output=True, text=True)
        assert "Traceback" not in done.stderr + done.stdout, path.name
        if done.returncode == 0:
            json.loads(done.stdout)
