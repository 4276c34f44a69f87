"""The evidence store: idempotent re-ingest, overlap, crash safety, locking, Parquet."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import duckdb
import pandas as pd
import pytest

from crisis_kit.errors import StoreBusyError
from crisis_kit.ingest import FileSpec, ingest_file
from crisis_kit.schemas import TABLES
from crisis_kit.store import open_store

from .conftest import helium10_rows, write_helium10


def _counts_add_up(report):
    assert report.read == report.accepted + report.rejected + report.duplicates


def test_reingest_adds_nothing(tmp_path):
    export = write_helium10(tmp_path / "reviews.csv", helium10_rows(50))
    with open_store(tmp_path / "store.duckdb") as store:
        first = ingest_file(store, FileSpec(export))
        second = ingest_file(store, FileSpec(export))
        events = store.events()
        files = store.files()
    assert (first.read, first.accepted, first.duplicates) == (50, 50, 0)
    assert (second.read, second.accepted, second.duplicates, second.records_added) == (50, 0, 50, 0)
    _counts_add_up(first)
    _counts_add_up(second)
    assert len(events) == 50
    assert events.event_id.is_unique
    assert list(files.accepted) == [50, 0] and list(files.duplicates) == [0, 50]
    assert files.sha256.nunique() == 1 and len(files.sha256[0]) == 64


def test_overlapping_export_adds_only_new_rows(tmp_path):
    rows = helium10_rows(80)
    first = write_helium10(tmp_path / "jan.csv", rows[:50])
    second = write_helium10(tmp_path / "feb.csv", rows[30:])  # 20 rows overlap
    with open_store(tmp_path / "store.duckdb") as store:
        ingest_file(store, FileSpec(first))
        report = ingest_file(store, FileSpec(second))
        events = store.events()
    assert (report.read, report.accepted, report.duplicates) == (50, 30, 20)
    assert len(events) == 80 and events.event_id.is_unique
    # Provenance: each event points at the file and row it first came from.
    assert set(events.source_file) == {"jan.csv", "feb.csv"}
    assert events[events.source_file == "feb.csv"].source_row.min() == 21


def test_rejected_rows_are_kept_with_reasons(tmp_path):
    rows = helium10_rows(5)
    rows[2][6] = "7"
    rows[3][0] = "not a date"
    export = write_helium10(tmp_path / "reviews.csv", rows)
    with open_store(tmp_path / "store.duckdb") as store:
        report = ingest_file(store, FileSpec(export))
        rejections = store.rejections()
    assert (report.read, report.accepted, report.rejected) == (5, 3, 2)
    assert list(rejections.source_row) == [3, 4]
    assert list(rejections.column_name) == ["Rating", "Date"]  # as the header writes them
    assert "outside 1-5" in rejections.reason[0]
    assert "not a date" in rejections.reason[1] and "marketplace" in rejections.reason[1]
    # The row as read, for the person fixing it, without the name of its author.
    assert "Review body number 2" in rejections.raw[0]
    assert "Buyer 1-2" not in rejections.raw[0] and "[author withheld]" in rejections.raw[0]


INGEST_CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from crisis_kit.ingest import FileSpec, ingest_file
    from crisis_kit.store import open_store
    with open_store(sys.argv[1]) as store:
        for export in sys.argv[2:]:
            ingest_file(store, FileSpec(Path(export)))
            print("done", export, flush=True)
    """
)


def _consistent(store_path):
    """Every stored event belongs to a recorded file ingest, and counts match."""
    con = duckdb.connect(str(store_path), read_only=True)
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        # Killed before the schema's transaction committed: an empty store, all or nothing.
        assert tables in (set(), set(TABLES) | {"meta"})
        if not tables:
            return 0
        per_file = con.execute(
            "SELECT sha256, sum(records_added) FROM files GROUP BY sha256").fetchall()
        stored = dict(con.execute(
            "SELECT source_sha256, count(*) FROM events GROUP BY 1").fetchall())
        orphans = con.execute(
            "SELECT count(*) FROM events WHERE source_sha256 NOT IN (SELECT sha256 FROM files)"
        ).fetchone()[0]
    finally:
        con.close()
    assert orphans == 0
    for sha, added in per_file:
        assert stored.get(sha, 0) == added
    return len(per_file)


