"""Amazon's review and return topics (Customer Feedback API) beside the kit's own topics.

Each row of the ``feedback_topics`` table represents one topic Amazon reports for one ASIN
(or browse node) over one period. Amazon names its topics in its own words ("Leaking",
"Difficult to clean"); the kit reads each name with its own taxonomy (the same rule that
tags the complaints: :func:`crisis_kit.analysis.topics.assign` on the topic's name, then,
when the name matches no topic, on its subtopics and review snippets), so both sides can
be counted in the kit's topics, over the same ASIN and the same days (docs/topics.md,
"Amazon's topics beside ours").
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .topics import OTHER, assign
from .volume import count, count_by

__all__ = ["AmazonTopics", "compare", "kit_topic_of", "COMPARISON_COLUMNS"]

COMPARISON_COLUMNS = ["asin", "period_start", "period_end", "kit_topic", "amazon_topics",
                      "amazon_mentions", "amazon_occurrence_pct", "amazon_star_impact",
                      "amazon_rank", "kit_negative", "kit_share_pct", "kit_rank", "verdict"]
TREND_COLUMNS = ["asin", "topic", "kit_topic", "month", "amazon_pct", "kit_pct", "reviews"]
RETURN_COLUMNS = ["browse_node_id", "name", "period_start", "period_end", "topic", "kit_topic",
                  "node_occurrence_pct", "kit_returns", "kit_share_pct"]
RETURN_SOURCES = ("fba_return", "mfn_return")


@dataclass(frozen=True)
class AmazonTopics:
    """Amazon's negative topics beside the kit's, per ASIN and period.

    Attributes
    ----------
    comparison : pd.DataFrame
        Each row one kit topic of one ASIN over the period of Amazon's latest review-topics
        response for it (``COMPARISON_COLUMNS``): Amazon's negative topics read as that kit
        topic (their names, mentions, occurrence and star-rating impact, summed) beside the
        kit's negative reviews of that topic in the same days, each side's rank, and the
        verdict ``both``, ``amazon_only`` or ``kit_only``.
    leading : pd.DataFrame
        Each row one ASIN: Amazon's leading negative topic (by mentions), the kit topic it
        reads as, the kit's leading topic over the same days, and whether they agree.
    trend : pd.DataFrame
        Each row one month of one of Amazon's negative topics of an ASIN (the trends
        response): Amazon's occurrence percentage beside the kit's share of that month's
        reviews that are negative and of the same kit topic (``TREND_COLUMNS``).
    returns : pd.DataFrame
        Each row one return topic of a browse node (Amazon's category-wide view) beside the
        share of the incident's own returns in the same days that the kit files under the
        same topic (``RETURN_COLUMNS``).
    """

    comparison: pd.DataFrame
    leading: pd.DataFrame
    trend: pd.DataFrame = field(default_factory=pd.DataFrame)
    returns: pd.DataFrame = field(default_factory=pd.DataFrame)

    def summary(self) -> list[dict[str, Any]]:
        """Per ASIN, Amazon's leading negative topic against the kit's (``summary.json``)."""
        return [{"asin": r.asin, "period_start": r.period_start.date().isoformat(),
                 "period_end": r.period_end.date().isoformat(),
                 "amazon_topic": r.amazon_topic, "amazon_as_kit_topic": r.amazon_kit_topic,
                 "kit_topic": r.kit_topic, "agree": bool(r.agree)}
                for r in self.leading.itertuples()]


def _texts(value: Any, key: str | None = None) -> list[str]:
    if not isinstance(value, str) or not value:
        return []
    try:
        items = json.loads(value)
    except ValueError:
        return []
    return [str(i.get(key, "")) if key else str(i) for i in items
            if (isinstance(i, dict) if key else True)]


def kit_topic_of(feedback: pd.DataFrame) -> pd.Series:
    """The kit topic each of Amazon's topics reads as: its name, else its subtopics and snippets."""
    if feedback.empty:
        return pd.Series([], dtype=object, index=feedback.index)
    by_name = assign(pd.DataFrame({"title": feedback["topic"].astype(str), "text": ""},
                                  index=feedback.index)).astype(str)
    words = [" \n".join(_texts(subs, "subtopic") + _texts(snips))
             for subs, snips in zip(feedback.get("subtopics", pd.Series(None, index=feedback.index)),
                                    feedback.get("snippets", pd.Series(None, index=feedback.index)),
                                    strict=True)]
    by_words = assign(pd.DataFrame({"title": "", "text": words}, index=feedback.index)).astype(str)
    return by_name.where(by_name != OTHER, by_words)


def _days(events: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(events["local_date"])


def _reviews(events: pd.DataFrame, asin: str, start: pd.Timestamp, end: pd.Timestamp
             ) -> pd.DataFrame:
    days = _days(events)
    # source and ASIN compared as they are (a categorical's categories), not made text
    return events[(events["source"] == "review") & (events["asin"] == asin)
                  & (days >= start) & (days <= end)]


def _ranked(values: pd.Series) -> pd.Series:
    positive = values[values > 0]
    return positive.rank(method="min", ascending=False).reindex(values.index)


def _compare_one(asin: str, start: pd.Timestamp, end: pd.Timestamp, amazon: pd.DataFrame,
                 events: pd.DataFrame) -> pd.DataFrame:
    reviews = _reviews(events, asin, start, end)
    negative = reviews[reviews["is_negative"].fillna(False).astype(bool)]
    kit = count_by(negative, negative["topic"].astype(str))
    kit = kit[kit.index != OTHER]
    n_reviews = count(reviews)
    grouped = amazon.groupby("kit_topic", sort=False).agg(
        amazon_topics=("topic", lambda names: ", ".join(names)),
        amazon_mentions=("mentions", "sum"), amazon_occurrence_pct=("occurrence_pct", "sum"),
        amazon_star_impact=("star_rating_impact", lambda v: v.sum(min_count=1)))
    table = grouped.join(kit.rename("kit_negative"), how="outer")
    table.index.name = "kit_topic"
    table = table.reset_index()
    table["kit_negative"] = table["kit_negative"].fillna(0).astype(int)
    table["amazon_mentions"] = table["amazon_mentions"].fillna(0)
    table["kit_share_pct"] = (100 * table["kit_negative"] / n_reviews) if n_reviews else None
    table["amazon_rank"] = _ranked(table["amazon_mentions"].where(table["kit_topic"] != OTHER, 0))
    table["kit_rank"] = _ranked(table["kit_negative"].astype(float))
    named = table["amazon_topics"].notna()
    table["verdict"] = "kit_only"
    table.loc[named & (table["kit_negative"] > 0), "verdict"] = "both"
    table.loc[named & (table["kit_negative"] == 0), "verdict"] = "amazon_only"
    table = table.assign(asin=asin, period_start=start, period_end=end)
    table = table.sort_values(
        ["amazon_mentions", "kit_negative", "kit_topic"], ascending=[False, False, True],
        kind="mergesort")
    return table[COMPARISON_COLUMNS].reset_index(drop=True)


def _leading(comparison: pd.DataFrame, amazon: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for asin, table in comparison.groupby("asin", sort=True):
        own = amazon[amazon["asin"] == asin].sort_values(
            ["mentions", "rank"], ascending=[False, True], kind="mergesort")
        first = own.iloc[0] if len(own) else None
        kit = table[table["kit_negative"] > 0].sort_values(
            ["kit_negative", "kit_topic"], ascending=[False, True], kind="mergesort")
        kit_topic = kit["kit_topic"].iloc[0] if len(kit) else None
        amazon_kit = None if first is None else first["kit_topic"]
        rows.append({"asin": asin, "period_start": table["period_start"].iloc[0],
                     "period_end": table["period_end"].iloc[0],
                     "amazon_topic": None if first is None else first["topic"],
                     "amazon_kit_topic": amazon_kit, "kit_topic": kit_topic,
                     "agree": amazon_kit is not None and amazon_kit == kit_topic})
    return pd.DataFrame(rows, columns=["asin", "period_start", "period_end", "amazon_topic",
                                       "amazon_kit_topic", "kit_topic", "agree"])


def _trend(trends: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for t in trends.itertuples():
        start, end = pd.Timestamp(t.period_start), pd.Timestamp(t.period_end)
        reviews = _reviews(events, t.asin, start, end)
        same = reviews["is_negative"].fillna(False).astype(bool) & (
            reviews["topic"].astype(str) == t.kit_topic)
        n_reviews = count(reviews)
        rows.append({"asin": t.asin, "topic": t.topic, "kit_topic": t.kit_topic, "month": start,
                     "amazon_pct": t.occurrence_pct,
                     "kit_pct": 100 * count(reviews, same) / n_reviews if n_reviews else None,
                     "reviews": n_reviews})
    return pd.DataFrame(rows, columns=TREND_COLUMNS).sort_values(
        ["asin", "topic", "month"], kind="mergesort").reset_index(drop=True)


def _returns(node: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    rows = []
    days = _days(events)
    returns = events[events["source"].isin(RETURN_SOURCES)]
    for t in node.itertuples():
        start, end = pd.Timestamp(t.period_start), pd.Timestamp(t.period_end)
        within = returns[(days[returns.index] >= start) & (days[returns.index] <= end)]
        same = count(within, within["topic"] == t.kit_topic)
        n_within = count(within)
        rows.append({"browse_node_id": t.browse_node_id, "name": t.name,
                     "period_start": start, "period_end": end, "topic": t.topic,
                     "kit_topic": t.kit_topic, "node_occurrence_pct": t.node_occurrence_pct,
                     "kit_returns": same,
                     "kit_share_pct": 100 * same / n_within if n_within else None})
    return pd.DataFrame(rows, columns=RETURN_COLUMNS)


def compare(feedback: pd.DataFrame | None, events: pd.DataFrame) -> AmazonTopics | None:
    """Amazon's negative topics beside the kit's, for each ASIN Amazon reports on.

    Parameters
    ----------
    feedback : pd.DataFrame or None
        Rows of the ``feedback_topics`` table.
    events : pd.DataFrame
        The incident's events with ``topic``, ``source``, ``asin``, ``local_date``,
        ``is_negative``.

    Returns
    -------
    AmazonTopics or None
        None when there is no Amazon topic to compare.

    Notes
    -----
    Per ASIN, the latest review-topics response (the latest ``period_end``) sets the
    period. Amazon's side: its negative topics, each read as a kit topic
    (:func:`kit_topic_of`), their mentions, occurrence percentages (percent of the ASIN's
    reviews) and star-rating impacts summed per kit topic. The kit's side: the ASIN's
    reviews of the same days; per topic, the negative ones (rating <= 2) and their share
    of all its reviews, in percent, comparable to Amazon's occurrence. Ranks are by
    mentions and by count, 1 the largest (ties share the smaller rank); an Amazon topic the
    kit reads as ``other`` has no rank. Verdict: ``both`` when both sides name the topic,
    ``amazon_only`` when only Amazon's list does (the kit's words may miss it, or the
    export lacks those reviews), ``kit_only`` when the kit finds negatives of a topic
    Amazon does not list among its ten. The leading topics agree when Amazon's first topic
    by mentions reads as the kit's most frequent negative topic of those days.
    """
    if feedback is None or feedback.empty:
        return None
    feedback = feedback.assign(kit_topic=kit_topic_of(feedback),
                               period_start=pd.to_datetime(feedback["period_start"]),
                               period_end=pd.to_datetime(feedback["period_end"]))
    negative = feedback[feedback["polarity"] == "negative"]
    items = negative[(negative["scope"] == "asin") & (negative["feedback"] == "review")]
    latest = items[items["kind"] == "topics"]
    chosen = []
    for _, rows in latest.groupby("asin", sort=True):
        end = rows["period_end"].max()
        start = rows.loc[rows["period_end"] == end, "period_start"].max()
        chosen.append(rows[(rows["period_end"] == end) & (rows["period_start"] == start)])
    amazon = pd.concat(chosen) if chosen else latest.iloc[:0]
    parts = [_compare_one(asin, rows["period_start"].iloc[0], rows["period_end"].iloc[0],
                          rows, events) for asin, rows in amazon.groupby("asin", sort=True)]
    comparison = (pd.concat(parts, ignore_index=True) if parts
                  else pd.DataFrame(columns=COMPARISON_COLUMNS))
    trends = items[items["kind"] == "trend"]
    node_returns = negative[(negative["scope"] == "browse_node") & (negative["feedback"] == "return")
                            & (negative["kind"] == "topics")]
    return AmazonTopics(comparison=comparison, leading=_leading(comparison, amazon),
                        trend=_trend(trends, events), returns=_returns(node_returns, events))
