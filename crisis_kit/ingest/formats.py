"""The export formats crisis-kit reads, declared once, matched by column name.

Each :class:`Format` says which table its rows feed, which columns identify it
(all of ``required`` must be in the header), and where each canonical field comes
from (a list of alternative column names, matched after :func:`normalise_header`).
Columns are never matched by position. Headers are the verbatim ones of design.md
section 5.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from .sniff import normalise_header

__all__ = ["Format", "FORMATS", "detect_format", "get_format", "EVENT_FIELDS", "MAPPING_FIELDS"]

# Canonical event fields a mapping may name (design.md section 4, plus helpers).
EVENT_FIELDS = (
    "occurred_at", "rating", "title", "text", "asin", "parent_asin", "sku", "order_id",
    "reason", "status", "disposition", "verified", "helpful_votes", "variant", "author",
    "response", "marketplace", "source_id", "url", "platform",
)
"""``platform`` (a social mention's network: TikTok, Reddit, 小红书 ...) is stored as the
event's ``variant``: the same words posted on two platforms stay two events."""
MAPPING_FIELDS = EVENT_FIELDS


@dataclass(frozen=True)
class Format:
    """One export format.

    Attributes
    ----------
    name : str
        The name used in ``incident.yaml`` (``format:``) and printed by ``inspect``.
    label : str
        What it is, for people.
    table : str
        ``events``, ``sales``, ``orders``, ``actions``, ``voc``, ``messages`` or
        ``feedback_topics``.
    source : str
        The events' ``source`` (or the sales ``source``).
    required : tuple of str
        Normalised column names that must all be present for the format to match.
    fields : dict
        Canonical field -> alternative normalised column names.
    key : tuple of str
        Canonical fields whose values identify one event when the source has no id
        (hashed into ``event_id``).
    kind : str
        ``delimited`` or ``json``.
    multi_asin : bool
        The ASIN cell may list several ASINs (one event each).
    recognised : tuple of str
        Columns the format knows but does not read (``inspect`` does not list them).
    required_any : tuple of tuples of str
        Groups of alternative names of which one must be present (a column a marketplace
        names differently: ``order-id`` or ``amazon-order-id``).
    quoted : bool
        ``False`` for Amazon's flat files: tab-separated, never quoted, so a ``"`` in a
        cell is text (applies only when the file is tab-separated).
    """

    name: str
    label: str
    table: str
    source: str
    required: tuple[str, ...]
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    key: tuple[str, ...] = ()
    kind: str = "delimited"
    multi_asin: bool = False
    recognised: tuple[str, ...] = ()
    required_any: tuple[tuple[str, ...], ...] = ()
    quoted: bool = True

    def matches(self, present: set[str]) -> bool:
        """All of ``required``, and one of each ``required_any`` group, are in ``present``."""
        return set(self.required) <= present and all(
            present & set(group) for group in self.required_any)

    @property
    def known_columns(self) -> set[str]:
        """Every column name this format reads or recognises (``inspect`` reports the rest)."""
        names = set(self.required) | set(self.recognised)
        for group in self.required_any:
            names.update(group)
        for alternatives in self.fields.values():
            names.update(alternatives)
        return names


def _f(*names: str) -> tuple[str, ...]:
    return tuple(normalise_header(n) for n in names)


GENERIC_COLUMNS = frozenset(normalise_header(n) for n in (
    "date", "asin", "sku", "title", "rating", "status", "reason", "quantity", "url", "author",
    "text", "body", "comments", "marketplace", "order id", "order-id", "name", "id", "price",
    "currency", "response", "helpful", "verified"))
"""Column names many tables have: sharing one says nothing about which export a file is."""

REVIEW_KEY = ("asin", "occurred_at", "author", "title", "text", "rating")

FORMATS: dict[str, Format] = {
    f.name: f
    for f in [
        Format(
            "amazon-fba-returns", "FBA customer returns (GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA)",
            "events", "fba_return",
            # `amazon-order-id` in CA, AU, IT, BR (Seller Central help G200453320)
            required=_f("return-date", "asin", "detailed-disposition", "reason"),
            required_any=(_f("order-id", "amazon-order-id"),),
            fields={
                "occurred_at": _f("return-date"), "order_id": _f("order-id", "amazon-order-id"),
                "sku": _f("sku"),
                "asin": _f("asin"), "text": _f("customer-comments"), "reason": _f("reason"),
                "status": _f("status"), "disposition": _f("detailed-disposition"),
                "source_id": _f("license-plate-number"),
            },
            key=("order_id", "sku", "occurred_at", "reason", "source_id"),
            quoted=False,
        ),
        Format(
            "amazon-mfn-returns",
            "Seller-fulfilled returns (GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE)",
            "events", "mfn_return",
            required=_f("Order ID", "Return request date", "Return Reason", "ASIN"),
            fields={
                "occurred_at": _f("Return request date"), "order_id": _f("Order ID"),
                "asin": _f("ASIN"), "sku": _f("Merchant SKU"), "reason": _f("Return Reason"),
                "status": _f("Return request status"), "disposition": _f("Resolution"),
                "source_id": _f("Amazon RMA ID"),
                # claim columns: each claim becomes a claim event of its own
                "atoz_claim": _f("A-to-Z Claim", "A-to-z Claim"),
                "safet_id": _f("SafeT claim id", "SAFE-T claim id"),
                "safet_state": _f("SafeT claim state", "SAFE-T claim state"),
                "safet_reason": _f("SafeT Action reason", "SAFE-T action reason"),
                "safet_time": _f("SafeT claim creation time", "SAFE-T claim creation time"),
            },
            key=("order_id", "asin", "source_id", "occurred_at"),
            quoted=False,
        ),
        Format(
            "amazon-seller-feedback", "Seller feedback (GET_SELLER_FEEDBACK_DATA)",
            "events", "seller_feedback",
            required=_f("Date", "Rating", "Comments", "Order ID"),
            fields={
                "occurred_at": _f("Date"), "rating": _f("Rating"), "text": _f("Comments"),
                "response": _f("Response", "Your Response"), "order_id": _f("Order ID"),
                "author": _f("Rater Email"),
            },
            key=("order_id", "occurred_at", "rating"),
            quoted=False,
        ),
        Format(
            "helium10-reviews", "Review export, Helium 10 style", "events", "review",
            required=_f("Date", "Author", "Title", "Body", "Rating"),
            fields={
                "occurred_at": _f("Date"), "author": _f("Author"), "verified": _f("Verified"),
                "helpful_votes": _f("Helpful"), "title": _f("Title"), "text": _f("Body"),
                "rating": _f("Rating"), "url": _f("URL"), "asin": _f("ASIN"),
                "variant": _f("Variation", "Style"),
            },
            key=REVIEW_KEY,
        ),
        Format(
            "amazon-reviews-tsv", "Amazon Customer Reviews dataset (TSV)", "events", "review",
            required=_f("marketplace", "review_id", "product_id", "star_rating", "review_date"),
            fields={
                "marketplace": _f("marketplace"), "author": _f("customer_id"),
                "source_id": _f("review_id"), "asin": _f("product_id"),
                "parent_asin": _f("product_parent"), "rating": _f("star_rating"),
                "helpful_votes": _f("helpful_votes"), "verified": _f("verified_purchase"),
                "title": _f("review_headline"), "text": _f("review_body"),
                "occurred_at": _f("review_date"),
            },
            key=("source_id",),
            quoted=False,
        ),
        Format(
            "datafiniti-reviews", "Datafiniti product reviews (CSV)", "events", "review",
            required=_f("reviews.date", "reviews.rating", "reviews.text", "asins"),
            fields={
                "occurred_at": _f("reviews.date"), "rating": _f("reviews.rating"),
                "text": _f("reviews.text"), "title": _f("reviews.title"),
                "author": _f("reviews.username"), "asin": _f("asins"),
                "helpful_votes": _f("reviews.numHelpful"),
                "verified": _f("reviews.didPurchase"), "source_id": _f("reviews.id"),
            },
            key=REVIEW_KEY,
            multi_asin=True,
        ),
        Format(
            "scraped-reviews", "Review pages saved by a scraper (review_rating, reviewed_at, url)",
            "events", "review",
            required=_f("review_rating", "reviewed_at", "review_text", "url"),
            fields={
                "occurred_at": _f("reviewed_at"), "rating": _f("review_rating"),
                "text": _f("review_text"), "title": _f("review_title"),
                "author": _f("profile_name"), "url": _f("url"),
                "helpful_votes": _f("helpful_count"),
            },
            key=("asin", "occurred_at", "author", "text"),
        ),
        Format(
            "mcauley-2023", "Amazon Reviews 2023 (McAuley lab), JSON lines", "events", "review",
            required=_f("rating", "text", "asin", "parent_asin", "user_id", "timestamp"),
            fields={
                "occurred_at": _f("timestamp"), "rating": _f("rating"), "title": _f("title"),
                "text": _f("text"), "asin": _f("asin"), "parent_asin": _f("parent_asin"),
                "author": _f("user_id"), "helpful_votes": _f("helpful_vote"),
                "verified": _f("verified_purchase"),
            },
            key=("asin", "author", "occurred_at"),
            kind="json",
        ),
        Format(
            # The 2018 release copies each review onto every variant ASIN of the
            # product, so the ASIN is left out of the key: one review, one event.
            "mcauley-2018", "Amazon Review Data 2018 (McAuley lab), JSON", "events", "review",
            required=_f("overall", "reviewerID", "asin", "unixReviewTime"),
            fields={
                "occurred_at": _f("unixReviewTime"), "rating": _f("overall"),
                "title": _f("summary"), "text": _f("reviewText"), "asin": _f("asin"),
                "author": _f("reviewerID"), "helpful_votes": _f("vote"),
                "verified": _f("verified"), "variant": _f("style"),
            },
            key=("author", "occurred_at", "text"),
            kind="json",
        ),
        Format(
            "claims", "Claims (crisis-kit CSV: order_id, claim_date, asin, amount, reason, status)",
            "events", "claim",
            required=_f("order_id", "claim_date", "reason"),
            fields={
                "order_id": _f("order_id"), "occurred_at": _f("claim_date"), "asin": _f("asin"),
                "reason": _f("reason"), "status": _f("status"), "text": _f("comments", "text"),
                "amount": _f("amount"),
            },
            key=("order_id", "occurred_at", "reason"),
        ),
        Format(
            "business-report",
            "Business Report, Detail Page Sales and Traffic by Child Item (CSV)",
            "sales", "business_report",
            required=_f("(Child) ASIN", "Units Ordered"),
            fields={
                "asin": _f("(Child) ASIN"), "parent_asin": _f("(Parent) ASIN"), "sku": _f("SKU"),
                "units": _f("Units Ordered"),
                "revenue": _f("Ordered Product Sales"),
                "sessions": _f("Sessions - Total", "Sessions"),
                "sessions_app": _f("Sessions - Mobile App"),
                "sessions_browser": _f("Sessions - Browser"),
                "page_views": _f("Page Views - Total", "Page Views"),
                "page_views_app": _f("Page Views - Mobile App"),
                "page_views_browser": _f("Page Views - Browser"),
                "buy_box_pct": _f("Featured Offer (Buy Box) Percentage", "Buy Box Percentage"),
                "unit_session_pct": _f("Unit Session Percentage - Total", "Unit Session Percentage"),
                "title": _f("Title"),
            },
            recognised=_f(
                "Sessions - Total - B2B", "Session Percentage - Total",
                "Session Percentage - Total - B2B", "Page Views - Total - B2B",
                "Page Views Percentage - Total", "Page Views Percentage - Total - B2B",
                "Featured Offer (Buy Box) Percentage - B2B", "Units Ordered - B2B",
                "Unit Session Percentage - B2B", "Ordered Product Sales - B2B",
                "Total Order Items", "Total Order Items - B2B", "Session Percentage",
                "Page Views Percentage", "Sessions - Mobile App - B2B", "Sessions - Browser - B2B",
                "Session Percentage - Mobile App", "Session Percentage - Browser",
                "Page Views - Mobile App - B2B", "Page Views - Browser - B2B",
                "Page Views Percentage - Mobile App", "Page Views Percentage - Browser",
            ),
        ),
        Format(
            "amazon-sales-traffic", "Sales and Traffic report (GET_SALES_AND_TRAFFIC_REPORT, JSON)",
            "sales", "sales_traffic",
            required=_f("reportSpecification"),
            kind="json",
        ),
        Format(
            # The model: amzn/selling-partner-api-models,
            # models/customer-feedback-api-model/customerFeedback_2024-06-01.json. Detected by
            # the response's keys; read through crisis_kit.ingest.customerfeedback, whose
            # flattened columns the fields name.
            "amazon-customer-feedback",
            "Customer Feedback API responses (SP-API 2024-06-01: review topics and trends, "
            "browse-node review and return topics and trends; JSON)",
            "feedback_topics", "feedback_topics",
            required=_f("dateRange"),
            required_any=(_f("topics", "reviewTrends", "returnTrends"),),
            fields={name: (name,) for name in (
                "scope", "marketplace", "asin", "browse_node_id", "name", "feedback", "polarity",
                "kind", "period_start", "period_end", "topic", "rank", "mentions",
                "occurrence_pct", "star_rating_impact", "parent_mentions",
                "parent_occurrence_pct", "parent_star_rating_impact", "node_occurrence_pct",
                "node_top25_occurrence_pct", "node_star_rating_impact", "snippets",
                "subtopics")},
            recognised=_f("itemName", "marketplaceId", "countryCode", "displayName",
                          "browseNodeId", "asin", "request", "response"),
            kind="json",
        ),
        Format(
            # Data Kiosk (analytics_salesAndTraffic_2024_04_24): one record a line, the
            # query's own fields; startDate, endDate and marketplaceId are always there.
            "amazon-data-kiosk-sales-traffic",
            "Sales and Traffic from Data Kiosk (salesAndTrafficByAsin / ByDate, JSON lines)",
            "sales", "sales_traffic",
            required=_f("startDate", "endDate", "marketplaceId"),
            required_any=(_f("sales", "traffic"),),
            recognised=_f("parentAsin", "childAsin", "sku"),
            kind="json",
        ),
        Format(
            "amazon-all-orders",
            "All orders flat file (GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL)",
            "orders", "orders",
            # `quantity-purchased` for `quantity` in ES and NL; `order-item-id` in newer files
            required=_f("amazon-order-id", "purchase-date", "sku"),
            required_any=(_f("quantity", "quantity-purchased"),),
            fields={
                "order_id": _f("amazon-order-id"), "purchased_at": _f("purchase-date"),
                "status": _f("order-status"), "sku": _f("sku"), "asin": _f("asin"),
                "quantity": _f("quantity", "quantity-purchased"), "item_price": _f("item-price"),
                "currency": _f("currency"), "order_item_id": _f("order-item-id"),
            },
            quoted=False,
        ),
        Format(
            "amazon-voc", "Voice of the Customer (Seller Central, Performance > Voice of "
            "the Customer: download)", "voc", "voc",
            required=_f("ASIN", "NCX orders", "NCX rate", "Last updated"),
            fields={
                "product_name": _f("Product name"), "asin": _f("ASIN"),
                "condition": _f("Condition"), "total_orders": _f("Total orders"),
                "ncx_orders": _f("NCX orders"), "fulfilled_by": _f("Fulfilled by"),
                "sku": _f("SKU"), "ncx_rate": _f("NCX rate"),
                "top_ncx_reason": _f("Top NCX reason"),
                "ncx_review_rate": _f("NCX Review Rate"),
                "ncx_return_rate": _f("NCX Return Rate"), "date": _f("Last updated"),
                "cx_health": _f("pcxHealth", "CX Health"),
            },
        ),
        Format(
            # No marketplace or help desk publishes a header we could check: crisis-kit's
            # own CSV, and any help-desk export through a mapping (docs/ingest.md).
            "messages", "Buyer messages (crisis-kit CSV: received_at, answered_at, order_id, ...)",
            "messages", "message",
            required=_f("received_at", "answered_at"),
            fields={
                "received_at": _f("received_at"), "answered_at": _f("answered_at"),
                "message_id": _f("message_id"), "thread_id": _f("thread_id"),
                "order_id": _f("order_id"), "asin": _f("asin"), "channel": _f("channel"),
                "status": _f("status"), "response_minutes": _f("response_minutes"),
                "no_response_needed": _f("no_response_needed"),
            },
        ),
        Format(
            "actions", "Response actions log (crisis-kit CSV: at, lane, action, ...)",
            "actions", "actions",
            required=_f("at", "lane", "action"),
            fields={
                "at": _f("at"), "lane": _f("lane"), "action": _f("action"),
                "channel": _f("channel"), "owner": _f("owner"), "ref": _f("ref"),
                "audience": _f("audience"), "sent": _f("sent", "reach", "delivered"),
                "opened": _f("opened", "views", "viewed"), "clicked": _f("clicked", "clicks"),
                "replied": _f("replied", "replies", "comments"),
                "redeemed": _f("redeemed", "redemptions", "conversions"),
            },
        ),
    ]
}


def get_format(name: str, where: str | None = None) -> Format:
    """Return the format called ``name`` (``where``: the file it was named for).

    Raises
    ------
    InputError
        Listing the known names and the nearest one.
    """
    if name in FORMATS:
        return FORMATS[name]
    close = difflib.get_close_matches(name, list(FORMATS), n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise InputError(
        f"unknown format {name!r}",
        where,
        fix=f"{hint}known formats: {', '.join(FORMATS)}; or leave `format:` out to detect it",
    )


def detect_format(columns: list[str] | tuple[str, ...], kind: str, where: str) -> Format:
    """Choose the format whose required columns are all in ``columns``.

    Among matches the one that recognises most columns wins. With no match the
    error lists the known formats, the nearest one and what it lacks; a Business Report
    (by Amazon's file name or the nearest format) whose header is in a language the kit
    does not know is told how to get one it can read.
    """
    present = {normalise_header(c) for c in columns}
    candidates = [f for f in FORMATS.values() if f.kind == kind and f.matches(present)]
    if candidates:
        return max(candidates, key=lambda f: (len(f.known_columns & present), -len(f.required)))
    nearest = _nearest(present, kind)
    missing = sorted(set(nearest.required) - present) if nearest else []
    shown = ", ".join(repr(c) for c in list(columns)[:12])
    known = f"known formats: {', '.join(FORMATS)}"
    if (nearest is not None and nearest.name == "business-report") or (
            Path(where).name.lower().startswith("businessreport")):
        fix = _BUSINESS_REPORT_FIX + (
            f"; the nearest format, {nearest.name!r}, also needs "
            f"{', '.join(repr(m) for m in missing)}" if nearest else "") + f"; {known}"
    elif nearest is not None:
        fix = (f"the nearest is {nearest.name!r} ({nearest.label}), which also needs "
               f"{', '.join(repr(m) for m in missing)}; {known}; "
               f"for any other table {_MAPPING_FIX}")
    else:
        fix = (f"no known format shares a distinctive column with it ({known}); "
               f"{_MAPPING_FIX}")
    raise InputError(f"the columns ({shown}) match no known export format", where, fix)


_MAPPING_FIX = (
    "give a `mapping:` for this file in incident.yaml, naming your columns: for reviews "
    "under `complaints:`, `source: review` and `mapping: {occurred_at: <date column>, "
    "rating: <stars column>, text: <review column>, asin: <product column>}` (title, author, "
    "order_id, ... too); under `sales:`, date, asin, units, ... (docs/ingest.md, \"Formats\")")


_BUSINESS_REPORT_FIX = (
    "this looks like a Seller Central Business Report whose header crisis-kit cannot read: "
    "it reads the header in English and in the languages of "
    "crisis_kit/data/header_synonyms.csv (not yet French or Italian); download the report "
    "again with Seller Central's language set to English, or list the file under `sales:` "
    "in incident.yaml with a `mapping:` naming its columns (asin: the child ASIN column, "
    "units, revenue, and sessions, page_views, buy_box_pct where present; the day comes "
    "from the file name or `date:`)"
)


def _nearest(present: set[str], kind: str) -> Format | None:
    """The format closest to a file's columns, or None when none shares a distinctive one.

    Only formats sharing a column that is not generic (``date``, ``asin``, ``sku`` ...)
    count; among them the one with the largest share of its required columns present,
    then the most shared columns, then the first declared.
    """
    def shared(f: Format) -> int:
        return len((f.known_columns & present) - GENERIC_COLUMNS)

    kin = [f for f in FORMATS.values() if f.kind == kind and shared(f)]
    if not kin:
        return None  # sharing only `date` or `asin` is no kinship: no format to point at
    return max(kin, key=lambda f: (len(set(f.required) & present) / len(f.required), shared(f)))
