"""The table contracts of design.md section 4, as DuckDB DDL and column lists.

Each table opens with the sentence "Each row represents ...". These tables are
what the evidence store holds, what Parquet exports carry (a stable schema, so the
same SQL runs on DuckDB here and on Spark or Trino over the Parquet), and what the
analysis reads.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LANES", "GOLDEN_LANES", "Table", "EVENTS", "SALES", "ORDERS", "ACTIONS", "FILES", "REJECTIONS",
           "VOC", "MESSAGES", "FEEDBACK_TOPICS", "TABLES", "CAMPAIGN_COUNTS", "FOLLOWUPS",
           "FOLLOWUP_KINDS", "FOLLOWUP_STATUSES", "SALES_SOURCE_PRIORITY", "CANCELLED_STATUSES"]


LANES = ("cs", "pr", "tech", "platform", "marketing", "exec")
"""The response lanes of the actions table, in the order reports list them."""
GOLDEN_LANES = ("cs", "pr", "tech")
"""The three lines that answer at once in the golden hours: customer service, PR, engineering."""
SALES_SOURCE_PRIORITY = ("business_report", "sales_traffic", "orders")
"""Which source's units count when several report the same marketplace, ASIN and day
(the first that reports it; an unknown source ranks last): the incident's
``analysis.sales.daily_units`` and the scan's ``engine.daily.daily_units``."""
CANCELLED_STATUSES = ("cancelled", "canceled")
"""Order statuses (lower case) whose lines are not sales: the orders file's units leave them out."""


@dataclass(frozen=True)
class Table:
    """A table contract: its name, what a row is, and its typed columns."""

    name: str
    row: str
    columns: tuple[tuple[str, str, str], ...]
    key: tuple[str, ...] = ()
    enforce_key: bool = False

    @property
    def names(self) -> list[str]:
        """Column names in order."""
        return [name for name, _, _ in self.columns]

    def ddl(self) -> str:
        """``CREATE TABLE IF NOT EXISTS`` for DuckDB."""
        cols = ",\n  ".join(f"\"{name}\" {sql_type}" for name, sql_type, _ in self.columns)
        # Large tables keep their key by the ingest's anti-join under the store's
        # single-writer lock: a PRIMARY KEY index there costs a third of ingest time.
        key = f",\n  PRIMARY KEY ({', '.join(self.key)})" if self.enforce_key else ""
        return f"CREATE TABLE IF NOT EXISTS {self.name} (\n  {cols}{key}\n)"


EVENTS = Table(
    "events",
    "Each row represents one complaint signal: a review, a return, a seller feedback, "
    "a claim or a message, as one customer expressed it about one ASIN.",
    (
        ("event_id", "VARCHAR NOT NULL", "stable id: the source's own id, else a hash of the "
         "normalised row; the same event ingested twice has the same id"),
        ("source", "VARCHAR NOT NULL", "review, seller_feedback, fba_return, mfn_return, claim, "
         "message, social, other"),
        ("marketplace", "VARCHAR NOT NULL", "US, UK, DE, JP, ..."),
        ("asin", "VARCHAR", "child ASIN"),
        ("parent_asin", "VARCHAR", "parent ASIN"),
        ("sku", "VARCHAR", "seller SKU"),
        ("order_id", "VARCHAR", "Amazon order id"),
        ("occurred_at", "TIMESTAMP NOT NULL", "UTC; date-only sources: local midnight in UTC"),
        ("local_date", "DATE NOT NULL", "the marketplace-local day of every daily series"),
        ("date_precision", "VARCHAR NOT NULL", "second or day"),
        ("rating", "DOUBLE", "1-5 stars; null for returns and claims"),
        ("title", "VARCHAR", "the customer's title, verbatim (untrusted)"),
        ("text", "VARCHAR", "the customer's words, verbatim (untrusted)"),
        ("reason", "VARCHAR", "return or claim reason code"),
        ("reason_group", "VARCHAR", "quality, safety, fit, shipping, other (from the reason map)"),
        ("status", "VARCHAR", "return or claim status"),
        ("disposition", "VARCHAR", "return disposition"),
        ("verified", "BOOLEAN", "verified purchase"),
        ("helpful_votes", "INTEGER", "helpful votes"),
        ("variant", "VARCHAR", "variation or style"),
        ("author_hash", "VARCHAR", "salted hash of the author or e-mail; raw values never stored"),
        ("response", "VARCHAR", "the seller's public response, where the export has one"),
        ("is_negative", "BOOLEAN NOT NULL", "rating <= 2, a quality/safety return reason, any "
         "claim, feedback of 1-2 stars"),
        ("topic", "VARCHAR", "complaint topic from the taxonomy (filled by the analysis)"),
        ("source_file", "VARCHAR NOT NULL", "file name the row came from"),
        ("source_row", "BIGINT NOT NULL", "data row in that file (1 = first row after the header)"),
        ("source_sha256", "VARCHAR NOT NULL", "sha256 of that file"),
        ("ingest_seq", "INTEGER NOT NULL", "the ingest (files.ingest_seq) that added the row"),
    ),
    key=("event_id",),
)

