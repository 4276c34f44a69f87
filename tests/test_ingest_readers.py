"""Every reader on a tiny fixture named by its expected outcome (tests/fixtures/exports).

Each fixture is made from the verbatim headers and real rows of design.md section 5.
The tests check what the ingest says (format, encoding, counts that always add up:
read = accepted + rejected + duplicates), what it stores (UTC ``occurred_at`` and the
marketplace-local ``local_date``, worked out by hand in the comments), and how it
refuses what it cannot read.

Time zones used below (Amazon's report zones, crisis_kit.config.marketplaces):
US America/Los_Angeles (PDT = UTC-7 from March to November, PST = UTC-8 in winter),
UK Europe/London (BST = UTC+1 in summer, GMT = UTC), DE Europe/Berlin (CEST = UTC+2,
CET = UTC+1), JP Asia/Tokyo (UTC+9, no DST), IN Asia/Kolkata (UTC+5:30).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from crisis_kit.errors import InputError
from crisis_kit.ingest import FORMATS, FileSpec, ingest_file, inspect_file
from crisis_kit.store import open_store

from .conftest import FIXTURES

EXPORTS = FIXTURES / "exports"
D = dt.date
T = dt.datetime
UTC = dt.UTC


# -- helpers ----------------------------------------------------------------------------


def rows_of(store, table: str) -> list[dict[str, Any]]:
    """A table as plain Python rows (datetime, date, float, bool, None)."""
    cursor = store.con.execute(f"SELECT * FROM {table}")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def ingest(tmp_path: Path, name: str | Path, **spec: Any):
    """Ingest one export into a fresh on-disk store; return the report and every table."""
    path = name if isinstance(name, Path) else EXPORTS / name
    with open_store(tmp_path / "s.duckdb") as store:
        report = ingest_file(store, FileSpec(path, **spec))
        tables = {t: rows_of(store, t) for t in
                  ("events", "sales", "orders", "actions", "files", "rejections", "voc")}
    return report, tables


def counts(report) -> tuple[int, int, int, int]:
    return report.read, report.accepted, report.rejected, report.duplicates


def by_row(rows: list[dict[str, Any]], *keys: str) -> dict[Any, dict[str, Any]]:
    """Rows keyed by ``source_row`` (and further columns, for rows that make several)."""
    keyed = {}
    for row in rows:
        key = row["source_row"] if not keys else (row["source_row"], *(row[k] for k in keys))
        assert key not in keyed, f"two stored rows for {key}"
        keyed[key] = row
    return keyed


def assert_subset(row: dict[str, Any], expected: dict[str, Any]) -> None:
    got = {k: row[k] for k in expected}
    assert got == expected


# -- every fixture: format, encoding, counts --------------------------------------------


@dataclass(frozen=True)
class Case:
    file: str
    format: str
    encoding: str
    table: str
    counts: tuple[int, int, int, int]  # read, accepted, rejected, duplicates
    records: int | None = None  # records added, where a row makes more or fewer than one
    spec: dict[str, Any] = field(default_factory=dict)


BR_DAY = {"date": D(2022, 5, 3)}
INCIDENT_ASINS = {"asins": ("B0EXAMPLE1", "B0EXAMPLE2", "B0EXAMPLE3")}

CASES = [
    # The real FBA row, three more, and the real row again (an overlapping export).
    Case("fba-returns-pass.txt", "amazon-fba-returns", "utf-8", "events", (5, 4, 0, 1)),
    Case("mfn-returns-pass.csv", "amazon-mfn-returns", "utf-8", "events", (3, 3, 0, 0)),
    Case("seller-feedback-6col-us-pass.txt", "amazon-seller-feedback", "cp1252", "events",
         (3, 3, 0, 0)),
    Case("seller-feedback-9col-uk-pass.txt", "amazon-seller-feedback", "cp1252", "events",
         (3, 3, 0, 0), spec={"marketplace": "UK"}),
    Case("seller-feedback-de-pass.txt", "amazon-seller-feedback", "cp1252", "events",
         (2, 2, 0, 0), spec={"marketplace": "DE"}),
    Case("seller-feedback-jp-sjis-pass.txt", "amazon-seller-feedback", "shift_jis", "events",
         (3, 3, 0, 0), spec={"marketplace": "JP"}),
    Case("business-report-current-pass.csv", "business-report", "utf-8", "sales", (2, 2, 0, 0),
         spec=BR_DAY),
    Case("business-report-older-headers-pass.csv", "business-report", "utf-8", "sales",
         (2, 2, 0, 0), spec=BR_DAY),
    Case("business-report-split-sessions-pass.csv", "business-report", "utf-8", "sales",
         (1, 1, 0, 0), spec=BR_DAY),
    Case("business-report-eu-numbers-pass.csv", "business-report", "utf-8", "sales",
         (2, 2, 0, 0), spec={**BR_DAY, "marketplace": "DE"}),
    # The trailing totals row is quarantined, not counted as an ASIN.
    Case("business-report-total-row-pass.csv", "business-report", "utf-8", "sales",
         (3, 2, 1, 0), spec=BR_DAY),
    # One by-date row and two by-ASIN rows; the incident's third ASIN is filled with 0.
    Case("sales-traffic-one-day-pass.json", "amazon-sales-traffic", "utf-8", "sales",
         (3, 3, 0, 0), records=4, spec=INCIDENT_ASINS),
    Case("all-orders-pass.txt", "amazon-all-orders", "utf-8", "orders", (4, 4, 0, 0)),
    Case("helium10-reviews-pass.csv", "helium10-reviews", "utf-8", "events",
         (3, 3, 0, 0)),
    # Row 3 repeats row 1's (profile, date, text) from another page: a duplicate.
    Case("scraped-reviews-in-pass.csv", "scraped-reviews", "cp1252", "events", (3, 2, 0, 1),
         spec={"marketplace": "IN"}),
    # Review pages of amazon.de and amazon.co.jp saved with Amazon's own date line; the
    # German file's last row ("vor 2 Tagen") has no date to read and is quarantined.
    Case("reviews-de-date-line-pass.csv", "helium10-reviews", "utf-8-sig", "events",
         (5, 4, 1, 0), spec={"marketplace": "DE"}),
    Case("reviews-ja-date-line-pass.csv", "scraped-reviews", "utf-8", "events", (4, 4, 0, 0),
         spec={"marketplace": "JP"}),
    Case("mcauley-2023-pass.jsonl", "mcauley-2023", "utf-8", "events", (2, 2, 0, 0)),
    # The 2018 release copies a review onto each variant ASIN: one review, one event.
    Case("mcauley-2018-array-pass.json", "mcauley-2018", "utf-8", "events", (3, 2, 0, 1)),
    Case("mcauley-2018-jsonl-pass.json", "mcauley-2018", "utf-8", "events", (3, 2, 0, 1)),
    Case("amazon-reviews-pass.tsv", "amazon-reviews-tsv", "utf-8", "events", (3, 3, 0, 0)),
    # Row 3 lists two ASINs: one row, two events.
    Case("datafiniti-multi-asin-pass.csv", "datafiniti-reviews", "utf-8", "events", (3, 3, 0, 0),
         records=4),
    Case("claims-pass.csv", "claims", "utf-8", "events", (3, 3, 0, 0)),
    Case("actions-pass.csv", "actions", "utf-8", "actions", (3, 3, 0, 0)),
    Case("utf16-bom-pass.txt", "helium10-reviews", "utf-16", "events", (2, 2, 0, 0)),
    Case("gbk-chinese-reviews-pass.csv", "helium10-reviews", "gb18030", "events", (3, 3, 0, 0)),
    Case("utf8-bom-crlf-pass.csv", "claims", "utf-8-sig", "events", (2, 2, 0, 0)),
    # Bad input: the bad row is quarantined, the others are accepted.
    Case("mixed-encoding-fail.csv", "helium10-reviews", "utf-8", "events", (4, 3, 1, 0)),
    Case("truncated-last-line-fail.csv", "helium10-reviews", "utf-8", "events", (3, 2, 1, 0)),
    Case("rating-7-fail.csv", "helium10-reviews", "utf-8", "events", (3, 2, 1, 0)),
    # Pure ASCII, so it is (also) valid UTF-8.
    Case("day-first-date-in-us-fail.txt", "amazon-seller-feedback", "utf-8", "events",
         (2, 1, 1, 0)),
    Case("header-only-pass.csv", "helium10-reviews", "utf-8", "events", (0, 0, 0, 0)),
    Case("formula-cell-pass.csv", "helium10-reviews", "utf-8", "events", (2, 2, 0, 0)),
    # Issue 10: real shapes of sellers' exports (tests/test_localised_reports.py and the
    # other issue-10 test files check their values).
    Case("business-report-de-localised-pass.csv", "business-report", "utf-8-sig", "sales",
         (2, 2, 0, 0), spec={**BR_DAY, "marketplace": "DE"}),
    Case("business-report-zh-gb18030-pass.csv", "business-report", "gb18030", "sales",
         (1, 1, 0, 0), spec=BR_DAY),
    Case("business-report-ja-pass.csv", "business-report", "utf-8-sig", "sales", (1, 1, 0, 0),
         spec={**BR_DAY, "marketplace": "JP"}),
    Case("business-report-es-spain-pass.csv", "business-report", "utf-8-sig", "sales",
         (3, 3, 0, 0), spec={**BR_DAY, "marketplace": "ES"}),
    # One child ASIN under two parents with other numbers: two rows, both kept.
    Case("business-report-child-under-two-parents-pass.csv", "business-report", "utf-8",
         "sales", (2, 2, 0, 0), spec={**BR_DAY, "marketplace": "UK"}),
    Case("business-report-no-sku-pass.csv", "business-report", "utf-8", "sales", (2, 2, 0, 0),
         spec={**BR_DAY, "marketplace": "UK"}),
    # The same key again with other figures is refused; the same row again is a duplicate.
    Case("business-report-same-key-other-figures-fail.csv", "business-report", "utf-8",
         "sales", (3, 1, 1, 1), spec={**BR_DAY, "marketplace": "UK"}),
    Case("business-report-repeated-header-fail.csv", "business-report", "utf-8", "sales",
         (3, 2, 1, 0), spec=BR_DAY),
    Case("voice-of-the-customer-pass.csv", "amazon-voc", "utf-8", "voc", (4, 3, 1, 0)),
    Case("fba-returns-amazon-order-id-pass.txt", "amazon-fba-returns", "utf-8", "events",
         (1, 1, 0, 0), spec={"marketplace": "CA"}),
    Case("all-orders-quantity-purchased-pass.txt", "amazon-all-orders", "utf-8", "orders",
         (1, 1, 0, 0), spec={"marketplace": "ES"}),
    Case("all-orders-order-item-id-pass.txt", "amazon-all-orders", "utf-8", "orders",
         (3, 2, 0, 1), spec={"marketplace": "ES"}),
    Case("all-orders-quote-in-name-pass.txt", "amazon-all-orders", "utf-8", "orders",
         (2, 2, 0, 0), spec={"marketplace": "ES"}),
    # Three returns; one became an A-to-z claim, one a SAFE-T claim: five records.
    Case("mfn-returns-safe-t-and-a-to-z-claims-pass.csv", "amazon-mfn-returns", "utf-8",
         "events", (3, 3, 0, 0), records=5),
    Case("csv-named-xlsx-pass.xlsx", "helium10-reviews", "utf-8", "events", (1, 1, 0, 0)),
    Case("html-table-named-xls-pass.xls", "helium10-reviews", "html (utf-8)", "events",
         (1, 1, 0, 0)),
]


@pytest.mark.parametrize("case", CASES, ids=[c.file for c in CASES])
def test_format_encoding_and_counts(case, tmp_path):
    report, tables = ingest(tmp_path, case.file, **case.spec)
    assert (report.format, report.encoding, report.table) == (case.format, case.encoding,
                                                              case.table)
    assert counts(report) == case.counts
    assert report.read == report.accepted + report.rejected + report.duplicates
    assert report.records_added == (case.records if case.records is not None
                                    else case.counts[1])
    assert len(tables[case.table]) == report.records_added
    assert len(report.rejections) == report.rejected
    # Every refused row is kept, with its reason, in the store.
    assert sorted(r["source_row"] for r in tables["rejections"]) == sorted(
        r["row"] for r in report.rejections)
    assert all(r["reason"] for r in tables["rejections"])
    # The file is recorded with the same counts and its sha256.
    (record,) = tables["files"]
    data = (EXPORTS / case.file).read_bytes()
    assert record["sha256"] == hashlib.sha256(data).hexdigest()
    assert record["size"] == len(data)
    assert (record["format"], record["encoding"], record["table_name"]) == (
        case.format, case.encoding, case.table)
    assert (record["rows_read"], record["accepted"], record["rejected"], record["duplicates"],
            record["records_added"]) == (*case.counts, report.records_added)


@pytest.mark.parametrize("case", CASES, ids=[c.file for c in CASES])
def test_reingest_adds_nothing(case, tmp_path):
    path = EXPORTS / case.file
    with open_store(tmp_path / "s.duckdb") as store:
        first = ingest_file(store, FileSpec(path, **case.spec))
        second = ingest_file(store, FileSpec(path, **case.spec))
        stored = len(rows_of(store, case.table))
    assert second.read == first.read
    assert (second.accepted, second.records_added) == (0, 0)
    assert second.rejected == first.rejected
    assert second.duplicates == first.read - first.rejected
    assert stored == first.records_added


INSPECTABLE = [c for c in CASES if not c.spec.get("date") and not c.spec.get("asins")]


@pytest.mark.parametrize("case", INSPECTABLE, ids=[c.file for c in INSPECTABLE])
def test_inspect_reports_like_ingest(case):
    report = inspect_file(EXPORTS / case.file, marketplace=case.spec.get("marketplace", "US"))
    shown = report.as_json()
    assert shown["format"] == case.format and shown["encoding"] == case.encoding
    assert shown["table"] == {"orders": "sales"}.get(case.table, case.table)
    read, accepted, rejected, duplicates = case.counts
    assert shown["rows"] == {"read": read, "accepted": accepted, "rejected": rejected,
                             "duplicates": duplicates}
    assert [set(r) for r in shown["rejections"]] == [{"row", "column", "reason"}] * rejected


# -- what is stored: events ---------------------------------------------------------------


def test_fba_returns(tmp_path):
    _, tables = ingest(tmp_path, "fba-returns-pass.txt")
    rows = by_row(tables["events"])
    assert sorted(rows) == [1, 2, 3, 4]  # row 5 repeats row 1
    # The real row of design.md: 2025-06-05T15:31:40+00:00 is kept as that instant; in
    # Los Angeles (PDT, UTC-7) it is 08:31:40 on the same day.
    assert_subset(rows[1], {
        "source": "fba_return", "marketplace": "US", "order_id": "114-2962899-5762619",
        "sku": "LVA1004-UPC", "asin": "B00TZ73MUY", "occurred_at": T(2025, 6, 5, 15, 31, 40),
        "local_date": D(2025, 6, 5), "date_precision": "second", "rating": None,
        "reason": "NOT_COMPATIBLE", "status": "IMMEDIATE_DONATION",
        "disposition": "CUSTOMER_DAMAGED", "text": None,
        "is_negative": False,  # NOT_COMPATIBLE is a fit reason, not quality or safety
    })
    # 02:10 UTC on 6 June is 19:10 PDT on 5 June: the local day is the 5th.
    assert_subset(rows[2], {"occurred_at": T(2025, 6, 6, 2, 10), "local_date": D(2025, 6, 5),
                            "reason": "DEFECTIVE", "is_negative": True,
                            "text": "pump stopped after two days"})
    assert_subset(rows[3], {"reason": "SAFETY_HAZARD", "is_negative": True,
                            "local_date": D(2025, 6, 7)})  # 18:45:12Z = 11:45:12 PDT
    assert_subset(rows[4], {"reason": "DAMAGED_BY_CARRIER", "is_negative": False})


def test_mfn_returns_date_only_is_local_midnight(tmp_path):
    _, tables = ingest(tmp_path, "mfn-returns-pass.csv")
    rows = by_row(tables["events"])
    # 2022-05-03 in the US: midnight PDT = 07:00 UTC.
    assert_subset(rows[1], {
        "source": "mfn_return", "order_id": "112-1111111-1111111", "asin": "B0EXAMPLE1",
        "sku": "BOT-VALVE-1", "occurred_at": T(2022, 5, 3, 7), "local_date": D(2022, 5, 3),
        "date_precision": "day", "reason": "CR-DEFECTIVE", "status": "Approved",
        "is_negative": True,
    })
    assert_subset(rows[2], {"occurred_at": T(2022, 5, 4, 7), "reason": "CR-UNWANTED_ITEM",
                            "is_negative": False})
    # 2022-12-01: midnight PST = 08:00 UTC; "not as described" is a quality reason.
    assert_subset(rows[3], {"occurred_at": T(2022, 12, 1, 8), "local_date": D(2022, 12, 1),
                            "reason": "AMZ-PG-BAD-DESC", "is_negative": True})


# (file, marketplace, {row: (occurred_at UTC, local_date, rating, is_negative)}, text of row 1)
FEEDBACK = [
    # US, M/D/YY. 5/3/22 = 3 May (PDT: 07:00 UTC); 12/25/22 = 25 Dec (PST: 08:00 UTC).
    ("seller-feedback-6col-us-pass.txt", "US", {
        1: (T(2022, 5, 3, 7), D(2022, 5, 3), 1.0, True),
        2: (T(2022, 12, 25, 8), D(2022, 12, 25), 2.0, True),
        3: (T(2023, 1, 2, 8), D(2023, 1, 2), 3.0, False),  # 3 stars: not negative
    }, "Bottle leaks \u2013 the valve\u2019s cracked. Tr\u00e8s d\u00e9\u00e7u."),
    # UK, D/M/YY. 3/5/22 = 3 May, BST: midnight = 23:00 UTC on 2 May. 25/12/22, GMT.
    ("seller-feedback-9col-uk-pass.txt", "UK", {
        1: (T(2022, 5, 2, 23), D(2022, 5, 3), 1.0, True),
        2: (T(2022, 12, 25, 0), D(2022, 12, 25), 2.0, True),
        3: (T(2023, 2, 1, 0), D(2023, 2, 1), 3.0, False),  # 1/2/23 is 1 February here
    }, "Valve split after a week, \u00a312.99 wasted"),
    # DE, D.M.YY. 3.5.22, CEST: midnight = 22:00 UTC on 2 May; 24.12.22, CET: 23:00 UTC.
    ("seller-feedback-de-pass.txt", "DE", {
        1: (T(2022, 5, 2, 22), D(2022, 5, 3), 1.0, True),
        2: (T(2022, 12, 23, 23), D(2022, 12, 24), 2.0, True),
    }, "Flasche l\u00e4uft aus, Ventil defekt. Sehr \u00e4rgerlich!"),
    # JP, YYYY/M/D, Shift_JIS. Midnight JST = 15:00 UTC the day before.
    ("seller-feedback-jp-sjis-pass.txt", "JP", {
        1: (T(2022, 5, 2, 15), D(2022, 5, 3), 1.0, True),
        2: (T(2022, 12, 23, 15), D(2022, 12, 24), 2.0, True),
        3: (T(2023, 1, 1, 15), D(2023, 1, 2), 3.0, False),
    }, "哺乳瓶のバルブから漏れます。返品したいです。"),
]


@pytest.mark.parametrize(("name", "marketplace", "expected", "first_text"), FEEDBACK,
                         ids=[f[0] for f in FEEDBACK])
def test_seller_feedback_dates_by_marketplace(name, marketplace, expected, first_text, tmp_path):
    _, tables = ingest(tmp_path, name, marketplace=marketplace)
    rows = by_row(tables["events"])
    got = {n: (r["occurred_at"], r["local_date"], r["rating"], r["is_negative"])
           for n, r in rows.items()}
    assert got == expected
    assert rows[1]["text"] == first_text
    assert {r["source"] for r in rows.values()} == {"seller_feedback"}
    assert {r["marketplace"] for r in rows.values()} == {marketplace}
    assert {r["date_precision"] for r in rows.values()} == {"day"}
    assert all(r["order_id"] for r in rows.values())
    # Rater Email is hashed; a row without one has no author.
    assert rows[1]["author_hash"] and len(rows[1]["author_hash"]) == 24


def test_seller_feedback_keeps_the_response_and_names_extra_columns(tmp_path):
    report, tables = ingest(tmp_path, "seller-feedback-jp-sjis-pass.txt", marketplace="JP")
    assert by_row(tables["events"])[3]["response"] == "ご迷惑をおかけしました。"
    report, _ = ingest(tmp_path / "uk", "seller-feedback-9col-uk-pass.txt", marketplace="UK")
    assert report.unknown_columns == ["Arrived on Time", "Item as Described", "Customer Service"]


def test_helium10_reviews(tmp_path):
    report, tables = ingest(tmp_path, "helium10-reviews-pass.csv")
    rows = by_row(tables["events"])
    # "January 15, 2024", US: midnight PST = 08:00 UTC; "June 3, 2024": PDT, 07:00 UTC.
    assert_subset(rows[1], {
        "source": "review", "occurred_at": T(2024, 1, 15, 8), "local_date": D(2024, 1, 15),
        "date_precision": "day", "rating": 1.0, "is_negative": True, "verified": True,
        "helpful_votes": 5087,  # "5,087"
        "asin": "B0EXAMPLE1",  # from ...customer-reviews/R1.../?ie=UTF8&ASIN=B0EXAMPLE1
        "title": "Leaks everywhere", "variant": "Color: Blue",
    })
    assert_subset(rows[2], {"occurred_at": T(2024, 6, 3, 7), "rating": 4.0, "is_negative": False,
                            "asin": "B0EXAMPLE2", "helpful_votes": 0})  # .../dp/B0EXAMPLE2
    assert_subset(rows[3], {
        "occurred_at": T(2024, 6, 4, 7), "rating": 2.0, "is_negative": True,
        "asin": "B0EXAMPLE1",  # .../product-reviews/B0EXAMPLE1/ref=...
        "text": 'Cracked after a week; "anti-colic" my foot.', "helpful_votes": 12,
    })
    assert report.unknown_columns == ["Images", "Videos"]


def test_helium10_empty_verified_is_false(tmp_path):
    _, tables = ingest(tmp_path, "helium10-reviews-pass.csv")
    assert by_row(tables["events"])[2]["verified"] is False


def test_scraped_reviews_values(tmp_path):
    _, tables = ingest(tmp_path, "scraped-reviews-in-pass.csv", marketplace="IN")
    rows = by_row(tables["events"])
    assert sorted(rows) == [1, 2]
    # "12 December 2018" in India: midnight IST (UTC+5:30) = 18:30 UTC on 11 December.
    assert_subset(rows[1], {
        "marketplace": "IN", "occurred_at": T(2018, 12, 11, 18, 30),
        "local_date": D(2018, 12, 12), "date_precision": "day",
        "rating": 1.0,  # "1.0 out of 5 stars"
        "helpful_votes": 5087,  # "5,087 people found this helpful"
        "asin": "B0EXAMPLE1",  # only inside the url
        "text": "Leaks from the valve \u2013 returned it.",  # cp1252 en dash
        "is_negative": True,
    })
    assert_subset(rows[2], {"rating": 4.0, "helpful_votes": 1,  # "One person found this..."
                            "local_date": D(2019, 1, 2), "is_negative": False})


def test_amazon_de_review_date_lines(tmp_path):
    report, tables = ingest(tmp_path, "reviews-de-date-line-pass.csv", marketplace="DE")
    rows = by_row(tables["events"])
    assert sorted(rows) == [1, 2, 3, 4]
    # "Rezension aus Deutschland vom 3. Mai 2023": midnight CEST (UTC+2) = 22:00 UTC on 2 May.
    assert_subset(rows[1], {
        "marketplace": "DE", "occurred_at": T(2023, 5, 2, 22, 0), "local_date": D(2023, 5, 3),
        "date_precision": "day", "rating": 1.0,  # "1,0 von 5 Sternen"
        "helpful_votes": 12,  # "12 Personen fanden diese Informationen hilfreich"
        "verified": True,  # "Verifizierter Kauf"
        "asin": "B0EXAMPLE1",
    })
    # "Bewertet in Deutschland am 1. März 2024": midnight CET (UTC+1) = 23:00 UTC, 29 Feb.
    assert_subset(rows[2], {"occurred_at": T(2024, 2, 29, 23, 0), "local_date": D(2024, 3, 1),
                            "rating": 4.0})
    # "Bewertet in Deutschland am 12.<NBSP>Dez. 2023": the abbreviation and the
    # non-breaking space Amazon's pages put after the day.
    assert_subset(rows[3], {"occurred_at": T(2023, 12, 11, 23, 0),
                            "local_date": D(2023, 12, 12), "asin": "B0EXAMPLE2"})
    # A review from amazon.co.uk shown on amazon.de: "Rezension aus dem Vereinigten
    # Königreich vom 28. Februar 2024" is still a day of the file's marketplace (DE).
    assert_subset(rows[4], {"marketplace": "DE", "local_date": D(2024, 2, 28),
                            "occurred_at": T(2024, 2, 27, 23, 0)})
    [rejected] = report.rejections
    assert rejected["row"] == 5 and rejected["column"] == "Date"
    assert rejected["reason"].startswith("cannot read the date 'vor 2 Tagen' as a DE date (DMY)")


def test_amazon_co_jp_review_date_lines(tmp_path):
    _, tables = ingest(tmp_path, "reviews-ja-date-line-pass.csv", marketplace="JP")
    rows = by_row(tables["events"])
    # "2023年5月3日に日本でレビュー済み": midnight JST (UTC+9) = 15:00 UTC on 2 May.
    assert_subset(rows[1], {
        "marketplace": "JP", "occurred_at": T(2023, 5, 2, 15, 0), "local_date": D(2023, 5, 3),
        "date_precision": "day", "rating": 1.0,  # "5つ星のうち1.0"
        "helpful_votes": 12,  # "12人のお客様がこれが役に立ったと考えています"
        "asin": "B0EXAMPLE1", "is_negative": True,
    })
    # "2024/01/01に日本でレビュー済み" (slashes), "2023年12月31日 に日本でレビュー済み" (a space),
    # "2023年4月28日にアメリカ合衆国でレビュー済み" (a review from amazon.com).
    assert_subset(rows[2], {"occurred_at": T(2023, 12, 31, 15, 0), "local_date": D(2024, 1, 1)})
    assert_subset(rows[3], {"local_date": D(2023, 12, 31), "helpful_votes": 1,
                            "asin": "B0EXAMPLE2"})
    assert_subset(rows[4], {"marketplace": "JP", "local_date": D(2023, 4, 28)})


def test_mcauley_2023_millisecond_timestamps(tmp_path):
    _, tables = ingest(tmp_path, "mcauley-2023-pass.jsonl")
    rows = by_row(tables["events"])
    # 1588687728923 ms = 2020-05-05 14:08:48.923 UTC = 07:08 PDT, same day.
    assert_subset(rows[1], {
        "occurred_at": T(2020, 5, 5, 14, 8, 48, 923000), "local_date": D(2020, 5, 5),
        "date_precision": "second", "rating": 1.0, "is_negative": True, "verified": True,
        "helpful_votes": 2, "asin": "B0EXAMPLE1", "parent_asin": "B0PARENT01",
        "title": "Leaks", "text": "Valve leaks.",
    })
    # 1577880000000 ms = 2020-01-01 12:00 UTC = 04:00 PST.
    assert_subset(rows[2], {"occurred_at": T(2020, 1, 1, 12), "local_date": D(2020, 1, 1),
                            "verified": False, "is_negative": False})


@pytest.mark.parametrize("name", ["mcauley-2018-array-pass.json", "mcauley-2018-jsonl-pass.json"])
def test_mcauley_2018(name, tmp_path):
    _, tables = ingest(tmp_path, name)
    rows = by_row(tables["events"])
    assert sorted(rows) == [1, 3]  # row 2 is row 1 copied onto another variant ASIN
    # unixReviewTime 1441324800 = 2015-09-04 00:00:00 UTC, a date written as a timestamp
    # (reviewTime "09 4, 2015"): the US local midnight, 07:00 UTC (PDT).
    assert_subset(rows[1], {
        "occurred_at": T(2015, 9, 4, 7), "local_date": D(2015, 9, 4), "date_precision": "day",
        "rating": 2.0, "is_negative": True, "asin": "B000K2PJ4K", "verified": True,
        "title": "Two Stars", "variant": "Size: Big Boys; Color: Blue/Orange",
    })
    # 1451606400 = 2016-01-01 00:00 UTC: midnight PST = 08:00 UTC; vote "1,234".
    assert_subset(rows[3], {"occurred_at": T(2016, 1, 1, 8), "local_date": D(2016, 1, 1),
                            "helpful_votes": 1234, "rating": 5.0, "verified": False})


def test_amazon_reviews_tsv_own_ids_and_row_marketplace(tmp_path):
    _, tables = ingest(tmp_path, "amazon-reviews-pass.tsv")
    rows = by_row(tables["events"])
    assert_subset(rows[1], {
        "event_id": "review:R1EXAMPLEAAAAA", "marketplace": "US", "asin": "B0EXAMPLE1",
        "parent_asin": "123456789", "rating": 1.0, "helpful_votes": 3, "verified": True,
        "title": "Leaks", "occurred_at": T(2015, 8, 31, 7), "local_date": D(2015, 8, 31),
        "is_negative": True,
    })
    assert_subset(rows[2], {"occurred_at": T(2015, 1, 10, 8), "verified": False})  # PST
    # The row's own marketplace column wins: DE, midnight CEST = 22:00 UTC the day before.
    assert_subset(rows[3], {"marketplace": "DE", "occurred_at": T(2015, 8, 30, 22),
                            "local_date": D(2015, 8, 31), "text": "Läuft aus."})


def test_datafiniti_row_with_two_asins_makes_two_events(tmp_path):
    _, tables = ingest(tmp_path, "datafiniti-multi-asin-pass.csv")
    rows = by_row(tables["events"], "asin")
    assert sorted(rows) == [(1, "B00ZV9PXP2"), (2, "B00QJDU3KY"), (3, "B00L9EPT8O"),
                            (3, "B01E6AO69U")]
    # 2017-09-03T00:00:00.000Z is a date (Datafiniti writes dates as midnight UTC): the US
    # local midnight, 07:00 UTC (PDT).
    assert_subset(rows[(1, "B00ZV9PXP2")], {"occurred_at": T(2017, 9, 3, 7),
                                            "local_date": D(2017, 9, 3),
                                            "date_precision": "day", "rating": 3.0,
                                            "is_negative": False})
    assert_subset(rows[(2, "B00QJDU3KY")], {"rating": 1.0, "is_negative": True})
    # A real time: 16:56:05 UTC = 08:56:05 PST, same day.
    both = [rows[(3, "B00L9EPT8O")], rows[(3, "B01E6AO69U")]]
    for row in both:
        assert_subset(row, {"occurred_at": T(2017, 1, 2, 16, 56, 5), "local_date": D(2017, 1, 2),
                            "date_precision": "second", "rating": 5.0,
                            "text": "Great for the kids."})
    assert both[0]["event_id"] != both[1]["event_id"]


def test_claims_are_negative(tmp_path):
    _, tables = ingest(tmp_path, "claims-pass.csv")
    rows = by_row(tables["events"])
    assert {r["source"] for r in rows.values()} == {"claim"}
    assert all(r["is_negative"] and r["rating"] is None for r in rows.values())
    assert_subset(rows[1], {"order_id": "113-7777777-7777777", "asin": "B0EXAMPLE1",
                            "occurred_at": T(2022, 5, 4, 7), "local_date": D(2022, 5, 4),
                            "status": "Open"})


def test_actions_keep_their_zone(tmp_path):
    _, tables = ingest(tmp_path, "actions-pass.csv")
    rows = by_row(tables["actions"])
    assert {n: (r["at"], r["lane"]) for n, r in rows.items()} == {
        1: (T(2022, 5, 3, 16, 30, tzinfo=UTC), "cs"),  # 09:30-07:00
        2: (T(2022, 5, 3, 17, 5, tzinfo=UTC), "pr"),
        3: (T(2022, 5, 3, 16, 0, tzinfo=UTC), "tech"),
    }
    assert_subset(rows[1], {"action": "Template reply to all open cases", "channel": "email",
                            "owner": "Ana", "ref": "CASE-1"})
    assert rows[2]["ref"] is None


def test_actions_log_without_zone_is_refused_whole(tmp_path):
    with pytest.raises(InputError) as caught:
        ingest(tmp_path, "actions-zoneless-time-fail.csv")
    message = str(caught.value)
    assert "actions-zoneless-time-fail.csv" in message
    assert "line 3" in message and "'2022-05-03 10:05:00'" in message
    assert "Fix:" in message and "2022-05-03T09:30:00-07:00" in message
    with open_store(tmp_path / "s.duckdb") as store:
        assert rows_of(store, "actions") == [] and rows_of(store, "files") == []


# -- what is stored: sales and orders ------------------------------------------------------

REAL_BR_ROW = {  # the real Business Report row of design.md, parsed
    "date": D(2022, 5, 3), "marketplace": "US", "asin": "B096MCMDPL",
    "parent_asin": "B0CKPQNSHN", "sku": "5K-SC4U-PO06",
    "sessions": 12131.0,  # "12,131"
    "page_views": 17004.0,  # "17,004"
    "buy_box_pct": 99.8,  # 99.80%
    "units": 683.0,
    "unit_session_pct": 5.63,  # 5.63%
    "revenue": 12905.25,  # "$12,905.25"
    "currency": "USD", "source": "business_report",
}


@pytest.mark.parametrize("name", ["business-report-current-pass.csv",
                                  "business-report-older-headers-pass.csv",
                                  "business-report-split-sessions-pass.csv",
                                  "business-report-total-row-pass.csv"])
def test_business_report_numbers(name, tmp_path):
    _, tables = ingest(tmp_path, name, date=D(2022, 5, 3))
    rows = {r["asin"]: r for r in tables["sales"]}
    # Split files: sessions 8,100 (app) + 4,031 (browser); page views 11,000 + 6,004.
    assert_subset(rows["B096MCMDPL"], REAL_BR_ROW)


def test_business_report_eu_numbers(tmp_path):
    _, tables = ingest(tmp_path, "business-report-eu-numbers-pass.csv", date=D(2022, 5, 3),
                       marketplace="DE")
    rows = {r["asin"]: r for r in tables["sales"]}
    assert_subset(rows["B096MCMDPL"], {
        "marketplace": "DE", "currency": "EUR",
        "sessions": 1234.0,  # "1.234"
        "page_views": 1780.0,  # "1.780"
        "buy_box_pct": 99.8,  # "99,80 %"
        "unit_session_pct": 4.62,  # "4,62 %"
        "units": 57.0,
        "revenue": 1234.56,  # "1.234,56 €"
    })
    assert rows["B096MCMXYZ"]["revenue"] == 64.47  # "64,47 €"


def test_business_report_total_row_is_quarantined(tmp_path):
    report, tables = ingest(tmp_path, "business-report-total-row-pass.csv", date=D(2022, 5, 3))
    assert {r["asin"] for r in tables["sales"]} == {"B096MCMDPL", "B096MCMXYZ"}
    assert sum(r["units"] for r in tables["sales"]) == 683 + 31  # the total is not added
    (rejection,) = report.rejections
    assert rejection["row"] == 3
    assert rejection["column"].lower() == "(child) asin"
    assert "summary" in rejection["reason"]


def test_business_report_day_from_the_file_name(tmp_path):
    named = tmp_path / "BusinessReport-2022-05-03.csv"
    named.write_bytes((EXPORTS / "business-report-current-pass.csv").read_bytes())
    _, tables = ingest(tmp_path, named)
    assert {r["date"] for r in tables["sales"]} == {D(2022, 5, 3)}
    other = tmp_path / "br_20220504_us.csv"
    other.write_bytes(named.read_bytes())
    _, tables = ingest(tmp_path / "p", other, date_pattern=r"br_(?P<date>\d{8})")
    assert {r["date"] for r in tables["sales"]} == {D(2022, 5, 4)}


def test_business_report_without_a_day_says_how_to_give_one():
    with pytest.raises(InputError) as caught:
        inspect_file(EXPORTS / "business-report-current-pass.csv")
    message = str(caught.value)
    assert "business-report-current-pass.csv" in message
    assert "no date" in message and "`date:" in message and "date_pattern" in message


@pytest.mark.parametrize(("asins", "expected"), [
    # The incident's B0EXAMPLE3 sold nothing that day, so the report omits it: filled with 0.
    (INCIDENT_ASINS["asins"], {"*": 52.0, "B0EXAMPLE1": 40.0, "B0EXAMPLE2": 12.0,
                               "B0EXAMPLE3": 0.0}),
    ((), {"*": 52.0, "B0EXAMPLE1": 40.0, "B0EXAMPLE2": 12.0}),
])
def test_sales_traffic_one_day_zero_fills_missing_asins(asins, expected, tmp_path):
    report, tables = ingest(tmp_path, "sales-traffic-one-day-pass.json", asins=asins)
    assert {r["asin"]: r["units"] for r in tables["sales"]} == expected
    assert {r["date"] for r in tables["sales"]} == {D(2022, 5, 3)}
    assert report.records_added == len(expected)
    one = next(r for r in tables["sales"] if r["asin"] == "B0EXAMPLE1")
    assert_subset(one, {"marketplace": "US", "parent_asin": "B0PARENT01", "revenue": 399.6,
                        "currency": "USD", "sessions": 850.0, "page_views": 1200.0,
                        "buy_box_pct": 99.0, "unit_session_pct": 4.71,
                        "source": "sales_traffic"})


def test_all_orders_local_days(tmp_path):
    path = EXPORTS / "all-orders-pass.txt"
    with open_store(tmp_path / "s.duckdb") as store:
        ingest_file(store, FileSpec(path))
        orders = by_row(rows_of(store, "orders"))
        daily = store.sales()
    # 07:12:45 UTC = 00:12:45 PDT on 3 May; 06:59:59 UTC = 23:59:59 PDT on 2 May;
    # 03:30 UTC on 4 May = 20:30 PDT on 3 May.
    assert {n: (o["purchased_at"], o["local_date"]) for n, o in orders.items()} == {
        1: (T(2022, 5, 3, 7, 12, 45), D(2022, 5, 3)),
        2: (T(2022, 5, 3, 6, 59, 59), D(2022, 5, 2)),
        3: (T(2022, 5, 3, 20), D(2022, 5, 3)),
        4: (T(2022, 5, 4, 3, 30), D(2022, 5, 3)),
    }
    assert_subset(orders[1], {"order_id": "111-0000001-0000001", "sku": "BOT-VALVE-1",
                              "asin": "B0EXAMPLE1", "quantity": 2.0, "item_price": 39.98,
                              "currency": "USD", "status": "Shipped"})
    # Daily units per ASIN; the cancelled order does not count.
    units = {(r.date.date(), r.asin): r.units for r in daily.itertuples() if r.source == "orders"}
    assert units == {(D(2022, 5, 2), "B0EXAMPLE1"): 1.0, (D(2022, 5, 3), "B0EXAMPLE1"): 2.0,
                     (D(2022, 5, 3), "B0EXAMPLE2"): 1.0}


# -- encodings ------------------------------------------------------------------------------


def test_utf16_bom_excel_unicode_text(tmp_path):
    _, tables = ingest(tmp_path, "utf16-bom-pass.txt")
    rows = by_row(tables["events"])
    assert_subset(rows[1], {"title": "Très déçu", "text": "La valve fuit dès le premier jour. 漏水",
                            "occurred_at": T(2024, 2, 2, 8), "rating": 1.0, "helpful_votes": 3,
                            "verified": True})


def test_gbk_chinese_reviews(tmp_path):
    _, tables = ingest(tmp_path, "gbk-chinese-reviews-pass.csv")
    rows = by_row(tables["events"])
    assert_subset(rows[1], {
        "title": "奶瓶漏水",
        "text": "奶瓶的防胀气阀门漏水，宝宝衣服全湿了。" "质量太差，要求退货退款。",
        "variant": "颜色：蓝色", "rating": 1.0, "is_negative": True,
    })
    assert rows[3]["text"] == "总体还可以，就是清洗比较麻烦。"


def test_utf8_bom_and_crlf(tmp_path):
    _, tables = ingest(tmp_path, "utf8-bom-crlf-pass.csv")
    rows = by_row(tables["events"])
    # The BOM does not stick to the first column, nor CR to the last.
    assert rows[1]["order_id"] == "113-7777777-7777777"
    assert [rows[1]["status"], rows[2]["status"]] == ["Open", "Closed"]
    for row in rows.values():
        assert all("\r" not in v and "\ufeff" not in v for v in row.values()
                   if isinstance(v, str))


# -- bad input --------------------------------------------------------------------------------


def test_mixed_encoding_quarantines_the_foreign_line(tmp_path):
    # Rows 1, 2 and 4 are UTF-8; row 3 was written in Windows-1252.
    report, tables = ingest(tmp_path, "mixed-encoding-fail.csv")
    assert [r["row"] for r in report.rejections] == [3]
    assert "mixes encodings" in report.rejections[0]["reason"]
    rows = by_row(tables["events"])
    assert sorted(rows) == [1, 2, 4]
    assert rows[1]["text"] == "La válvula gotea, ¡qué desastre!"
    assert rows[2]["text"] == "Très bien – merci."
    assert rows[4]["text"] == "Schön, aber teuer."
    # Nothing is stored half-decoded.
    assert not any("\ufffd" in (r["text"] or "") + (r["title"] or "") for r in rows.values())


def test_truncated_last_line_is_quarantined(tmp_path):
    report, tables = ingest(tmp_path, "truncated-last-line-fail.csv")
    (rejection,) = report.rejections
    assert rejection["row"] == 3
    assert "never closed" in rejection["reason"] and "export the file again" in rejection["reason"]
    assert sorted(by_row(tables["events"])) == [1, 2]


def test_rating_outside_one_to_five_is_quarantined(tmp_path):
    report, tables = ingest(tmp_path, "rating-7-fail.csv")
    (rejection,) = report.rejections
    assert rejection["row"] == 3 and rejection["column"].lower() == "rating"
    assert "the rating 7 is outside 1-5 stars" in rejection["reason"]
    assert sorted(by_row(tables["events"])) == [1, 2]


def test_day_first_date_in_a_us_file_is_not_guessed(tmp_path):
    report, tables = ingest(tmp_path, "day-first-date-in-us-fail.txt")
    (rejection,) = report.rejections
    assert rejection["row"] == 2 and rejection["column"].lower() == "date"
    # The reason quotes the cell, says how it was read and how to fix it.
    assert "'25/12/22'" in rejection["reason"] and "MDY" in rejection["reason"]
    assert "marketplace:" in rejection["reason"]
    (stored,) = tables["events"]
    assert stored["occurred_at"] == T(2022, 12, 24, 8)  # 12/24/22, midnight PST


def test_header_only_is_zero_rows_not_an_error(tmp_path):
    report, tables = ingest(tmp_path, "header-only-pass.csv")
    assert counts(report) == (0, 0, 0, 0) and tables["events"] == []
    assert len(tables["files"]) == 1


def test_formula_cells_are_kept_verbatim_as_text(tmp_path):
    _, tables = ingest(tmp_path, "formula-cell-pass.csv")
    rows = by_row(tables["events"])
    assert rows[1]["text"] == '=HYPERLINK("http://x","y")'
    assert rows[1]["title"] == "=1+1"
    assert (rows[2]["title"], rows[2]["text"]) == ("@SUM(A1)", "+cmd|' /C calc'!A0")


def test_a_20_mb_row_is_quarantined(tmp_path):
    header = (EXPORTS / "helium10-reviews-pass.csv").read_text().splitlines()[0]
    good = '"May 1, 2024",Ana Ortega,,1,Leaks,The valve leaks.,1,,,https://www.amazon.com/dp/B0EXAMPLE1,,'
    huge = ('"May 2, 2024",Ben Okafor,,0,Long,"' + "x" * (20 * 2**20)
            + '",1,,,https://www.amazon.com/dp/B0EXAMPLE1,,')
    path = tmp_path / "huge-row.csv"
    path.write_text("\n".join([header, good, huge, good.replace("May 1", "May 3")]) + "\n")
    report, tables = ingest(tmp_path, path)
    assert counts(report) == (3, 2, 1, 0)
    (rejection,) = report.rejections
    assert rejection["row"] == 2 and "longer than 8 MB" in rejection["reason"]
    assert all(len(r["raw"] or "") <= 2000 for r in tables["rejections"])


def test_a_20_mb_single_line_file_is_an_input_error(tmp_path):
    path = tmp_path / "one-line.txt"
    path.write_text("x" * (20 * 2**20))
    with pytest.raises(InputError) as caught:
        inspect_file(path)
    assert "one-line.txt" in str(caught.value) and "Fix:" in str(caught.value)


def test_truncated_json_record_is_quarantined(tmp_path):
    path = tmp_path / "reviews.jsonl"
    path.write_text((EXPORTS / "mcauley-2023-pass.jsonl").read_text() + '{"rating": 1.0, "ti')
    report, tables = ingest(tmp_path, path)
    assert counts(report) == (3, 2, 1, 0)
    assert report.rejections[0]["row"] == 3 and "not valid JSON" in report.rejections[0]["reason"]


# -- whole-file errors: what, where, how to fix ---------------------------------------------------


def error_of(path: Path, **options: Any) -> str:
    with pytest.raises(InputError) as caught:
        inspect_file(path, **options)
    return str(caught.value)


def test_empty_file(tmp_path):
    message = error_of(EXPORTS / "empty-fail.csv")
    assert "empty (0 bytes)" in message
    assert "empty-fail.csv" in message and "Fix: export the report again" in message


def test_unknown_header_names_the_nearest_format_and_lists_all():
    message = error_of(EXPORTS / "unknown-header-fail.csv")
    assert "unknown-header-fail.csv" in message
    assert "'Stars'" in message  # the columns as found
    # The header lacks only Rating to be a Helium 10 export.
    assert "the nearest is 'helium10-reviews'" in message and "'rating'" in message
    assert all(name in message for name in FORMATS)
    assert "mapping:" in message


def test_directory_instead_of_a_file(tmp_path):
    message = error_of(tmp_path)
    assert "is a directory" in message and str(tmp_path) in message and "Fix:" in message


def test_missing_file(tmp_path):
    message = error_of(tmp_path / "nope.csv")
    assert "does not exist" in message and "nope.csv" in message and "Fix:" in message


def test_named_format_the_file_does_not_match():
    message = error_of(EXPORTS / "helium10-reviews-pass.csv", format="amazon-fba-returns")
    assert "helium10-reviews-pass.csv" in message
    assert "'return-date'" in message and "remove `format:`" in message


def test_unknown_format_name_suggests_the_nearest():
    message = error_of(EXPORTS / "helium10-reviews-pass.csv", format="helium10")
    assert "unknown format 'helium10'" in message and "did you mean 'helium10-reviews'" in message


def test_unknown_format_name_names_the_file():
    assert "helium10-reviews-pass.csv" in error_of(EXPORTS / "helium10-reviews-pass.csv",
                                                   format="helium10")


def test_file_under_the_wrong_list_of_incident_yaml(tmp_path):
    with open_store(tmp_path / "s.duckdb") as store, pytest.raises(InputError) as caught:
        ingest_file(store, FileSpec(EXPORTS / "helium10-reviews-pass.csv", table="sales"))
    assert "listed under `sales`" in str(caught.value)
    assert "move it to the `events` list" in str(caught.value)


# -- a help desk's spreadsheet through a column mapping -------------------------------------------

HELPDESK_MAPPING = {"occurred_at": "Created", "text": "Description", "order_id": "Order #",
                    "asin": "ASIN", "author": "Customer Email", "title": "Subject"}


@pytest.fixture
def helpdesk_xlsx(tmp_path) -> Path:
    """``helpdesk-mapping-pass.xlsx``: a help desk's ticket export, with a blank row."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Ticket", "Created", "Customer Email", "Order #", "ASIN", "Subject",
                  "Description", "Tags"])
    sheet.append([1001, T(2022, 5, 3, 9, 30), "kim.lee@example.com", "111-1212121-1212121",
                  "B0EXAMPLE1", "Leaking bottle", "The valve leaks, baby soaked.", "leak"])
    sheet.append([1002, T(2022, 12, 24, 18, 0), "sam.okoro@example.org", "111-3434343-3434343",
                  "B0EXAMPLE1", "Refund", None, None])
    sheet.cell(row=3, column=7).value = '=HYPERLINK("http://x","y")'
    sheet.cell(row=3, column=7).data_type = "s"  # text that looks like a formula
    sheet.append([None] * 8)
    sheet.append([1003, "2022-05-04 08:15", "kim.lee@example.com", "111-1212121-1212121",
                  "B0EXAMPLE2", "Again", "Second bottle leaks too", "leak"])
    path = tmp_path / "helpdesk-mapping-pass.xlsx"
    workbook.save(path)
    return path


