"""Saved responses of the Customer Feedback API (SP-API, version 2024-06-01) -> topic rows.

The API's published model (``amzn/selling-partner-api-models``,
``models/customer-feedback-api-model/customerFeedback_2024-06-01.json``) has six
operations whose responses carry topics:

- ``getItemReviewTopics``: an ASIN's ten most positive and ten most negative review
  topics over ``dateRange`` (``asin``, ``topics.positiveTopics`` / ``negativeTopics``, each
  with ``asinMetrics``: ``numberOfMentions``, ``occurrencePercentage``,
  ``starRatingImpact``; ``parentAsinMetrics``, ``browseNodeMetrics``, ``reviewSnippets``,
  ``subtopics``);
- ``getItemReviewTrends``: the same topics month by month for six months
  (``reviewTrends``, each topic with ``trendMetrics``: ``dateRange``, ``asinMetrics``,
  ``parentAsinMetrics``, ``browseNodeMetrics``);
- ``getBrowseNodeReviewTopics`` and ``getBrowseNodeReviewTrends``: the same for every
  product of a browse node (``browseNodeId``; ``allProducts`` and
  ``topTwentyFivePercentProducts``);
- ``getBrowseNodeReturnTopics`` and ``getBrowseNodeReturnTrends``: the topics of a
  browse node's returns (``topics`` and ``returnTrends`` are lists).

A file may hold one response, several (JSON lines, concatenated, or an array), or the
model's sandbox shape ``{"request": ..., "response": ...}``. Each topic (each month of a
trend) becomes one row; Amazon's own example writes topic names with a trailing space
("Quality-Overall ") and month ends that do not exist ("2024-02-30"): names are trimmed,
and an end day past the month's end is read as the month's last day.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from typing import Any

from ..config.marketplaces import MARKETPLACE_IDS
from ..errors import InputError

__all__ = ["FEEDBACK_FIELDS", "is_customer_feedback", "feedback_rows", "refuse_error_response"]

FEEDBACK_FIELDS = [
    "scope", "marketplace", "asin", "browse_node_id", "name", "feedback", "polarity", "kind",
    "period_start", "period_end", "topic", "rank", "mentions", "occurrence_pct",
    "star_rating_impact", "parent_mentions", "parent_occurrence_pct",
    "parent_star_rating_impact", "node_occurrence_pct", "node_top25_occurrence_pct",
    "node_star_rating_impact", "snippets", "subtopics",
]
"""The columns a response is flattened to (staged as text, typed by the normaliser)."""

_BODIES = ("topics", "reviewTrends", "returnTrends")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def _unwrap(record: dict[str, Any]) -> dict[str, Any]:
    response = record.get("response")
    return response if isinstance(response, dict) and "dateRange" in response else record


def is_customer_feedback(records: list[dict[str, Any]]) -> bool:
    """Whether JSON records are Customer Feedback API responses (topics or trends)."""
    bodies = [_unwrap(r) for r in records[:50]]
    return bool(bodies) and all(
        "dateRange" in b and any(k in b for k in _BODIES) for b in bodies if b)


def refuse_error_response(records: list[dict[str, Any]], where: str) -> None:
    """A saved error (``{"errors": [{"code", "message"}]}``) is refused with Amazon's words."""
    errors = [e for r in records if isinstance(r.get("errors"), list) for e in r["errors"]]
    if records and errors and len(errors) >= 1 and all("errors" in r for r in records):
        first = errors[0] if isinstance(errors[0], dict) else {}
        raise InputError(
            f"the file is an error response of the API, not data: {first.get('code', '?')} "
            f"{first.get('message', '')} {first.get('details', '')}".strip(),
            where, "call the API again (check the ASIN, browse node and marketplace id) and "
                   "save the successful response")


def _day(value: Any) -> str | None:
    """``2024-02-30T00:00:00.000Z`` -> ``2024-02-29``: the day of a date-time.

    A day past the month's end is clamped to it; anything else is returned as written
    (the normaliser refuses it).
    """
    if value is None:
        return None
    found = _DAY.match(str(value))
    if not found:
        return str(value)
    year, month, day = (int(g) for g in found.groups())
    if not 1 <= month <= 12 or day < 1:
        return str(value)
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day, last)).isoformat()