SALES = Table(
    "sales",
    "Each row represents one marketplace-local day of one ASIN as one source reports it "
    "(a Business Report, a Sales and Traffic report, or the orders file summed by day).",
    (
        ("date", "DATE NOT NULL", "the report's day"),
        ("marketplace", "VARCHAR NOT NULL", "US, UK, DE, JP, ..."),
        ("asin", "VARCHAR NOT NULL", "child ASIN; '*' for an account-level total"),
        ("parent_asin", "VARCHAR", "parent ASIN"),
        ("sku", "VARCHAR NOT NULL", "seller SKU; '' where the source has none"),
        ("units", "DOUBLE NOT NULL", "units ordered"),
        ("revenue", "DOUBLE", "ordered product sales"),
        ("currency", "VARCHAR", "ISO 4217"),
        ("sessions", "DOUBLE", "sessions"),
        ("page_views", "DOUBLE", "page views"),
        ("buy_box_pct", "DOUBLE", "featured offer (buy box) percentage, 0-100"),
        ("unit_session_pct", "DOUBLE", "unit session percentage, 0-100"),
        ("source", "VARCHAR NOT NULL", "business_report, sales_traffic, orders"),
        ("day_definition", "VARCHAR NOT NULL", "PT, UTC or local: which clock the day follows"),
        ("source_file", "VARCHAR NOT NULL", "file name"),
        ("source_row", "BIGINT NOT NULL", "data row in that file"),
        ("source_sha256", "VARCHAR NOT NULL", "sha256 of that file"),
        ("ingest_seq", "INTEGER NOT NULL", "the ingest (files.ingest_seq) that added the row"),
    ),
    # What a Business Report says a row is: one child ASIN under one parent (and SKU) on
    # one day. The same child may be listed under two parents with different figures.
    key=("source", "marketplace", "date", "parent_asin", "asin", "sku"),
)

ORDERS = Table(
    "orders",
    "Each row represents one order line of the all-orders flat file; the sales table's "
    "'orders' rows are these lines summed per local day and ASIN.",
    (
        ("order_id", "VARCHAR NOT NULL", "amazon-order-id"),
        ("sku", "VARCHAR NOT NULL", "seller SKU"),
        ("asin", "VARCHAR", "ASIN"),
        ("marketplace", "VARCHAR NOT NULL", "marketplace"),
        ("purchased_at", "TIMESTAMP NOT NULL", "UTC"),
        ("local_date", "DATE NOT NULL", "marketplace-local day"),
        ("status", "VARCHAR", "order-status"),
        ("quantity", "DOUBLE NOT NULL", "units"),
        ("item_price", "DOUBLE", "item-price"),
        ("currency", "VARCHAR", "currency"),
        ("source_file", "VARCHAR NOT NULL", "file name"),
        ("source_row", "BIGINT NOT NULL", "data row"),
        ("source_sha256", "VARCHAR NOT NULL", "sha256 of that file"),
        ("ingest_seq", "INTEGER NOT NULL", "the ingest (files.ingest_seq) that added the row"),
        ("order_item_id", "VARCHAR", "order-item-id where the file has it (one line of an order; "
         "two lines of one order may share a SKU)"),
    ),
    key=("order_id", "sku", "order_item_id"),
)