def test_helpdesk_xlsx_through_a_mapping(helpdesk_xlsx, tmp_path):
    report, tables = ingest(tmp_path, helpdesk_xlsx, source="message", mapping=HELPDESK_MAPPING)
    assert (report.format, report.encoding, report.table) == ("mapping", "xlsx", "events")
    assert counts(report) == (3, 3, 0, 0)  # the blank row is not a row
    assert report.unknown_columns == ["Ticket", "Tags"]
    rows = by_row(tables["events"])
    # A local time without zone: 09:30 PDT = 16:30 UTC; 18:00 PST on 24 Dec = 02:00 UTC on 25th.
    assert_subset(rows[1], {"source": "message", "occurred_at": T(2022, 5, 3, 16, 30),
                            "local_date": D(2022, 5, 3), "date_precision": "second",
                            "order_id": "111-1212121-1212121", "asin": "B0EXAMPLE1",
                            "title": "Leaking bottle", "is_negative": False})
    assert_subset(rows[2], {"occurred_at": T(2022, 12, 25, 2), "local_date": D(2022, 12, 24),
                            "text": '=HYPERLINK("http://x","y")'})
    assert_subset(rows[3], {"occurred_at": T(2022, 5, 4, 15, 15)})
    # The same customer, the same hash.
    assert rows[1]["author_hash"] == rows[3]["author_hash"] != rows[2]["author_hash"]


