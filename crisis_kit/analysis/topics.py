"""Complaint topics: one per event, their shares per day, and what drove the crisis.

:func:`assign` gives every event exactly one topic of the taxonomy
(:mod:`crisis_kit.config.taxonomy`, data in ``crisis_kit/data/topics.yaml``): the first in
precedence order that its title, text or return reason matches, else ``other``.
Customer text is matched, never changed: it stays verbatim (untrusted) in every table
returned here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..config import CRISIS_WINDOW_DAYS
from ..config.taxonomy import OTHER, Taxonomy, Topic, load_taxonomy, no_text_regex
from .tagging import assign_sql, fingerprint
from .volume import DayLike, as_day, day_index, days_of

__all__ = [
    "OTHER", "Topic", "Taxonomy", "load_taxonomy", "assign", "assign_sql", "fingerprint",
    "daily_shares", "drivers", "crisis_window", "representatives",
]



def _require(events: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in events.columns]
    if missing:
        raise ValueError(f"{what} lack the column(s) {', '.join(missing)}; {_EXPECTED[what]}")


_EXPECTED = {
    "events": "expected the events table of crisis_kit.schemas.EVENTS",
    "events_with_topic": "expected events with a topic column (events.assign(topic=topics.assign(events)))",
}


def _column(events: pd.DataFrame, name: str) -> pd.Series:
    if name in events.columns:
        return events[name].astype(object).where(events[name].notna(), "").astype(str)
    return pd.Series("", index=events.index, dtype=object)


def _arrow_text(events: pd.DataFrame, name: str) -> pa.Array:
    if name not in events.columns:
        return pc.fill_null(pa.nulls(len(events), pa.large_string()), "")
    values = pa.array(events[name], from_pandas=True).cast(pa.large_string())
    return pc.fill_null(values, "")


def assign(events: pd.DataFrame, taxonomy: Taxonomy | None = None) -> pd.Series:
    """Give every event exactly one topic: the first in precedence order it matches.

    Parameters
    ----------
    events : pandas.DataFrame
        The events table; ``title``, ``text``, ``reason`` and ``reason_group`` are read
        where present (at least one of them must be).
    taxonomy : Taxonomy, optional
        Default: :func:`load_taxonomy` ``()`` (the bundled one).

    Returns
    -------
    pandas.Series
        Categorical, named ``topic``, aligned with ``events``; its categories are the
        taxonomy's topics in precedence order, then ``other``.

    Notes
    -----
    The ``topic`` column of design.md section 4. A topic matches an event when one of
    its keywords occurs in the title or the text (:meth:`Topic.regex`), or the
    event's return reason code is one of its ``reason_codes``, or - when the code is
    listed under no topic - its ``reason_group`` is one of its ``reason_groups``. Of
    the matching topics the first in precedence order wins, in passes: the first topic
    (safety) wherever it matches; else the first topic the title alone matches (the
    customer's own summary); else the first that title, text or reason match. When no
    topic matches, a last pass looks for the topics' ``weak`` words (:meth:`Topic.weak_regex`: words
    that say what a complaint is about only when nothing more specific is said, such
    as "battery", "seller", "price", 物流), again first in precedence order; none:
    ``other``. A text that is one of the taxonomy's ``no_text`` placeholders ("the buyer
    wrote nothing", in the marketplace's words) is matched as an empty text.
    Negation is not understood ("no leaks at all" matches leaks); shares and drivers
    count negative events only, where it is rare. One RE2 pass per topic over all
    rows (``pyarrow.compute``); the input is not modified.
    """
    fields = ("title", "text", "reason", "reason_group")
    if not any(c in events.columns for c in fields):
        raise ValueError(f"events lack every one of the columns {', '.join(fields)}; "
                         f"{_EXPECTED['events']}")
    taxonomy = taxonomy if taxonomy is not None else load_taxonomy()
    by_code = {code: t.name for t in reversed(taxonomy.topics) for code in t.reason_codes}
    by_group = {group: t.name for t in reversed(taxonomy.topics) for group in t.reason_groups}
    code_topic = _column(events, "reason").str.strip().str.upper().map(by_code)
    group_topic = _column(events, "reason_group").str.strip().str.lower().map(by_group)
    reason_topic = code_topic.where(code_topic.notna(), group_topic)
    text = _arrow_text(events, "text")
    if taxonomy.no_text:  # "the buyer wrote nothing", in the marketplace's words: no text
        placeholder = pc.match_substring_regex(text, no_text_regex(taxonomy))
        text = pc.if_else(placeholder, pa.scalar("", pa.large_string()), text)
    words = pc.binary_join_element_wise(
        _arrow_text(events, "title"), text, pa.scalar("\n", pa.large_string())
    )
    title = _arrow_text(events, "title")
    # no title at all (the phrases of the phrase table): a keyword matches at least one
    # character, so the title pass finds nothing and is not run
    untitled = len(title) == 0 or pc.max(pc.binary_length(title)).as_py() == 0

    def keyword_hits(job: tuple[list[str], bool]) -> np.ndarray | None:
        parts, title_only = job
        if not parts:
            return None
        if title_only and untitled:
            return np.zeros(len(events), dtype=bool)
        hit = np.zeros(len(events), dtype=bool)
        for regex in parts:  # a topic's keywords in parts, each on RE2's fast DFA
            found = pc.match_substring_regex(title if title_only else words, pattern=regex,
                                             ignore_case=True)
            hit |= found.to_numpy(zero_copy_only=False).astype(bool)
        return hit

    # pyarrow's regex kernels release the GIL: one thread per pattern uses every core.
    topics = taxonomy.topics
    strong_parts = [t.regex_parts() for t in topics]
    jobs = ([(p, False) for p in strong_parts] + [(p, True) for p in strong_parts]
            + [(t.regex_parts(weak=True), False) for t in topics])
    with ThreadPoolExecutor() as pool:
        found = list(pool.map(keyword_hits, jobs))
    n = len(topics)
    strong, in_title, weak = found[:n], found[n:2 * n], found[2 * n:]
    both = []
    for topic, hits in zip(topics, strong, strict=True):
        hit = reason_topic.eq(topic.name).to_numpy()
        both.append(hit if hits is None else hit | hits)
    # the passes, each in precedence order (docs/topics.md "Matching"): the first topic
    # (safety) anywhere; the topic the customer's own title names; title, text and
    # reasons together; then the weak words, where nothing else matched
    passes = [(topics[:1], both[:1]), (topics[1:], in_title[1:]), (topics, both), (topics, weak)]
    matches = [hits for _, found_in in passes for hits in found_in if hits is not None]
    names = [t.name for chosen_from, found_in in passes
             for t, hits in zip(chosen_from, found_in, strict=True) if hits is not None]
    chosen = np.select(matches, names, default=OTHER) if matches else np.full(len(events), OTHER)
    return pd.Series(pd.Categorical(chosen, categories=taxonomy.names), index=events.index,
                     name="topic")


def _topic_order(topic: pd.Series) -> list[str]:
    if isinstance(topic.dtype, pd.CategoricalDtype):
        return [str(c) for c in topic.cat.categories]
    return sorted(topic.dropna().astype(str).unique())


def _negatives(events: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """The negative events (only ``columns`` of them when given: a copy of what is read)."""
    _require(events, ("local_date", "is_negative", "topic"), "events_with_topic")
    keep = events["is_negative"].fillna(False).astype(bool)
    return events.loc[keep] if columns is None else events.loc[keep, columns]


def daily_shares(events_with_topic: pd.DataFrame) -> pd.DataFrame:
    """Share of each topic among each local day's negative events.

    Parameters
    ----------
    events_with_topic : pandas.DataFrame
        Events with ``local_date``, ``is_negative`` and ``topic`` (from :func:`assign`).

    Returns
    -------
    pandas.DataFrame
        Each row represents one local day of one topic, every day from the first to
        the last event and every topic (the categories of ``topic``, else the topics
        present), with ``local_date``, ``topic``, ``negative`` (int) and ``share``
        (float; NaN on a day without negatives). Shares of a day with negatives sum to 1.

    Notes
    -----
    share(d, t) = n(d, t) / n(d), with n(d) the daily negative count of design.md
    section 8 and n(d, t) those of topic t.
    """
    negatives = _negatives(events_with_topic, ["local_date", "topic"])
    topics = _topic_order(events_with_topic["topic"])
    all_days = days_of(events_with_topic["local_date"])
    if all_days.empty:
        return pd.DataFrame({"local_date": pd.Series(dtype="datetime64[ns]"),
                             "topic": pd.Series(dtype=object), "negative": pd.Series(dtype="int64"),
                             "share": pd.Series(dtype=float)})
    calendar = day_index(all_days.min(), all_days.max())
    full = pd.MultiIndex.from_product([calendar, topics], names=["local_date", "topic"])
    # each negative's cell: its day's number in the calendar times the number of topics,
    # plus its topic's place among them (one outside them, or none, counts nowhere)
    days, place = days_of(negatives["local_date"]), _places(negatives["topic"], topics)
    counted = (place >= 0) & days.notna().to_numpy()
    day = ((days[counted] - calendar[0]) // pd.Timedelta(days=1)).to_numpy()
    negative = np.bincount(day * len(topics) + place[counted], minlength=len(full))
    per_day = negative.reshape(len(calendar), len(topics)).sum(axis=1).repeat(len(topics))
    counts = pd.DataFrame({"negative": negative.astype("int64")}, index=full).reset_index()
    counts["share"] = (counts["negative"] / per_day).where(per_day > 0)
    return counts


def _places(topic: pd.Series, topics: list[str]) -> np.ndarray:
    """Each value's position in ``topics`` (compared as text), -1 when it is not there.

    A categorical column's categories are looked up once, not each row's name.
    """
    if isinstance(topic.dtype, pd.CategoricalDtype):
        of_category = pd.Index(topics).get_indexer(topic.cat.categories.astype(str))
        codes = topic.cat.codes.to_numpy()
        return np.where(codes >= 0, of_category[codes], -1)
    return pd.Index(topics).get_indexer(topic.astype(str))


def drivers(
    events_with_topic: pd.DataFrame,
    onset_day: DayLike,
    crisis_days: int = CRISIS_WINDOW_DAYS,
    before_days: int = 28,
) -> pd.DataFrame:
    """Which topics drove the crisis: their share during it against before it.

    Parameters
    ----------
    events_with_topic : pandas.DataFrame
        Events with ``local_date``, ``is_negative`` and ``topic``.
    onset_day : str, datetime.date or pandas.Timestamp
        The onset's local day (``Detection.onset``).
    crisis_days : int
        Length of the crisis window, from the onset day on.
    before_days : int
        Length of the window before the onset day.

    Returns
    -------
    pandas.DataFrame
        Each row represents one topic with a negative event in either window, with
        ``topic``, ``crisis_negative``, ``crisis_share``, ``before_negative``,
        ``before_share``, ``lift`` and ``excess``; ordered by ``excess``, then
        ``crisis_negative`` (both descending), then ``topic``.

    Raises
    ------
    ValueError
        If a column is missing or a window length is not a positive integer.

    Notes
    -----
    Windows of local days: crisis = [onset, onset + crisis_days - 1], before =
    [onset - before_days, onset - 1]. share = the topic's negatives / all negatives
    of the window (NaN for an empty window); lift = crisis_share / before_share (NaN
    when the topic was absent before); excess = crisis_negative - before_negative *
    crisis_days / before_days, the complaints beyond the topic's pre-crisis rate.
    """
    for name, value in (("crisis_days", crisis_days), ("before_days", before_days)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    negatives = _negatives(events_with_topic, ["local_date", "topic"])
    onset = as_day(onset_day)
    days = days_of(negatives["local_date"])
    # the topics of the two windows' negatives only
    near = (days >= onset - pd.Timedelta(days=before_days)) & (
        days < onset + pd.Timedelta(days=crisis_days))
    days, topic = days[near], negatives.loc[near, "topic"].astype(str)
    crisis = topic[(days >= onset) & (days < onset + pd.Timedelta(days=crisis_days))].value_counts()
    before = topic[(days >= onset - pd.Timedelta(days=before_days)) & (days < onset)].value_counts()
    table = pd.DataFrame({"crisis_negative": crisis, "before_negative": before}).fillna(0)
    table = table.astype("int64").rename_axis("topic").reset_index()
    table["crisis_share"] = table["crisis_negative"] / crisis.sum() if crisis.sum() else np.nan
    table["before_share"] = table["before_negative"] / before.sum() if before.sum() else np.nan
    table["lift"] = table["crisis_share"] / table["before_share"].where(table["before_share"] > 0)
    table["excess"] = table["crisis_negative"] - table["before_negative"] * crisis_days / before_days
    table = table.sort_values(["excess", "crisis_negative", "topic"], ascending=[False, False, True])
    columns = ["topic", "crisis_negative", "crisis_share", "before_negative", "before_share",
               "lift", "excess"]
    return table[columns].reset_index(drop=True)


def crisis_window(events: pd.DataFrame, onset_day: dt.date | None,
                  days: int = CRISIS_WINDOW_DAYS) -> pd.DataFrame:
    """Return the negative events of the first ``days`` days from the onset.

    All of them without an onset: the ones :func:`representatives` quotes from.
    """
    keep = events["is_negative"].fillna(False).astype(bool)
    if onset_day is not None:
        day = pd.to_datetime(events["local_date"])
        start = pd.Timestamp(onset_day)
        keep &= (day >= start) & (day < start + pd.Timedelta(days=days))
    return events[keep]


def _optional(events: pd.DataFrame, name: str, default: object) -> pd.Series:
    return events[name] if name in events.columns else pd.Series(default, index=events.index)


def representatives(
    events_with_topic: pd.DataFrame, n: int = 3, topics: Sequence[str] | None = None
) -> pd.DataFrame:
    """Pick ``n`` representative complaints per topic, deterministically.

    Parameters
    ----------
    events_with_topic : pandas.DataFrame
        Events with ``event_id``, ``occurred_at``, ``local_date``, ``is_negative``,
        ``topic`` and ``title`` / ``text`` (``helpful_votes``, ``source``, ``rating``
        where present). Pass the crisis window's events to hear the crisis.
    n : int
        Complaints per topic.
    topics : sequence of str, optional
        The topics, in the order wanted. Default: every topic with a negative event,
        most negatives first (ties by name).

    Returns
    -------
    pandas.DataFrame
        Each row represents one complaint chosen for one topic, with ``topic``,
        ``rank`` (1..n), ``event_id``, ``local_date``, ``source``, ``rating``,
        ``helpful_votes`` (nullable: NA where the export has no votes, shown as a dash,
        not 0), ``title`` and ``text``; title and text verbatim (untrusted: escape them
        when rendering).

    Notes
    -----
    Among the negative events with a title or text, identical wordings (compared
    lower-case, whitespace collapsed) count once; the most helpful come first (unknown
    votes as none), then the earliest (``occurred_at``), then ``event_id``.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    _require(events_with_topic, ("event_id", "occurred_at", "title", "text"), "events_with_topic")
    negatives = _negatives(events_with_topic)
    title, text = _column(negatives, "title"), _column(negatives, "text")
    wording = (title + " " + text).str.lower().str.split().str.join(" ")
    pool = pd.DataFrame({
        "topic": negatives["topic"].astype(str), "event_id": negatives["event_id"].astype(str),
        "occurred_at": pd.to_datetime(negatives["occurred_at"]),
        "local_date": days_of(negatives["local_date"]),
        "source": _optional(negatives, "source", pd.NA),
        "rating": _optional(negatives, "rating", np.nan).astype(float),
        # unknown (no such column: JD.com, returns, seller feedback) stays unknown, never 0
        "helpful_votes": pd.to_numeric(_optional(negatives, "helpful_votes", pd.NA),
                                       errors="coerce").astype("Int64"),
        "title": negatives["title"], "text": negatives["text"], "wording": wording,
    })
    if topics is None:
        counts = pool["topic"].value_counts()
        topics = sorted(counts.index, key=lambda t: (-counts[t], t))
    chosen = (
        pool.loc[pool["wording"].ne("")].assign(votes=pool["helpful_votes"].fillna(0))
        .sort_values(["votes", "occurred_at", "event_id"], ascending=[False, True, True])
        .drop_duplicates(["topic", "wording"])
    )
    chosen = chosen.loc[chosen["topic"].isin(list(topics))].groupby("topic", sort=False).head(n)
    chosen = chosen.assign(order=chosen["topic"].map({t: i for i, t in enumerate(topics)}))
    chosen = chosen.sort_values("order", kind="mergesort")
    chosen.insert(1, "rank", chosen.groupby("topic").cumcount() + 1)
    columns = ["topic", "rank", "event_id", "local_date", "source", "rating", "helpful_votes",
               "title", "text"]
    return chosen[columns].reset_index(drop=True)
