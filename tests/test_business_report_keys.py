"""What a Business Report row is: one child ASIN under one parent (and SKU) on one day.

Real UK "Detail Page Sales and Traffic by Child Item" reports list the same child ASIN
(and SKU) under two parent ASINs with different numbers; a layout without SKU lists
children the same way. Keyed on the child alone, the second row was counted as a
duplicate and its units and sessions vanished. The shapes below are those reports'.
"""

from __future__ import annotations

import datetime as dt

from crisis_kit.analysis.sales import daily_units
from crisis_kit.ingest import FileSpec, ingest_file
from crisis_kit.store import open_store

SPLIT = ("(Parent) ASIN,(Child) ASIN,Title,SKU,Sessions - Mobile App,Sessions - Browser,"
         "Page Views - Mobile App,Page Views - Browser,Featured Offer (Buy Box) Percentage,"
         "Units Ordered,Unit Session Percentage,Ordered Product Sales,Total Order Items\n")
NO_SKU = ("(Parent) ASIN,(Child) ASIN,Title,Sessions - Total,Session Percentage - Total,"
          "Page Views - Total,Page Views Percentage - Total,Featured Offer (Buy Box) Percentage,"
          "Units Ordered,Unit Session Percentage,Ordered Product Sales,Total Order Items\n")
DAY = dt.date(2025, 7, 23)


def _ingest(tmp_path, name, text, store_name="s.duckdb"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with open_store(tmp_path / store_name) as store:
        report = ingest_file(store, FileSpec(path, marketplace="UK", date=DAY))
        sales = store.sales()
        rejected = store.rejections()
    assert report.read == report.accepted + report.rejected + report.duplicates
    return report, sales, rejected


def test_a_child_under_two_parents_keeps_both_rows_and_sums_them(tmp_path):
    text = SPLIT + (
        'B0PARENT01,B0CHILD001,"Net, 3ft",SKU-1,"1,200",300,"1,500",400,99.80%,30,2.00%,"£600.00",29\n'
        'B0PARENT02,B0CHILD001,"Net, 3ft",SKU-1,80,20,100,25,100.00%,5,5.00%,"£100.00",5\n'
        'B0PARENT01,B0CHILD002,"Net, 4ft",SKU-2,500,100,600,120,98.00%,12,2.00%,"£240.00",12\n')
    report, sales, _ = _ingest(tmp_path, "BusinessReport-23-07-2025.csv", text)
    assert (report.read, report.accepted, report.rejected, report.duplicates) == (3, 3, 0, 0)
    child = sales[sales["asin"] == "B0CHILD001"]
    assert sorted(child["parent_asin"]) == ["B0PARENT01", "B0PARENT02"]
    # units 30 + 5, sessions (1,200 + 300) + (80 + 20), by hand
    assert child["units"].sum() == 35 and child["sessions"].sum() == 1600
    daily = daily_units(sales, asins=["B0CHILD001"])
    assert daily["units"].tolist() == [35.0]


def test_no_sku_column_keys_on_what_the_layout_has(tmp_path):
    text = NO_SKU + (
        'B0PARENT01,B0CHILD001,Net,"2,000",1.5%,"2,500",1.4%,99%,12,0.6%,"£240.00",12\n'
        'B0PARENT02,B0CHILD001,Net,"17,908",12.0%,"20,001",11.0%,97%,20,0.11%,"£400.00",20\n')
    report, sales, _ = _ingest(tmp_path, "BusinessReport-23-07-2025.csv", text)
    assert (report.accepted, report.duplicates) == (2, 0)
    assert sales["sessions"].sum() == 19908 and sales["units"].sum() == 32


def test_the_same_row_again_is_a_duplicate(tmp_path):
    row = 'B0PARENT01,B0CHILD001,Net,SKU-1,100,20,120,25,99.80%,3,2.50%,"£60.00",3\n'
    report, sales, _ = _ingest(tmp_path, "BusinessReport-23-07-2025.csv", SPLIT + row + row)
    assert (report.read, report.accepted, report.rejected, report.duplicates) == (2, 1, 0, 1)
    assert sales["units"].sum() == 3


def test_the_same_key_with_other_figures_is_refused_not_a_duplicate(tmp_path):
    text = SPLIT + (
        'B0PARENT01,B0CHILD001,Net,SKU-1,100,20,120,25,99.80%,3,2.50%,"£60.00",3\n'
        'B0PARENT01,B0CHILD001,Net,SKU-1,100,20,120,25,99.80%,4,3.33%,"£80.00",4\n')
    report, sales, rejected = _ingest(tmp_path, "BusinessReport-23-07-2025.csv", text)
    assert (report.read, report.accepted, report.rejected, report.duplicates) == (2, 1, 1, 0)
    assert rejected["source_row"].tolist() == [2]
    assert "row 1 of this file" in rejected["reason"].iloc[0]
    assert "units 3.0" in rejected["reason"].iloc[0]


def test_a_revised_download_of_a_stored_day_is_refused_with_both_files_named(tmp_path):
    first = SPLIT + 'B0PARENT01,B0CHILD001,Net,SKU-1,100,20,120,25,99.80%,3,2.50%,"£60.00",3\n'
    revised = SPLIT + 'B0PARENT01,B0CHILD001,Net,SKU-1,100,20,120,25,99.80%,2,1.67%,"£40.00",2\n'
    _ingest(tmp_path, "BusinessReport-23-07-2025.csv", first)
    report, sales, rejected = _ingest(tmp_path, "BusinessReport-23-07-2025 (1).csv", revised)
    assert (report.read, report.accepted, report.rejected, report.duplicates) == (1, 0, 1, 0)
    assert sales["units"].sum() == 3
    assert "BusinessReport-23-07-2025.csv (stored)" in rejected["reason"].iloc[-1]


def test_the_sales_summary_names_a_child_shared_by_two_parents_once(tmp_path):
    from crisis_kit.analysis.sales import summarise

    text = SPLIT + (
        'B0PARENT01,B0CHILD001,Net,SKU-1,100,20,120,25,99.80%,30,2.50%,"£600.00",30\n'
        'B0PARENT02,B0CHILD001,Net,SKU-1,10,2,12,2,99.80%,5,2.50%,"£100.00",5\n')
    _, sales, _ = _ingest(tmp_path, "BusinessReport-23-07-2025.csv", text)
    summary = summarise(sales, DAY, 28, 1.2, asins=["B0CHILD001"])
    shared = summary.shared_children
    assert shared.to_dict("records") == [
        {"asin": "B0CHILD001", "parents": "B0PARENT01, B0PARENT02", "days": 1, "units": 35.0}]
    assert summarise(sales[sales["parent_asin"] == "B0PARENT01"], DAY, 28, 1.2
                     ).shared_children.empty
