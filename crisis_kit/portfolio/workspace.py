"""The portfolio folder: each incident's tables as hive-partitioned Parquet, and a direct ingest.

Layout (``docs/scale.md``)::

    PORTFOLIO/<table>/marketplace=<M>/brand=<brand>/<incident>.parquet

for the four tables of :data:`PORTFOLIO_TABLES` (events, sales, orders, actions), each
with a declared column list and types: every column is cast to its type in the one DuckDB
``COPY`` that writes a file, so a warehouse sees the same types whatever version of the
evidence store the rows came from. No customer words, no author hash: the portfolio holds
figures and codes, not what buyers wrote or who they are.

Two routes in: :func:`export_incident` (``crisis-kit export-parquet``) from an incident's
evidence store, and :func:`ingest_files` (``crisis-kit portfolio ingest``), which reads
export files with the kit's own ingest into a store kept under the portfolio
(``PORTFOLIO/.stores/<brand>/<incident>.duckdb``) and exports that store the same way.
No pandas here: a script ingesting hundreds of brands starts one process per brand.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shlex
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError
from ..store import LATEST_ACTIONS, Store, open_store

if TYPE_CHECKING:  # the scan reads the Parquet alone: the incident's model (pydantic) and
    # the ingest are imported by the export and the ingest that use them
    from ..config import Incident
    from ..ingest import IngestReport

__all__ = ["Column", "PortfolioTable", "PORTFOLIO_TABLES", "PARTITIONS", "READ_OPTIONS",
           "PortfolioIngest", "MANIFESTS", "slug", "store_path", "manifest_path",
           "export_store", "export_incident", "ingest_files", "read_manifests",
           "write_manifest"]

PARTITIONS = ("marketplace", "brand")
"""The hive partition keys, in folder order: they are in the path, never in the files."""

READ_OPTIONS = {"hive_partitioning": True, "union_by_name": True, "hive_types_autocast": False}
"""DuckDB's ``read_parquet`` options for a portfolio: partition keys from the path, always
as text (a brand named ``1688`` stays a string), columns matched by name (a file written
before a column was added reads NULL there)."""


@dataclass(frozen=True)
class Column:
    """One column of a portfolio table: its name, type (cast on export) and meaning.

    ``expr`` is the SQL read from the store (over the alias ``t``); default the store's
    column of the same name.
    """

    name: str
    type: str
    meaning: str
    expr: str | None = None

    def select(self) -> str:
        """``CAST(... AS type) AS "name"`` for the export's SELECT."""
        source = self.expr or f't."{self.name}"'
        return f'CAST({source} AS {self.type}) AS "{self.name}"'


@dataclass(frozen=True)
class PortfolioTable:
    """A portfolio table: what a row is, its columns, and how it is read from a store.

    ``source`` is a FROM clause naming the store's rows ``t``; ``market`` the SQL of the
    marketplace partition a row goes to; ``order`` a total order of the rows, so the same
    store writes the same bytes.
    """

    name: str
    row: str
    columns: tuple[Column, ...]
    source: str
    market: str
    order: str

    @property
    def names(self) -> list[str]:
        """Column names in file order (the partition keys are not in the file)."""
        return [c.name for c in self.columns]


_INCIDENT = Column("incident", "VARCHAR", "the incident's name (slug): which incident (and "
                   "store) the row comes from", "$incident")
_PROVENANCE = (
    Column("source_file", "VARCHAR", "name of the export file the row was read from"),
    Column("source_row", "BIGINT", "data row in that file (1 = the first after the header)"),
    Column("source_sha256", "VARCHAR", "sha256 of that file"),
)

