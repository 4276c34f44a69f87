"""A large review export is parsed and normalised in one pass by every core, in file order.

From ``stage.PARALLEL_BYTES`` on, a file whose normalising SELECT gives one candidate per
row (events with one ASIN a row, no return reason to look up, no claim columns) is read
straight into the candidates and numbered by its place; no staged copy of its text is
made. Rows, numbers, rejections (with their raw cells, the author withheld), duplicates
and counts must be those of the one-statement reading of a small file.
"""

from __future__ import annotations

import csv
import io

import pytest

from crisis_kit.ingest import FileSpec, ingest_file, stage, values
from crisis_kit.ingest import load as load_module
from crisis_kit.store import open_store

from .conftest import FIXTURES

NUMBER_ROWS = load_module.number_rows
HEADER = ["Date", "Author", "Verified", "Helpful", "Title", "Body", "Rating", "Images",
          "Videos", "URL", "Variation", "Style"]


def review(i: int, rating: str = "5", asin: str = "B0EXAMPLE1") -> list[str]:
    return [f"May {i % 28 + 1}, 2024", f"Buyer {i}", "Verified Purchase", str(i % 3),
            f"Title {i}", f"Body of review {i}, the valve leaks" if i % 5 == 0 else f"Fine {i}",
            rating, "", "", f"https://www.amazon.com/product-reviews/{asin}/ref=cm_cr_{i}",
            "Color: Blue", ""]


def export(path, clean: bool = False) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    if clean:
        writer.writerows(review(i, rating=str(i % 5 + 1)) for i in range(1, 400))
        path.write_text(buffer.getvalue(), encoding="utf-8")
        return
    for i in range(1, 400):
        writer.writerow(review(i, rating="7" if i == 50 else "5" if i % 4 else "1"))
        if i == 100:
            writer.writerow(review(99))  # the row before again: a duplicate
        if i == 200:
            writer.writerow(HEADER)  # two downloads joined
    text = buffer.getvalue()
    # a line cut short, in the middle
    lines = text.split("\r\n")
    cut = next(n for n, line in enumerate(lines) if ",Buyer 301," in line)
    lines[cut] = ",".join(lines[cut].split(",")[:4])
    text = "\r\n".join(lines)
    path.write_text(text, encoding="utf-8")


def read(tmp_path, path, large: bool, monkeypatch):
    numbered = []

    def spy(con, staged, rows, view, *rest):
        numbered.append(view)
        NUMBER_ROWS(con, staged, rows, view, *rest)

    monkeypatch.setattr(load_module, "number_rows", spy)
    monkeypatch.setattr(stage, "PARALLEL_BYTES", 0 if large else 10**12)
    folder = tmp_path / ("large" if large else "small")
    folder.mkdir()
    with open_store(folder / "s.duckdb") as store:
        report = ingest_file(store, FileSpec(path))
        tables = {t: store.con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
                  for t in ("events", "rejections")}
    return report, tables, numbered


@pytest.mark.parametrize("name", [None, "truncated-last-line-fail.csv", "rating-7-fail.csv",
                                  "mixed-encoding-fail.csv"])
def test_a_large_review_export_read_in_one_pass_is_read_as_a_small_one(
        tmp_path, monkeypatch, name):
    path = FIXTURES / "exports" / name if name else tmp_path / "reviews.csv"
    if name is None:
        export(path)
    small, small_tables, numbered_small = read(tmp_path, path, False, monkeypatch)
    large, large_tables, numbered_large = read(tmp_path, path, True, monkeypatch)
    assert numbered_small == [] and numbered_large == ["cand"]  # the one-pass reading ran
    assert large.to_dict() == small.to_dict()
    assert large_tables == small_tables
    assert large.read == large.accepted + large.rejected + large.duplicates
    if name is None:
        # 399 reviews, the duplicate and the repeated header
        assert (large.read, large.accepted, large.rejected, large.duplicates) == (401, 397, 3, 1)
        reasons = {r["row"]: r["reason"] for r in large.rejections}
        # rating 7; the repeated header after review 200 (the duplicate is row 101); the
        # line cut short (review 301)
        assert set(reasons) == {50, 202, 303}
        assert "fewer cells than the header" in reasons[303]
        assert not any("Buyer" in raw for *_, raw in large_tables["rejections"])


def test_a_large_returns_report_keeps_the_staged_table(tmp_path, monkeypatch):
    """A reason to look up joins the rows: not one pass, the staged table is made."""
    path = FIXTURES / "exports" / "fba-returns-pass.txt"
    small, small_tables, _ = read(tmp_path, path, False, monkeypatch)
    large, large_tables, numbered = read(tmp_path, path, True, monkeypatch)
    assert numbered == []
    assert large.to_dict() == small.to_dict() and large_tables == small_tables


