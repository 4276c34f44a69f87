"""Many Business Reports of one glob, read together, end exactly as read one by one.

``crisis_kit.ingest.batch`` stages the small sales files of one ``incident.yaml`` entry in
one ``read_csv`` and commits the *plain* ones (nothing refused, no key seen elsewhere)
together; every other file goes through ``ingest_file`` at its turn. Each test here runs
the same incident both ways (batching switched off by raising ``MIN_FILES``) and asserts
the same store, table by table, and the same reports, file by file.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from crisis_kit.config import load_incident
from crisis_kit.errors import InputError
from crisis_kit.ingest import FileSpec, batch, incident_files, ingest_file, ingest_incident
from crisis_kit.store import open_store

HEADER = ("(Parent) ASIN,(Child) ASIN,Title,SKU,Sessions - Total,Page Views - Total,"
          "Featured Offer (Buy Box) Percentage,Units Ordered,Unit Session Percentage,"
          "Ordered Product Sales,Total Order Items\n")


def row(child: str, units: int | str, sales: str = "$100.00", sessions: str = "120",
        parent: str = "B0PARENT01") -> str:
    return (f'{parent},{child},"Bottle, 9 oz",SKU-{child[-2:]},{sessions},150,99.50%,{units},'
            f'5.00%,"{sales}",{units}\n')


PLAIN = {  # day -> rows: nothing refused, every key its own
    "2025-07-01": [row("B0CHILD001", 10), row("B0CHILD002", 3)],
    "2025-07-02": [row("B0CHILD001", 12), row("B0CHILD002", 4)],
    "2025-07-03": [row("B0CHILD001", 9)],
    "2025-07-05": [row("B0CHILD001", 1, sales="$1,234.50")],
    "2025-07-08": [row("B0CHILD001", 7), row("B0CHILD003", 2)],
}


def write_incident(root, files: dict[str, str | bytes]):
    (root / "exports").mkdir(parents=True)
    for name, text in files.items():
        target = root / "exports" / name
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text, encoding="utf-8")
    (root / "incident.yaml").write_text(
        "incident: batch-test\nmarketplace: US\nasins: [B0CHILD001]\ncomplaints: []\n"
        "sales:\n  - path: exports/BusinessReport-*.csv\n")
    return load_incident(root / "incident.yaml")


def tables(store_path) -> dict[str, list]:
    con = duckdb.connect(str(store_path), read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        # the path column holds the folder, which differs between the two runs
        return {n: con.execute(f"SELECT * EXCLUDE (path) FROM {n} ORDER BY ALL").fetchall()
                if n == "files" else con.execute(f"SELECT * FROM {n} ORDER BY ALL").fetchall()
                for n in names}
    finally:
        con.close()


def both_ways(tmp_path, monkeypatch, files: dict[str, str | bytes], again: bool = False):
    """Ingest the same folder batched and one by one: (stores, reports, files read one by one)."""
    results = []
    one_by_one: list[str] = []
    real = batch.ingest_file

    def counted(store, spec):
        one_by_one.append(spec.path.name)
        return real(store, spec)

    monkeypatch.setattr(batch, "ingest_file", counted)
    for kind, min_files in (("batched", batch.MIN_FILES), ("alone", 10**9)):
        monkeypatch.setattr(batch, "MIN_FILES", min_files)
        incident = write_incident(tmp_path / kind, files)
        reports = ingest_incident(incident)
        if again:
            reports += ingest_incident(incident)
        results.append((tables(incident.store_path),
                        [r.to_dict() | {"path": r.path.split("/exports/")[1]} for r in reports]))
        if kind == "batched":
            batched_alone = list(one_by_one)
    (batched, batched_reports), (alone, alone_reports) = results
    assert batched_reports == alone_reports
    assert batched == alone
    for report in batched_reports:
        assert report["read"] == report["accepted"] + report["rejected"] + report["duplicates"]
    return batched, batched_reports, batched_alone


def named(day: str) -> str:
    return f"BusinessReport-{day}.csv"


def test_plain_reports_are_read_together_with_their_counts_per_file(tmp_path, monkeypatch):
    stored, reports, alone = both_ways(
        tmp_path, monkeypatch, {named(d): HEADER + "".join(r) for d, r in PLAIN.items()})
    assert alone == []  # every file was plain: none went one by one
    assert [(r["read"], r["accepted"], r["records_added"]) for r in reports] == [
        (2, 2, 2), (2, 2, 2), (1, 1, 1), (1, 1, 1), (2, 2, 2)]
    assert [r["day"] for r in reports] == list(PLAIN)
    # units by hand: 10 + 12 + 9 + 1 + 7 for the hero; 1,234.50 read as money
    sales = stored["sales"]
    assert sum(s[5] for s in sales if s[2] == "B0CHILD001") == 39
    assert max(s[6] for s in sales) == 1234.5
    # each file its own ingest, in glob order, rows numbered within their file
    assert [f[0] for f in stored["files"]] == [1, 2, 3, 4, 5]
    assert sorted((s[14], s[15], s[17]) for s in sales)[:3] == [
        (named("2025-07-01"), 1, 1), (named("2025-07-01"), 2, 1), (named("2025-07-02"), 1, 2)]


def test_files_that_are_not_plain_go_one_by_one_at_their_turn(tmp_path, monkeypatch):
    files = {named(d): HEADER + "".join(r) for d, r in PLAIN.items()}
    files |= {
        # the same rows as the 2nd of July: duplicates
        named("2025-07-02b"): HEADER + "".join(PLAIN["2025-07-02"]),
        # the same key as the 1st of July with other figures: refused, naming the stored row
        named("2025-07-01b"): HEADER + row("B0CHILD001", 11),
        # a value the normaliser refuses, beside a good row
        named("2025-07-04"): HEADER + row("B0CHILD001", "lots") + row("B0CHILD002", 2),
        # a line the CSV parser refuses (a cell short)
        named("2025-07-06"): HEADER + row("B0CHILD001", 5) + "B0PARENT01,B0CHILD002,x\n",
        # a repeated header (two downloads joined)
        named("2025-07-07"): HEADER + row("B0CHILD001", 6) + HEADER + row("B0CHILD002", 1),
        # a header alone
        named("2025-07-09"): HEADER,
        # Windows-1252 (decoded first) with pounds: read one by one, with the currency warning
        named("2025-07-20"): (HEADER + row("B0CHILD001", 4, sales="£80.00")).encode("cp1252"),
        # a German money column in a US file: its decimal mark read from its own values
        named("2025-07-11"): HEADER + row("B0CHILD001", 2, sales="17.510,95 €")
        + row("B0CHILD002", 1, sales="1.234,00 €"),
        # the same child under another parent: its own key
        named("2025-07-12"): HEADER + row("B0CHILD001", 3) + row("B0CHILD001", 1,
                                                                 parent="B0PARENT02"),
    }
    stored, reports, alone = both_ways(tmp_path, monkeypatch, files)
    assert sorted(alone) == sorted([
        named("2025-07-01b"), named("2025-07-01"), named("2025-07-02b"),
        named("2025-07-02"), named("2025-07-04"), named("2025-07-06"), named("2025-07-07"),
        named("2025-07-09"), named("2025-07-20")])
    by_name = {r["path"]: r for r in reports}
    counts = {n: (r["read"], r["accepted"], r["rejected"], r["duplicates"])
              for n, r in by_name.items()}
    assert counts[named("2025-07-02b")] == (2, 0, 0, 2)
    assert counts[named("2025-07-01b")] == (1, 0, 1, 0)
    assert "row 1 of BusinessReport-2025-07-01.csv (stored)" in by_name[
        named("2025-07-01b")]["rejections"][0]["reason"]
    assert counts[named("2025-07-04")] == (2, 1, 1, 0)
    assert counts[named("2025-07-06")] == (2, 1, 1, 0)
    assert counts[named("2025-07-07")] == (3, 2, 1, 0)
    assert counts[named("2025-07-09")] == (0, 0, 0, 0)
    assert counts[named("2025-07-11")] == (2, 2, 0, 0)
    assert counts[named("2025-07-12")] == (2, 2, 0, 0)
    assert by_name[named("2025-07-20")]["warnings"] and by_name[named("2025-07-11")]["warnings"]
    assert "in EUR" in by_name[named("2025-07-11")]["warnings"][0]
    euros = sorted(s[6] for s in stored["sales"] if s[7] == "EUR")
    assert euros == [1234.0, 17510.95]
    assert len(stored["rejections"]) == 4


def test_the_same_folder_again_adds_nothing(tmp_path, monkeypatch):
    files = {named(d): HEADER + "".join(r) for d, r in PLAIN.items()}
    stored, reports, alone = both_ways(tmp_path, monkeypatch, files, again=True)
    assert len(stored["files"]) == 10 and len(stored["sales"]) == 8
    assert [r["duplicates"] for r in reports[5:]] == [2, 2, 1, 1, 2]
    assert alone == [named(d) for d in PLAIN]  # already ingested: said one by one


def test_an_unreadable_file_stops_at_its_turn_after_the_files_before_it(tmp_path, monkeypatch):
    files = {named(d): HEADER + "".join(r) for d, r in PLAIN.items()}
    files["BusinessReport-2025-07-04-no-date-x.csv"] = HEADER + row("B0CHILD001", 1)
    files["BusinessReport-july.csv"] = HEADER + row("B0CHILD001", 1)  # no day in its name
    errors, stores = [], []
    for kind, min_files in (("batched", batch.MIN_FILES), ("alone", 10**9)):
        monkeypatch.setattr(batch, "MIN_FILES", min_files)
        incident = write_incident(tmp_path / kind, files)
        with pytest.raises(InputError) as caught:
            ingest_incident(incident)
        errors.append(str(caught.value).replace(str(tmp_path / kind), "ROOT"))
        stores.append(tables(incident.store_path))
        assert "sales[0]" in caught.value.where and "BusinessReport-july.csv" in caught.value.where
    assert errors[0] == errors[1]
    assert stores[0] == stores[1]
    assert len(stores[0]["files"]) == 6  # the files before it, in glob order, are in


def test_a_batch_duckdb_cannot_read_together_falls_back_to_one_by_one(tmp_path, monkeypatch):
    files = {named(d): HEADER + "".join(r) for d, r in PLAIN.items()}

    def broken(store, run):
        raise duckdb.InvalidInputException("no")

    monkeypatch.setattr(batch, "_normalise", broken)
    incident = write_incident(tmp_path / "s", files)
    reports = ingest_incident(incident)
    assert [r.accepted for r in reports] == [2, 2, 1, 1, 2]


def test_only_small_utf8_files_are_planned(tmp_path):
    files = {named(d): HEADER + "".join(r) for d, r in PLAIN.items()}
    files[named("2025-07-09")] = (HEADER + row("B0CHILD001", 4, sales="£80.00")).encode("cp1252")
    specs = incident_files(write_incident(tmp_path / "s", files))
    plans = [batch._plan(s) for s in specs]
    assert [p is None for p in plans] == [False] * 5 + [True]  # decoded first, one by one
    assert len({p.shape for p in plans[:5]}) == 1
    specs[0].path.write_text(HEADER + row("B0CHILD001", 1) * (batch.FILE_BYTES // 50))
    assert batch._plan(specs[0]) is None


def test_a_refused_line_is_not_counted_again_in_the_next_file(tmp_path):
    """DuckDB adds each scan's refused lines to the rejects table already there."""
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text(HEADER + row("B0CHILD001", 5) + "B0PARENT01,B0CHILD002,x\n")
    second.write_text(HEADER + row("B0CHILD003", 6) + row("B0CHILD004", 1))
    with open_store(tmp_path / "s.duckdb") as store:
        one = ingest_file(store, FileSpec(first, date=dt.date(2025, 7, 1)))
        two = ingest_file(store, FileSpec(second, date=dt.date(2025, 7, 2)))
        rows = store.con.execute("SELECT source_row FROM sales WHERE source_file = 'b.csv' "
                                 "ORDER BY 1").fetchall()
    assert (one.read, one.accepted, one.rejected) == (2, 1, 1)
    assert (two.read, two.accepted, two.rejected, two.rejections) == (2, 2, 0, [])
    assert rows == [(1,), (2,)]
