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


NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.mark.parametrize(
    ("cell", "order", "expected"),
    [
        # Amazon's review date line, as each marketplace prints it and scrapers save it.
        ("Reviewed in the United States on May 3, 2023", "MDY", ts(2023, 5, 3)),
        ("Reviewed in the United Kingdom on 3 May 2023", "MDY", ts(2023, 5, 3)),  # on .com
        ("Reviewed in India on 12 December 2018", "DMY", ts(2018, 12, 12)),
        ("Reviewed in the United States 🇺🇸 on April 11, 2021", "MDY", ts(2021, 4, 11)),
        ("on May 3, 2023", "MDY", ts(2023, 5, 3)),
        # German: amazon.de, older and newer wording, reviews from other countries.
        ("Rezension aus Deutschland vom 3. Mai 2023", "DMY", ts(2023, 5, 3)),
        ("Bewertet in Deutschland am 3. Mai 2023", "DMY", ts(2023, 5, 3)),
        ("Rezension aus dem Vereinigten Königreich vom 17. April 2020", "DMY", ts(2020, 4, 17)),
        ("Bewertet in Kanada am 30. Dezember 2025", "DMY", ts(2025, 12, 30)),
        ("Bewertet in den Vereinigten Staaten am 1. März 2023", "DMY", ts(2023, 3, 1)),
        ("Rezension aus Deutschland vom 12. Dez. 2023", "DMY", ts(2023, 12, 12)),
        # German plain dates: umlaut, its spellings, case, abbreviations, leading zero.
        ("1. März 2023", "DMY", ts(2023, 3, 1)),
        ("03. März 2023", "DMY", ts(2023, 3, 3)),
        ("1. Maerz 2023", "DMY", ts(2023, 3, 1)),
        ("1. Marz 2023", "DMY", ts(2023, 3, 1)),
        ("1. Ma\u0308rz 2023", "DMY", ts(2023, 3, 1)),  # decomposed umlaut (macOS)
        ("1. MÄRZ 2023", "DMY", ts(2023, 3, 1)),
        ("3. Mai 2023", "DMY", ts(2023, 5, 3)),
        ("3. mai 2023", "DMY", ts(2023, 5, 3)),
        ("3. Mai 2023", "MDY", ts(2023, 5, 3)),  # a month name reads the same everywhere
        ("12. Dez. 2023", "DMY", ts(2023, 12, 12)),
        ("5. Okt. 2022", "DMY", ts(2022, 10, 5)),
        ("9. Januar 2024", "DMY", ts(2024, 1, 9)),
        ("9. Jänner 2024", "DMY", ts(2024, 1, 9)),
        ("28. Februar 2024", "DMY", ts(2024, 2, 28)),
        ("30. Juni 2024", "DMY", ts(2024, 6, 30)),
        ("31. Juli 2024", "DMY", ts(2024, 7, 31)),
        ("15. Oktober 2024", "DMY", ts(2024, 10, 15)),
        ("24. Dezember 2024", "DMY", ts(2024, 12, 24)),
        # Whitespace: non-breaking and narrow non-breaking spaces, tabs, runs, padding.
        (f"3.{NBSP}Mai{NBSP}2023", "DMY", ts(2023, 5, 3)),
        (f"Rezension aus Deutschland vom 3.{NNBSP}Mai 2023", "DMY", ts(2023, 5, 3)),
        ("  Bewertet in Deutschland am   3.  Mai\t2023  ", "DMY", ts(2023, 5, 3)),
        (f"Reviewed in the United States on May{NBSP}3, 2023", "MDY", ts(2023, 5, 3)),
        # Japanese: amazon.co.jp, with 年月日, with slashes, full-width digits, spaces.
        ("2023年5月3日に日本でレビュー済み", "YMD", ts(2023, 5, 3)),
        ("2023/05/03に日本でレビュー済み", "YMD", ts(2023, 5, 3)),
        ("2023/5/3に日本でレビュー済み", "YMD", ts(2023, 5, 3)),
        ("２０２３年５月３日に日本でレビュー済み", "YMD", ts(2023, 5, 3)),
        (f"2023年12月24日{NBSP}に日本でレビュー済み", "YMD", ts(2023, 12, 24)),
        ("2022年6月16日にアメリカ合衆国でレビュー済み", "YMD", ts(2022, 6, 16)),
        ("2023年 5月 3日", "YMD", ts(2023, 5, 3)),
        ("2023年5月3日に日本でレビュー済み", "MDY", ts(2023, 5, 3)),  # year-first: any order
        # Chinese: amazon.com in Chinese and amazon.cn.
        ("2021年11月23日 在美国审核", "YMD", ts(2021, 11, 23)),
        ("2023年5月3日在美国审核", "YMD", ts(2023, 5, 3)),
        ("在美国审核于 2023年5月3日", "YMD", ts(2023, 5, 3)),
        ("评论于 2022年8月3日 在美国 🇺🇸 发布", "YMD", ts(2022, 8, 3)),
        ("已在中国亚马逊上发表评论 2023年5月3日", "YMD", ts(2023, 5, 3)),
        # French, with the flag some pages put in the line and the "1er" of the first.
        ("Commenté en France le 3 mai 2023", "DMY", ts(2023, 5, 3)),
        ("Commenté en France 🇫🇷 le 27 août 2021", "DMY", ts(2021, 8, 27)),
        ("Commenté en France le 1er mars 2023", "DMY", ts(2023, 3, 1)),
        ("Commenté au Royaume-Uni le 14 février 2022", "DMY", ts(2022, 2, 14)),
        ("Commentaire laissé en France le 3 juin 2026", "DMY", ts(2026, 6, 3)),
        ("17 déc. 2023", "DMY", ts(2023, 12, 17)),
        ("3 juil. 2023", "DMY", ts(2023, 7, 3)),
        # Spanish (amazon.es, and amazon.com in Spanish).
        ("Revisado en España el 3 de mayo de 2023", "DMY", ts(2023, 5, 3)),
        ("Valorado en España el 15 de septiembre de 2021", "DMY", ts(2021, 9, 15)),
        ("Revisado en Estados Unidos el 3 de marzo de 2023", "MDY", ts(2023, 3, 3)),
        ("Revisado en el Reino Unido el 9 de enero de 2024", "DMY", ts(2024, 1, 9)),
        ("Opinión emitida en España el 12 de enero de 2026", "DMY", ts(2026, 1, 12)),
        # Italian.
        ("Recensito in Italia il 3 maggio 2023", "DMY", ts(2023, 5, 3)),
        ("Recensito in Italia il 25 dicembre 2021", "DMY", ts(2021, 12, 25)),
        ("Recensito negli Stati Uniti il 1 giugno 2022", "DMY", ts(2022, 6, 1)),
        # Dutch, Portuguese (Brazil), Swedish, Polish.
        ("Beoordeeld in Nederland op 3 maart 2023", "DMY", ts(2023, 3, 3)),
        ("Beoordeeld in Nederland op 3 mei 2023", "DMY", ts(2023, 5, 3)),
        ("Avaliado no Brasil em 3 de março de 2023", "DMY", ts(2023, 3, 3)),
        ("Avaliado no Brasil em 1º de maio de 2023", "DMY", ts(2023, 5, 1)),
        ("Avaliado nos Estados Unidos em 7 de outubro de 2022", "DMY", ts(2022, 10, 7)),
        ("Recenserad i Sverige den 3 maj 2023", "YMD", ts(2023, 5, 3)),
        ("Zrecenzowano w Polsce 3 czerwca 2026", "DMY", ts(2026, 6, 3)),
        # A numeric date in a line keeps the marketplace's order, never guessed.
        ("Reviewed in Germany on 03.05.2023", "DMY", ts(2023, 5, 3)),
        ("Reviewed in the United States on 03/05/2023", "MDY", ts(2023, 3, 5)),
        ("Reviewed in the United States on 03/05/2023", "DMY", ts(2023, 5, 3)),
        ("Reviewed in Germany on 03.05.2023", "MDY", None),  # no D.M.Y in a US file
        ("Reviewed in the United States on 25/12/22", "MDY", None),
        (f"25/12/22{NBSP}", "DMY", ts(2022, 12, 25)),
        (f"25/12/22{NBSP}", "MDY", None),
        # No such day, no date, or prose around a date: quarantined, not guessed.
        ("Rezension aus Deutschland vom 31. Februar 2023", "DMY", None),
        ("2023年2月30日に日本でレビュー済み", "YMD", None),
        ("Rezension aus Deutschland vom 3. Maiglöckchen 2023", "DMY", None),
        ("Rezension aus Deutschland", "DMY", None),
        ("geliefert am 3. Mai 2023", "DMY", None),
        ("3 mai 2023 et 4 mai 2023", "DMY", None),
        ("2023年5月3日から2023年6月1日", "YMD", None),
        ("2023年5月3日 配達", "YMD", None),
        ("3. Mai 23", "DMY", None),
    ],
)
def test_local_timestamp_review_date_lines(cell, order, expected):
    assert parse_value("local_timestamp", cell, date_order=order) == expected


