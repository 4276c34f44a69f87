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

    The badge reads as true in the marketplaces' languages too (``Verifizierter Kauf``,
    ``Achat vérifié``, ``Amazonで購入`` ...).

    One ``CASE`` of the values rather than ``IN`` (or ``list_contains``, which DuckDB
    rewrites to it): DuckDB plans an ``IN`` of many constants as a join, and a join keeps
    a one-pass ingest from holding the rows in file order (``stage.keeps_order``).
    """
    true = ("true", "t", "yes", "y", "1", "verified purchase", "verified", "vine",
            # Amazon's "Verified Purchase" badge on the other marketplaces' pages
            "verifizierter kauf", "achat vérifié", "compra verificada", "acquisto verificato",
            "geverifieerde aankoop", "verifierat köp", "zweryfikowany zakup", "amazonで購入")
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


def _fmt_list(formats: list[str]) -> str:
    return "[" + ", ".join(sql_str(f) for f in formats) + "]"


_PLAIN_DATE_BYTES = 26  # the longest cell the formats read


def _strptime(cell: str, date_order: str) -> str:
    """The formats above on one cell (SQL).

    A leading year is read year-first; anything else in the written-out forms and the
    marketplace's numeric order.
    """
    return (
        f"CASE WHEN regexp_matches({cell}, '^[0-9]{{4}}[-/.]') "
        f"THEN try_strptime({cell}, {_fmt_list(YEAR_FIRST_FORMATS)}) "
        f"ELSE try_strptime({cell}, {_fmt_list(TEXT_DATE_FORMATS + DATE_FORMATS[date_order])}) END"
    )


# -- Amazon's review date line, in the marketplace's language ------------------------
#
# Each review on an Amazon page carries a line such as "Reviewed in the United States on
# May 3, 2023", "Rezension aus Deutschland vom 3. Mai 2023", "Commenté en France 🇫🇷 le
# 1er mars 2023" or "2023年5月3日に日本でレビュー済み", and scrapers save it as the date.
# Such a cell (and a plain "3. Mai 2023") is read only when the formats above cannot
# read it: the line is cleaned (lower case, accents, flags and odd spaces away), its
# wording dropped, the month name translated, and the day read with strptime.

MONTH_NAMES: dict[str, int] = {
    # Month names and abbreviations as the date lines and plain dates write them, lower
    # case and without accents (the cell is compared after strip_accents, so "März",
    # "Marz" and "Maerz", "août" and "aout" are all read). Abbreviations lose their dot.
    # English
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
    # German (and Austrian Jänner, Feber)
    "januar": 1, "janner": 1, "jaenner": 1, "februar": 2, "feber": 2, "marz": 3, "maerz": 3,
    "mai": 5, "juni": 6, "juli": 7, "oktober": 10, "dezember": 12,
    "mrz": 3, "okt": 10, "dez": 12,
    # French
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "juin": 6, "juillet": 7, "aout": 8,
    "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
    "janv": 1, "fevr": 2, "fev": 2, "avr": 4, "juil": 7,
    # Spanish
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
    "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11,
    "diciembre": 12, "ene": 1, "abr": 4, "ago": 8, "set": 9, "dic": 12,
    # Italian
    "gennaio": 1, "febbraio": 2, "aprile": 4, "maggio": 5, "giugno": 6, "luglio": 7,
    "settembre": 9, "ottobre": 10, "dicembre": 12,
    "gen": 1, "mag": 5, "giu": 6, "lug": 7, "ott": 10,
    # Dutch
    "januari": 1, "februari": 2, "maart": 3, "mei": 5, "augustus": 8, "mrt": 3,
    # Portuguese
    "janeiro": 1, "fevereiro": 2, "marco": 3, "maio": 5, "junho": 6, "julho": 7,
    "setembro": 9, "outubro": 10, "novembro": 11, "dezembro": 12, "out": 10,
    # Swedish
    "maj": 5, "augusti": 8,
    # Polish (the genitive of dates, then the nominative; strip_accents keeps "ł")
    "stycznia": 1, "lutego": 2, "marca": 3, "kwietnia": 4, "maja": 5, "czerwca": 6,
    "lipca": 7, "sierpnia": 8, "wrzesnia": 9, "pazdziernika": 10, "listopada": 11,
    "grudnia": 12, "styczen": 1, "luty": 2, "marzec": 3, "kwiecien": 4, "czerwiec": 6,
    "lipiec": 7, "sierpien": 8, "wrzesien": 9, "pazdziernik": 10, "listopad": 11,
    "grudzien": 12,
}

# The first word of a review date line in each language (lower case, no accents):
# Reviewed in; Rezension aus, Bewertet in; Commenté en, Commentaire laissé en; Revisado
# en, Valorado en, Opinión emitida en, Reseñado en; Recensito in; Beoordeeld in; Avaliado
# no; Recenserad i, Recension i; Recenzja z, Zrecenzowano w. The country and the word
# before the date (on, vom, am, le, el, il, op, em, den, dnia) are not checked: a line
# is this word, anything, then the date at its end.
DATE_LINE_WORDS = (
    "reviewed", "rezension", "rezensiert", "bewertet", "commente", "commentaire", "evalue",
    "revisado", "valorado", "opinion", "resenado", "recensito", "recensita", "recensione",
    "beoordeeld", "gerecenseerd", "avaliado", "avaliada", "comentado", "recenserad",
    "recension", "recenzja", "zrecenzowano", "oceniono",
)

# Words that make a line around a year-first date a review line in Japanese and Chinese:
# "2023年5月3日に日本でレビュー済み", "2021年11月23日 在美国审核", "评论于 2022年8月3日 在美国 发布".
_CJK_LINE_WORDS = "レビュー|审核|審核|评论|評論|发表|發表|发布|發佈|评价|評價|評価"

_ODD_SPACES = "[\\x{00a0}\\x{2007}\\x{2009}\\x{202f}\\x{3000}\\x{200b}\\x{200e}\\x{200f}\\x{feff}]"
_FLAGS = "[\\x{1f1e6}-\\x{1f1ff}]"
_FULL_WIDTH = ("０１２３４５６７８９／", "0123456789/")
# The date at the end of a line, after lower case and strip_accents (so month names are
# ASCII): "3. mai 2023", "1er mars 2023", "3 de mayo de 2023", "may 3, 2023", "03.05.2023".
# Patterns that are not anchored at the start let RE2 find the match from the end, fast.
_DAY_MONTH_YEAR = (
    "[0-9]{1,2}(?:\\.?º|\\.|er|°|ª)?\\s*(?:de\\s+)?[a-z]+\\.?,?\\s+(?:de\\s+|del\\s+)?[0-9]{4}"
)
_MONTH_DAY_YEAR = "[a-z]+\\.?\\s+[0-9]{1,2}(?:st|nd|rd|th)?,?\\s+[0-9]{4}"
_NUMERIC = "[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4}"
_CJK_DATE = "([0-9]{4})\\s*(?:年|/|-|\\.)\\s*([0-9]{1,2})\\s*(?:月|/|-|\\.)\\s*([0-9]{1,2})\\s*日?"


def _month_number(word: str) -> str:
    """The month's number for its name (SQL; NULL for another word).

    Looked up in one string constant (``|januar=01|februar=02|...``): a list or a ``CASE``
    of the 150 names costs DuckDB some milliseconds to plan, in every query that reads a
    date. ``word`` is ``[a-z]+``, so it holds neither ``|`` nor ``=``.
    """
    table = sql_str("|" + "|".join(f"{name}={number:02d}" for name, number in MONTH_NAMES.items())
                    + "|")
    at = f"instr({table}, '|' || m || '=')"
    return _let(word, "m", f"CASE WHEN m <> '' AND {at} > 0 "
                           f"THEN substr({table}, {at} + strlen(m) + 2, 2) END")


def _ymd(year: str, month: str, day: str) -> str:
    """try_strptime of year, month and day (SQL) joined as ``YYYY-M-D``: NULL if no such day."""
    return f"try_strptime(concat_ws('-', {year}, {month}, {day}), '%Y-%m-%d')"


def _let(value: str, name: str, body: str) -> str:
    """``body`` with ``name`` bound to ``value``, computed once, for the rows that reach it.

    Written as a one-element ``list_transform``: an expression repeated in the SQL would
    be hoisted by DuckDB's common-subexpression pass and computed for every row, even
    those a ``CASE`` never sends there.
    """
    return f"list_transform([{value}], lambda {name}: {body})[1]"


def _date_line(col: str, date_order: str) -> str:
    """A review date line or a date with a month name in another language -> timestamp."""
    # Flags (regional indicator pairs) away; non-breaking, thin, ideographic and
    # zero-width spaces and direction marks to one space; full-width digits to ASCII.
    spaced = _let(col, "raw",
                  f"trim(CASE WHEN regexp_matches(raw, '{_ODD_SPACES}|{_FLAGS}|[０-９／]') "
                  f"THEN regexp_replace(regexp_replace(translate(raw, "
                  f"{sql_str(_FULL_WIDTH[0])}, {sql_str(_FULL_WIDTH[1])}), '{_FLAGS}', '', 'g'), "
                  f"'(?:\\s|{_ODD_SPACES})+', ' ', 'g') ELSE raw END)")
    # CJK: one year-first date, and nothing else but the words of a review line.
    cjk = _let(
        f"regexp_replace(line, '{_CJK_DATE}', '')", "rest",
        f"CASE WHEN trim(rest) = '' OR regexp_matches(rest, '{_CJK_LINE_WORDS}') THEN "
        + _let(f"regexp_extract(line, '{_CJK_DATE}', ['y', 'm', 'd'])", "ymd",
               _ymd("ymd.y", "ymd.m", "ymd.d")) + " END")
    cjk_date = f"CASE WHEN regexp_matches(line, '^[^0-9]*{_CJK_DATE}[^0-9]*$') THEN {cjk} END"
    # Western: the date at the end of the line, and before it nothing, or the first word
    # of a date line and anything (the country, on/vom/le/el/il/op/em ...).
    words = "|".join(DATE_LINE_WORDS)
    date = f"regexp_extract(folded, '(?:^|\\s)({_DAY_MONTH_YEAR}|{_MONTH_DAY_YEAR}|{_NUMERIC})$', 1)"
    month = ("CASE WHEN regexp_matches(d, '^[0-9]') "
             "THEN regexp_extract(d, '([a-z]+)\\.?,?\\s+(?:de\\s+|del\\s+)?[0-9]{4}$', 1) "
             "ELSE regexp_extract(d, '^([a-z]+)', 1) END")
    day = "regexp_extract(d, '(?:^|\\s)([0-9]{1,2})(?:[^0-9]|$)', 1)"
    named = _ymd("regexp_extract(d, '([0-9]{4})$', 1)", _month_number(month), day)
    western = _let(date, "d", (
        f"CASE WHEN d = '' OR NOT (d = folded OR regexp_matches(folded, '^(?:{words}|on)\\s')) "
        f"THEN NULL WHEN regexp_matches(d, '^{_NUMERIC}$') THEN {_strptime('d', date_order)} "
        f"ELSE {named} END"))
    return _let(spaced, "line", _let(cjk_date, "cjk", f"CASE WHEN cjk IS NULL THEN "
                f"{_let('strip_accents(lower(line))', 'folded', western)} ELSE cjk END"))


def local_timestamp(col: str, date_order: str) -> str:
    """A date or date-time without zone -> naive local timestamp, in the marketplace's order.

    Numeric dates are read in ``date_order`` only (``MDY``, ``DMY``, ``YMD``), never
    guessed: ``25/12/22`` in a month-first marketplace is NULL, so the row is
    quarantined with a reason rather than read as another day. A cell the formats do
    not read is then tried as Amazon's review date line in any of its languages
    ("Rezension aus Deutschland vom 3. Mai 2023", "2023年5月3日に日本でレビュー済み") or
    as a date with a month name in another language ("3. Mai 2023"); the extra work is
    done only for those cells.
    """
    # amazon.com's own line ("Reviewed in the United States on May 3, 2023") loses its
    # words here, as before. A cell longer than any of the formats above (26 bytes:
    # 2022-05-03T09:30:00.123456) is not tried with them: a try_strptime failing every
    # format costs more than reading a date line, and the lines of the other marketplaces
    # (Japanese and Chinese ones count three bytes a character) are all longer.
    cell = f"regexp_replace(trim({col}), '^(Reviewed in .* on |on )', '')"
    plain = _strptime(f"CASE WHEN strlen({cell}) <= {_PLAIN_DATE_BYTES} THEN {cell} END",
                      date_order)
    # A two-digit year read as a four-digit one (year 22) is not a date of this era. The
    # date line is read (in lambdas: each step once) only where coalesce still has NULL.
    this_era = "CASE WHEN year({0}) BETWEEN 1990 AND 2200 THEN {0} END"
    line = _let(_date_line(col, date_order), "ts", this_era.format("ts"))
    return f"coalesce({this_era.format(plain)}, {line})"


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