@pytest.mark.parametrize("delay", [0.3, 0.8, 1.6, 2.4])
def test_killed_ingest_leaves_store_as_before(tmp_path, delay):
    store_path = tmp_path / "store.duckdb"
    exports = [write_helium10(tmp_path / f"r{i}.csv", helium10_rows(60_000, seed=i))
               for i in range(4)]
    child = subprocess.Popen([sys.executable, "-c", INGEST_CHILD, str(store_path),
                              *map(str, exports)], stdout=subprocess.PIPE, text=True)
    time.sleep(delay)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    files_before = _consistent(store_path) if store_path.exists() else 0
    # The store opens, is consistent, and a re-run completes the remaining files exactly.
    with open_store(store_path) as store:
        for export in exports:
            ingest_file(store, FileSpec(export))
        assert len(store.events()) == 240_000
    assert _consistent(store_path) >= files_before


HOLD_CHILD = textwrap.dedent(
    """
    import sys, time
    from crisis_kit.store import open_store
    with open_store(sys.argv[1]) as store:
        print("holding", flush=True)
        time.sleep(float(sys.argv[2]))
    """
)


def test_second_writer_fails_clearly_then_waits(tmp_path):
    store_path = tmp_path / "store.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_CHILD, str(store_path), "3"],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "holding"
    with pytest.raises(StoreBusyError) as caught:
        with open_store(store_path, wait=0.3):
            pass
    message = str(caught.value)
    assert "in use by another process" in message and str(store_path) in message
    assert "Fix:" in message
    with open_store(store_path, wait=30) as store:  # waits for the holder to finish
        assert store.events().empty
    holder.wait()


def test_tables_export_to_parquet_with_the_contract_schema(tmp_path):
    export = write_helium10(tmp_path / "reviews.csv", helium10_rows(20))
    with open_store(tmp_path / "store.duckdb") as store:
        ingest_file(store, FileSpec(export))
        paths = store.export_parquet(tmp_path / "parquet")
    assert sorted(p.name for p in paths) == sorted(f"{t}.parquet" for t in TABLES)
    events = pd.read_parquet(tmp_path / "parquet" / "events.parquet")
    assert list(events.columns) == TABLES["events"].names
    assert len(events) == 20
    # The daily series is plain SQL over the Parquet (design.md section 12).
    daily = duckdb.sql(
        f"SELECT local_date, count(*) FILTER (is_negative) AS negative FROM "
        f"'{tmp_path / 'parquet' / 'events.parquet'}' GROUP BY 1").df()
    assert daily.negative.sum() == events.is_negative.sum()


def test_an_unchanged_file_is_counted_not_read_again(tmp_path):
    rows = helium10_rows(6)
    rows[2][6] = "9"  # one bad row, refused both times
    export = write_helium10(tmp_path / "reviews.csv", rows)
    with open_store(tmp_path / "store.duckdb") as store:
        first = ingest_file(store, FileSpec(export))
        again = ingest_file(store, FileSpec(export))
        files = store.files()
    assert (first.read, first.accepted, first.rejected, first.duplicates) == (6, 5, 1, 0)
    assert (again.read, again.accepted, again.rejected, again.duplicates) == (6, 0, 1, 5)
    assert again.rejections == first.rejections and again.format == first.format
    assert list(files.accepted) == [5, 0] and len(files) == 2
    # The same bytes under another marketplace are read again (dates and zones differ).
    with open_store(tmp_path / "store.duckdb") as store:
        other = ingest_file(store, FileSpec(export, marketplace="UK"))
    assert other.accepted == 5


