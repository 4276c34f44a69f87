"""The value parsers on the messy cells of real exports (design.md section 5) and edge cases.

Each case runs one parser of :mod:`crisis_kit.ingest.values` through DuckDB on one string,
exactly as the ingest runs it on a whole column.
"""

from __future__ import annotations

import datetime as dt

import pytest

from crisis_kit.ingest.values import parse_value


def ts(*parts: int) -> dt.datetime:
    return dt.datetime(*parts)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("5", 5.0),
        ("4.0", 4.0),
        (" 2 ", 2.0),
        ("3.0 out of 5 stars", 3.0),  # amazon.in review pages
        ("1.0 out of 5 stars", 1.0),
        ("4,0 von 5 Sternen", 4.0),  # amazon.de pages write a decimal comma
        ("4,0 sur 5 étoiles", 4.0),
        ("7", 7.0),  # parsed; the range check (1-5) belongs to the normaliser
        ("five", None),
        ("", None),
        ("out of 5 stars", None),
    ],
)
def test_rating(cell, expected):
    assert parse_value("rating", cell) == expected


def test_rating_japanese_scale_first():
    assert parse_value("rating", "5つ星のうち4.0") == 4.0


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("5,087 people found this helpful", 5087),
        ("2 people found this helpful", 2),
        ("One person found this helpful", 1),
        ("A person found this helpful", 1),
        ("1.234 Personen fanden diese Informationen hilfreich", 1234),
        ("12人のお客様がこれが役に立ったと考えています", 12),
        ("12", 12),
        ("0", 0),
        ("", None),
        ("helpful", None),
    ],
)
def test_count(cell, expected):
    assert parse_value("count", cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Verified Purchase", True),
        ("verified purchase", True),
        ("Y", True),
        ("TRUE", True),
        (" yes ", True),
        ("1", True),
        ("N", False),
        ("FALSE", False),
        ("0", False),
        ("", False),
        ("maybe", None),
    ],
)
def test_boolean(cell, expected):
    assert parse_value("boolean", cell) is expected


@pytest.mark.parametrize(
    ("cell", "decimal_comma", "expected"),
    [
        ("$12,905.25", False, 12905.25),  # the real Business Report row
        ('"$12,905.25"', False, 12905.25),  # quotes left in by a careless copy
        ("$94.50", False, 94.5),
        ("12,131", False, 12131.0),
        ("1.234,56 €", True, 1234.56),  # an EU Business Report
        ("1.234,56 €", False, 1234.56),  # dot before the last comma: decimal comma whatever
        ("21,66 €", True, 21.66),
        ("12,50 €", True, 12.5),
        ("1.234", True, 1234.0),  # thousands dot in a decimal-comma marketplace
        ("¥1,200", False, 1200.0),
        ("£1,019.99", False, 1019.99),
        ("-$5.00", False, -5.0),
        ("0", False, 0.0),
        ("", False, None),
        ("N/A", False, None),
    ],
)
def test_money(cell, decimal_comma, expected):
    value = parse_value("money", cell, decimal_comma=decimal_comma)
    assert value == pytest.approx(expected) if expected is not None else value is None


@pytest.mark.parametrize(
    ("cell", "decimal_comma", "expected"),
    [
        ("12.02%", False, 12.02),
        ("100.00%", False, 100.0),
        ("0.00%", False, 0.0),
        ("99.80%", False, 99.8),
        ("12,02 %", True, 12.02),
        ("99,80 %", True, 99.8),
        ("", False, None),
    ],
)
def test_percent(cell, decimal_comma, expected):
    value = parse_value("percent", cell, decimal_comma=decimal_comma)
    assert value == pytest.approx(expected) if expected is not None else value is None


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("https://www.amazon.in/Apple-iPhone-XR-64GB-Black/product-reviews/B07JWV47JW/"
         "ref=cm_cr_arp_d_paging_btm_next_2?pageNumber=1", "B07JWV47JW"),
        ("https://www.amazon.com/dp/B0EXAMPLE1", "B0EXAMPLE1"),
        ("https://www.amazon.com/dp/b0example1?th=1", "B0EXAMPLE1"),
        ("https://www.amazon.com/gp/customer-reviews/R1AAAAAAAAAAAA/ref=cm_cr_arp_d_rvw_ttl"
         "?ie=UTF8&ASIN=B0EXAMPLE2", "B0EXAMPLE2"),
        ("https://www.amazon.de/product-reviews/B0EXAMPLE3/ref=cm_cr_dp_d_show_all_btm",
         "B0EXAMPLE3"),
        ("B00TZ73MUY", "B00TZ73MUY"),
        (" B00TZ73MUY ", "B00TZ73MUY"),
        ("0316769487", "0316769487"),  # an ISBN-10 is a book's ASIN
        ("https://x/ref=cm", None),
        ("B0SHORT", None),
        ("", None),
    ],
)
def test_asin(cell, expected):
    assert parse_value("asin", cell) == expected