EVENTS = PortfolioTable(
    "events",
    "Each row represents one complaint signal (a review, a return, a seller feedback, a "
    "claim, a message) about one ASIN, without the customer's words or name.",
    (
        _INCIDENT,
        # the seven columns the scan reads (EVENT_COLUMNS), first
        Column("asin", "VARCHAR", "child ASIN; null where the export names only an order "
               "(seller feedback: join orders on order_id)"),
        Column("source", "VARCHAR", "review, seller_feedback, fba_return, mfn_return, claim, "
               "message, social, other"),
        Column("local_date", "DATE", "the marketplace-local day of every daily series"),
        Column("rating", "DOUBLE", "1-5 stars; null for returns and claims"),
        Column("is_negative", "BOOLEAN", "rating <= 2, a quality/safety return reason, any "
               "claim, feedback of 1-2 stars (design.md section 4)"),
        Column("topic", "VARCHAR", "complaint topic from the taxonomy (safety, packaging, "
               "quality, ..., other), as tagged at ingest"),
        Column("event_id", "VARCHAR", "stable id: the source's own id, else a hash of the "
               "normalised row; unique within an incident"),
        Column("occurred_at", "TIMESTAMPTZ", "the instant, UTC; date-only sources: local "
               "midnight in UTC"),
        Column("date_precision", "VARCHAR", "second or day"),
        Column("parent_asin", "VARCHAR", "parent ASIN"),
        Column("sku", "VARCHAR", "seller SKU"),
        Column("order_id", "VARCHAR", "Amazon order id"),
        Column("reason", "VARCHAR", "return or claim reason code (DEFECTIVE, ...)"),
        Column("reason_group", "VARCHAR", "quality, safety, fit, shipping, other (the reason "
               "map)"),
        Column("status", "VARCHAR", "return or claim status"),
        Column("disposition", "VARCHAR", "return disposition (SELLABLE, CUSTOMER_DAMAGED, ...)"),
        Column("verified", "BOOLEAN", "verified purchase (reviews)"),
        Column("helpful_votes", "INTEGER", "helpful votes (reviews)"),
        Column("variant", "VARCHAR", "variation or style"),
        *_PROVENANCE,
    ),
    source="events t",
    market="t.marketplace",
    order="t.local_date, t.event_id",
)

SALES = PortfolioTable(
    "sales",
    "Each row represents one marketplace-local day of one ASIN as one report says it (a "
    "Business Report or a Sales and Traffic report); the orders file's lines are the "
    "orders table.",
    (
        _INCIDENT,
        Column("date", "DATE", "the report's day"),
        Column("asin", "VARCHAR", "child ASIN; '*' for an account-level total"),
        Column("parent_asin", "VARCHAR", "parent ASIN"),
        Column("sku", "VARCHAR", "seller SKU; '' where the report has none"),
        Column("units", "DOUBLE", "units ordered"),
        Column("revenue", "DOUBLE", "ordered product sales, in currency"),
        Column("currency", "VARCHAR", "ISO 4217"),
        Column("sessions", "DOUBLE", "sessions"),
        Column("page_views", "DOUBLE", "page views"),
        Column("buy_box_pct", "DOUBLE", "featured offer (buy box) percentage, 0-100"),
        Column("unit_session_pct", "DOUBLE", "unit session percentage, 0-100"),
        Column("source", "VARCHAR", "business_report or sales_traffic"),
        Column("day_definition", "VARCHAR", "PT, UTC or local: which clock the day follows"),
        *_PROVENANCE,
    ),
    source="sales t",
    market="t.marketplace",
    order="t.date, t.source, t.asin, t.parent_asin NULLS FIRST, t.sku, t.source_sha256, "
          "t.source_row",
)

ORDERS = PortfolioTable(
    "orders",
    "Each row represents one order line of the all-orders flat file (no buyer name or "
    "address: the store keeps none).",
    (
        _INCIDENT,
        Column("order_id", "VARCHAR", "amazon-order-id"),
        Column("order_item_id", "VARCHAR", "order-item-id where the file has it"),
        Column("sku", "VARCHAR", "seller SKU"),
        Column("asin", "VARCHAR", "ASIN"),
        Column("purchased_at", "TIMESTAMPTZ", "the purchase instant, UTC"),
        Column("local_date", "DATE", "the marketplace-local day of the purchase"),
        Column("status", "VARCHAR", "order-status (Shipped, Pending, Cancelled, ...)"),
        Column("quantity", "DOUBLE", "units"),
        Column("item_price", "DOUBLE", "item-price, in currency"),
        Column("currency", "VARCHAR", "ISO 4217"),
        *_PROVENANCE,
    ),
    source="orders t",
    market="t.marketplace",
    order="t.local_date, t.purchased_at, t.order_id, t.sku, t.order_item_id NULLS FIRST, "
          "t.source_sha256, t.source_row",
)

