"""Header variants of Amazon's reports, claims inside the returns report, order lines.

Each case is built from the report's documented header (Seller Central help pages cited
in docs/ingest.md) and checked against what the report says a row is.
"""

from __future__ import annotations

from crisis_kit.ingest import FileSpec, ingest_file
from crisis_kit.store import open_store


def _ingest(tmp_path, name, text, encoding="utf-8", **spec):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    with open_store(tmp_path / "s.duckdb") as store:
        report = ingest_file(store, FileSpec(path, **spec))
        events = store.con.execute(
            "SELECT source, order_id, reason, status, text, is_negative, local_date, source_row "
            "FROM events ORDER BY source_row, source, event_id").fetchall()
        orders = store.con.execute(
            "SELECT order_id, sku, order_item_id, quantity FROM orders ORDER BY source_row"
        ).fetchall()
        sales = store.sales()
    assert report.read == report.accepted + report.rejected + report.duplicates
    return report, events, orders, sales


# -- FBA returns: `amazon-order-id` (CA, AU, IT, BR help pages) ---------------------------

FBA_CA = (
    "return-date\tamazon-order-id\tsku\tasin\tfnsku\tproduct-name\tquantity\t"
    "fulfillment-center-id\tdetailed-disposition\treason\tstatus\tlicense-plate-number\t"
    "customer-comments\n"
    "2024-03-02T10:00:00+00:00\t702-1234567-1234567\tSKU-1\tB0EXAMPLE1\tX001\tBottle\t1\tYYZ4\t"
    "DEFECTIVE\tDEFECTIVE\tUnit returned to inventory\tLPN1\tleaks at the valve\n"
)


def test_fba_returns_with_amazon_order_id_are_read(tmp_path):
    report, events, _, _ = _ingest(tmp_path, "fba_ca.txt", FBA_CA, marketplace="CA")
    assert report.format == "amazon-fba-returns"
    assert (report.read, report.accepted) == (1, 1)
    assert events[0][:3] == ("fba_return", "702-1234567-1234567", "DEFECTIVE")


# -- All Orders: `quantity-purchased` (ES, NL) and `order-item-id` ----------------------

ORDERS_HEADER = ("amazon-order-id\tmerchant-order-id\tpurchase-date\tlast-updated-date\t"
                 "order-status\tfulfillment-channel\tsales-channel\tproduct-name\tsku\tasin\t"
                 "item-status\t{qty}\tcurrency\titem-price{extra}\n")


def _order_line(order, sku, qty, name="Bottle", item=None):
    cells = [order, "", "2024-03-01T10:00:00+00:00", "2024-03-02T10:00:00+00:00", "Shipped",
             "Amazon", "Amazon.es", name, sku, "B0EXAMPLE1", "Shipped", str(qty), "EUR", "19.99"]
    if item is not None:
        cells.append(item)
    return "\t".join(cells) + "\n"


def test_all_orders_with_quantity_purchased_are_read(tmp_path):
    text = ORDERS_HEADER.format(qty="quantity-purchased", extra="") + _order_line(
        "405-1111111-1111111", "SKU-1", 2)
    report, _, orders, sales = _ingest(tmp_path, "orders_es.txt", text, marketplace="ES")
    assert report.format == "amazon-all-orders"
    assert orders == [("405-1111111-1111111", "SKU-1", None, 2.0)]
    assert sales["units"].sum() == 2


def test_two_lines_of_one_order_with_one_sku_are_both_kept_by_order_item_id(tmp_path):
    # the same SKU twice in one order (two lines, e.g. a gift and a non-gift unit): two
    # order-item-ids, both real; keyed on (order id, SKU) alone the second was a "duplicate"
    text = (ORDERS_HEADER.format(qty="quantity", extra="\torder-item-id")
            + _order_line("405-2222222-2222222", "SKU-1", 1, item="11111111111111")
            + _order_line("405-2222222-2222222", "SKU-1", 3, item="22222222222222")
            + _order_line("405-2222222-2222222", "SKU-1", 3, item="22222222222222"))
    report, _, orders, sales = _ingest(tmp_path, "orders.txt", text, marketplace="ES")
    assert (report.read, report.accepted, report.rejected, report.duplicates) == (3, 2, 0, 1)
    assert [(o[2], o[3]) for o in orders] == [("11111111111111", 1.0), ("22222222222222", 3.0)]
    assert sales["units"].sum() == 4


