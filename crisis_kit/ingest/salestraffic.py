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

__all__ = ["sales_traffic_rows"]


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
