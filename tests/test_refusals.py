"""Refusals that lead the right way (issue 10 item 7)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from crisis_kit.errors import ConfigError, InputError
from crisis_kit.ingest import FileSpec, ingest_file, inspect_file
from crisis_kit.store import open_store

REVIEWS = ("Date,Author,Title,Body,Rating,URL\n"
           '"May 2, 2022",Ana,Leaks,bad,1,https://www.amazon.com/dp/B0EXAMPLE1\n')


def test_a_repeated_header_row_is_said_as_such_and_counted(tmp_path):
    path = tmp_path / "joined.csv"
    path.write_text(REVIEWS + REVIEWS.replace("Ana", "Bo").replace("May 2", "May 3"),
                    encoding="utf-8")
    report = inspect_file(path)
    assert (report.read, report.accepted, report.rejected, report.duplicates) == (3, 2, 1, 0)
    assert report.rejections == [{"row": 2, "column": None, "reason": report.rejections[0]
                                  ["reason"]}]
    reason = report.rejections[0]["reason"]
    assert reason.startswith("a repeated header row") and "marketplace" not in reason


def test_a_repeated_header_in_a_business_report_too(tmp_path):
    header = "(Parent) ASIN,(Child) ASIN,Units Ordered,Ordered Product Sales\n"
    path = tmp_path / "BusinessReport-2025-07-23.csv"
    path.write_text(header + 'B0P,B0C1,3,"$9.00"\n' + header + 'B0P,B0C2,1,"$3.00"\n',
                    encoding="utf-8")
    report = inspect_file(path)
    assert (report.accepted, report.rejected) == (2, 1)
    assert report.rejections[0]["reason"].startswith("a repeated header row")


def test_no_nearest_format_when_only_generic_columns_are_shared(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("date,asin,foo,bar\n2022-01-01,B0X,1,2\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        inspect_file(path)
    assert "nearest" not in caught.value.fix and "mapping" in caught.value.fix


def test_the_nearest_format_is_named_when_a_distinctive_column_is_shared(tmp_path):
    path = tmp_path / "almost.csv"
    path.write_text("return-date,order-id,asin,detailed-disposition\n2022-01-01,1,B0X,SELLABLE\n",
                    encoding="utf-8")
    with pytest.raises(InputError) as caught:
        inspect_file(path)
    assert "amazon-fba-returns" in caught.value.fix and "reason" in caught.value.fix


@pytest.mark.parametrize("content", [
    "date,asin,foo\n2022-01-01,B0X,1\n",                # no known format
    "",                                                 # empty file
])
def test_inspect_json_answers_in_json_on_a_refusal(tmp_path, content):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "crisis_kit", "inspect", "--json", str(path)],
                          capture_output=True, text=True)
    assert done.returncode == 1
    error = json.loads(done.stdout)["error"]
    assert set(error) == {"what", "where", "fix"} and error["where"] == str(path)


def test_a_mapping_under_sales_makes_sales_rows_with_a_date_per_row(tmp_path):
    path = tmp_path / "shop_sales.csv"
    path.write_text("Day,Product,Sold,Turnover\n2024-03-01,B0EXAMPLE1,12,\"$120.00\"\n"
                    "2024-03-02,B0EXAMPLE1,9,\"$90.00\"\nnot a day,B0EXAMPLE1,1,\"$1\"\n",
                    encoding="utf-8")
    mapping = {"date": "Day", "asin": "Product", "units": "Sold", "revenue": "Turnover"}
    with open_store(tmp_path / "s.duckdb") as store:
        report = ingest_file(store, FileSpec(path, mapping=mapping, table="sales"))
        sales = store.sales()
    assert report.table == "sales" and (report.accepted, report.rejected) == (2, 1)
    assert sales["units"].tolist() == [12, 9]
    assert [str(d)[:10] for d in sales["date"]] == ["2024-03-01", "2024-03-02"]
    assert "cannot read the day 'not a day'" in report.rejections[0]["reason"]


def test_a_mapping_under_sales_with_quantity_makes_order_lines(tmp_path):
    path = tmp_path / "shop_orders.csv"
    path.write_text("Order,When,Item,Qty\nA-1,2024-03-01T10:00:00Z,SKU-1,2\n", encoding="utf-8")
    mapping = {"order_id": "Order", "purchased_at": "When", "sku": "Item", "quantity": "Qty"}
    with open_store(tmp_path / "s.duckdb") as store:
        report = ingest_file(store, FileSpec(path, mapping=mapping, table="sales"))
        n = store.con.execute("SELECT sum(quantity) FROM orders").fetchone()[0]
    assert report.table == "orders" and n == 2


def test_a_sales_mapping_without_units_says_what_it_needs(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("Day,Product\n2024-03-01,B0X\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        inspect_file_with_mapping(path, {"date": "Day", "asin": "Product"})
    assert "units" in caught.value.what


def inspect_file_with_mapping(path, mapping):
    with open_store(":memory:") as store:
        return ingest_file(store, FileSpec(path, mapping=mapping, table="sales"))