def test_a_product_name_that_starts_with_a_quote_keeps_its_row(tmp_path):
    # Amazon's flat files are tab-separated and never quoted: `"Best" bottle` is text
    text = ORDERS_HEADER.format(qty="quantity", extra="") + _order_line(
        "405-3333333-3333333", "SKU-1", 1, name='"Best" bottle, 9 oz') + _order_line(
        "405-4444444-4444444", "SKU-2", 2, name='Bottle 9" tall')
    report, _, orders, _ = _ingest(tmp_path, "orders.txt", text, marketplace="ES")
    assert (report.read, report.accepted, report.rejected) == (2, 2, 0)
    assert [o[3] for o in orders] == [1.0, 2.0]


def test_an_excel_csv_keeps_its_quotes_as_quotes(tmp_path):
    # a comma-separated file (Excel's CSV) still quotes: only Amazon's tab files do not
    text = ('Order ID,Return request date,Return Reason,ASIN,Amazon RMA ID\n'
            '112-1,2024-03-01,"CR-DEFECTIVE",B0EXAMPLE1,"Dk,1"\n')
    report, events, _, _ = _ingest(tmp_path, "mfn.csv", text)
    assert (report.read, report.accepted) == (1, 1)
    assert events[0][2] == "CR-DEFECTIVE"


# -- the seller-fulfilled returns report's claim columns ------------------------------

MFN = (
    "Order ID,Order date,Return request date,Return request status,Amazon RMA ID,"
    "A-to-Z Claim,ASIN,Merchant SKU,Return quantity,Return Reason,SafeT Action reason,"
    "SafeT claim id,SafeT claim state,SafeT claim creation time,"
    "SafeT claim reimbursement amount\n"
    # a plain return
    "112-0000001-0000001,2024-02-20,2024-03-01,Approved,RMA1,N,B0EXAMPLE1,SKU-1,1,"
    "CR-UNWANTED_ITEM,,,,,\n"
    # the buyer filed an A-to-z Guarantee claim
    "112-0000002-0000002,2024-02-21,2024-03-02,Approved,RMA2,Y,B0EXAMPLE1,SKU-1,1,"
    "CR-DEFECTIVE,,,,,\n"
    # the seller filed a SAFE-T claim (returned damaged), created on 2024-03-10 UTC
    "112-0000003-0000003,2024-02-22,2024-03-03,Approved,RMA3,N,B0EXAMPLE1,SKU-1,1,"
    "CR-DEFECTIVE,Item returned damaged,SFT-9001,Granted,2024-03-10T18:30:00+00:00,12.50\n"
)


def test_a_to_z_and_safe_t_claims_become_claim_events(tmp_path):
    report, events, _, _ = _ingest(tmp_path, "returns.csv", MFN)
    assert (report.read, report.accepted, report.rejected, report.duplicates) == (3, 3, 0, 0)
    assert report.records_added == 5  # 3 returns + 1 A-to-z claim + 1 SAFE-T claim
    claims = [e for e in events if e[0] == "claim"]
    assert [(c[1], c[2], c[3], c[5]) for c in claims] == [
        ("112-0000002-0000002", "A-TO-Z CLAIM", None, True),
        ("112-0000003-0000003", "SAFE-T CLAIM", "Granted", True),
    ]
    # the A-to-z claim is dated by its return request; SAFE-T by its creation time
    # (2024-03-10 18:30 UTC = 10:30 PST, US marketplace)
    assert str(claims[0][6]) == "2024-03-02" and str(claims[1][6]) == "2024-03-10"
    assert claims[1][4] == "Item returned damaged"