def _leak_rows(n: int) -> list[list[str]]:
    rows = helium10_rows(n, seed=7)
    for i, row in enumerate(rows):
        row[5] = "The valve leaks everywhere" if i % 2 else "Arrived crushed, box torn"
    return rows


def test_each_event_is_stored_with_its_topic_and_the_taxonomy_it_came_from(tmp_path):
    from crisis_kit.analysis.topics import assign, fingerprint

    export = write_helium10(tmp_path / "reviews.csv", _leak_rows(20))
    with open_store(tmp_path / "store.duckdb") as store:
        ingest_file(store, FileSpec(export))
        events = store.events()
        assert store.meta("taxonomy") == fingerprint()
    assert events["topic"].tolist() == assign(events).astype(str).tolist()
    assert set(events["topic"]) == {"quality", "packaging"}


def test_a_changed_taxonomy_retags_the_store_at_the_next_ingest(tmp_path):
    """A store made before topics were stored (NULL topics, no fingerprint), or under
    another taxonomy, is re-tagged in the same transaction as the next file."""
    from crisis_kit.analysis.topics import fingerprint

    rows = _leak_rows(30)
    first = write_helium10(tmp_path / "a.csv", rows[:20])
    second = write_helium10(tmp_path / "b.csv", rows[20:])
    with open_store(tmp_path / "store.duckdb") as store:
        ingest_file(store, FileSpec(first))
        store.con.execute("UPDATE events SET topic = NULL")
        store.con.execute("UPDATE meta SET value = 'an-older-taxonomy' WHERE key = 'taxonomy'")
        ingest_file(store, FileSpec(second))
        topics = store.con.execute(
            "SELECT topic, count(*) FROM events GROUP BY ALL ORDER BY ALL").fetchall()
        assert store.meta("taxonomy") == fingerprint()
    assert topics == [("packaging", 15), ("quality", 15)]


def test_reading_a_store_that_was_never_ingested_says_to_ingest_first(tmp_path):
    """run_analysis (or any reader) before the first ingest: a clear error, not DuckDB's."""
    from crisis_kit.errors import InputError
    from crisis_kit.store import open_store

    missing = tmp_path / "store.duckdb"
    with pytest.raises(InputError) as caught:
        with open_store(missing, read_only=True):
            pass
    assert caught.value.where == str(missing)
    assert "crisis-kit ingest" in caught.value.fix
    assert not missing.exists()


def test_a_store_of_an_earlier_version_is_read_read_only_as_if_it_had_todays_tables(tmp_path):
    """A sibling incident's store made before `order_item_id` and the `messages` table
    existed: a report opening it read-only (the workspace comparison) read a column that
    was not there and stopped. It now reads NULL there and no messages, writing nothing."""
    import duckdb

    path = tmp_path / "store.duckdb"
    with open_store(path) as store:
        store.con.execute("INSERT INTO orders (order_id, sku, marketplace, purchased_at, "
                          "local_date, quantity, source_file, source_row, source_sha256, "
                          "ingest_seq) VALUES ('111-1', 'S1', 'US', TIMESTAMP '2022-05-01 10:00', "
                          "DATE '2022-05-01', 1, 'orders.txt', 1, 'x', 1)")
    con = duckdb.connect(str(path))  # as an earlier version left it
    con.execute("CREATE TABLE old_orders AS SELECT * EXCLUDE (order_item_id) FROM orders")
    con.execute("DROP TABLE orders")
    con.execute("ALTER TABLE old_orders RENAME TO orders")
    con.execute("DROP TABLE messages")
    con.close()
    with open_store(path, read_only=True) as store:
        orders = store.table("orders")
        assert orders["order_id"].tolist() == ["111-1"]
        assert orders["order_item_id"].isna().all()
        assert store.messages().empty
    con = duckdb.connect(str(path), read_only=True)  # nothing was written to it
    names = {r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() "
                                       "WHERE table_name = 'orders'").fetchall()}
    assert "order_item_id" not in names
    con.close()
    with open_store(path) as store:  # a writable open adds what is missing, as before
        assert "order_item_id" in store.table("orders").columns