ACTIONS = PortfolioTable(
    "actions",
    "Each row represents one response action the team took on one lane (an outreach "
    "action saved again with grown counts: its latest version only).",
    (
        _INCIDENT,
        Column("action_id", "VARCHAR", "hash of the action's row"),
        Column("at", "TIMESTAMPTZ", "when, as an instant (UTC; the log's own offset is not "
               "kept)"),
        Column("lane", "VARCHAR", "cs, pr, tech, platform, marketing, exec"),
        Column("action", "VARCHAR", "what was done"),
        Column("channel", "VARCHAR", "where (email, reply, listing, seller central, ...)"),
        Column("owner", "VARCHAR", "who in the team"),
        Column("ref", "VARCHAR", "a reference (case id, URL, document)"),
        Column("audience", "VARCHAR", "an outreach action's audience"),
        Column("sent", "BIGINT", "people it reached"),
        Column("opened", "BIGINT", "opened or viewed"),
        Column("clicked", "BIGINT", "clicked through"),
        Column("replied", "BIGINT", "replied or commented"),
        Column("redeemed", "BIGINT", "converted: coupons redeemed, orders placed"),
        *_PROVENANCE,
    ),
    # the actions log has no marketplace column: the marketplace its file was read as
    # (incident.yaml's, or --marketplace), else the incident's
    source=f"({LATEST_ACTIONS}) t LEFT JOIN files f ON f.ingest_seq = t.ingest_seq",
    market="coalesce(f.marketplace, $default_market)",
    order='t."at", t.action_id',
)

PORTFOLIO_TABLES = {t.name: t for t in (EVENTS, SALES, ORDERS, ACTIONS)}
"""The portfolio's tables by name, in the order they are written."""

MANIFESTS = "incidents"
"""The folder of the incidents' manifests: ``PORTFOLIO/incidents/brand=<brand>/<incident>.json``.

One small JSON file per incident and brand, written by each export or direct ingest: where
the incident came from and where its report is (:func:`write_manifest`). Not a table: a
loader given a table's folder never sees it."""

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def slug(value: str) -> str:
    """A folder-safe name: lower case, letters, digits, ``-`` and ``_`` (``Mellowkin`` -> ``mellowkin``)."""
    cleaned = "".join(c if c.isalnum() or c in "-_" else "-" for c in value.strip().lower())
    return cleaned.strip("-") or "unknown"


def _market_folder(value: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in str(value)) or "unknown"


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def store_path(portfolio: str | Path, brand: str, incident: str) -> Path:
    """Where the direct ingest keeps an incident's store: ``PORTFOLIO/.stores/<brand>/<incident>.duckdb``.

    A folder starting with ``.`` is skipped by Spark's and Hive's file listing.
    """
    return Path(portfolio) / ".stores" / slug(brand) / f"{incident}.duckdb"


def manifest_path(portfolio: str | Path, brand: str, incident: str) -> Path:
    """Where an incident's manifest is: ``PORTFOLIO/incidents/brand=<brand>/<incident>.json``."""
    return Path(portfolio) / MANIFESTS / f"brand={slug(brand)}" / f"{slug(incident)}.json"


