"""Return reasons: every code Amazon writes and the words customers pick, in one data file.

``crisis_kit/data/return_reasons.csv`` maps each reason to a group; quality and safety
returns are negative signals. The cases below are real codes and wordings (the file's
``source`` column says where each was found); the expected groups are read off Amazon's
own descriptions, not off the data file.
"""

from __future__ import annotations

import csv
from importlib import resources

import pytest

from crisis_kit.ingest import FileSpec, ingest_file
from crisis_kit.store import open_store

HEADER = ("return-date\torder-id\tsku\tasin\tfnsku\tproduct-name\tquantity\t"
          "fulfillment-center-id\tdetailed-disposition\treason\tstatus\tlicense-plate-number\t"
          "customer-comments")

CASES = [
    # (reason as written in the report, expected group, negative?)
    ("AMZ-PG-WJ-TOO-SMALL", "fit", False),         # watches & jewelry, too small
    ("AMZ-PG-APP-TOO-LARGE", "fit", False),        # apparel, too large
    ("AMZ-PG-SH-TOO-SMALL", "fit", False),         # a category not listed: the glob holds
    ("AMZ-PG-BAD-DESC", "quality", True),          # not as described
    ("CR-DEFECTIVE", "quality", True),
    ("DEFECTIVE", "quality", True),
    ("Defective item", "quality", True),           # the customer-facing wording
    ("Performance or quality not adequate", "quality", True),
    ("Item defective or doesn\u2019t work.", "quality", True),  # curly apostrophe, full stop
    ("Missing parts or accessories", "quality", True),
    ("Wrong item was sent", "quality", True),
    ("Item arrived too late", "shipping", False),
    ("No longer needed", "other", False),
    ("UNWANTED_ITEM", "other", False),
    ("SOMETHING_AMAZON_ADDS_LATER", "other", False),  # unknown: kept, group other, not negative
]


def _returns_file(tmp_path):
    lines = [HEADER]
    for i, (reason, _, _) in enumerate(CASES):
        lines.append("\t".join([
            f"2025-06-{i + 1:02d}T15:00:00+00:00", f"114-0000000-{i:07d}", "SKU-1", "B00TZ73MUY",
            "X00000001", "A product", "1", "LEX1", "SELLABLE", reason,
            "Unit returned to inventory", f"LPN{i:010d}", ""]))
    path = tmp_path / "fba_returns.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_every_real_reason_lands_in_its_group(tmp_path):
    with open_store(tmp_path / "s.duckdb") as store:
        report = ingest_file(store, FileSpec(_returns_file(tmp_path)))
        rows = store.con.execute(
            "SELECT source_row, reason, reason_group, is_negative FROM events ORDER BY source_row"
        ).fetchall()
    assert (report.read, report.accepted, report.rejected, report.duplicates) == (
        len(CASES), len(CASES), 0, 0)
    got = [(group, negative) for _, _, group, negative in rows]
    assert got == [(group, negative) for _, group, negative in CASES]
    # the reason is stored as written (upper case), never rewritten to the table's code
    assert rows[6][1] == "DEFECTIVE ITEM"


def test_the_data_file_cites_a_source_for_every_row_and_uses_known_groups():
    path = resources.files("crisis_kit") / "data" / "return_reasons.csv"
    with resources.as_file(path) as csv_path, open(csv_path, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["group"] for r in rows} <= {"quality", "safety", "fit", "shipping", "other"}
    assert all(r["source"].strip() for r in rows)
    codes = [r["code"].upper() for r in rows]
    assert len(codes) == len(set(codes)), "a code listed twice"


@pytest.mark.parametrize("reason", ["AMZ-PG-WJ-TOO-SMALL", "AMZ-PG-APP-TOO-SMALL"])
def test_amz_pg_size_codes_are_not_other(tmp_path, reason):
    path = tmp_path / "r.txt"
    path.write_text(HEADER + "\n" + "\t".join([
        "2025-06-01T15:00:00+00:00", "114-0000000-0000001", "S", "B00TZ73MUY", "X", "P", "1",
        "LEX1", "SELLABLE", reason, "ok", "LPN1", ""]) + "\n", encoding="utf-8")
    with open_store(tmp_path / "s.duckdb") as store:
        ingest_file(store, FileSpec(path))
        group = store.con.execute("SELECT reason_group FROM events").fetchone()[0]
    assert group == "fit"