# -- personal data: raw names and e-mails are never stored ---------------------------------------

def personal(name: str, spec: dict[str, Any], secrets: list[str], *marks) -> Any:
    return pytest.param(name, spec, secrets, id=name, marks=marks)


PERSONAL = [
    personal("seller-feedback-6col-us-pass.txt", {},
             ["jane.doe@example.com", "john.roe@example.net"]),
    personal("seller-feedback-9col-uk-pass.txt", {"marketplace": "UK"},
             ["mary.smith@example.co.uk", "peter.jones@example.co.uk", "ann.lee@example.co.uk"]),
    personal("seller-feedback-de-pass.txt", {"marketplace": "DE"},
             ["klaus.müller@example.de", "größe@example.de"]),
    personal("seller-feedback-jp-sjis-pass.txt", {"marketplace": "JP"},
             ["yamada.taro@example.jp", "suzuki.hanako@example.jp"]),
    personal("helium10-reviews-pass.csv", {}, ["Jane Q. Customer", "Bob Buyer", "Carla Mendes"]),
    personal("scraped-reviews-in-pass.csv", {"marketplace": "IN"},
             ["Priya Raghunathan", "Arjun Mehta"]),
    personal("mcauley-2023-pass.jsonl", {},
             ["AGKHLEW2SOWHNMFQIJGBECAF7INQ", "AFSKPY37N3C43SOI5IEXEK5JSIYA"]),
    personal("mcauley-2018-array-pass.json", {},
             ["ALJ66O1Y6SLHA", "A2G04D6ZQZ1RX", "Tonya B.", "Sam K."]),
    personal("amazon-reviews-pass.tsv", {}, ["53096384", "47110815", "90210777"]),
    personal("datafiniti-multi-asin-pass.csv", {}, ["Cristina M", "Jeff S", "Kidsmom77"]),
    personal("utf16-bom-pass.txt", {}, ["Léa Rousseau", "Zoë Hartmann"]),
    personal("gbk-chinese-reviews-pass.csv", {}, ["王小明", "李华", "张伟"]),
    personal("mixed-encoding-fail.csv", {},
             ["Ana Ortega", "Émile Duval", "Jürgen Vogt", "Noël Marchand", "No\ufffdl Marchand"]),
    # Refused rows are kept as evidence: without the rater's e-mail or the author's name.
    personal("day-first-date-in-us-fail.txt", {},
             ["eve.adams@example.com", "mallory.x@example.com"]),
    personal("rating-7-fail.csv", {}, ["Ana Ortega", "Ben Okafor", "Cid Campeador"]),
    personal("truncated-last-line-fail.csv", {}, ["Ana Ortega", "Ben Okafor", "Cid Campeador"]),
]