def write_manifest(portfolio: str | Path, brand: str, incident: str, route: str,
                   incident_yaml: str | Path | None = None, resolved: Path | None = None,
                   title: str | None = None, report_url: str | None = None,
                   store: str | None = None) -> Path | None:
    """Write the incident's manifest (``docs/scale.md``); return its path, None when it has no files.

    The manifest says which incident, brand and marketplaces, by which ``route``
    (``export-parquet`` or ``portfolio ingest``) they came in, and for an incident with an
    ``incident.yaml`` that file (as given and resolved), its report's path
    (``reports/<incident>.html`` beside it, where ``crisis-kit compare`` looks) and the
    command that writes the report there. No clock: the same export writes the same bytes.
    The marketplaces are those the portfolio holds files of, for any table; an incident
    with none has no manifest (an earlier one is removed).
    """
    root = Path(portfolio)
    name = f"{slug(incident)}.parquet"
    markets = sorted({p.parent.parent.name.removeprefix("marketplace=") for p in root.glob(
        f"*/marketplace=*/brand={slug(brand)}/{name}") if p.parts[-4] in PORTFOLIO_TABLES})
    target = manifest_path(root, brand, incident)
    if not markets:
        target.unlink(missing_ok=True)
        return None
    report = command = None
    if resolved is not None:
        report = resolved.parent / "reports" / f"{incident}.html"
        command = (f"crisis-kit report {shlex.quote(str(resolved))} "
                   f"--out {shlex.quote(str(report.parent))}")
    record = {
        "incident": incident, "title": title, "brand": brand, "brand_folder": slug(brand),
        "marketplaces": markets, "route": route,
        "incident_yaml": None if incident_yaml is None else str(incident_yaml),
        "incident_yaml_resolved": None if resolved is None else str(resolved),
        "report": None if report is None else str(report), "report_command": command,
        "report_url": report_url, "store": store,
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.parent / f".{target.name}.partial"
    partial.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n",
                       encoding="utf-8", newline="\n")
    os.replace(partial, target)
    return target