def test_a_plan_that_may_reorder_rows_falls_back_to_the_staged_table(tmp_path, monkeypatch):
    """Were the returns report taken for one pass, DuckDB's plan (a join: the reason's
    group) could insert its rows in any order: the plan is read first, and the staged
    table numbers the rows instead."""
    path = FIXTURES / "exports" / "fba-returns-pass.txt"
    small, small_tables, _ = read(tmp_path, path, False, monkeypatch)
    monkeypatch.setattr(load_module, "in_order", lambda fmt, index: True)
    large, large_tables, numbered = read(tmp_path, path, True, monkeypatch)
    assert numbered == []
    assert large.to_dict() == small.to_dict() and large_tables == small_tables


def test_keeps_order_reads_the_plan():
    import duckdb

    con = duckdb.connect()
    fixture = FIXTURES / "exports" / "rating-7-fail.csv"
    con.execute(f"CREATE TEMP VIEW stage AS SELECT * FROM read_csv('{fixture}', header = true)")
    assert stage.keeps_order(con, "SELECT upper(\"Title\") AS t FROM stage")
    verified = values.boolean('"Verified"')
    assert stage.keeps_order(con, f"SELECT {verified} FROM stage")
    # an IN of many constants is planned as a join; so is a window
    assert not stage.keeps_order(con, "SELECT \"Title\" IN ('a','b','c','d','e','f','g','h') "
                                      "FROM stage")
    assert not stage.keeps_order(con, "SELECT row_number() OVER () FROM stage")