ACTIONS = Table(
    "actions",
    "Each row represents one response action the team took, on one lane.",
    (
        ("action_id", "VARCHAR NOT NULL", "hash of the row"),
        ("at", "TIMESTAMPTZ NOT NULL", "when, with its zone"),
        ("lane", "VARCHAR NOT NULL", ", ".join(LANES)),
        ("action", "VARCHAR NOT NULL", "what was done"),
        ("channel", "VARCHAR", "where (email, reply, listing, seller central, ...)"),
        ("owner", "VARCHAR", "who"),
        ("ref", "VARCHAR", "a reference (case id, URL, document)"),
        ("source_file", "VARCHAR NOT NULL", "file name"),
        ("source_row", "BIGINT NOT NULL", "data row"),
        ("source_sha256", "VARCHAR NOT NULL", "sha256 of that file"),
        ("ingest_seq", "INTEGER NOT NULL", "the ingest (files.ingest_seq) that added the row"),
        # An outreach action (a campaign: e-mail, community post, store page, social, ads)
        # carries its counts; every one is optional (docs/ingest.md, "Outreach campaigns").
        ("audience", "VARCHAR", "who it was sent to (affected buyers, community members, ...)"),
        ("sent", "BIGINT", "people it reached: e-mails delivered, members, impressions"),
        ("opened", "BIGINT", "opened or viewed"),
        ("clicked", "BIGINT", "clicked through"),
        ("replied", "BIGINT", "replied or commented"),
        ("redeemed", "BIGINT", "converted: coupons redeemed, orders placed"),
    ),
    key=("action_id",),
)

CAMPAIGN_COUNTS = ("sent", "opened", "clicked", "replied", "redeemed")
"""The optional counts of an outreach action, in funnel order."""

FILES = Table(
    "files",
    "Each row represents one ingest of one file: what it was and what became of its rows.",
    (
        ("ingest_seq", "INTEGER NOT NULL", "order of ingests"),
        ("path", "VARCHAR NOT NULL", "path as given"),
        ("name", "VARCHAR NOT NULL", "file name"),
        ("sha256", "VARCHAR NOT NULL", "sha256 of the bytes"),
        ("size", "BIGINT NOT NULL", "bytes"),
        ("format", "VARCHAR NOT NULL", "detected or named format"),
        ("encoding", "VARCHAR NOT NULL", "detected encoding"),
        ("table_name", "VARCHAR NOT NULL", "events, sales, orders, actions, voc, messages or "
         "feedback_topics"),
        ("marketplace", "VARCHAR NOT NULL", "marketplace the file was read as"),
        ("rows_read", "BIGINT NOT NULL", "data rows in the file"),
        ("accepted", "BIGINT NOT NULL", "rows that added at least one new record"),
        ("rejected", "BIGINT NOT NULL", "rows quarantined with a reason"),
        ("duplicates", "BIGINT NOT NULL", "rows already in the store or repeated in the file"),
        ("records_added", "BIGINT NOT NULL", "records added (a row listing 3 ASINs adds 3)"),
    ),
    key=("ingest_seq",),
    enforce_key=True,
)

REJECTIONS = Table(
    "rejections",
    "Each row represents one quarantined row of one file, with the reason it was refused.",
    (
        ("source_sha256", "VARCHAR NOT NULL", "sha256 of the file"),
        ("source_file", "VARCHAR NOT NULL", "file name"),
        ("source_row", "BIGINT NOT NULL", "data row (1 = first after the header)"),
        ("column_name", "VARCHAR", "the column at fault"),
        ("reason", "VARCHAR NOT NULL", "why, and how to fix it"),
        ("raw", "VARCHAR", "the row as read, truncated to 2,000 characters"),
    ),
    key=("source_sha256", "source_row"),
    enforce_key=True,
)