def test_the_same_claims_again_are_duplicates(tmp_path):
    _ingest(tmp_path, "returns.csv", MFN)
    path = tmp_path / "returns-again.csv"
    path.write_text(MFN.replace("RMA1,N", "RMA1,N") + "", encoding="utf-8")
    with open_store(tmp_path / "s.duckdb") as store:
        again = ingest_file(store, FileSpec(path))
        n = store.con.execute("SELECT count(*) FROM events WHERE source = 'claim'").fetchone()[0]
    assert (again.accepted, again.duplicates, again.records_added) == (0, 3, 0)
    assert n == 2


# -- Voice of the Customer: its own table, never complaint events ---------------------


def test_voice_of_the_customer_is_its_own_table(tmp_path):
    from .conftest import FIXTURES

    path = FIXTURES / "exports" / "voice-of-the-customer-pass.csv"
    with open_store(tmp_path / "s.duckdb") as store:
        report = ingest_file(store, FileSpec(path, table="events"))  # listed as complaints
        voc = store.voc()
        n_events = store.con.execute("SELECT count(*) FROM events").fetchone()[0]
        rejected = store.rejections()
    assert report.format == "amazon-voc" and report.table == "voc"
    assert (report.read, report.accepted, report.rejected, report.duplicates) == (4, 3, 1, 0)
    assert n_events == 0  # an ASIN's NCX rate is not a complaint
    rows = {r.asin: r for r in voc.itertuples()}
    hero = rows["B0SAMPLE01"]
    # the quoted product name kept its line break; "1,204" orders; rates in percent points
    assert hero.product_name == "Mellowkin Anti-Colic Baby Bottle, 9 oz,\n3 Pack"
    assert (hero.total_orders, hero.ncx_orders, hero.ncx_rate) == (1204, 38, 3.16)
    assert (hero.ncx_review_rate, hero.ncx_return_rate, hero.cx_health) == (1.2, 2.08, "Poor")
    assert str(hero.date).startswith("2025-02-12")
    # `--` is "none": NULL, not a rejection
    assert voc.loc[voc["asin"] == "B0SAMPLE02", "top_ncx_reason"].isna().all()
    assert rows["B0SAMPLE02"].ncx_rate == 0.0
    assert voc.loc[voc["asin"] == "B0SAMPLE03", "ncx_review_rate"].isna().all()
    # a rate above 100 % is refused with its column and value
    assert rejected["source_row"].tolist() == [4]
    assert rejected["column_name"].tolist() == ["NCX rate"]
    assert "140%" in rejected["reason"].iloc[0]


def test_the_report_shows_voice_of_the_customer_beside_sales_and_in_the_evidence(tmp_path):
    """The sample with a VoC download listed: a table in the sales section, a line in the
    evidence appendix, the band change named; the complaint counts do not move."""
    from crisis_kit.config import load_incident
    from crisis_kit.ingest import ingest_incident
    from crisis_kit.report import sections

    from .conftest import FIXTURES, sample_copy

    root = sample_copy(tmp_path / "sample", "  - path: exports/voc-*.csv\n").parent
    later = (FIXTURES / "exports" / "voice-of-the-customer-pass.csv").read_text(encoding="utf-8")
    (root / "exports" / "voc-2022-05-20.csv").write_text(
        later.replace("Feb 12, 2025", "May 20, 2022"), encoding="utf-8")
    (root / "exports" / "voc-2022-04-20.csv").write_text(
        later.replace("Feb 12, 2025", "Apr 20, 2022").replace("Poor", "Good"), encoding="utf-8")
    incident = load_incident(root / "incident.yaml")
    ingest_incident(incident)
    for lang, title, change in (
            ("en", "Voice of the Customer", "CX Health went from Good to Poor"),
            ("zh", "买家之声", "从 Good 变为 Poor")):
        report = sections.build(root / "incident.yaml", lang=lang)
        html = report.sales_phases().html
        assert title in html and "B0SAMPLE01" in html and change in html
        assert "B0SAMPLE02" not in html  # the incident's ASINs only (asins: [B0SAMPLE01])
        assert report.analysis.summary()["complaints"]["total"] == 2014  # unchanged
        evidence = report.evidence_files().html
        assert ("2 rows for 1 ASINs" if lang == "en" else "1 个 ASIN 的 2 行") in evidence