def _get(node: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _json(value: Any) -> str | None:
    return None if not value else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _subtopics(topic: dict[str, Any]) -> str | None:
    subs = [{"subtopic": str(s.get("subtopic", "")).strip(),
             "mentions": _get(s, "metrics", "numberOfMentions"),
             "occurrence_pct": _get(s, "metrics", "occurrencePercentage")}
            for s in topic.get("subtopics") or [] if isinstance(s, dict)]
    return _json(subs)


def _marketplace(body: dict[str, Any], default: str) -> str:
    by_id = MARKETPLACE_IDS.get(str(body.get("marketplaceId", "")))
    if by_id:
        return by_id
    country = str(body.get("countryCode") or "").upper()
    return {"GB": "UK"}.get(country, country) or default


def _metrics(topic: dict[str, Any], point: dict[str, Any] | None = None) -> dict[str, Any]:
    """The numbers of one topic (or of one month of its trend)."""
    src = point if point is not None else topic
    node = src.get("browseNodeMetrics") or {}
    occurrence = node.get("occurrencePercentage")
    impact = node.get("starRatingImpact")
    return {
        "mentions": _get(src, "asinMetrics", "numberOfMentions"),
        "occurrence_pct": _get(src, "asinMetrics", "occurrencePercentage"),
        "star_rating_impact": _get(src, "asinMetrics", "starRatingImpact"),
        "parent_mentions": _get(src, "parentAsinMetrics", "numberOfMentions"),
        "parent_occurrence_pct": _get(src, "parentAsinMetrics", "occurrencePercentage"),
        "parent_star_rating_impact": _get(src, "parentAsinMetrics", "starRatingImpact"),
        "node_occurrence_pct": _get(occurrence, "allProducts") if isinstance(occurrence, dict)
        else occurrence,
        "node_top25_occurrence_pct": _get(occurrence, "topTwentyFivePercentProducts"),
        "node_star_rating_impact": _get(impact, "allProducts") if isinstance(impact, dict)
        else impact,
    }


def _lists(body: dict[str, Any]) -> list[tuple[str, str, list[Any]]]:
    """(feedback, polarity, topics) of one response body, in the model's order."""
    if isinstance(body.get("topics"), list):  # browse node return topics
        return [("return", "negative", body["topics"])]
    if isinstance(body.get("returnTrends"), list):
        return [("return", "negative", body["returnTrends"])]
    lists = body.get("topics") if isinstance(body.get("topics"), dict) else body.get(
        "reviewTrends") or {}
    return [("review", polarity, lists.get(f"{polarity}Topics") or [])
            for polarity in ("positive", "negative")]


def feedback_rows(records: list[dict[str, Any]], default_marketplace: str
                  ) -> list[dict[str, Any]]:
    """One row per topic of each response (per month of each topic, for a trend)."""
    rows: list[dict[str, Any]] = []
    for record in records:
        body = _unwrap(record)
        if not any(k in body for k in _BODIES):
            continue
        scope = "asin" if body.get("asin") else "browse_node"
        trend = "reviewTrends" in body or "returnTrends" in body
        head = {
            "scope": scope, "marketplace": _marketplace(body, default_marketplace),
            "asin": body.get("asin"), "browse_node_id": body.get("browseNodeId"),
            "name": body.get("itemName") or body.get("displayName"),
            "kind": "trend" if trend else "topics",
        }
        for feedback, polarity, topics in _lists(body):
            for rank, topic in enumerate((t for t in topics if isinstance(t, dict)), start=1):
                name = str(topic.get("topic") or "").strip()
                base = {**head, "feedback": feedback, "polarity": polarity, "topic": name,
                        "rank": rank}
                if not trend:
                    rows.append({**base, **_metrics(topic),
                                 "period_start": _day(_get(body, "dateRange", "startDate")),
                                 "period_end": _day(_get(body, "dateRange", "endDate")),
                                 "snippets": _json(topic.get("reviewSnippets")),
                                 "subtopics": _subtopics(topic)})
                    continue
                for point in topic.get("trendMetrics") or []:
                    if isinstance(point, dict):
                        rows.append({**base, **_metrics(topic, point),
                                     "period_start": _day(_get(point, "dateRange", "startDate")),
                                     "period_end": _day(_get(point, "dateRange", "endDate"))})
    return rows