@pytest.mark.parametrize(
    ("cell", "order", "expected"),
    [
        # Seller feedback: US M/D/YY, UK/FR/IT/ES D/M/YY, DE D.M.YY, JP YYYY/M/D.
        ("5/3/22", "MDY", ts(2022, 5, 3)),
        ("12/25/22", "MDY", ts(2022, 12, 25)),
        ("1/2/23", "MDY", ts(2023, 1, 2)),
        ("1/2/23", "DMY", ts(2023, 2, 1)),
        ("3/5/22", "DMY", ts(2022, 5, 3)),
        ("25/12/22", "DMY", ts(2022, 12, 25)),
        ("3.5.22", "DMY", ts(2022, 5, 3)),
        ("24.12.22", "DMY", ts(2022, 12, 24)),
        ("2022/5/3", "YMD", ts(2022, 5, 3)),
        ("2022/12/24", "YMD", ts(2022, 12, 24)),
        # Never guessed: a day-first date in a month-first marketplace is no date.
        ("25/12/22", "MDY", None),
        ("12/25/22", "DMY", None),
        ("2/30/22", "MDY", None),
        # Written-out dates read the same in every marketplace.
        ("January 15, 2024", "MDY", ts(2024, 1, 15)),
        ("January 15, 2024", "DMY", ts(2024, 1, 15)),
        ("12 December 2018", "DMY", ts(2018, 12, 12)),
        ("Reviewed in India on 12 December 2018", "DMY", ts(2018, 12, 12)),
        ("09 4, 2015", "MDY", ts(2015, 9, 4)),  # McAuley 2018 reviewTime
        ("15-Jan-2024", "MDY", ts(2024, 1, 15)),
        ("2022年5月3日", "YMD", ts(2022, 5, 3)),
        # A leading four-digit year is year-first whatever the marketplace.
        ("2022-05-03", "MDY", ts(2022, 5, 3)),
        ("2022-05-03", "DMY", ts(2022, 5, 3)),
        ("2022-05-03 09:30:00", "MDY", ts(2022, 5, 3, 9, 30)),
        ("2022-05-03T09:30:00", "DMY", ts(2022, 5, 3, 9, 30)),
        ("05/04/2022", "MDY", ts(2022, 5, 4)),
        ("05/04/2022", "DMY", ts(2022, 4, 5)),
        ("", "MDY", None),
        ("yesterday", "MDY", None),
    ],
)
def test_local_timestamp(cell, order, expected):
    assert parse_value("local_timestamp", cell, date_order=order) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2025-06-05T15:31:40+00:00", ts(2025, 6, 5, 15, 31, 40)),  # the real FBA return row
        ("2025-06-05T15:31:40-07:00", ts(2025, 6, 5, 22, 31, 40)),
        ("2022-05-03T09:30:00+0530", ts(2022, 5, 3, 4, 0)),
        ("2017-09-03T00:00:00.000Z", ts(2017, 9, 3)),
        ("2017-11-02T17:33:31Z", ts(2017, 11, 2, 17, 33, 31)),
        ("2025-06-05 15:31:40", None),  # no zone: not this parser's business
        ("2025-06-05", None),
        ("", None),
    ],
)
def test_zoned_utc(cell, expected):
    assert parse_value("zoned_utc", cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("  kept  ", "kept"),
        ("", None),
        ("   ", None),
        ('=HYPERLINK("http://x","y")', '=HYPERLINK("http://x","y")'),  # never evaluated
        ("漏水了", "漏水了"),
    ],
)
def test_text(cell, expected):
    assert parse_value("text", cell) == expected


def test_unknown_parser_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown parser 'stars'.*'rating'"):
        parse_value("stars", "5")
