"""Staged text -> the ``events``, ``sales``, ``orders`` and ``actions`` contracts, in SQL.

One SQL statement per table turns the staged cells into typed columns, computes
stable ids, hashes authors (raw names and e-mails never leave this statement), and
gives every row it cannot use a reason (``_reject_column``, ``_reject_reason``)
instead of dropping it.

Time: a timestamp with a zone is kept as that instant; a date without a time is
the marketplace's local midnight (``date_precision = 'day'``); a timestamp at
exactly ``00:00:00Z`` is a date written as a timestamp (Datafiniti, McAuley 2018)
and is read as that date. ``local_date`` is the marketplace-local day.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import duckdb

from ..config import marketplaces
from ..schemas import CAMPAIGN_COUNTS, LANES
from .formats import Format
from .values import (
    asin,
    boolean,
    count,
    count_cell,
    currency_of,
    decimal_comma_evidence,
    local_timestamp,
    money,
    percent,
    percent_cell,
    rating,
    sql_str,
    text,
    zoned_utc,
)

__all__ = ["Target", "events_sql", "in_order", "constant_event_columns", "sales_sql",
           "orders_sql", "actions_sql", "voc_sql", "messages_sql",
           "feedback_topics_sql", "load_reason_map", "MESSAGE_MAPPING_FIELDS"]


@dataclass(frozen=True)
class Target:
    """What is known about the file beyond its cells."""

    marketplace: str
    source_file: str
    source_sha256: str
    salt: str
    source: str | None = None
    date: str | None = None
    per_file: bool = False
    """Many files staged together (:mod:`crisis_kit.ingest.batch`, sales only): ``stage``
    then has the columns ``_file``, ``_source_file``, ``_source_sha256`` and ``_day`` of each
    row's file, read in place of the three above, and file-wide figures (a money column's
    decimal mark) are counted per file."""


def reason_key(sql: str) -> str:
    """SQL: a return reason as it is looked up.

    Upper case, spaces collapsed, curly apostrophes straightened, a final full stop
    dropped ("Defective item." = "DEFECTIVE ITEM").
    """
    return (f"rtrim(upper(trim(regexp_replace(replace({sql}, '\u2019', ''''), '\\s+', ' ', 'g'))),"
            " '.')")


def load_reason_map(con: duckdb.DuckDBPyConnection) -> None:
    """Load the return-reason groups (a data file, not code) into ``reason_groups``.

    A code with ``*`` is a glob (``AMZ-PG-*-TOO-SMALL`` for every category's "too
    small"); an exact code or wording wins over a glob, and the first glob in the file
    over later ones (``rank``). Once per connection: a temp table lives as long as the
    connection, and the data file does not change while an ingest runs.
    """
    if con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary "
                   "AND table_name = 'reason_groups'").fetchone()[0]:
        return
    path = resources.files("crisis_kit") / "data" / "return_reasons.csv"
    with resources.as_file(path) as csv_path:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE reason_groups AS "
            f"SELECT {reason_key('r.code')} AS code, r.\"group\" AS reason_group, "
            "contains(r.code, '*') AS pattern, "
            "CASE WHEN contains(r.code, '*') THEN row_number() OVER () ELSE 0 END AS rank "
            f"FROM read_csv({sql_str(str(csv_path))}, header = true, delim = ',', "
            "quote = '\"', all_varchar = true) r"
        )


def _tz_case(mkt_sql: str) -> str:
    whens = " ".join(
        f"WHEN {sql_str(code)} THEN {sql_str(m.tz)}" for code, m in marketplaces.MARKETPLACES.items()
    )
    return f"(CASE {mkt_sql} {whens} END)"


def _marketplace_expr(column: str | None, default: str) -> str:
    if column is None:
        return sql_str(default)
    aliases = "CASE upper(trim({c})) WHEN 'GB' THEN 'UK' ELSE upper(trim({c})) END"
    return f"coalesce(NULLIF({aliases.format(c=column)}, ''), {sql_str(default)})"


def _columns(fmt: Format, index: dict[str, int]) -> dict[str, str]:
    """Canonical field -> staged column (``cN``) for the fields present in the header."""
    found = {}
    for canonical, alternatives in fmt.fields.items():
        for name in alternatives:
            if name in index:
                found[canonical] = f"c{index[name]}"
                break
    return found


def _zoned_or_epoch(cell: str) -> str:
    """A cell with its zone, or seconds / milliseconds since 1970 -> naive UTC; else NULL."""
    epoch = f"regexp_matches(trim({cell}), '^[0-9]{{9,13}}$')"
    return (
        f"CASE WHEN {epoch} THEN (CASE WHEN length(trim({cell})) >= 12 "
        f"THEN to_timestamp(try_cast(trim({cell}) AS BIGINT) / 1000.0) "
        f"ELSE to_timestamp(try_cast(trim({cell}) AS BIGINT)) END) AT TIME ZONE 'UTC' "
        f"ELSE {zoned_utc(cell)} END"
    )


def events_sql(fmt: Format, index: dict[str, int], target: Target) -> str:
    """The SELECT that turns ``stage`` into candidate events (one per ASIN) with reasons."""
    cols = _columns(fmt, index)
    market = marketplaces.get(target.marketplace)
    source = target.source or fmt.source

    def raw(name: str) -> str:
        return cols.get(name, "NULL")

    mkt = _marketplace_expr(cols.get("marketplace"), market.code)
    asin_cell = raw("asin")
    # A column the user mapped to `asin` is the product's id even when it is not shaped like
    # an ASIN (a JD.com or Shopify product id): kept as written, trimmed, rather than lost.
    own_id = f", NULLIF(trim({asin_cell}), '')" if fmt.name == "mapping" and "asin" in cols else ""
    asin_list = (
        f"list_filter(list_transform(string_split(coalesce({asin_cell}, ''), ','), lambda x: trim(x)), "
        "lambda x: x <> '')"
        if fmt.multi_asin
        else f"[coalesce({asin(asin_cell)}, {asin(raw('url'))}{own_id})]"
    )
    key_sql = ", ".join(
        {"author": "author_hash", "occurred_at": "epoch(occurred_at)",
         "rating": "CAST(rating AS VARCHAR)"}.get(k, k) + " :: VARCHAR"
        for k in fmt.key
    )
    own_id = fmt.key == ("source_id",)
    # One event per listed ASIN; a row listing none still yields one event (asin NULL).
    unnest_asin = "unnest(CASE WHEN len(asins) = 0 THEN [NULL] ELSE asins END)"
    salt = sql_str(target.salt)
    has_reason = "reason" in cols
    group = "rg.reason_group" if has_reason else "CAST(NULL AS VARCHAR)"
    reason_join = _reason_join(has_reason)
    claims = _claim_branches(cols)
    return f"""
    WITH src AS NOT MATERIALIZED (
        SELECT _row,
            {mkt} AS marketplace,
            {raw("occurred_at")} AS occurred_raw,
            {raw("rating")} AS rating_raw,
            {asin_list} AS asins,
            {text(raw("parent_asin"))} AS parent_asin,
            {text(raw("sku"))} AS sku,
            {text(raw("order_id"))} AS order_id,
            NULLIF({raw("title")}, '') AS title,
            NULLIF({raw("text")}, '') AS text,
            upper({text(raw("reason"))}) AS reason,
            {text(raw("status"))} AS status,
            {text(raw("disposition"))} AS disposition,
            {boolean(f"coalesce({cols['verified']}, '')") if "verified" in cols else "NULL"}
                AS verified,
            {count(raw("helpful_votes"))} AS helpful_votes,
            {text(raw("variant"))} AS variant,
            CASE WHEN {text(raw("author"))} IS NULL THEN NULL
                 ELSE left(sha256({salt} || lower(trim({raw("author")}))), 24) END AS author_hash,
            NULLIF({raw("response")}, '') AS response,
            {text(raw("source_id"))} AS source_id,
            upper(coalesce({text(raw("atoz_claim"))}, '')) IN ('Y', 'YES', 'TRUE', '1') AS atoz,
            {text(raw("safet_id"))} AS safet_id,
            {text(raw("safet_state"))} AS safet_state,
            {text(raw("safet_reason"))} AS safet_reason,
            {zoned_utc(raw("safet_time"))} AS safet_at
        FROM stage
    ),
    timed AS NOT MATERIALIZED (
        SELECT *, {_tz_case("marketplace")} AS tz,
            {_zoned_or_epoch("occurred_raw")} AS zoned,
            {local_timestamp("occurred_raw", market.date_order)} AS local_ts,
            {rating("rating_raw")} AS rating
        FROM src
    ),
    typed AS NOT MATERIALIZED (
        SELECT *,
            zoned IS NOT NULL AND zoned = date_trunc('day', zoned)
                AND NOT regexp_matches(occurred_raw, '[+-][0-9]{{2}}:?[0-9]{{2}}$') AS zoned_date,
            CASE
              WHEN zoned IS NOT NULL AND NOT (zoned = date_trunc('day', zoned)
                   AND NOT regexp_matches(occurred_raw, '[+-][0-9]{{2}}:?[0-9]{{2}}$')) THEN zoned
              WHEN zoned IS NOT NULL THEN (zoned AT TIME ZONE tz) AT TIME ZONE 'UTC'
              ELSE (local_ts AT TIME ZONE tz) AT TIME ZONE 'UTC'
            END AS occurred_at
        FROM timed
    ),
    dated AS NOT MATERIALIZED (
        SELECT *,
            CASE WHEN zoned IS NOT NULL AND NOT zoned_date
                 THEN CAST((occurred_at AT TIME ZONE 'UTC') AT TIME ZONE tz AS DATE)
                 WHEN zoned IS NOT NULL THEN CAST(zoned AS DATE)
                 ELSE CAST(local_ts AS DATE) END AS local_date,
            CASE WHEN zoned IS NOT NULL AND NOT zoned_date THEN 'second'
                 WHEN local_ts IS NOT NULL AND local_ts <> date_trunc('day', local_ts)
                 THEN 'second' ELSE 'day' END AS date_precision
        FROM typed
    ),
    checked AS NOT MATERIALIZED (
        SELECT *,
            CASE
              WHEN tz IS NULL THEN {sql_str("marketplace")}
              WHEN occurred_at IS NULL THEN {sql_str(_field_column(fmt, "occurred_at"))}
              WHEN rating_raw IS NOT NULL AND trim(rating_raw) <> '' AND rating IS NULL
                   THEN {sql_str(_field_column(fmt, "rating"))}
              WHEN rating IS NOT NULL AND (rating < 1 OR rating > 5)
                   THEN {sql_str(_field_column(fmt, "rating"))}
              WHEN {sql_str(source)} IN ('review', 'seller_feedback') AND rating IS NULL
                   THEN {sql_str(_field_column(fmt, "rating"))}
            END AS _reject_column,
            CASE
              WHEN tz IS NULL THEN 'unknown marketplace ''' || marketplace || ''': use one of '
                   || {sql_str(", ".join(marketplaces.MARKETPLACES))}
              WHEN occurred_raw IS NULL OR trim(occurred_raw) = ''
                   THEN 'the date is empty: every complaint needs the day it happened'
              WHEN occurred_at IS NULL THEN 'cannot read the date ''' || occurred_raw
                   || ''' as a ' || marketplace || ' date ({market.date_order}): if the file '
                   || 'comes from another marketplace, set `marketplace:` for it in incident.yaml'
              WHEN rating_raw IS NOT NULL AND trim(rating_raw) <> '' AND rating IS NULL
                   THEN 'the rating ''' || rating_raw || ''' is not a number of stars (1-5)'
              WHEN rating IS NOT NULL AND (rating < 1 OR rating > 5)
                   THEN 'the rating ' || rating_raw || ' is outside 1-5 stars: fix the cell or '
                   || 'check that the column is the star rating'
              WHEN {sql_str(source)} IN ('review', 'seller_feedback') AND rating IS NULL
                   THEN 'the rating is empty: a {source.replace("_", " ")} needs its stars'
            END AS _reject_reason
        FROM dated
    ),
    exploded AS NOT MATERIALIZED (
        SELECT checked.* EXCLUDE (asins),
            {unnest_asin if fmt.multi_asin else "asins[1]"} AS asin
        FROM checked
    ),
    signals AS NOT MATERIALIZED (
    SELECT
        {"'" + source + ":' || source_id" if own_id else
         f"md5(concat_ws(chr(31), {sql_str(source)}, marketplace, {key_sql}))"}
            AS event_id,
        {sql_str(source)} AS source, marketplace, asin, parent_asin, sku, order_id,
        occurred_at, local_date, date_precision, rating, title, text, exploded.reason,
        coalesce({group}, CASE WHEN exploded.reason IS NULL THEN NULL ELSE 'other' END)
            AS reason_group,
        status, disposition, verified, CAST(helpful_votes AS INTEGER) AS helpful_votes, variant,
        author_hash, response,
        (rating IS NOT NULL AND rating <= 2 AND {sql_str(source)} NOT IN ('fba_return', 'mfn_return'))
            OR coalesce({group} IN ('quality', 'safety'), FALSE)
            OR {sql_str(source)} = 'claim' AS is_negative,
        CAST(NULL AS VARCHAR) AS topic,
        {sql_str(target.source_file)} AS source_file, _row AS source_row,
        {sql_str(target.source_sha256)} AS source_sha256,
        _reject_column, _reject_reason,
        atoz, safet_id, safet_state, safet_reason, safet_at, tz
    FROM exploded{reason_join}
    )
    SELECT * EXCLUDE (atoz, safet_id, safet_state, safet_reason, safet_at, tz) FROM signals{claims}
    """


def in_order(fmt: Format, index: dict[str, int]) -> bool:
    """Whether the normalising SELECT gives one candidate per staged row, in their order.

    True for events with one ASIN a row and neither a reason to look up nor claim
    columns: their SELECT is a projection of each row (no join, window or union).
    """
    if fmt.table != "events" or fmt.multi_asin:
        return False
    return not {"reason", "atoz_claim", "safet_id"} & _columns(fmt, index).keys()


def constant_event_columns(fmt: Format, index: dict[str, int], target: Target) -> dict[str, str]:
    """The candidate events' columns that hold one value for every row of the file.

    For a file read in one pass (:func:`in_order`): each is a column the header lacks (NULL)
    or what the file is (its source, marketplace, name), as the typed SQL constant that
    :func:`events_sql` gives every row. The candidates table is written without them and
    the view over it gives them back (``load._normalise_and_commit``): a review export
    has 13 such columns of its 29, 100-120 MB of the ingest's peak at a million rows
    (docs/performance.md, "The candidates without their constant columns").
    """
    cols = _columns(fmt, index)
    null_text = "CAST(NULL AS VARCHAR)"
    found = {"source": sql_str(target.source or fmt.source)}
    if "marketplace" not in cols:
        found["marketplace"] = sql_str(marketplaces.get(target.marketplace).code)
    for name in ("parent_asin", "sku", "order_id", "status", "disposition", "variant",
                 "response"):
        if name not in cols:
            found[name] = null_text
    if "reason" not in cols:
        found["reason"] = found["reason_group"] = null_text
    if "verified" not in cols:
        found["verified"] = "CAST(NULL AS BOOLEAN)"
    if "helpful_votes" not in cols:
        found["helpful_votes"] = "CAST(NULL AS INTEGER)"
    if "author" not in cols:
        found["author_hash"] = null_text
    found["topic"] = null_text  # given by the insert
    found["source_file"] = sql_str(target.source_file)
    return found


def _reason_join(has_reason: bool) -> str:
    """The look-up of each return reason's group, when the file has a reason column.

    Left out for a file without one (a review export): the look-up reads the staged rows
    a second time, which makes DuckDB materialise them before the normalising pass.
    """
    if not has_reason:
        return ""
    return f""" LEFT JOIN (
        -- each distinct reason once: its exact code or wording, else the first glob
        SELECT seen.reason AS looked_up, arg_min(g.reason_group, g.rank) AS reason_group
        FROM (SELECT DISTINCT reason FROM exploded WHERE reason IS NOT NULL) seen
        JOIN reason_groups g
          ON (NOT g.pattern AND g.code = {reason_key("seen.reason")})
          OR (g.pattern AND {reason_key("seen.reason")} GLOB g.code)
        GROUP BY seen.reason
    ) rg ON rg.looked_up = exploded.reason"""


def _claim_branches(cols: dict[str, str]) -> str:
    """The claim events a seller-fulfilled returns row also holds (only for files with those columns).

    The seller-fulfilled returns report also says when the return became a claim: an
    A-to-z Guarantee claim (`A-to-Z Claim` = Y, dated by the return request) and a
    SAFE-T claim (its id, state and creation time). Each is a claim event of its own,
    from the same row (the row adds several records, like a row listing several ASINs).
    A file without those columns has no such branch: each branch reads every row again.
    """
    branches = []
    if "atoz_claim" in cols:
        branches.append("""
    UNION ALL
    SELECT 'claim:a-to-z:' || coalesce(order_id, '') || ':' || coalesce(asin, '') AS event_id,
        'claim' AS source, marketplace, asin, parent_asin, sku, order_id, occurred_at,
        local_date, date_precision, NULL AS rating, NULL AS title, NULL AS text,
        'A-TO-Z CLAIM' AS reason, 'other' AS reason_group, NULL AS status,
        NULL AS disposition, verified, NULL AS helpful_votes, variant, author_hash,
        NULL AS response, TRUE AS is_negative, topic, source_file, source_row, source_sha256,
        _reject_column, _reject_reason
    FROM signals WHERE atoz""")
    if "safet_id" in cols:
        branches.append("""
    UNION ALL
    SELECT 'claim:safe-t:' || safet_id AS event_id, 'claim' AS source, marketplace, asin,
        parent_asin, sku, order_id, coalesce(safet_at, occurred_at) AS occurred_at,
        CASE WHEN safet_at IS NULL THEN local_date
             ELSE CAST((safet_at AT TIME ZONE 'UTC') AT TIME ZONE tz AS DATE) END AS local_date,
        CASE WHEN safet_at IS NULL THEN date_precision ELSE 'second' END AS date_precision,
        NULL AS rating, NULL AS title, safet_reason AS text, 'SAFE-T CLAIM' AS reason,
        'other' AS reason_group, safet_state AS status, NULL AS disposition, verified,
        NULL AS helpful_votes, variant, author_hash, NULL AS response, TRUE AS is_negative,
        topic, source_file, source_row, source_sha256, _reject_column, _reject_reason
    FROM signals WHERE safet_id IS NOT NULL""")
    return "".join(branches)


def _field_column(fmt: Format, canonical: str) -> str:
    names = fmt.fields.get(canonical, ())
    return names[0] if names else canonical


QUOTE = "''''"
"""A single quote, as a SQL string literal."""


def sales_sql(fmt: Format, index: dict[str, int], target: Target) -> str:
    """The SELECT that turns a staged Business Report into sales rows with reasons.

    Numbers are read per column, not per marketplace (a German report writes counts and
    percentages ``3,218`` and ``4.81%`` but money ``17.510,95 €``): counts have no fraction,
    percentages are at most 100, and a money column's decimal mark is read off its own
    values (``,dd`` or ``.dd`` at the end), the marketplace's only when no value shows it.
    """
    cols = _columns(fmt, index)
    market = marketplaces.get(target.marketplace)

    def raw(name: str) -> str:
        return f"NULLIF(trim({cols[name]}), '')" if name in cols else "NULL"

    def counted(name: str) -> str:
        return count_cell(raw(name)) if name in cols else "NULL"

    sessions_raw, sessions = raw("sessions"), counted("sessions")
    if "sessions" not in cols and {"sessions_app", "sessions_browser"} <= cols.keys():
        sessions_raw = f"concat_ws(' + ', {raw('sessions_app')}, {raw('sessions_browser')})"
        sessions = f"({counted('sessions_app')} + {counted('sessions_browser')})"
    views_raw, views = raw("page_views"), counted("page_views")
    if "page_views" not in cols and {"page_views_app", "page_views_browser"} <= cols.keys():
        views_raw = f"concat_ws(' + ', {raw('page_views_app')}, {raw('page_views_browser')})"
        views = f"({counted('page_views_app')} + {counted('page_views_browser')})"
    comma, point = decimal_comma_evidence(raw("revenue"), "_file" if target.per_file else None)
    first_cell = "c0"
    column = {name: sql_str(_field_column(fmt, name)) for name in (
        "asin", "units", "sessions", "page_views", "buy_box_pct", "unit_session_pct",
        "revenue")}
    checks = [
        ("asin IS NULL", column["asin"],
         "CASE WHEN regexp_matches(lower(coalesce(first_cell, '')), "
         "'^\\s*(total|totals|summe|gesamt|合计|总计|合計)') "
         "THEN 'a summary (totals) row, not an ASIN: left out so nothing counts twice' "
         "ELSE 'the ASIN is empty: a sales row needs its child ASIN' END"),
        ("units IS NULL", column["units"],
         "'cannot read units ''' || coalesce(units_raw, '') || ''' as a count of units'"),
        ("units < 0", column["units"], "'units ' || units_raw || ' below zero: not a count'"),
        ("sessions_raw IS NOT NULL AND sessions IS NULL", column["sessions"],
         "'cannot read sessions ''' || sessions_raw || ''' as a count'"),
        ("sessions < 0 OR page_views < 0", column["sessions"],
         "'a count below zero (sessions ' || coalesce(sessions_raw, '') || ', page views ' || "
         "coalesce(views_raw, '') || ')'"),
        ("views_raw IS NOT NULL AND page_views IS NULL", column["page_views"],
         "'cannot read page views ''' || views_raw || ''' as a count'"),
        ("(buy_box_raw IS NOT NULL AND buy_box_pct IS NULL) OR buy_box_pct > 100 "
         "OR buy_box_pct < 0", column["buy_box_pct"],
         "'the share ''' || buy_box_raw || ''' is not a percentage between 0 and 100'"),
        ("(unit_session_raw IS NOT NULL AND unit_session_pct IS NULL) OR unit_session_pct > 100 "
         "OR unit_session_pct < 0", column["unit_session_pct"],
         "'the share ''' || unit_session_raw || ''' is not a percentage between 0 and 100'"),
        ("revenue_comma > 0 AND revenue_point > 0", column["revenue"],
         "'the column writes money both as 1.234,56 and as 1,234.56 (this row: ' || "
         "coalesce(revenue_raw, '') || '): export the report again from one Seller Central "
         "language'"),
        ("revenue_raw IS NOT NULL AND revenue IS NULL", column["revenue"],
         "'cannot read the sales ''' || revenue_raw || ''' as money'"),
    ]
    # A Business Report's day is the file's; a mapped sales table may carry one per row.
    day = (f"CAST({local_timestamp('date_raw', market.date_order)} AS DATE)" if "date" in cols
           else "CAST(_day AS DATE)" if target.per_file
           else f"CAST({sql_str(target.date or '')} AS DATE)")
    source_file, source_sha256 = ((sql_str(target.source_file), sql_str(target.source_sha256))
                                  if not target.per_file else ("_source_file", "_source_sha256"))
    # the file's own columns, carried through for a batch of files
    carried = ", _file, _source_file, _source_sha256, _day" if target.per_file else ""
    if "date" in cols:
        checks.insert(0, (f"{day} IS NULL", sql_str(_field_column(fmt, "date")),
                          f"'cannot read the day ' || {QUOTE} || coalesce(date_raw, '') "
                          f"|| {QUOTE}"))
    reject_column = " ".join(f"WHEN {cond} THEN {col}" for cond, col, _ in checks)
    reject_reason = " ".join(f"WHEN {cond} THEN {why}" for cond, _, why in checks)
    return f"""
    WITH cells AS NOT MATERIALIZED (
        SELECT _row, {text(cols.get("asin", "NULL"))} AS asin,
            {text(cols.get("parent_asin", "NULL"))} AS parent_asin,
            coalesce({text(cols.get("sku", "NULL"))}, '') AS sku,
            {raw("units")} AS units_raw, {counted("units")} AS units,
            {raw("revenue")} AS revenue_raw, {sessions_raw} AS sessions_raw,
            {sessions} AS sessions, {views_raw} AS views_raw, {views} AS page_views,
            {raw("buy_box_pct")} AS buy_box_raw,
            {percent_cell(raw("buy_box_pct")) if "buy_box_pct" in cols else "NULL"} AS buy_box_pct,
            {raw("unit_session_pct")} AS unit_session_raw,
            {percent_cell(raw("unit_session_pct")) if "unit_session_pct" in cols else "NULL"}
                AS unit_session_pct,
            {comma} AS revenue_comma, {point} AS revenue_point,
            {cols.get("date", "NULL")} AS date_raw, {first_cell} AS first_cell{carried}
        FROM stage
    ),
    parsed AS NOT MATERIALIZED (
        SELECT *,
            {money("revenue_raw", f"(CASE WHEN revenue_comma > 0 THEN TRUE WHEN revenue_point > 0 "
                                   f"THEN FALSE ELSE {'TRUE' if market.decimal_comma else 'FALSE'} END)")}
                AS revenue,
            {currency_of("revenue_raw", market.currency)} AS currency
        FROM cells
    )
    SELECT {day} AS date,
        {sql_str(market.code)} AS marketplace, asin, parent_asin, sku,
        units, revenue, coalesce(currency, {sql_str(market.currency)}) AS currency, sessions,
        page_views, buy_box_pct, unit_session_pct, {sql_str(fmt.source)} AS source,
        'local' AS day_definition, {source_file} AS source_file,
        _row AS source_row, {source_sha256} AS source_sha256,
        CASE {reject_column} END AS _reject_column,
        CASE {reject_reason} END AS _reject_reason{", _file" if target.per_file else ""}
    FROM parsed
    """


def orders_sql(fmt: Format, index: dict[str, int], target: Target) -> str:
    """The SELECT that turns a staged all-orders file into order lines with reasons."""
    cols = _columns(fmt, index)
    market = marketplaces.get(target.marketplace)
    occurred = cols.get("purchased_at", "NULL")
    tz = sql_str(market.tz)
    zoned = zoned_utc(occurred)
    local = local_timestamp(occurred, market.date_order)
    return f"""
    WITH parsed AS NOT MATERIALIZED (
        SELECT _row, {text(cols.get("order_id", "NULL"))} AS order_id,
            coalesce({text(cols.get("sku", "NULL"))}, '') AS sku,
            {text(cols.get("order_item_id", "NULL"))} AS order_item_id,
            {text(cols.get("asin", "NULL"))} AS asin,
            coalesce({zoned}, ({local} AT TIME ZONE {tz}) AT TIME ZONE 'UTC') AS purchased_at,
            {occurred} AS purchased_raw,
            {text(cols.get("status", "NULL"))} AS status,
            {money(cols.get("quantity", "NULL"))} AS quantity,
            {money(cols.get("item_price", "NULL"), market.decimal_comma)} AS item_price,
            coalesce({text(cols.get("currency", "NULL"))}, {sql_str(market.currency)}) AS currency
        FROM stage
    )
    SELECT order_id, sku, asin, {sql_str(market.code)} AS marketplace, purchased_at,
        CAST((purchased_at AT TIME ZONE 'UTC') AT TIME ZONE {tz} AS DATE) AS local_date,
        status, quantity, item_price, currency,
        {sql_str(target.source_file)} AS source_file, _row AS source_row,
        {sql_str(target.source_sha256)} AS source_sha256, order_item_id,
        CASE WHEN order_id IS NULL THEN 'amazon-order-id'
             WHEN purchased_at IS NULL THEN 'purchase-date'
             WHEN quantity IS NULL THEN 'quantity' END AS _reject_column,
        CASE WHEN order_id IS NULL THEN 'the order id is empty'
             WHEN purchased_at IS NULL THEN 'cannot read the purchase date ''' ||
                  coalesce(purchased_raw, '') || ''''
             WHEN quantity IS NULL THEN 'the quantity is not a number' END AS _reject_reason,
    FROM parsed
    """




def voc_sql(fmt: Format, index: dict[str, int], target: Target) -> str:
    """The SELECT that turns a staged Voice of the Customer download into ``voc`` rows.

    ``--`` means "none" (a reason or rate Amazon has not computed): NULL, not an error.
    Rates are percent points (``0%``, ``1.2%``); a rate outside 0-100 or a count below
    zero is refused, as is a row without ASIN or without a readable `Last updated` day.
    """
    cols = _columns(fmt, index)
    market = marketplaces.get(target.marketplace)

    def cell(name: str) -> str:
        return f"NULLIF(NULLIF(trim({cols[name]}), '--'), '')" if name in cols else "NULL"

    def number(name: str) -> str:
        return percent(cell(name)) if name.endswith("rate") else count(cell(name))

    day = local_timestamp(cols.get("date", "NULL"), market.date_order)
    quote = "''''"  # a single quote inside a SQL string
    checks = [
        ("asin", "asin IS NULL", "'the ASIN is empty: a Voice of the Customer row is one ASIN'"),
        ("date", "date IS NULL",
         f"'cannot read the day ' || {quote} || coalesce(date_raw, '') || {quote} "
         "|| ' (Last updated)'"),
    ]
    for name in ("total_orders", "ncx_orders"):
        checks.append((name, f"{name}_raw IS NOT NULL AND ({name} IS NULL OR {name} < 0)",
                       f"'the count ' || {name}_raw || ' is not a number of orders (0 or more)'"))
    for name in ("ncx_rate", "ncx_review_rate", "ncx_return_rate"):
        checks.append((name, f"{name}_raw IS NOT NULL AND ({name} IS NULL OR {name} < 0 "
                       f"OR {name} > 100)",
                       f"'the rate ' || {name}_raw || ' is not a percentage between 0 and 100'"))
    column_case = " ".join(f"WHEN {cond} THEN {sql_str(_field_column(fmt, n))}"
                           for n, cond, _ in checks)
    reason_case = " ".join(f"WHEN {cond} THEN {why}" for _, cond, why in checks)
    numbers = ", ".join(
        f"{cell(n)} AS {n}_raw, {number(n)} AS {n}"
        for n in ("total_orders", "ncx_orders", "ncx_rate", "ncx_review_rate", "ncx_return_rate"))
    return f"""
    WITH parsed AS NOT MATERIALIZED (
        SELECT _row, {asin(cell("asin"))} AS asin, {cell("sku")} AS sku,
            {cell("condition")} AS condition, {cell("fulfilled_by")} AS fulfilled_by,
            {cell("product_name")} AS product_name, {cell("top_ncx_reason")} AS top_ncx_reason,
            {cell("cx_health")} AS cx_health, {cell("date")} AS date_raw,
            CAST({day} AS DATE) AS date, {numbers}
        FROM stage
    )
    SELECT date, {sql_str(market.code)} AS marketplace, asin, sku, condition, fulfilled_by,
        product_name, CAST(total_orders AS BIGINT) AS total_orders,
        CAST(ncx_orders AS BIGINT) AS ncx_orders, ncx_rate, top_ncx_reason, ncx_review_rate,
        ncx_return_rate, cx_health,
        {sql_str(target.source_file)} AS source_file, _row AS source_row,
        {sql_str(target.source_sha256)} AS source_sha256,
        CASE {column_case} END AS _reject_column,
        CASE {reason_case} END AS _reject_reason
    FROM parsed
    """


NO_RESPONSE_NEEDED = "(?i)no[ _-]?(response|reply|answer)[ _-]?(needed|required)"
"""A status that marks a message as needing no answer (Seller Central's button, a help
desk's tag): such messages are left out of the response-time figures, as Amazon does."""


def _instant(cell: str, tz: str, date_order: str) -> str:
    """SQL: a date-time cell -> naive UTC; with its zone as that instant, else local time in ``tz``."""
    local = local_timestamp(cell, date_order)
    return (f"coalesce({_zoned_or_epoch(cell)}, "
            f"({local} AT TIME ZONE {sql_str(tz)}) AT TIME ZONE 'UTC')")


def messages_sql(fmt: Format, index: dict[str, int], target: Target) -> str:
    """The SELECT that turns a staged buyer-message or help-desk export into ``messages`` rows.

    ``received_at`` and ``answered_at`` are read with their zone where the cell has one,
    else as the marketplace's local time; a cell without a time of day is refused (hours
    cannot be measured from a day). ``response_minutes`` (a help desk's "first reply time
    in minutes") stands for ``answered_at`` when that is not mapped. An answer dated before
    the message is refused. A status saying "no response needed" (or a true
    ``no_response_needed`` cell) marks the message as needing none.
    """
    cols = _columns(fmt, index)
    market = marketplaces.get(target.marketplace)

    def cell(name: str) -> str:
        return text(cols[name]) if name in cols else "NULL"

    timed = ("regexp_matches({c}, '[0-9]:[0-9]{{2}}') "
             "OR regexp_matches(trim({c}), '^[0-9]{{9,13}}$')")
    received = _instant("received_raw", market.tz, market.date_order)
    answered = _instant("answered_raw", market.tz, market.date_order)
    minutes = "try_cast(replace(minutes_raw, ',', '') AS DOUBLE)"
    flag = (f"coalesce({boolean(cell('no_response_needed'))}, FALSE)"
            if "no_response_needed" in cols else "FALSE")
    col = {n: sql_str(_field_column(fmt, n)) for n in ("received_at", "answered_at",
                                                       "response_minutes")}
    checks = [
        (col["received_at"], "received_raw IS NULL",
         "'the received time is empty: every message needs the time it came in'"),
        (col["received_at"], "received_at IS NULL",
         f"'cannot read the received time ' || {QUOTE} || received_raw || {QUOTE} || ' as a "
         f"{market.code} date and time ({market.date_order}); write it with its zone "
         "(2022-05-03T09:30:00-07:00) or set `marketplace:` for the file'"),
        (col["received_at"], f"NOT ({timed.format(c='received_raw')})",
         f"'the received time ' || {QUOTE} || received_raw || {QUOTE} || ' has no time of "
         "day: response hours cannot be measured from a date; export the times'"),
        (col["answered_at"], "answered_raw IS NOT NULL AND answered_parsed IS NULL",
         f"'cannot read the answered time ' || {QUOTE} || answered_raw || {QUOTE} || ' as a "
         f"{market.code} date and time; leave it empty while the message is unanswered'"),
        (col["answered_at"],
         f"answered_raw IS NOT NULL AND NOT ({timed.format(c='answered_raw')})",
         f"'the answered time ' || {QUOTE} || answered_raw || {QUOTE} || ' has no time of day'"),
        (col["response_minutes"], "minutes_raw IS NOT NULL AND (minutes IS NULL OR minutes < 0)",
         f"'the response time ' || {QUOTE} || minutes_raw || {QUOTE} || ' is not a number of "
         "minutes (0 or more)'"),
        (col["answered_at"], "answered_at < received_at",
         "'answered before it was received (' || strftime(answered_at, '%Y-%m-%d %H:%M') || "
         "' UTC before ' || strftime(received_at, '%Y-%m-%d %H:%M') || ' UTC): check both "
         "columns and their zones'"),
    ]
    column_case = " ".join(f"WHEN {cond} THEN {name}" for name, cond, _ in checks)
    reason_case = " ".join(f"WHEN {cond} THEN {why}" for _, cond, why in checks)
    key = ("'msg:' || message_id_raw" if "message_id" in cols else
           "md5(concat_ws(chr(31), 'message', marketplace, "
           "CAST(epoch(received_at) AS VARCHAR), coalesce(order_id, ''), coalesce(asin, ''), "
           "coalesce(thread_id, '')))")
    return f"""
    WITH cells AS NOT MATERIALIZED (
        SELECT _row, {cell("received_at")} AS received_raw, {cell("answered_at")} AS answered_raw,
            {cell("response_minutes")} AS minutes_raw, {cell("message_id")} AS message_id_raw,
            {cell("thread_id")} AS thread_id, {cell("order_id")} AS order_id,
            coalesce({asin(cell("asin"))}, {cell("asin")}) AS asin,
            {cell("channel")} AS channel, {cell("status")} AS status,
            {flag} AS flagged
        FROM stage
    ),
    parsed AS NOT MATERIALIZED (
        SELECT *, {received} AS received_at, {answered} AS answered_parsed, {minutes} AS minutes,
            {sql_str(market.code)} AS marketplace
        FROM cells
    ),
    timed AS NOT MATERIALIZED (
        SELECT *, coalesce(answered_parsed,
                           received_at + to_microseconds(CAST(round(minutes * 60e6) AS BIGINT)))
                  AS answered_at
        FROM parsed
    )
    SELECT {key} AS message_id, marketplace, thread_id, order_id, asin, channel, status,
        received_at,
        CAST((received_at AT TIME ZONE 'UTC') AT TIME ZONE {sql_str(market.tz)} AS DATE)
            AS local_date,
        answered_at,
        flagged OR regexp_matches(coalesce(status, ''), {sql_str(NO_RESPONSE_NEEDED)})
            AS no_response_needed,
        {sql_str(target.source_file)} AS source_file, _row AS source_row,
        {sql_str(target.source_sha256)} AS source_sha256,
        CASE {column_case} END AS _reject_column,
        CASE {reason_case} END AS _reject_reason
    FROM timed
    """


def feedback_topics_sql(fmt: Format, index: dict[str, int], target: Target) -> str:
    """The SELECT that turns flattened Customer Feedback API topics into ``feedback_topics`` rows.

    The flattening (:mod:`crisis_kit.ingest.customerfeedback`) has named every column;
    here numbers and days are typed, and a row without a topic name, a readable period or
    a known marketplace is refused with the reason.
    """
    cols = _columns(fmt, index)

    def cell(name: str) -> str:
        return text(cols[name]) if name in cols else "NULL"

    def number(name: str) -> str:
        return f"try_cast({cell(name)} AS DOUBLE)"

    known = ", ".join(sql_str(code) for code in marketplaces.MARKETPLACES)
    checks = [
        ("topic", "topic IS NULL", "'the topic has no name'"),
        ("marketplace", f"marketplace NOT IN ({known})",
         "'unknown marketplace ' || coalesce(marketplace, '') || ': set `marketplace:` for "
         "the file'"),
        ("period_start", "period_start IS NULL",
         "'cannot read the start of the period ' || coalesce(start_raw, '(none)') || "
         "' (dateRange.startDate)'"),
        ("period_end", "period_end IS NULL",
         "'cannot read the end of the period ' || coalesce(end_raw, '(none)') || "
         "' (dateRange.endDate)'"),
        ("asin", "scope = 'asin' AND asin IS NULL", "'an item response without its asin'"),
    ]
    column_case = " ".join(f"WHEN {cond} THEN {sql_str(name)}" for name, cond, _ in checks)
    reason_case = " ".join(f"WHEN {cond} THEN {why}" for _, cond, why in checks)
    numbers = ", ".join(f"{number(n)} AS {n}" for n in (
        "occurrence_pct", "star_rating_impact", "parent_occurrence_pct",
        "parent_star_rating_impact", "node_occurrence_pct", "node_top25_occurrence_pct",
        "node_star_rating_impact"))
    return f"""
    WITH parsed AS NOT MATERIALIZED (
        SELECT _row, {cell("scope")} AS scope,
            coalesce({cell("marketplace")}, {sql_str(target.marketplace)}) AS marketplace,
            upper({cell("asin")}) AS asin, {cell("browse_node_id")} AS browse_node_id,
            {cell("name")} AS name, {cell("feedback")} AS feedback,
            {cell("polarity")} AS polarity, {cell("kind")} AS kind,
            {cell("period_start")} AS start_raw, {cell("period_end")} AS end_raw,
            try_cast({cell("period_start")} AS DATE) AS period_start,
            try_cast({cell("period_end")} AS DATE) AS period_end,
            {cell("topic")} AS topic, try_cast({cell("rank")} AS INTEGER) AS rank,
            CAST(try_cast({cell("mentions")} AS DOUBLE) AS BIGINT) AS mentions,
            CAST(try_cast({cell("parent_mentions")} AS DOUBLE) AS BIGINT) AS parent_mentions,
            {numbers}, {cols.get("snippets", "NULL")} AS snippets,
            {cols.get("subtopics", "NULL")} AS subtopics
        FROM stage
    )
    SELECT scope, marketplace, asin, browse_node_id, name, feedback, polarity, kind,
        period_start, period_end, topic, rank, mentions, occurrence_pct, star_rating_impact,
        parent_mentions, parent_occurrence_pct, parent_star_rating_impact,
        node_occurrence_pct, node_top25_occurrence_pct, node_star_rating_impact, snippets,
        subtopics, {sql_str(target.source_file)} AS source_file, _row AS source_row,
        {sql_str(target.source_sha256)} AS source_sha256,
        CASE {column_case} END AS _reject_column,
        CASE {reason_case} END AS _reject_reason
    FROM parsed
    """


def actions_sql(fmt: Format, index: dict[str, int], target: Target) -> str:
    """The SELECT that turns a staged actions log into actions with reasons."""
    cols = _columns(fmt, index)
    at = cols.get("at", "NULL")
    lanes = ", ".join(sql_str(lane) for lane in LANES)
    counts = ",\n            ".join(
        f"{text(cols.get(n, 'NULL'))} AS {n}_raw, "
        f"CAST({count_cell(cols.get(n, 'NULL'))} AS BIGINT) AS {n}" for n in CAMPAIGN_COUNTS)
    # A count that is not a whole number >= 0 refuses the row (and so the log, line by line).
    bad = {n: f"({n}_raw IS NOT NULL AND ({n} IS NULL OR {n} < 0))" for n in CAMPAIGN_COUNTS}
    bad_column = " ".join(f"WHEN {bad[n]} THEN '{n}'" for n in CAMPAIGN_COUNTS)
    bad_reason = " ".join(
        f"WHEN {bad[n]} THEN 'the {n} count ' || {n}_raw || ' is not a whole number >= 0: "
        f"write it as 1234, or leave the cell empty'" for n in CAMPAIGN_COUNTS)
    # A plain action keeps the id it always had; an outreach action's audience and counts
    # join it, so a log saved again with grown counts adds the new version (Store.actions
    # reads the latest) instead of being skipped as a duplicate.
    plain = " AND ".join(["audience IS NULL", *(f"{n} IS NULL" for n in CAMPAIGN_COUNTS)])
    versioned = ", ".join(["coalesce(audience, '')",
                           *(f"coalesce(CAST({n} AS VARCHAR), '')" for n in CAMPAIGN_COUNTS)])
    campaign_key = f"CASE WHEN {plain} THEN '' ELSE concat_ws(chr(31), '', {versioned}) END"
    return f"""
    WITH parsed AS NOT MATERIALIZED (
        SELECT _row, {at} AS at_raw,
            {text(cols.get("audience", "NULL"))} AS audience,
            {counts},
            CASE WHEN regexp_matches(trim({at}), '(Z|[+-][0-9]{{2}}:?[0-9]{{2}})$')
                 THEN try_cast(trim({at}) AS TIMESTAMPTZ) END AS "at",
            lower({text(cols.get("lane", "NULL"))}) AS lane,
            {text(cols.get("action", "NULL"))} AS action,
            {text(cols.get("channel", "NULL"))} AS channel,
            {text(cols.get("owner", "NULL"))} AS owner,
            {text(cols.get("ref", "NULL"))} AS ref
        FROM stage
    )
    SELECT md5(concat_ws(chr(31), strftime("at" AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S'),
                lane, action, coalesce(channel, ''), coalesce(owner, ''), coalesce(ref, ''))
                || {campaign_key})
            AS action_id,
        "at", lane, action, channel, owner, ref, audience, {", ".join(CAMPAIGN_COUNTS)},
        {sql_str(target.source_file)} AS source_file, _row AS source_row,
        {sql_str(target.source_sha256)} AS source_sha256,
        CASE WHEN "at" IS NULL THEN 'at' WHEN lane IS NULL OR lane NOT IN ({lanes}) THEN 'lane'
             WHEN action IS NULL THEN 'action' {bad_column} END AS _reject_column,
        CASE WHEN "at" IS NULL THEN 'the time ''' || coalesce(at_raw, '') || ''' is not a '
                  || 'timestamp with its zone; write it as 2022-05-03T09:30:00-07:00'
             WHEN lane IS NULL OR lane NOT IN ({lanes}) THEN 'the lane ''' || coalesce(lane, '')
                  || ''' is not one of {", ".join(LANES)}'
             WHEN action IS NULL THEN 'the action is empty: say what was done'
             {bad_reason} END
            AS _reject_reason
    FROM parsed
    """


SALES_MAPPING_FIELDS = ("date", "asin", "parent_asin", "sku", "units", "revenue", "sessions",
                        "page_views", "buy_box_pct", "unit_session_pct", "title")
ORDERS_MAPPING_FIELDS = ("order_id", "purchased_at", "sku", "asin", "quantity", "item_price",
                         "currency", "status", "order_item_id")
MESSAGE_MAPPING_FIELDS = ("received_at", "answered_at", "response_minutes", "message_id",
                          "thread_id", "order_id", "asin", "channel", "status",
                          "no_response_needed")


def mapped_format(mapping: dict[str, str], source: str, header: list[str],
                  table: str | None = None) -> Format:
    """A :class:`Format` built from an ``incident.yaml`` column mapping.

    Under ``complaints:`` a mapping makes events; under ``sales:`` it makes daily sales
    rows (``date``, ``asin``, ``units``, ...) or, when it maps ``quantity`` or
    ``purchased_at``, order lines.
    """
    from ..errors import ConfigError
    from .formats import EVENT_FIELDS
    from .sniff import normalise_header

    target = "events"
    allowed: tuple[str, ...] = EVENT_FIELDS
    if table == "messages":
        target, allowed = "messages", MESSAGE_MAPPING_FIELDS
    elif table in ("sales", "orders"):
        orders = table == "orders" or bool({"quantity", "purchased_at"} & set(mapping))
        target = "orders" if orders else "sales"
        allowed = ORDERS_MAPPING_FIELDS if orders else SALES_MAPPING_FIELDS
    unknown = sorted(set(mapping) - set(allowed))
    if unknown:
        raise ConfigError(
            f"the mapping names unknown fields {unknown} for a {target} table",
            fix=f"map only these fields: {', '.join(allowed)}",
        )
    needed = {"events": (), "sales": ("asin", "units"),
              "orders": ("order_id", "purchased_at", "quantity"),
              "messages": ("received_at",)}[target]
    lacking = [f for f in needed if f not in mapping]
    if lacking:
        raise ConfigError(
            f"a mapping that makes {target} rows needs the fields {lacking}",
            fix=f"add them to the mapping ({', '.join(needed)})" + (
                "; sales rows also need a `date` column or a `date:` for the file"
                if target == "sales" else ""),
        )
    fields = {k: (normalise_header(v),) for k, v in mapping.items()}
    if "platform" in fields:
        if "variant" in fields:
            raise ConfigError("the mapping names both `platform` and `variant`, which are stored "
                              "in the same column", fix="map one of them")
        fields["variant"] = fields.pop("platform")
    missing = [v for v in mapping.values() if normalise_header(v) not in
               {normalise_header(h) for h in header}]
    if missing:
        raise ConfigError(
            f"the mapping names columns the file does not have: {missing}",
            fix=f"the file's columns are: {', '.join(header)}",
        )
    if target == "messages":
        return Format("mapping", "columns mapped in incident.yaml", "messages", "message",
                      required=fields["received_at"], fields=fields)
    if target != "events":
        return Format("mapping", "columns mapped in incident.yaml", target,
                      source if source != "other" else f"mapped_{target}",
                      required=tuple(v for f in needed for v in fields[f]), fields=fields)
    key = tuple(k for k in ("asin", "order_id", "occurred_at", "author", "title", "text", "rating",
                            "variant", "reason", "source_id") if k in fields)
    return Format("mapping", "columns mapped in incident.yaml", "events", source,
                  required=tuple(fields["occurred_at"]) if "occurred_at" in fields else (),
                  fields=fields, key=key or ("occurred_at",))
