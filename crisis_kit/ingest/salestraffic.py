"""The Sales and Traffic report (``GET_SALES_AND_TRAFFIC_REPORT``, JSON) -> sales rows.

``salesAndTrafficByDate`` holds account-level totals per day (stored with ``asin = '*'``);
``salesAndTrafficByAsin`` holds per-ASIN totals for the whole report period with no
date. Per-ASIN rows are daily only when the report covers one day; then every ASIN
of the incident missing from the report had no orders and is filled with 0 units.
Per-ASIN rows of a longer period are quarantined with the reason (they cannot be
split into days without inventing numbers). A file may hold one report document or
a wrapper ``{"examples": [...]}`` / a list of documents.
"""

from __future__ import annotations

from typing import Any

from ..config.marketplaces import MARKETPLACE_IDS
from .stage import Rejection

__all__ = ["sales_traffic_rows", "data_kiosk_rows", "is_data_kiosk"]


def _amount(value: Any) -> float | None:
    if isinstance(value, dict):
        return value.get("amount")
    return value


def _documents(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, dict) and "examples" in data:
        data = data["examples"]
    if isinstance(data, dict):
        data = [data]
    return [d for d in data if isinstance(d, dict) and "reportSpecification" in d]


def sales_traffic_rows(
    data: Any, default_marketplace: str, asins: list[str]
) -> tuple[list[dict[str, Any]], list[Rejection], int]:
    """Sales rows, rejections and the number of rows read from a Sales and Traffic file.

    Rows are numbered across the file in document order: first each document's
    by-date entries, then its by-ASIN entries.
    """
    rows: list[dict[str, Any]] = []
    rejections: list[Rejection] = []
    number = 0
    for doc in _documents(data):
        spec = doc["reportSpecification"]
        options = spec.get("reportOptions", {})
        granularity = options.get("dateGranularity", "DAY")
        ids = spec.get("marketplaceIds") or []
        marketplace = MARKETPLACE_IDS.get(ids[0], default_marketplace) if ids else default_marketplace
        start, end = spec.get("dataStartTime", "")[:10], spec.get("dataEndTime", "")[:10]
        for entry in doc.get("salesAndTrafficByDate", []):
            number += 1
            sales, traffic = entry.get("salesByDate", {}), entry.get("trafficByDate", {})
            if granularity != "DAY":
                rejections.append(Rejection(number, "date", f"a {granularity.lower()} total "
                                  f"starting {entry.get('date')}, not a day: request the report "
                                  "with dateGranularity DAY for daily sales"))
                continue
            rows.append(_row(number, entry.get("date"), marketplace, "*", None, "", sales, traffic))
        one_day = start == end and bool(start)
        seen = set()
        for entry in doc.get("salesAndTrafficByAsin", []):
            number += 1
            asin = entry.get("childAsin") or entry.get("parentAsin")
            if not one_day:
                rejections.append(Rejection(number, "childAsin", f"per-ASIN totals for {start}.."
                                  f"{end} cover {'several days' if start != end else 'no day'}, "
                                  "so they cannot be put on a day: request the report for one "
                                  "day (dataStartTime = dataEndTime) to get daily per-ASIN sales"))
                continue
            seen.add(asin)
            rows.append(_row(number, start, marketplace, asin, entry.get("parentAsin"),
                             entry.get("sku") or "", entry.get("salesByAsin", {}),
                             entry.get("trafficByAsin", {})))
        if one_day:
            for asin in sorted(set(asins) - seen):
                rows.append(_row(0, start, marketplace, asin, None, "", {"unitsOrdered": 0}, {}))
    return rows, rejections, number


