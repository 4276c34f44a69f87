r"""Value parsers for the messy cells of real exports, as DuckDB SQL expressions.

Each parser takes the SQL of a VARCHAR column and returns the SQL of the parsed
value (NULL where the cell cannot be read), so a million-row export is parsed by
DuckDB in one pass instead of a Python loop. :func:`parse_value` runs one parser on
one Python string, for tests and for the documentation:

>>> parse_value("rating", "3.0 out of 5 stars")
3.0
>>> parse_value("count", "5,087 people found this helpful")
5087
>>> parse_value("money", "1.234,56 €")
1234.56
>>> parse_value("asin", "https://www.amazon.in/x/product-reviews/B07JWV47JW/ref=cm")
'B07JWV47JW'
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import duckdb

__all__ = [
    "quote_ident",
    "sql_str",
    "text",
    "rating",
    "count",
    "boolean",
    "money",
    "percent",
    "asin",
    "local_timestamp",
    "zoned_utc",
    "DATE_FORMATS",
    "parse_value",
]

# Date formats written as text, tried in order. Numeric forms depend on the
# marketplace's date order and are added by :func:`local_timestamp`.
TEXT_DATE_FORMATS = [
    "%B %d, %Y",  # January 15, 2024 (Helium 10)
    "%d %B %Y",  # 12 December 2018 (amazon.in pages)
    "%b %d, %Y",  # Jan 15, 2024
    "%d %b %Y",  # 15 Jan 2024
    "%d-%b-%y",  # 31-Jul-18 (Excel's d-mmm-yy; the Kaggle Amazon Alexa reviews); before %Y,
    "%d-%b-%Y",  # 15-Jan-2024                   which would read '18' as the year 18
    "%m %d, %Y",  # 09 4, 2015 (McAuley 2018 reviewTime)
    "%Y年%m月%d日",
]

# Dates that open with a four-digit year are read year-first whatever the marketplace.
YEAR_FIRST_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y.%m.%d",
]

DATE_FORMATS = {
    "MDY": ["%m/%d/%y", "%m/%d/%Y", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m-%d-%Y"],
    "DMY": [
        "%d/%m/%y", "%d/%m/%Y", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M",
        "%d.%m.%y", "%d.%m.%Y", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d-%m-%Y",
    ],
    "YMD": ["%y/%m/%d", "%y-%m-%d"],
}


def quote_ident(name: str) -> str:
    """Quote a column name for DuckDB."""
    return '"' + name.replace('"', '""') + '"'


def sql_str(value: str) -> str:
    """Quote a Python string as a SQL literal."""
    return "'" + value.replace("'", "''") + "'"


def text(col: str) -> str:
    """Trimmed text; empty cells become NULL."""
    return f"NULLIF(trim({col}), '')"


def _number(col: str, decimal_comma: bool | str) -> str:
    """Digits, separators and sign of a cell read as a number.

    ``decimal_comma`` may be a SQL boolean expression. A cell such as ``1.234,56``
    (a dot before the last comma) is read as decimal-comma whatever the marketplace.
    """
    digits = f"regexp_replace({col}, '[^0-9,.\\-]', '', 'g')"
    dc = decimal_comma if isinstance(decimal_comma, str) else ("TRUE" if decimal_comma else "FALSE")
    eu = f"(regexp_matches({digits}, '^-?[0-9]{{1,3}}(\\.[0-9]{{3}})+,[0-9]+$') OR ({dc} AND NOT regexp_matches({digits}, '^-?[0-9]{{1,3}}(,[0-9]{{3}})+\\.[0-9]+$')))"  # noqa: E501
    value = (
        f"try_cast(CASE WHEN {eu} THEN replace(replace({digits}, '.', ''), ',', '.') "
        f"ELSE replace({digits}, ',', '') END AS DOUBLE)"
    )
    # Accounting notation: ($5.00) is minus five.
    return f"(CASE WHEN regexp_matches(trim({col}), '^\\(.*\\)$') THEN -{value} ELSE {value} END)"


def money(col: str, decimal_comma: bool | str = False) -> str:
    """``"$12,905.25"``, ``1.234,56 €``, ``¥1,200`` -> a number (currency dropped)."""
    return _number(col, decimal_comma)


def percent(col: str, decimal_comma: bool | str = False) -> str:
    """``12.02%`` -> 12.02 (percent points, 0-100)."""
    return _number(col, decimal_comma)


def rating(col: str) -> str:
    """``5``, ``4.0``, ``3.0 out of 5 stars``, ``4,0 von 5 Sternen``, ``5つ星のうち4.0`` -> stars.

    Where the scale comes first (amazon.co.jp: "4.0 of 5 stars" is written
    ``5つ星のうち4.0``), the number after ``うち`` is the rating.
    """
    after_scale = f"regexp_extract({col}, 'うち\\s*([0-9]+(?:[.,][0-9]+)?)', 1)"
    first = f"regexp_extract({col}, '^\\s*([0-9]+(?:[.,][0-9]+)?)', 1)"
    number = f"coalesce(NULLIF({after_scale}, ''), NULLIF({first}, ''))"
    return f"try_cast(replace({number}, ',', '.') AS DOUBLE)"


def count(col: str) -> str:
    """``5,087 people found this helpful``, ``One person found this helpful``, ``12`` -> int."""
    digits = f"regexp_replace(regexp_extract({col}, '([0-9][0-9,. ]*)', 1), '[^0-9]', '', 'g')"
    return (
        f"CASE WHEN regexp_matches(lower({col}), '^\\s*(one|a) (person|people)') THEN 1 "
        f"ELSE try_cast(NULLIF({digits}, '') AS BIGINT) END"
    )


def boolean(col: str) -> str:
    """``TRUE``/``Y``/``1``/``Verified Purchase`` -> true; ``FALSE``/``N``/``0``/empty -> false.

    One ``CASE`` of the values rather than ``IN`` (or ``list_contains``, which DuckDB
    rewrites to it): DuckDB plans an ``IN`` of many constants as a join, and a join keeps
    a one-pass ingest from holding the rows in file order (``stage.keeps_order``).
    """
    true = ("true", "t", "yes", "y", "1", "verified purchase", "verified", "vine")
    false = ("false", "f", "no", "n", "0", "")
    whens = " ".join([f"WHEN '{v}' THEN TRUE" for v in true]
                     + [f"WHEN '{v}' THEN FALSE" for v in false])
    return f"(CASE lower(trim({col})) {whens} ELSE NULL END)"


def asin(col: str) -> str:
    """An ASIN alone or inside a product URL (``/dp/B0...``, ``/product-reviews/B0...``)."""
    return (
        f"NULLIF(upper(regexp_extract({col}, "
        f"'(?:^|[/=:\\s])([Bb][0-9A-Za-z]{{9}}|[0-9]{{9}}[0-9Xx])(?:$|[/?&#\\s])', 1)), '')"
    )


def zoned_utc(col: str) -> str:
    """A timestamp that carries its zone (``Z``, ``+00:00``) -> naive UTC; else NULL."""
    return (
        f"CASE WHEN regexp_matches(trim({col}), '[0-9]T?[0-9:. ]*(Z|[+-][0-9]{{2}}:?[0-9]{{2}})$') "
        f"THEN (try_cast(trim({col}) AS TIMESTAMPTZ) AT TIME ZONE 'UTC') END"
    )


def local_timestamp(col: str, date_order: str) -> str:
    """A date or date-time without zone -> naive local timestamp, in the marketplace's order.

    Numeric dates are read in ``date_order`` only (``MDY``, ``DMY``, ``YMD``), never
    guessed: ``25/12/22`` in a month-first marketplace is NULL, so the row is
    quarantined with a reason rather than read as another day.
    """
    def fmt_list(formats: list[str]) -> str:
        return "[" + ", ".join(sql_str(f) for f in formats) + "]"

    cleaned = f"regexp_replace(trim({col}), '^(Reviewed in .* on |on )', '')"
    parsed = (
        f"CASE WHEN regexp_matches({cleaned}, '^[0-9]{{4}}[-/.]') "
        f"THEN try_strptime({cleaned}, {fmt_list(YEAR_FIRST_FORMATS)}) "
        f"ELSE try_strptime({cleaned}, {fmt_list(TEXT_DATE_FORMATS + DATE_FORMATS[date_order])}) END"
    )
    # A two-digit year read as a four-digit one (year 22) is not a date of this era.
    return f"(CASE WHEN year({parsed}) BETWEEN 1990 AND 2200 THEN {parsed} END)"


@lru_cache(maxsize=1)
def _con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


def parse_value(kind: str, value: str, **options: Any) -> Any:
    """Run one parser on one string and return the Python value.

    Parameters
    ----------
    kind : str
        ``rating``, ``count``, ``boolean``, ``money``, ``percent``, ``asin``, ``text``,
        ``zoned_utc`` or ``local_timestamp`` (with ``date_order``).
    value : str
        The cell as read.
    **options
        Passed to the parser (``decimal_comma``, ``date_order``).
    """
    parsers = {
        "rating": rating, "count": count, "boolean": boolean, "money": money,
        "percent": percent, "asin": asin, "text": text, "zoned_utc": zoned_utc,
        "local_timestamp": local_timestamp,
    }
    if kind not in parsers:
        raise ValueError(f"unknown parser {kind!r}; expected one of {sorted(parsers)}")
    expr = parsers[kind]("v", **options)
    return _con().execute(f"SELECT {expr} FROM (SELECT ?::VARCHAR AS v)", [value]).fetchone()[0]


# -- numbers read per column (Business Reports): counts, percentages, money -------------

_SEPARATED_COUNT = "^-?[0-9]{1,3}([,. ''\u2019\u00a0\u202f][0-9]{3})+$"  # '' = one quote in SQL


def count_cell(col: str) -> str:
    """A count as Amazon writes it in any language: ``3,218``, ``3.218``, ``3 218``, ``12``.

    A count has no fraction, so a separator before three digits is always a thousands
    separator, whatever the marketplace. Anything else (``12,5``, ``n/a``) is NULL.
    """
    cell = f"trim({col})"
    return (
        f"CASE WHEN regexp_matches({cell}, '^-?[0-9]+$') THEN try_cast({cell} AS DOUBLE) "
        f"WHEN regexp_matches({cell}, '{_SEPARATED_COUNT}') "
        f"THEN try_cast(regexp_replace({cell}, '[^0-9-]', '', 'g') AS DOUBLE) END"
    )


def percent_cell(col: str) -> str:
    """A percentage in points: ``4.81%``, ``4,81 %``, ``99.96%``, ``100,00%`` -> 4.81 ... 100.

    A share is at most 100, so its one separator is always the decimal mark (Amazon writes
    ``4.81%`` in a German report whose money reads ``17.510,95 €``). NULL if unreadable.
    """
    digits = f"regexp_replace(trim({col}), '[%\\s\u00a0\u202f]', '', 'g')"
    return (
        f"CASE WHEN regexp_matches({digits}, '^-?[0-9]+([.,][0-9]+)?$') "
        f"THEN try_cast(replace({digits}, ',', '.') AS DOUBLE) END"
    )


def decimal_comma_evidence(col: str, per: str | None = None) -> tuple[str, str]:
    """SQL counting a money column's values that show their decimal mark (a window over all rows).

    Returns the expressions (values ending in ``,dd``, values ending in ``.dd``): two
    decimals after the last separator (``17.510,95 €``, ``$12,905.25``) tell the mark; a
    value like ``1,234`` tells nothing. ``per``: the column whose values each count apart
    (the file, when many files are read together).
    """
    tail = "[^0-9,.]*$"
    window = f"OVER (PARTITION BY {per})" if per else "OVER ()"
    return (f"count_if(regexp_matches(trim({col}), ',[0-9]{{1,2}}{tail}')) {window}",
            f"count_if(regexp_matches(trim({col}), '\\.[0-9]{{1,2}}{tail}')) {window}")


CURRENCY_SYMBOLS = (
    # longest first: "US$" before "$"
    ("US$", "USD"), ("CA$", "CAD"), ("C$", "CAD"), ("A$", "AUD"), ("AU$", "AUD"),
    ("MX$", "MXN"), ("R$", "BRL"), ("S$", "SGD"), ("£", "GBP"), ("€", "EUR"), ("₹", "INR"),
    ("zł", "PLN"), ("kr", "SEK"), ("AED", "AED"), ("USD", "USD"), ("GBP", "GBP"),
    ("EUR", "EUR"), ("JPY", "JPY"), ("CNY", "CNY"), ("CAD", "CAD"),
)
"""Currency marks in money cells and the ISO code each stands for."""


def currency_of(col: str, default: str) -> str:
    """The currency a money cell shows (``£1,234.56`` -> GBP), else ``default``.

    ``$`` alone is the marketplace's dollar (USD, CAD, AUD, ...) and ``¥``/``￥`` its yen or
    yuan (JPY, CNY); a mark that names another currency wins over the marketplace.
    """
    whens = " ".join(f"WHEN contains({col}, {sql_str(mark)}) THEN {sql_str(code)}"
                     for mark, code in CURRENCY_SYMBOLS)
    yen = "CNY" if default == "CNY" else "JPY"
    dollar = default if default.endswith("D") else "USD"
    return (f"CASE WHEN {col} IS NULL THEN NULL {whens} "
            f"WHEN contains({col}, '¥') OR contains({col}, '￥') THEN {sql_str(yen)} "
            f"WHEN contains({col}, '$') THEN {sql_str(dollar)} ELSE {sql_str(default)} END")
