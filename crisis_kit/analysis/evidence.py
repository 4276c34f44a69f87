"""The evidence one analysis reads: the store's tables cut at ``as_of`` and to the incident.

:func:`load_evidence` reads the store read-only and gives each event its topic: as the
ingest stored it while the taxonomy is unchanged, else assigned here
(:func:`crisis_kit.analysis.topics.assign`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..config import Incident, marketplaces
from ..store import open_store, release_arrow_memory
from . import topics

__all__ = ["Evidence", "load_evidence"]


@dataclass(frozen=True, eq=False)
class Evidence:
    """The store's tables for one incident, cut at ``as_of`` and to the incident's ASINs.

    - ``events``: each row one complaint signal (design.md section 4, with its ``topic``)
      of the incident's ASINs (all ASINs when the incident names none; an event without an ASIN counts
      when its order held one of them), on or before ``as_of``.
    - ``sales``: each row one local day of one ASIN as one source reports it.
    - ``actions``: each row one response action, at or before the end of ``as_of``.
    - ``voc``: each row one ASIN of a Voice of the Customer download on its `Last updated`
      day (the ``voc`` table), of the incident's ASINs, on or before ``as_of``.
    - ``messages``: each row one buyer message (the ``messages`` table) received on or
      before ``as_of``, about the incident's ASINs (or their orders, or no product named).
    - ``feedback_topics``: each row one topic of Amazon's Customer Feedback API for one of
      the incident's ASINs (or a browse node) over a period that starts on or before ``as_of``.
    - ``quotable``: ``event_id``, ``title`` and ``text`` of every negative event of the
      store, when they were read with the events (:meth:`words_of` reads the ones it is
      asked for from the store otherwise).
    """

    events: pd.DataFrame
    sales: pd.DataFrame
    actions: pd.DataFrame
    files: pd.DataFrame
    as_of: dt.date | None
    quotable: pd.DataFrame | None = None
    voc: pd.DataFrame | None = None
    messages: pd.DataFrame | None = None
    feedback_topics: pd.DataFrame | None = None
    store_path: Path | None = None
    has_words: bool = False
    """Whether the store holds any negative event (and so words to quote)."""
    orders: pd.DataFrame | None = None
    """The store's ``orders`` table as read (every order line, not cut at ``as_of``)."""
    rejections: pd.DataFrame | None = None
    """Why rows were rejected: each file's three most frequent reasons (``REJECTION_COLUMNS``)."""

    def words_of(self, ids: pd.Series) -> pd.DataFrame:
        """``event_id``, ``title`` and ``text`` of the negative events among ``ids``.

        From ``quotable`` when it was read, else from the store (read-only): only the
        complaints a step quotes or reads are read, never every customer's words.
        """
        if self.quotable is not None:
            return self.quotable
        if not self.has_words or self.store_path is None:
            return pd.DataFrame({c: pd.Series(dtype="str") for c in ("event_id", "title", "text")})
        with open_store(self.store_path, read_only=True) as store:
            return store.negative_words(pd.unique(ids.dropna().astype(str)).tolist())