@pytest.mark.parametrize(
    ("language", "months"),
    [
        ("en", "January February March April May June July August September October "
               "November December"),
        ("de", "Januar Februar März April Mai Juni Juli August September Oktober November "
               "Dezember"),
        ("fr", "janvier février mars avril mai juin juillet août septembre octobre novembre "
               "décembre"),
        ("es", "enero febrero marzo abril mayo junio julio agosto septiembre octubre "
               "noviembre diciembre"),
        ("it", "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre "
               "novembre dicembre"),
        ("nl", "januari februari maart april mei juni juli augustus september oktober "
               "november december"),
        ("pt", "janeiro fevereiro março abril maio junho julho agosto setembro outubro "
               "novembro dezembro"),
        ("sv", "januari februari mars april maj juni juli augusti september oktober "
               "november december"),
        ("pl", "stycznia lutego marca kwietnia maja czerwca lipca sierpnia września "
               "października listopada grudnia"),
    ],
)
def test_every_month_name_of_a_language(language, months):
    order = "DMY" if language != "en" else "MDY"
    for number, name in enumerate(months.split(), start=1):
        cell = f"{name} 2, 2024" if language == "en" else f"2 {name} 2024"
        assert parse_value("local_timestamp", cell, date_order=order) == ts(2024, number, 2), cell


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