VOC = Table(
    "voc",
    "Each row represents one ASIN (and SKU, condition) of a Voice of the Customer download "
    "on the day it was last updated: Amazon's own count of orders with negative customer "
    "experience (NCX). Not complaint events: a rate over orders, kept beside them.",
    (
        ("date", "DATE NOT NULL", "`Last updated`, the marketplace-local day"),
        ("marketplace", "VARCHAR NOT NULL", "marketplace"),
        ("asin", "VARCHAR NOT NULL", "ASIN"),
        ("sku", "VARCHAR", "seller SKU"),
        ("condition", "VARCHAR", "New, Used, ..."),
        ("fulfilled_by", "VARCHAR", "Amazon or Seller"),
        ("product_name", "VARCHAR", "product name as Amazon shows it"),
        ("total_orders", "BIGINT", "orders in Amazon's window"),
        ("ncx_orders", "BIGINT", "orders with negative customer experience"),
        ("ncx_rate", "DOUBLE", "NCX rate, percent 0-100"),
        ("top_ncx_reason", "VARCHAR", "Amazon's top NCX reason (NULL for `--`)"),
        ("ncx_review_rate", "DOUBLE", "share of NCX from reviews, percent 0-100"),
        ("ncx_return_rate", "DOUBLE", "share of NCX from returns, percent 0-100"),
        ("cx_health", "VARCHAR", "CX Health band (pcxHealth): Excellent, Good, Fair, Poor, "
         "Very poor"),
        ("source_file", "VARCHAR NOT NULL", "file name"),
        ("source_row", "BIGINT NOT NULL", "data row"),
        ("source_sha256", "VARCHAR NOT NULL", "sha256 of that file"),
        ("ingest_seq", "INTEGER NOT NULL", "the ingest (files.ingest_seq) that added the row"),
    ),
    key=("marketplace", "date", "asin", "sku", "condition", "fulfilled_by"),
)

MESSAGES = Table(
    "messages",
    "Each row represents one buyer message (or help-desk ticket) as the customer-service "
    "lane received it: when it came in and when the team first answered it. The buyer's "
    "words and name are not kept: the lane is measured by its times.",
    (
        ("message_id", "VARCHAR NOT NULL", "the export's own id (ticket or message id), else a "
         "hash of the received time, order, ASIN and thread"),
        ("marketplace", "VARCHAR NOT NULL", "marketplace"),
        ("thread_id", "VARCHAR", "conversation or ticket the message belongs to"),
        ("order_id", "VARCHAR", "Amazon order id"),
        ("asin", "VARCHAR", "ASIN (or the product id the help desk writes)"),
        ("channel", "VARCHAR", "buyer-seller messaging, e-mail, chat, ..."),
        ("status", "VARCHAR", "the export's status (open, solved, no response needed, ...)"),
        ("received_at", "TIMESTAMP NOT NULL", "UTC: when the buyer's message came in"),
        ("local_date", "DATE NOT NULL", "the marketplace-local day it came in"),
        ("answered_at", "TIMESTAMP", "UTC: the team's first answer; NULL while unanswered"),
        ("no_response_needed", "BOOLEAN NOT NULL", "marked as needing no answer (Amazon leaves "
         "these out of its response-time figures)"),
        ("source_file", "VARCHAR NOT NULL", "file name"),
        ("source_row", "BIGINT NOT NULL", "data row"),
        ("source_sha256", "VARCHAR NOT NULL", "sha256 of that file"),
        ("ingest_seq", "INTEGER NOT NULL", "the ingest (files.ingest_seq) that added the row"),
    ),
    key=("message_id",),
)