def _row(number: int, date: str | None, marketplace: str, asin: str, parent: str | None,
         sku: str, sales: dict[str, Any], traffic: dict[str, Any]) -> dict[str, Any]:
    views = traffic.get("pageViews")
    if views is None and ("browserPageViews" in traffic or "browerPageViews" in traffic):
        # One of Amazon's own examples misspells browserPageViews as browerPageViews.
        views = (traffic.get("browserPageViews", traffic.get("browerPageViews")) or 0) + (
            traffic.get("mobileAppPageViews") or 0)
    revenue = sales.get("orderedProductSales")
    return {
        "_row": number, "date": date, "marketplace": marketplace, "asin": asin,
        "parent_asin": parent, "sku": sku, "units": sales.get("unitsOrdered"),
        "revenue": _amount(revenue),
        "currency": revenue.get("currencyCode") if isinstance(revenue, dict) else None,
        "sessions": traffic.get("sessions"), "page_views": views,
        "buy_box_pct": traffic.get("buyBoxPercentage"),
        "unit_session_pct": traffic.get("unitSessionPercentage"),
    }


DATA_KIOSK_KEYS = frozenset({"startDate", "endDate", "marketplaceId"})
"""Keys every record of a Data Kiosk Sales and Traffic result carries (the schema's required
fields, analytics_salesAndTraffic_2024_04_24): with ``sales`` or ``traffic`` they name it."""


def is_data_kiosk(records: list[dict[str, Any]]) -> bool:
    """Whether JSON records are Data Kiosk Sales and Traffic results (one record a line)."""
    return bool(records) and all(
        DATA_KIOSK_KEYS <= set(r) and ("sales" in r or "traffic" in r) for r in records[:50])


def data_kiosk_rows(
    records: list[dict[str, Any]], default_marketplace: str, asins: list[str],
    numbers: list[int] | None = None,
) -> tuple[list[dict[str, Any]], list[Rejection]]:
    """Sales rows and rejections from a Data Kiosk Sales and Traffic result (JSON lines).

    Each line is one ``salesAndTrafficByAsin`` record (``parentAsin``, ``childAsin``,
    ``sku``, ``sales``, ``traffic``) or one ``salesAndTrafficByDate`` record (account totals,
    stored with ``asin = '*'``), over ``startDate``..``endDate``. As with the Sales and
    Traffic report, only a record of one day can be put on a day: a longer one (a query
    over several days, a WEEK or MONTH granularity) is quarantined with the reason. On
    each day that has by-ASIN records, the incident's ASINs without one had no orders
    (Amazon leaves them out) and get 0 units. The query chooses the fields: a record
    without ``sales.unitsOrdered`` is refused, since units are what a sales row is.
    Rows are numbered by line (``numbers``: each record's line, where lines that are not
    valid JSON were set aside).
    """
    rows: list[dict[str, Any]] = []
    rejections: list[Rejection] = []
    seen: dict[tuple[str, str], set[str]] = {}
    for index, record in enumerate(records):
        number = numbers[index] if numbers else index + 1
        start, end = str(record.get("startDate", ""))[:10], str(record.get("endDate", ""))[:10]
        marketplace = MARKETPLACE_IDS.get(record.get("marketplaceId", ""), default_marketplace)
        sales, traffic = record.get("sales") or {}, record.get("traffic") or {}
        by_asin = "parentAsin" in record or "childAsin" in record
        if not start or start != end:
            what = "per-ASIN totals" if by_asin else "account totals"
            rejections.append(Rejection(number, "startDate", f"{what} for {start}..{end} cover "
                              "several days, so they cannot be put on a day: query one day "
                              "(startDate = endDate; aggregateBy DAY for totals by date)"))
            continue
        if sales.get("unitsOrdered") is None:
            rejections.append(Rejection(number, "sales.unitsOrdered", "the record has no "
                              "sales.unitsOrdered: add it to the Data Kiosk query"))
            continue
        asin = (record.get("childAsin") or record.get("parentAsin")) if by_asin else "*"
        if by_asin:
            seen.setdefault((start, marketplace), set()).add(asin)
        rows.append(_row(number, start, marketplace, asin,
                         record.get("parentAsin") if by_asin else None,
                         record.get("sku") or "", sales, traffic))
    for (day, marketplace), present in sorted(seen.items()):
        for asin in sorted(set(asins) - present):
            rows.append(_row(0, day, marketplace, asin, None, "", {"unitsOrdered": 0}, {}))
    return rows, rejections
