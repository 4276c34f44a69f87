"""The portfolio folder: four tables with a declared schema, by export and by direct ingest.

The export route (``crisis-kit export-parquet`` from an incident's store) and the direct
route (``crisis-kit portfolio ingest`` of the same files) must give the same bytes, and
the scan over either the same figures. Values are checked against the store read with
pandas; no customer words, names or e-mails reach the Parquet.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.dataset  # noqa: F401 (pa.dataset)
import pyarrow.parquet as pq
import pytest

from crisis_kit.cli import main
from crisis_kit.config import load_incident
from crisis_kit.ingest import ingest_incident
from crisis_kit.portfolio import EVENT_COLUMNS, PORTFOLIO_TABLES, export_incident, scan
from crisis_kit.portfolio.workspace import ingest_files, store_path
from crisis_kit.store import open_store

from .conftest import FIXTURES, SAMPLES, heavy_imports_of, helium10_rows, write_helium10

EXPORTS = FIXTURES / "exports"
SAMPLE_FILES = [SAMPLES / "exports" / "reviews.csv", SAMPLES / "exports" / "fba_returns.txt",
                SAMPLES / "exports" / "seller_feedback.txt", SAMPLES / "exports" / "orders.txt",
                *sorted((SAMPLES / "exports" / "business").glob("*.csv")),
                SAMPLES / "response_log.csv"]
ARROW = {"VARCHAR": pa.string(), "DATE": pa.date32(), "DOUBLE": pa.float64(),
         "BOOLEAN": pa.bool_(), "INTEGER": pa.int32(), "BIGINT": pa.int64(),
         "TIMESTAMPTZ": pa.timestamp("us", tz="UTC")}
DAYS = ("2022-05-03", "2022-06-01")


def _files(root: Path) -> dict[str, str]:
    """Every Parquet file of the portfolio (hidden stores aside) and its sha256."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.glob("*/marketplace=*/brand=*/*.parquet"))}


@pytest.fixture(scope="module")
def exported(sample_portfolio):
    return sample_portfolio


def test_each_table_has_its_declared_columns_and_types(exported):
    assert PORTFOLIO_TABLES["events"].names[:7] == EVENT_COLUMNS  # what the scan reads
    for name, table in PORTFOLIO_TABLES.items():
        (path,) = (exported / name).rglob("*.parquet")
        schema = pq.read_schema(path)
        assert schema.names == table.names, name  # the partition keys are in the path only
        for column in table.columns:
            assert schema.field(column.name).type == ARROW[column.type], (name, column.name)
        # a warehouse's view: the table's folder with hive partition discovery (pyarrow)
        dataset = pq.read_table(exported / name, partitioning=pa.dataset.partitioning(
            pa.schema([("marketplace", pa.string()), ("brand", pa.string())]), flavor="hive"))
        assert dataset.schema.names == [*table.names, "marketplace", "brand"]
        assert set(dataset["brand"].to_pylist()) == {"mellowkin"}
        assert set(dataset["marketplace"].to_pylist()) == {"US"}


def test_the_page_lists_every_column_with_its_type():
    """docs/scale.md's schema tables are the declared ones."""
    import re

    text = (Path(__file__).resolve().parents[1] / "docs" / "scale.md").read_text("utf-8")
    for name, table in PORTFOLIO_TABLES.items():
        section = text.split(f"### {name}\n", 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
        rows = re.findall(r"^\| `(\w+)` \| (\w+) \|", section, flags=re.M)
        assert rows == [(c.name, c.type) for c in table.columns], name


def test_the_values_are_the_stores(exported, sample_incident):
    """Row for row against the store read with pandas (its own types, its own order)."""
    with open_store(sample_incident.store_path, read_only=True) as store:
        events, actions = store.table("events"), store.actions()
        sales, orders = store.table("sales"), store.table("orders")
    got = pd.read_parquet(next((exported / "events").rglob("*.parquet"))).set_index("event_id")
    want = events.set_index("event_id").loc[got.index]
    assert len(got) == len(events) == 2393 and got.index.is_unique
    assert (got["incident"] == "bottle-valve-2022").all()
    for column in ("asin", "source", "rating", "topic", "reason", "reason_group", "order_id",
                   "sku", "status", "disposition", "helpful_votes", "source_row"):
        pd.testing.assert_series_equal(got[column], want[column], check_dtype=False,
                                       check_names=False)
    pd.testing.assert_series_equal(got["is_negative"], want["is_negative"].astype(bool),
                                   check_names=False)
    assert (got["local_date"].map(pd.Timestamp) == want["local_date"]).all()
    # the store's naive UTC times, as instants
    assert (got["occurred_at"] == want["occurred_at"].dt.tz_localize("UTC")).all()
    assert got["order_id"].notna().sum() == 509 and got["reason_group"].notna().sum() == 413
    # the file is in day order (row groups of old days can be skipped by a scan)
    assert got["local_date"].is_monotonic_increasing

    for name, frame, key in (("sales", sales, ["source_sha256", "source_row"]),
                             ("orders", orders, ["source_sha256", "source_row"]),
                             ("actions", actions, ["action_id"])):
        got = pd.read_parquet(next((exported / name).rglob("*.parquet")))
        assert len(got) == len(frame), name
        merged = got.merge(frame, on=key, suffixes=("", "_store"), validate="one_to_one")
        assert len(merged) == len(frame), name
        for column in PORTFOLIO_TABLES[name].names:
            if f"{column}_store" not in merged:
                continue
            a, b = merged[column], merged[f"{column}_store"]
            if isinstance(a.dtype, pd.DatetimeTZDtype) or column in ("date", "local_date"):
                a, b = pd.to_datetime(a, utc=True), pd.to_datetime(b, utc=True)
            assert ((a == b) | (a.isna() & b.isna())).all(), (name, column)
    assert len(sales) == 636 and len(orders) == 10618 and len(actions) == 21


def _cells(root: Path) -> set[str]:
    """Every text cell of every Parquet file of the portfolio."""
    con = duckdb.connect()
    cells: set[str] = set()
    for name in PORTFOLIO_TABLES:
        if (root / name).exists():
            frame = con.execute(f"SELECT * FROM read_parquet('{root / name}/*/*/*.parquet')").df()
            cells |= {c for c in frame.to_numpy().ravel() if isinstance(c, str)}
    return cells


def test_no_customer_words_names_or_emails(exported, sample_incident):
    with open_store(sample_incident.store_path, read_only=True) as store:
        words = {w for (w,) in store.con.execute(
            "SELECT title FROM events UNION SELECT text FROM events UNION "
            "SELECT author_hash FROM events").fetchall() if w and len(w) > 12}
    assert len(words) > 1000
    cells = _cells(exported)
    assert len(cells) > 1000 and not cells & words
    for column in ("title", "text", "author_hash", "response"):
        assert column not in PORTFOLIO_TABLES["events"].names


def test_reexport_replaces_the_incidents_files_with_the_same_bytes(sample_incident, tmp_path):
    first = _files_after(export_incident(sample_incident, tmp_path, "Mellowkin"), tmp_path)
    # a file of a marketplace the store no longer holds, and another incident's file
    stale = tmp_path / "events/marketplace=UK/brand=mellowkin/bottle-valve-2022.parquet"
    other = tmp_path / "events/marketplace=US/brand=mellowkin/other-incident.parquet"
    for path in (stale, other):
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / "events/marketplace=US/brand=mellowkin/bottle-valve-2022.parquet",
                    path)
    again = _files_after(export_incident(sample_incident, tmp_path, "Mellowkin"), tmp_path)
    assert again == first
    assert not stale.exists() and other.exists()
    assert not list(tmp_path.rglob("*.partial"))


def _files_after(written: list[Path], root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in written}


def test_a_store_of_an_earlier_version_exports_the_same_schema(sample_incident, tmp_path):
    """Columns missing (added since) or typed otherwise: cast to the declared types."""
    folder = tmp_path / "old"
    shutil.copytree(sample_incident.root, folder)
    con = duckdb.connect(str(folder / "store.duckdb"))
    con.execute("ALTER TABLE events DROP COLUMN reason_group")
    con.execute("ALTER TABLE events ALTER COLUMN helpful_votes SET DATA TYPE BIGINT")
    con.execute("ALTER TABLE sales ALTER COLUMN units SET DATA TYPE DECIMAL(18, 3)")
    for column in ("audience", "sent", "opened", "clicked", "replied", "redeemed"):
        con.execute(f"ALTER TABLE actions DROP COLUMN {column}")
    con.close()
    export_incident(load_incident(folder / "incident.yaml"), tmp_path / "p", "Mellowkin")
    for name, table in PORTFOLIO_TABLES.items():
        (path,) = (tmp_path / "p" / name).rglob("*.parquet")
        assert pq.read_schema(path).types == [ARROW[c.type] for c in table.columns], name
    events = pd.read_parquet(tmp_path / "p" / "events")
    assert events["reason_group"].isna().all() and events["helpful_votes"].notna().any()


# -- the direct ingest ----------------------------------------------------------------------

def _acme_reviews(folder: Path) -> Path:
    """400 reviews of three ASINs (B0TEST0000-2) over 200 days of 2022, by named buyers."""
    return write_helium10(folder / "acme-reviews.csv", helium10_rows(400, seed=7))


ACME_US = ["fba-returns-pass.txt", "claims-pass.csv", "rating-7-fail.csv"]


@pytest.fixture(scope="module")
def direct(tmp_path_factory):
    """Two brands ingested straight into one portfolio: the sample, and Acme in US and UK."""
    root = tmp_path_factory.mktemp("direct") / "portfolio"
    files = tmp_path_factory.mktemp("acme-files")
    reviews = _acme_reviews(files)
    sample = ingest_files(root, "Mellowkin", "bottle-valve-2022", SAMPLE_FILES,
                          marketplace="US")
    acme = ingest_files(root, "Acme", "valve-watch", [reviews, *(EXPORTS / n for n in ACME_US)],
                        marketplace="US")
    uk = ingest_files(root, "Acme", "valve-watch", [EXPORTS / "seller-feedback-9col-uk-pass.txt"],
                      marketplace="UK")
    return root, reviews, sample, acme, uk


def test_direct_ingest_counts_every_row_and_quarantines_the_bad(direct):
    root, _, sample, acme, uk = direct
    for report in sample.reports + acme.reports + uk.reports:
        assert report.read == report.accepted + report.rejected + report.duplicates
    assert [(r.format, r.read, r.accepted, r.rejected, r.duplicates) for r in acme.reports] == [
        ("helium10-reviews", 400, 400, 0, 0), ("amazon-fba-returns", 5, 4, 0, 1),
        ("claims", 3, 3, 0, 0), ("helium10-reviews", 3, 2, 1, 0)]
    assert acme.store == uk.store == root / ".stores" / "acme" / "valve-watch.duckdb"
    with open_store(acme.store, read_only=True) as store:
        (reason,) = store.rejections()["reason"]
        assert store.files()["marketplace"].tolist() == ["US"] * 4 + ["UK"]
    assert "rating" in reason.lower()
    assert sorted(_files(root)) == [
        "actions/marketplace=US/brand=mellowkin/bottle-valve-2022.parquet",
        "events/marketplace=UK/brand=acme/valve-watch.parquet",
        "events/marketplace=US/brand=acme/valve-watch.parquet",
        "events/marketplace=US/brand=mellowkin/bottle-valve-2022.parquet",
        "orders/marketplace=US/brand=mellowkin/bottle-valve-2022.parquet",
        "sales/marketplace=US/brand=mellowkin/bottle-valve-2022.parquet"]
    uk_events = pd.read_parquet(root / "events/marketplace=UK/brand=acme/valve-watch.parquet")
    assert len(uk_events) == 3 and (uk_events["source"] == "seller_feedback").all()
    # the raters' e-mails, the reviewers' names and words: in the files read, not in the folder
    cells = " ".join(_cells(root))
    for clear in ("@example.co.uk", "Buyer 7-", "Jane Q. Customer", "Review body number",
                  "Leaks at the collar"):
        assert clear not in cells


def test_the_direct_route_writes_the_export_routes_bytes(direct, exported):
    """The sample's files ingested directly = the sample incident exported, byte for byte."""
    root = direct[0]
    assert {k: v for k, v in _files(root).items() if "mellowkin" in k} == _files(exported)


def test_both_brands_scanned_with_the_export_routes_figures(direct, tmp_path):
    root, reviews, *_ = direct
    # the export route: Acme as an incident with the same files, exported beside the sample
    folder = tmp_path / "valve-watch"
    (folder / "exports").mkdir(parents=True)
    for path in (reviews, *(EXPORTS / n for n in ACME_US)):
        shutil.copy(path, folder / "exports" / path.name)
    shutil.copy(EXPORTS / "seller-feedback-9col-uk-pass.txt", folder / "exports")
    listed = "".join(f"  - path: exports/{p.name}\n" for p in (reviews, *(EXPORTS / n
                                                                          for n in ACME_US)))
    (folder / "incident.yaml").write_text(
        "incident: valve-watch\ntitle: Acme valves\nmarketplace: US\ncomplaints:\n" + listed
        + "  - path: exports/seller-feedback-9col-uk-pass.txt\n    marketplace: UK\n",
        encoding="utf-8")
    incident = load_incident(folder / "incident.yaml")
    ingest_incident(incident)
    sample = tmp_path / "sample"
    shutil.copytree(SAMPLES, sample, ignore=shutil.ignore_patterns("store.duckdb*"))
    ingest_incident(load_incident(sample / "incident.yaml"))
    other = tmp_path / "exported"
    assert main(["export-parquet", str(sample / "incident.yaml"), str(other), "--brand",
                 "Mellowkin"]) == 0
    assert main(["export-parquet", str(folder / "incident.yaml"), str(other), "--brand",
                 "Acme"]) == 0
    assert _files(other) == _files(root)
    for day in DAYS:
        direct_scan, export_scan = scan(root, as_of=day).table, scan(other, as_of=day).table
        pd.testing.assert_frame_equal(direct_scan, export_scan)
        keys = set(zip(direct_scan["brand"], direct_scan["asin"], strict=True))
        assert {("acme", f"B0TEST000{i}") for i in range(3)} <= keys
        assert ("mellowkin", "B0SAMPLE01") in keys  # (Acme's 2025 returns: outside the window)
    # Acme's reviews on one day, counted by hand from the generated rows
    rows = pd.DataFrame(helium10_rows(400, seed=7), columns=range(12))
    rows["day"] = pd.to_datetime(rows[0], format="%B %d, %Y")
    rows["asin"] = rows[9].str.extract(r"(B0TEST\d{4})", expand=False)
    negative = rows[(rows["day"] == DAYS[0]) & (rows[6].astype(int) <= 2)]
    table = scan(root, as_of=DAYS[0]).table.set_index(["brand", "asin"])
    for asin in ("B0TEST0000", "B0TEST0001", "B0TEST0002"):
        assert table.at[("acme", asin), "today"] == (negative["asin"] == asin).sum()


def test_cli_json_and_lines(tmp_path, capsys):
    root = tmp_path / "p"
    args = ["portfolio", "ingest", str(root), str(EXPORTS / "fba-returns-pass.txt"),
            "--brand", "Acme", "--incident", "valve-watch"]
    assert main(args) == 0
    assert "fba-returns-pass.txt: amazon-fba-returns" in capsys.readouterr().out
    assert main([*args[:4], str(EXPORTS / "claims-pass.csv"), str(EXPORTS / "rating-7-fail.csv"),
                 *args[4:], "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["store"] == str(store_path(root, "Acme", "valve-watch"))
    # the first file again (all duplicates), then two new ones, one with a bad row
    assert out["rows"] == {"read": 11, "accepted": 5, "rejected": 1, "duplicates": 5}
    assert [f["rows"]["duplicates"] for f in out["files"]] == [5, 0, 0]
    assert out["files"][2]["rejections"][0]["row"] == 3
    assert out["written"] == [str(root / "events/marketplace=US/brand=acme/valve-watch.parquet")]
    assert len(pd.read_parquet(root / "events")) == 4 + 3 + 2


@pytest.mark.parametrize("argv, words", [
    (["--incident", "Valve Watch"], "is not a slug"),
    (["--incident", "valve-watch", "--marketplace", "XX"], "unknown marketplace"),
])
def test_cli_refusals(tmp_path, capsys, argv, words):
    assert main(["portfolio", "ingest", str(tmp_path / "p"), str(EXPORTS / "claims-pass.csv"),
                 "--brand", "Acme", *argv]) == 1
    assert words in capsys.readouterr().err
    assert not (tmp_path / "p" / ".stores").exists()


def test_a_missing_file_ingests_nothing(tmp_path, capsys):
    assert main(["portfolio", "ingest", str(tmp_path / "p"), str(EXPORTS / "claims-pass.csv"),
                 str(tmp_path / "nope.csv"), "--brand", "Acme", "--incident", "x"]) == 1
    assert "nope.csv" in capsys.readouterr().err
    assert not (tmp_path / "p").exists()


# -- files of an earlier version, brands named by numbers --------------------------------------

@pytest.fixture(scope="module")
def mixed(sample_incident, exported, tmp_path_factory):
    """The sample exported today under brand "1688", and its events as an earlier version
    wrote them (the seven columns the scan reads) under brand "2046"."""
    root = tmp_path_factory.mktemp("mixed")
    export_incident(sample_incident, root, "1688", tables=("events",))
    old = root / "events/marketplace=US/brand=2046/bottle-valve-2022.parquet"
    old.parent.mkdir(parents=True)
    duckdb.connect().execute(
        f"COPY (SELECT {', '.join(EVENT_COLUMNS)} FROM read_parquet("
        f"'{exported}/events/*/*/*.parquet', hive_partitioning = false)) TO '{old}' "
        "(FORMAT parquet)")
    return root


def test_older_files_and_numbered_brands_scan_as_text(mixed):
    """Columns are matched by name (a file without the new ones is read), and a brand
    named by a number stays text: both brands, the same events, the same figures."""
    for day in DAYS:
        table = scan(mixed, as_of=day).table
        assert sorted(set(table["brand"])) == ["1688", "2046"]
        assert all(isinstance(b, str) for b in table["brand"])
        new, old = (table[table["brand"] == b].drop(columns="brand").reset_index(drop=True)
                    for b in ("1688", "2046"))
        pd.testing.assert_frame_equal(new, old)
        assert len(new) == 3


@pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java 17: apt-get "
                    "install openjdk-17-jre-headless (.ci/run installs it)")
@pytest.mark.slow
def test_spark_reads_the_same_mixed_portfolio_as_duckdb(mixed):
    pytest.importorskip("pyspark", reason="pip install pyspark (constraints.txt pins it)")
    for day in DAYS:
        duck = scan(mixed, as_of=day).table
        spark = scan(mixed, as_of=day, engine="spark").table
        pd.testing.assert_frame_equal(duck, spark, check_dtype=False)


@pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java 17: apt-get "
                    "install openjdk-17-jre-headless (.ci/run installs it)")
@pytest.mark.slow
def test_spark_loads_each_table_with_the_declared_types(direct):
    """docs/scale.md's recipe: spark.read.parquet(PORTFOLIO + '/<table>'), keys as text."""
    pytest.importorskip("pyspark", reason="pip install pyspark (constraints.txt pins it)")
    from pyspark.sql import SparkSession

    spark_types = {"VARCHAR": "string", "DATE": "date", "DOUBLE": "double",
                   "BOOLEAN": "boolean", "INTEGER": "int", "BIGINT": "bigint",
                   "TIMESTAMPTZ": "timestamp"}
    root = direct[0]
    session = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
               .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate())
    session.conf.set("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
    for name, table in PORTFOLIO_TABLES.items():
        frame = session.read.parquet(str(root / name))
        assert [(f.name, f.dataType.simpleString()) for f in frame.schema.fields] == [
            *((c.name, spark_types[c.type]) for c in table.columns),
            ("marketplace", "string"), ("brand", "string")], name
        assert frame.count() == len(pd.read_parquet(root / name)), name


def test_a_file_that_cannot_be_read_leaves_the_ones_before_it_exported(tmp_path, capsys):
    root = tmp_path / "p"
    assert main(["portfolio", "ingest", str(root), str(EXPORTS / "claims-pass.csv"),
                 str(EXPORTS / "unknown-header-fail.csv"), "--brand", "Acme",
                 "--incident", "x"]) == 1
    assert "unknown-header-fail.csv" in capsys.readouterr().err
    events = pd.read_parquet(root / "events")
    assert len(events) == 3 and set(events["source"]) == {"claim"}


@pytest.mark.parametrize("verb", ["portfolio ingest", "export-parquet"])
def test_the_portfolios_routes_in_import_no_pandas(tmp_path, verb):
    """One process per brand each morning: no pandas, scipy or plotly to import."""
    if verb == "export-parquet":
        folder = tmp_path / "s"
        shutil.copytree(SAMPLES, folder, ignore=shutil.ignore_patterns("store.duckdb*"))
        (folder / "incident.yaml").write_text(
            "incident: x\ntitle: x\nmarketplace: US\ncomplaints:\n"
            "  - path: exports/fba_returns.txt\n", encoding="utf-8")
        ingest_incident(load_incident(folder / "incident.yaml"))
        args = ["export-parquet", str(folder / "incident.yaml"), str(tmp_path / "p"),
                "--brand", "Acme"]
    else:
        args = ["portfolio", "ingest", str(tmp_path / "p"), str(EXPORTS / "claims-pass.csv"),
                "--brand", "Acme", "--incident", "x", "--quiet"]
    done = heavy_imports_of(args)
    assert "HEAVY []" in done.stdout, done.stdout[-500:] + done.stderr[-2000:]
    assert list((tmp_path / "p" / "events").rglob("*.parquet"))