FEEDBACK_TOPICS = Table(
    "feedback_topics",
    "Each row represents one topic Amazon's Customer Feedback API reports for one ASIN (or "
    "one browse node) over one period: a topic of the response's date range, or one month "
    "of a topic's trend. Amazon's own reading of the reviews and returns, kept beside the "
    "kit's topics, never counted among the complaints.",
    (
        ("scope", "VARCHAR NOT NULL", "asin or browse_node"),
        ("marketplace", "VARCHAR NOT NULL", "marketplace"),
        ("asin", "VARCHAR", "the ASIN (scope asin)"),
        ("browse_node_id", "VARCHAR", "the browse node (scope browse_node)"),
        ("name", "VARCHAR", "itemName or the browse node's displayName"),
        ("feedback", "VARCHAR NOT NULL", "review or return"),
        ("polarity", "VARCHAR NOT NULL", "positive or negative (return topics: negative)"),
        ("kind", "VARCHAR NOT NULL", "topics (the response's period) or trend (one month)"),
        ("period_start", "DATE NOT NULL", "first day of the period"),
        ("period_end", "DATE NOT NULL", "last day of the period"),
        ("topic", "VARCHAR NOT NULL", "Amazon's topic name, trimmed"),
        ("rank", "INTEGER", "place in Amazon's list (1 = first)"),
        ("mentions", "BIGINT", "numberOfMentions of the ASIN's reviews"),
        ("occurrence_pct", "DOUBLE", "percent of the ASIN's reviews mentioning it (browse "
         "node scope: of all products in the node)"),
        ("star_rating_impact", "DOUBLE", "Amazon's estimate of its effect on the star rating"),
        ("parent_mentions", "BIGINT", "the parent ASIN's numberOfMentions"),
        ("parent_occurrence_pct", "DOUBLE", "the parent ASIN's occurrencePercentage"),
        ("parent_star_rating_impact", "DOUBLE", "the parent ASIN's starRatingImpact"),
        ("node_occurrence_pct", "DOUBLE", "the browse node's occurrence, all products"),
        ("node_top25_occurrence_pct", "DOUBLE", "the browse node's occurrence, top 25 % of "
         "products"),
        ("node_star_rating_impact", "DOUBLE", "the browse node's star-rating impact, all "
         "products"),
        ("snippets", "VARCHAR", "Amazon's review snippets, a JSON list (customer words: "
         "untrusted)"),
        ("subtopics", "VARCHAR", "subtopics with their mentions and occurrence, a JSON list"),
        ("source_file", "VARCHAR NOT NULL", "file name"),
        ("source_row", "BIGINT NOT NULL", "topic row in that file"),
        ("source_sha256", "VARCHAR NOT NULL", "sha256 of that file"),
        ("ingest_seq", "INTEGER NOT NULL", "the ingest (files.ingest_seq) that added the row"),
    ),
    key=("scope", "marketplace", "asin", "browse_node_id", "feedback", "kind", "polarity",
         "period_start", "period_end", "topic"),
)

TABLES = {t.name: t for t in (EVENTS, SALES, ORDERS, ACTIONS, FILES, REJECTIONS, VOC, MESSAGES,
                              FEEDBACK_TOPICS)}


FOLLOWUP_KINDS = ("corrective", "preventive")
"""The kinds of measure of a Plan of Action (its two numbered parts)."""
FOLLOWUP_STATUSES = ("open", "in-progress", "done", "cancelled")
"""The states of a follow-up, in the order a measure passes through them."""

FOLLOWUPS = Table(
    "followups",
    "Each row represents one corrective or preventive measure of the Plan of Action, as "
    "the team tracks it: who owns it, when it is due, whether it is done, the complaint "
    "topic it addresses and the day it took effect. Written by the team (followups.csv, "
    "`crisis-kit new` starts it from the playbook's POA), read at each analysis; not a "
    "table of the evidence store.",
    (
        ("kind", "VARCHAR", "corrective or preventive"),
        ("measure", "VARCHAR NOT NULL", "what is to be done, as the POA words it"),
        ("owner", "VARCHAR", "who answers for it"),
        ("due", "DATE", "the day it is due (YYYY-MM-DD)"),
        ("status", "VARCHAR NOT NULL", ", ".join(FOLLOWUP_STATUSES)),
        ("topic", "VARCHAR", "the complaint topic it addresses (a taxonomy name)"),
        ("effective", "DATE", "the marketplace-local day it took effect (YYYY-MM-DD)"),
        ("ref", "VARCHAR", "a reference (document, ticket, URL)"),
    ),
)