def read_manifests(portfolio: str | Path) -> dict[tuple[str, str], dict]:
    """Every manifest of the portfolio by (brand folder, incident).

    Raises
    ------
    InputError
        When a manifest is not JSON (naming its line and column) or not an incident's.
    """
    found: dict[tuple[str, str], dict] = {}
    for path in sorted((Path(portfolio) / MANIFESTS).glob("brand=*/*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise InputError(f"the incident manifest is not JSON: {error.msg}",
                             f"{path}, line {error.lineno}, column {error.colno}",
                             "export the incident again (crisis-kit export-parquet or "
                             "portfolio ingest) to rewrite it, or delete the file") from None
        if not isinstance(record, dict) or not isinstance(record.get("incident"), str):
            raise InputError("the incident manifest names no incident", str(path),
                             "export the incident again to rewrite it, or delete the file")
        found[(path.parent.name.removeprefix("brand="), path.stem)] = record
    return found


def export_store(store: Store, portfolio: str | Path, brand: str, incident: str,
                 marketplace: str, tables: Iterable[str] = tuple(PORTFOLIO_TABLES)) -> list[Path]:
    """Write ``store``'s tables into ``portfolio``, one file per table and marketplace.

    The incident's earlier files of the same brand are replaced: each file is written
    beside its place under a hidden name, then renamed over it (a scan running meanwhile
    reads the old file or the new, never half of one), and a file of a marketplace the
    store no longer holds is removed. ``marketplace`` is the actions' partition where
    their file's own is not recorded. Returns the files written, in table order.
    """
    root = Path(portfolio)
    brand_folder = f"brand={slug(brand)}"
    name = f"{slug(incident)}.parquet"
    written: list[Path] = []
    con = store.con
    for table_name in tables:
        table = PORTFOLIO_TABLES[table_name]
        markets = [m for (m,) in con.execute(
            f"SELECT DISTINCT {table.market} FROM {table.source} ORDER BY 1",
            {"default_market": marketplace} if "$default_market" in table.market else {},
        ).fetchall()]
        columns = ", ".join(c.select() for c in table.columns)
        for market in markets:
            folder = root / table.name / f"marketplace={_market_folder(market)}" / brand_folder
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / name
            partial = folder / f".{name}.partial"
            params = {"incident": incident, "market": market}
            if "$default_market" in table.market:
                params["default_market"] = marketplace
            con.execute(
                f"COPY (SELECT {columns} FROM {table.source} WHERE {table.market} = $market "
                f"ORDER BY {table.order}) TO {_quoted(partial)} (FORMAT parquet)", params)
            os.replace(partial, target)
            written.append(target)
        for old in sorted((root / table.name).glob(f"marketplace=*/{brand_folder}/{name}")):
            if old not in written:  # the store holds no rows of that marketplace any more
                old.unlink()
    return written


def export_incident(incident: Incident | str | Path, portfolio: str | Path, brand: str,
                    tables: Iterable[str] = tuple(PORTFOLIO_TABLES)) -> list[Path]:
    """Write an incident's events, sales, orders and actions into ``portfolio``.

    Reads the incident's evidence store (read-only: a store made by an earlier version is
    read as if it had today's columns, NULL where it has none). Exporting again replaces
    the incident's files: the same store gives the same bytes.

    Also writes the incident's manifest (:func:`write_manifest`): the incident.yaml as
    given and resolved (for an :class:`Incident`, ``incident.yaml`` in its folder), and
    where its report is and how to make it, for the portfolio page.

    Raises
    ------
    InputError
        When the incident has no store yet (nothing was ingested).
    """
    from ..config import Incident, load_incident, marketplaces

    given: str | Path | None
    resolved: Path | None
    if isinstance(incident, Incident):  # the kit's convention: incident.yaml in its folder
        given = resolved = incident.root.resolve() / "incident.yaml"
        if not resolved.is_file():  # not known: the page says to export it again by path
            given = resolved = None
    else:
        given, resolved = incident, Path(incident).resolve()
        incident = load_incident(incident)
    with open_store(incident.store_path, read_only=True) as store:
        written = export_store(store, portfolio, brand, incident.incident,
                               marketplaces.get(incident.marketplace).code, tables)
    write_manifest(portfolio, brand, incident.incident, "export-parquet", given, resolved,
                   title=incident.title, report_url=incident.report_url,
                   store=str(incident.store_path.resolve()))
    return written


@dataclass(frozen=True)
class PortfolioIngest:
    """What a direct ingest did: each file's counts, the store it fills, the files written."""

    store: Path
    reports: list[IngestReport]
    written: list[Path]
    manifest: Path | None = None


def ingest_files(portfolio: str | Path, brand: str, incident: str, files: Sequence[str | Path],
                 marketplace: str | None = None, format: str | None = None,
                 date: dt.date | None = None, encoding: str | None = None,
                 on_file: Callable[[Path, IngestReport], None] | None = None
                 ) -> PortfolioIngest:
    """Ingest export files straight into a portfolio folder, for one brand and incident.

    Every file goes through the kit's ingest (:func:`crisis_kit.ingest.ingest_file`, every
    check): into the store ``PORTFOLIO/.stores/<brand>/<incident>.duckdb`` (made on first
    use), new rows added, rows seen before counted as duplicates, bad rows quarantined
    there with their reasons (its ``rejections`` table); then the store's tables are
    exported as :func:`export_incident` does. Running again with more files appends.

    ``marketplace`` (default US) is how the files are read (time zone, date order,
    decimal mark) and the actions' partition; ``format``, ``date`` (a Business Report's
    day) and ``encoding`` apply to every file, as ``inspect``'s flags do.

    Raises
    ------
    InputError
        When the incident name is not a slug, no file is named, or a file is missing,
        empty or cannot be read as a whole (files named before it stay ingested and
        exported).
    """
    from ..config import marketplaces
    from ..ingest import FileSpec, ingest_file
    from ..ingest.sniff import check_file

    if not _SLUG.fullmatch(incident):
        raise InputError(f"the incident name {incident!r} is not a slug", "--incident",
                         "use lower-case letters, digits and '-' (e.g. valve-leak-2022), as "
                         "incident.yaml's `incident:`")
    paths = [Path(f) for f in files]
    if not paths:
        raise InputError("no export file was named", None,
                         "name the files after the portfolio folder: crisis-kit portfolio "
                         "ingest PORTFOLIO --brand B --incident NAME FILE...")
    for path in paths:  # all of them before any is read: a typo ingests nothing
        check_file(path)
    market = marketplaces.get(marketplace or "US").code
    target = store_path(portfolio, brand, incident)
    reports: list[IngestReport] = []
    with open_store(target, salt_seed=incident) as store:
        try:
            for path in paths:
                report = ingest_file(store, FileSpec(
                    path, marketplace=market, format=format, encoding=encoding, date=date,
                    marketplace_given=marketplace is not None))
                reports.append(report)
                if on_file:
                    on_file(path, report)
        finally:  # the portfolio shows what the store holds, even when a file failed
            written = export_store(store, portfolio, brand, incident, market)
            manifest = write_manifest(portfolio, brand, incident, "portfolio ingest",
                                      store=target.relative_to(portfolio).as_posix())
    return PortfolioIngest(target, reports, written, manifest)