def assert_nowhere(store_path: Path, secrets: list[str]) -> None:
    """No VARCHAR cell of any table of the store contains any of ``secrets``."""
    with open_store(store_path, read_only=True) as store:
        columns = store.con.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE data_type = 'VARCHAR' AND table_schema = 'main'").fetchall()
        assert {t for t, _ in columns} >= {"events", "rejections", "files"}
        for table, column in columns:
            for secret in secrets:
                hits = store.con.execute(
                    f'SELECT count(*) FROM "{table}" WHERE contains(lower("{column}"), lower(?))',
                    [secret]).fetchone()[0]
                assert hits == 0, f"{secret!r} stored in {table}.{column}"


@pytest.mark.parametrize(("name", "spec", "secrets"), PERSONAL)
def test_raw_names_and_emails_are_never_stored(name, spec, secrets, tmp_path):
    report, tables = ingest(tmp_path, name, **spec)
    assert report.accepted > 0
    assert_nowhere(tmp_path / "s.duckdb", secrets)
    hashes = {r["author_hash"] for r in tables["events"]} - {None}
    assert hashes
    # Salted: not the plain hash of what it hides.
    plain = {hashlib.sha256(s.lower().encode()).hexdigest()[:24] for s in secrets}
    assert not hashes & plain


def test_helpdesk_emails_are_never_stored(helpdesk_xlsx, tmp_path):
    ingest(tmp_path, helpdesk_xlsx, source="message", mapping=HELPDESK_MAPPING)
    assert_nowhere(tmp_path / "s.duckdb", ["kim.lee@example.com", "sam.okoro@example.org"])