def test_the_digest_taken_while_reading_is_the_files_and_a_repeat_is_still_seen(
        tmp_path, monkeypatch):
    """A large file never ingested under its name and size is hashed while DuckDB reads it."""
    import hashlib

    path = tmp_path / "reviews.csv"
    export(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    monkeypatch.setattr(stage, "PARALLEL_BYTES", 0)
    with open_store(tmp_path / "s.duckdb") as store:
        first = ingest_file(store, FileSpec(path))
        again = ingest_file(store, FileSpec(path))
        files = store.con.execute("SELECT sha256, accepted, duplicates FROM files "
                                  "ORDER BY ingest_seq").fetchall()
        stored = store.con.execute("SELECT DISTINCT source_sha256 FROM events").fetchall()
        refused = store.con.execute("SELECT DISTINCT source_sha256 FROM rejections").fetchall()
    assert files == [(digest, 397, 1), (digest, 0, 398)]
    assert stored == [(digest,)] and refused == [(digest,)]
    assert (again.read, again.duplicates, again.rejected) == (first.read, 398, 3)


def test_a_clean_large_export_is_numbered_by_a_view_and_the_next_file_reads(
        tmp_path, monkeypatch):
    """Nothing refused: the candidates stay a numbered view over the one-pass table (an
    UPDATE's changes would stay in memory DuckDB cannot spill), dropped after the file."""
    path = tmp_path / "reviews.csv"
    export(path, clean=True)
    small, small_tables, _ = read(tmp_path, path, False, monkeypatch)
    large, large_tables, numbered = read(tmp_path, path, True, monkeypatch)
    assert numbered == ["cand"]
    assert large.to_dict() == small.to_dict() and large_tables == small_tables
    assert (large.read, large.accepted) == (399, 399)
    with open_store(tmp_path / "again.duckdb") as store:
        first = ingest_file(store, FileSpec(path))
        views = store.con.execute("SELECT count(*) FROM duckdb_views() WHERE temporary "
                                  "AND view_name = 'cand'").fetchone()[0]
        monkeypatch.setattr(stage, "PARALLEL_BYTES", 10**12)
        second = ingest_file(store, FileSpec(FIXTURES / "exports" / "rating-7-fail.csv"))
    assert views == 0  # the next file makes its own table
    assert first.accepted == 399 and second.read == second.accepted + second.rejected
    assert second.rejected == 1


@pytest.mark.parametrize("name", ["reviews.csv", "fba_returns.txt", "seller_feedback.txt"])
def test_a_small_events_file_gets_the_topics_a_large_one_gets(tmp_path, monkeypatch, name):
    """Below ``FEW_ROWS`` the insert is planned without DuckDB's expression rewriter (its
    pass over the taxonomy's patterns is most of a small file's planning) and with the
    topic rule of fewer patterns (``assign_sql(ascii_rule=False)``): same topics."""
    from .conftest import SAMPLES

    path = SAMPLES / "exports" / name
    spec = {"format": "amazon-fba-returns"} if name.startswith("fba") else {}
    topics = []
    for few in (10**9, 0):
        monkeypatch.setattr(load_module, "FEW_ROWS", few)
        with open_store(tmp_path / f"s{few}.duckdb") as store:
            ingest_file(store, FileSpec(path, **spec))
            topics.append(store.con.execute(
                "SELECT event_id, topic FROM events ORDER BY event_id").fetchall())
    assert topics[0] == topics[1]
    assert len({t for _, t in topics[0]}) >= 3  # several topics, not all "other"


@pytest.mark.parametrize("header, mapping", [
    (HEADER, None),
    # a mapped export naming only a few columns: most candidate columns are empty
    (["When", "Stars", "Words", "Product", "Shop"],
     {"occurred_at": "When", "rating": "Stars", "text": "Words", "asin": "Product",
      "marketplace": "Shop"}),
])
def test_the_columns_left_to_the_view_are_those_the_normaliser_gives_every_row(
        tmp_path, header, mapping):
    """A one-pass file's candidates are written without the columns that hold one value
    for every row (a column the file lacks, the file's name and source): the view gives
    them back, so they must be exactly what the normalising SELECT gives each row."""
    from crisis_kit.ingest.formats import detect_format
    from crisis_kit.ingest.normalise import (
        Target,
        constant_event_columns,
        events_sql,
        in_order,
        mapped_format,
    )
    from crisis_kit.ingest.sniff import normalise_header, sniff
    from crisis_kit.ingest.stage import stage_delimited

    path = tmp_path / "reviews.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for i in range(1, 60):
            writer.writerow(review(i) if mapping is None else
                            [f"2024-05-{i % 28 + 1:02d}", str(i % 5 + 1), f"words {i}",
                             "B0EXAMPLE1", "DE" if i % 2 else ""])
    sniffed = sniff(path)
    fmt = (mapped_format(mapping, "review", list(sniffed.header), "events") if mapping
           else detect_format(sniffed.header, "delimited", str(path)))
    index = {normalise_header(h): i for i, h in enumerate(sniffed.header)}
    assert in_order(fmt, index)
    target = Target("US", path.name, "0" * 64, "salt")
    constants = constant_event_columns(fmt, index, target)
    assert {"source", "source_file", "topic", "parent_asin", "reason"} <= constants.keys()
    assert ("author_hash" in constants) == (mapping is not None)
    assert "marketplace" not in constants if mapping else constants["marketplace"] == "'US'"
    import duckdb

    con = duckdb.connect()
    stage_delimited(con, path, sniffed, tmp_path)
    select = events_sql(fmt, index, target)
    rows = con.execute(f"SELECT count(*) FROM ({select})").fetchone()[0]
    assert rows == 59
    for name, constant in constants.items():
        differ = con.execute(f'SELECT count(*) FROM ({select}) WHERE "{name}" IS DISTINCT '
                             f"FROM {constant}").fetchone()[0]
        assert differ == 0, name


@pytest.mark.parametrize("large", [False, True])
def test_an_overlapping_second_export_counts_its_stored_rows_as_duplicates(
        tmp_path, monkeypatch, large):
    """The rows accepted are the records added (one candidate a row): a second download
    repeating half of the first, with new rows, a refused row and a row repeated in the
    file, adds only the new rows and counts the others, both readings."""
    monkeypatch.setattr(stage, "PARALLEL_BYTES", 0 if large else 10**12)
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    for path, rows in ((first, [review(i) for i in range(1, 300)]),
                       (second, [review(i) for i in range(150, 450)] + [review(400)]
                        + [review(999, rating="9")])):
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow(HEADER)
            writer.writerows(rows)
    with open_store(tmp_path / "s.duckdb") as store:
        a = ingest_file(store, FileSpec(first))
        b = ingest_file(store, FileSpec(second))
        stored = store.con.execute("SELECT count(*), count(DISTINCT event_id) FROM events").fetchone()
        files = store.con.execute(
            "SELECT rows_read, accepted, rejected, duplicates, records_added FROM files "
            "ORDER BY ingest_seq").fetchall()
    assert (a.read, a.accepted, a.rejected, a.duplicates) == (299, 299, 0, 0)
    # rows 150-299 stored already (150), review 400 twice (one duplicate), rating 9 refused
    assert (b.read, b.accepted, b.rejected, b.duplicates, b.records_added) == (302, 150, 1, 151, 150)
    assert stored == (449, 449)
    assert files == [(299, 299, 0, 0, 299), (302, 150, 1, 151, 150)]