def _day(value: str | dt.date | None) -> dt.date | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def load_evidence(incident: Incident, as_of: str | dt.date | None = None,
                  words: bool = True, grouped: bool = False) -> Evidence:
    """Read the incident's evidence store (read-only) and cut it at ``as_of``.

    ``words=False``: the events come without ``title`` and ``text``; ``quotable`` holds
    ``event_id``, ``title`` and ``text`` of the negative events instead (join on
    ``event_id``), so the analysis does not carry every customer's words through each step.

    ``grouped=True`` (with ``words=False``): the events come grouped by the engine
    (:meth:`crisis_kit.store.Store.grouped_events`): each negative event, social mention
    and answered event a row of its own, every other event counted in a row of ``n``
    alike ones; every figure counts ``n`` (:func:`crisis_kit.analysis.volume.weights`).
    A million reviews then cost the analysis a few hundred thousand narrow rows. Where
    the store's topics are stale (an older taxonomy), the events are read one by one,
    since their topics are assigned again from their words.
    """
    cut = _day(as_of)
    tz = marketplaces.get(incident.marketplace).tz
    with open_store(incident.store_path, read_only=True) as store:
        tagged = store.meta("taxonomy") == topics.fingerprint()
        slim = tagged and not words
        sales_rows, actions, files, orders, voc = (
            store.sales(), store.actions(), store.files(), store.table("orders"), store.voc())
        ours = set(orders.loc[orders["asin"].isin(incident.asins), "order_id"].dropna().astype(str))
        grouped = grouped and slim
        # grouped, the words are read per step, for the complaints it quotes (words_of)
        quotable = store.negative_words() if slim and not grouped else None
        has_words = grouped and store.con.execute(
            "SELECT count(*) FROM (SELECT 1 FROM events WHERE is_negative LIMIT 1)").fetchone()[0] > 0
        messages = store.messages()
        amazon_topics = store.feedback_topics()
        rejections = store.con.execute(REJECTIONS_SQL).df()
        if not grouped:
            events = store.events(words=not slim)
    if grouped:
        # on a connection of its own, and made a DataFrame once it is closed: DuckDB's
        # memory of the small tables' queries and of this one is never held at once
        # with the frame (190 MB of the engine's for a million events)
        release_arrow_memory()  # what Arrow kept of the small tables' conversion
        with open_store(incident.store_path, read_only=True) as store:
            rows = store.grouped_table(incident.asins or None,
                                       None if cut is None else cut.isoformat(), sorted(ours))
        events = rows.frame((*_CODES, "topic"))
        release_arrow_memory()
        names = topics.load_taxonomy().names
        events = events.assign(topic=events["topic"].cat.set_categories(names))
    else:
        events = _with_topics(events, tagged)
    if not words and quotable is None and not grouped:
        negative = events["is_negative"].fillna(False).astype(bool)
        quotable = events.loc[negative, ["event_id", "title", "text"]].reset_index(drop=True)
        events = events.drop(columns=["title", "text"])
    if quotable is not None:
        has_words = not quotable.empty
    if not words:
        events = _compact(events)
    if incident.asins:
        # Feedback names an order, not an ASIN: it belongs to the incident when its order
        # held one of the incident's ASINs.
        voc = voc[voc["asin"].isin(incident.asins)]
        # A buyer message names an order more often than an ASIN; one naming neither is
        # about the shop, and the customer-service lane answered it all the same.
        amazon_topics = amazon_topics[amazon_topics["asin"].isin(incident.asins)
                                      | amazon_topics["asin"].isna()]
        messages = messages[messages["asin"].isin(incident.asins) | (
            messages["asin"].isna() & (messages["order_id"].isna()
                                       | messages["order_id"].isin(ours)))]
        # A social mention names a product in words, seldom by ASIN: one without an ASIN
        # belongs to the incident whose export lists it.
        if not grouped:  # the engine cut the grouped events the same way
            events = events[events["asin"].isin(incident.asins)
                            | (events["asin"].isna() & events["order_id"].isin(ours))
                            | (events["asin"].isna() & (events["source"] == "social"))]
    if cut is not None:
        if not grouped:
            events = events[pd.to_datetime(events["local_date"]).dt.date <= cut]
        sales_rows = sales_rows[pd.to_datetime(sales_rows["date"]).dt.date <= cut]
        actions = actions[actions["at"].dt.tz_convert(tz).dt.date <= cut]
        voc = voc[pd.to_datetime(voc["date"]).dt.date <= cut]
        messages = messages[pd.to_datetime(messages["local_date"]).dt.date <= cut]
        amazon_topics = amazon_topics[
            pd.to_datetime(amazon_topics["period_start"]).dt.date <= cut]
    return Evidence(events.reset_index(drop=True), sales_rows.reset_index(drop=True),
                    actions.reset_index(drop=True), files, cut, quotable,
                    voc.reset_index(drop=True), messages.reset_index(drop=True),
                    amazon_topics.reset_index(drop=True), incident.store_path, has_words,
                    orders=orders, rejections=rejections)


REJECTION_COLUMNS = ["source_file", "source_sha256", "column_name", "reason", "rows", "first_row"]
"""Columns of :attr:`Evidence.rejections`: one reason of one file, its rows and the first."""

REJECTIONS_SQL = f"""
    SELECT {", ".join(REJECTION_COLUMNS[:4])}, count(*) AS rows, min(source_row) AS first_row
    FROM rejections GROUP BY {", ".join(REJECTION_COLUMNS[:4])}
    QUALIFY row_number() OVER (PARTITION BY source_sha256, source_file
                               ORDER BY count(*) DESC, min(source_row)) <= 3
    ORDER BY source_file, source_sha256, rows DESC, first_row"""
"""Each file's three most frequent reasons for a rejected row (a reason naming its cell's
value counts once per value: the appendix shows a few, ``inspect`` every row)."""


_CODES = ("source", "marketplace", "asin", "parent_asin", "sku", "date_precision", "reason",
          "reason_group", "status", "disposition", "variant", "source_file", "source_sha256")


def _compact(events: pd.DataFrame) -> pd.DataFrame:
    """Return the events with their few-valued text columns held as categories.

    Every filter of a million events then copies small integer codes, not strings.
    Values and comparisons are unchanged.
    """
    return events.astype({c: "category" for c in _CODES if c in events.columns})


def _with_topics(events: pd.DataFrame, tagged: bool) -> pd.DataFrame:
    """Return the events with their topic.

    As the ingest stored it while the taxonomy is unchanged (``tagged``), else assigned
    here (:func:`crisis_kit.analysis.topics.assign`).
    """
    names = topics.load_taxonomy().names
    if tagged and events["topic"].notna().all():
        return events.assign(topic=pd.Categorical(events["topic"], categories=names))
    return events.assign(topic=topics.assign(events))
