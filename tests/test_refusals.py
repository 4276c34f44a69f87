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


# No public source gives a whole French or Italian Business Report header line: two Italian
# column names are known (header_synonyms.csv), the rest of these headers are stand-ins.
ITALIAN_LOOKING = ("\ufeffASIN,SKU,Unità ordinate,Vendite di prodotti ordinati\n"
                   'B0CHILDIT1,SKU-1,207,"4.041,92 €"\nB0CHILDIT2,SKU-2,11,"218,50 €"\n')
FRENCH_LOOKING = "\ufeffColonne 1,Colonne 2,Colonne 3\nB0CHILDFR1,3,\"19,90 €\"\n"


@pytest.mark.parametrize("name, text", [
    ("BusinessReport-23-07-2025.csv", ITALIAN_LOOKING),
    ("BusinessReport-24-07-2025.csv", FRENCH_LOOKING),   # by Amazon's name alone
    ("export.csv", ITALIAN_LOOKING),                     # by its known columns alone
])
def test_a_business_report_in_an_unknown_language_is_sent_to_english_or_a_mapping(
        tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        inspect_file(path, marketplace="IT")
    fix = caught.value.fix
    assert "Business Report" in fix and "not yet French or Italian" in fix
    assert "language set to English" in fix
    assert "`sales:`" in fix and "`mapping:`" in fix and "incident.yaml" in fix
    if text is ITALIAN_LOOKING:
        assert "'business-report', also needs '(child) asin'" in fix


def test_the_mapping_the_refusal_points_to_reads_the_italian_looking_report(tmp_path):
    path = tmp_path / "BusinessReport-23-07-2025.csv"
    path.write_text(ITALIAN_LOOKING, encoding="utf-8")
    mapping = {"asin": "ASIN", "sku": "SKU", "units": "Unità ordinate",
               "revenue": "Vendite di prodotti ordinati"}
    with open_store(tmp_path / "s.duckdb") as store:
        report = ingest_file(store, FileSpec(path, mapping=mapping, table="sales",
                                             marketplace="IT"))
        sales = store.sales().set_index("asin")
    assert (report.table, report.accepted, report.rejected) == ("sales", 2, 0)
    # "4.041,92 €" is 4041.92 EUR; the day from Amazon's name, day first in IT
    assert (sales.loc["B0CHILDIT1", "units"], sales.loc["B0CHILDIT1", "revenue"]) == (207, 4041.92)
    assert sales.loc["B0CHILDIT2", "revenue"] == 218.5 and set(sales["currency"]) == {"EUR"}
    assert {str(d)[:10] for d in sales["date"]} == {"2025-07-23"}


def test_a_distinctive_column_makes_the_nearest_format_even_beside_a_generic_required_one(
        tmp_path):
    # `sku` is required by All Orders but says nothing; `Sessions – Total` is the Business
    # Report's own: that is the format to point at
    path = tmp_path / "traffic.csv"
    path.write_text("Spalte,SKU,Sessions – Total\nx,S-1,\"1,204\"\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        inspect_file(path)
    assert "'business-report', also needs '(child) asin', 'units ordered'" in caught.value.fix
    assert "amazon-all-orders'," not in caught.value.fix.split("known formats")[0]


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