@pytest.mark.parametrize("name", [
    "truncated-last-line-fail.csv", "mixed-encoding-fail.csv", "rating-7-fail.csv",
    "business-report-repeated-header-fail.csv", "mfn-returns-safe-t-and-a-to-z-claims-pass.csv",
    "fba-returns-pass.txt", "datafiniti-multi-asin-pass.csv",
])
def test_a_large_file_parsed_by_every_core_is_read_as_a_small_one(tmp_path, monkeypatch, name):
    """From 16 MB on, a delimited file is parsed into a table in parallel and each row's
    number is its place in it: rows, rejections, raw cells and counts are those of the
    one-statement reading of a small file, row for row."""
    from crisis_kit.ingest import stage

    spec = {"date": D(2024, 5, 1)} if name.startswith("business") else {}
    small_report, small = ingest(tmp_path / "view", name, **spec)
    monkeypatch.setattr(stage, "PARALLEL_BYTES", 0)
    large_report, large = ingest(tmp_path / "table", name, **spec)
    assert counts(large_report) == counts(small_report)
    assert sum(counts(large_report)[1:]) == counts(large_report)[0]
    assert large_report.rejections == small_report.rejections
    for table in ("events", "sales", "rejections"):
        # a table's rows come in no promised order: compared sorted
        assert sorted(large[table], key=repr) == sorted(small[table], key=repr), table
