"""Amazon's own signals: Customer Feedback API topics beside ours, Data Kiosk Sales and Traffic.

Fixtures follow the published models in ``amzn/selling-partner-api-models``:
``models/customer-feedback-api-model/customerFeedback_2024-06-01.json`` (the responses of
getItemReviewTopics, getItemReviewTrends, getBrowseNodeReturnTopics/Trends and the
ErrorList; the trend fixture keeps two quirks of the model's own example, a topic name
with a trailing space and the month end "-02-30") and
``schemas/data-kiosk/analytics_salesAndTraffic_2024_04_24.graphql`` (one
SalesAndTrafficByAsin or SalesAndTrafficByDate record a line).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from crisis_kit.analysis.amazon_topics import compare, kit_topic_of
from crisis_kit.config import load_incident
from crisis_kit.errors import CrisisKitError, InputError
from crisis_kit.ingest import FileSpec, ingest_file, ingest_incident, inspect_file
from crisis_kit.pipeline import run_analysis
from crisis_kit.store import open_store

from .conftest import FIXTURES, sample_copy

EXPORTS = FIXTURES / "exports"
ITEM_TOPICS = EXPORTS / "customer-feedback-item-review-topics-pass.json"
ITEM_TRENDS = EXPORTS / "customer-feedback-item-review-trends-pass.json"
NODE_RETURNS = EXPORTS / "customer-feedback-browse-node-return-topics-pass.json"
KIOSK = EXPORTS / "data-kiosk-sales-traffic-pass.jsonl"


def stored(path, **spec):
    with open_store(":memory:") as store:
        report = ingest_file(store, FileSpec(path, **spec))
        return report, store.feedback_topics(), store.sales()


def test_item_review_topics_one_row_per_topic_with_every_metric():
    report, rows, _ = stored(ITEM_TOPICS)
    assert (report.format, report.table) == ("amazon-customer-feedback", "feedback_topics")
    assert (report.read, report.accepted, report.rejected, report.duplicates) == (5, 5, 0, 0)
    leak = rows[rows["topic"] == "Leaking"].iloc[0]  # "Leaking " trimmed
    assert (leak["scope"], leak["asin"], leak["marketplace"], leak["feedback"],
            leak["polarity"], leak["kind"], leak["rank"]) == (
        "asin", "B0SAMPLE01", "US", "review", "negative", "topics", 1)
    assert (leak["mentions"], leak["occurrence_pct"], leak["star_rating_impact"]) == (
        118, 14.75, -1.2)
    assert (leak["parent_mentions"], leak["parent_occurrence_pct"],
            leak["parent_star_rating_impact"]) == (121, 12.3, -1.1)
    assert (leak["node_occurrence_pct"], leak["node_star_rating_impact"]) == (3.2, -0.4)
    assert str(leak["period_start"])[:10] == "2021-11-20" and str(leak["period_end"])[:10] == (
        "2022-05-20")
    # snippets are customer words: stored verbatim (escaped where shown)
    assert "leaks from the collar <b>every</b> time" in json.loads(leak["snippets"])
    assert [s["subtopic"] for s in json.loads(leak["subtopics"])] == [
        "leaks from valve", "leaks at collar"]
    positive = rows[rows["polarity"] == "positive"]
    assert positive["topic"].tolist() == ["Easy to use"]
    smell = rows[rows["topic"] == "Smell"].iloc[0]
    assert pd.isna(smell["star_rating_impact"]) and smell["rank"] == 4


def test_item_review_trends_month_by_month_with_the_models_quirks():
    report, rows, _ = stored(ITEM_TRENDS)  # saved in the sandbox shape {"request", "response"}
    assert (report.read, report.accepted) == (7, 7)
    trend = rows[rows["topic"] == "Leaking"].sort_values("period_start")
    assert (trend["kind"] == "trend").all() and len(trend) == 6
    # the model's example ends February on the 30th: read as the month's last day
    february = trend[trend["period_start"] == pd.Timestamp("2022-02-01")].iloc[0]
    assert february["period_end"] == pd.Timestamp("2022-02-28")
    assert february["occurrence_pct"] == 1.2
    december = trend.iloc[0]
    assert (december["parent_occurrence_pct"], december["node_occurrence_pct"]) == (1.0, 3.0)


def test_browse_node_return_topics_and_trends_and_a_nameless_topic_refused():
    report, rows, _ = stored(NODE_RETURNS)
    assert (report.read, report.accepted, report.rejected, report.duplicates) == (5, 4, 1, 0)
    assert report.rejections == [{"row": 3, "column": "topic", "reason": "the topic has no name"}]
    assert set(rows["scope"]) == {"browse_node"} and rows["asin"].isna().all()
    assert set(rows["feedback"]) == {"return"} and set(rows["polarity"]) == {"negative"}
    topics = rows[rows["kind"] == "topics"].set_index("topic")
    assert topics.at["Leaks", "node_occurrence_pct"] == 22.4
    assert topics.at["Leaks", "browse_node_id"] == "166777011"
    assert topics.at["Leaks", "name"] == "Baby Bottles"
    assert sorted(rows.loc[rows["kind"] == "trend", "node_occurrence_pct"]) == [20.1, 24.9]


def test_an_error_response_is_refused_with_amazons_words():
    with pytest.raises(InputError, match="CF_ERROR_001 Invalid Request"):
        inspect_file(EXPORTS / "customer-feedback-error-response-fail.json")


def test_the_same_response_again_adds_nothing_and_messages_is_the_wrong_list():
    with open_store(":memory:") as store:
        ingest_file(store, FileSpec(ITEM_TOPICS, table="events"))  # under complaints: fine
        again = ingest_file(store, FileSpec(ITEM_TOPICS.parent / ITEM_TOPICS.name,
                                            table="sales", marketplace="US"))
        assert (again.read, again.duplicates) == (5, 5)
        with pytest.raises(CrisisKitError, match="messages"):
            ingest_file(store, FileSpec(ITEM_TRENDS, table="messages"))


def topics_frame(rows):
    """Amazon topic rows (topic, polarity, mentions, occurrence, impact) for B0X on one period."""
    return pd.DataFrame([{
        "scope": "asin", "marketplace": "US", "asin": "B0X", "browse_node_id": None,
        "name": "x", "feedback": "review", "polarity": polarity, "kind": "topics",
        "period_start": pd.Timestamp("2022-05-01"), "period_end": pd.Timestamp("2022-05-31"),
        "topic": topic, "rank": i + 1, "mentions": mentions, "occurrence_pct": occurrence,
        "star_rating_impact": impact, "snippets": None, "subtopics": None,
        "node_occurrence_pct": None} for i, (topic, polarity, mentions, occurrence, impact)
        in enumerate(rows)])


def reviews_frame(rows):
    """Review events (day, rating, topic) of B0X."""
    return pd.DataFrame([{"source": "review", "asin": "B0X", "local_date": pd.Timestamp(day),
                          "rating": rating, "is_negative": rating <= 2, "topic": topic}
                         for day, rating, topic in rows])


AMAZON = topics_frame([
    ("Leaking", "negative", 30, 20.0, -1.0),        # quality
    ("Packaging damaged", "negative", 10, 5.0, -0.2),  # packaging
    ("Color", "negative", 2, 1.0, None),            # no kit topic: other
    ("Easy to use", "positive", 50, 30.0, 0.5),     # positive: not compared
])
REVIEWS = reviews_frame(
    [("2022-05-02", 1, "quality")] * 4 + [("2022-05-03", 2, "safety")] * 6
    + [("2022-05-04", 5, "other")] * 10 + [("2022-04-30", 1, "packaging")]  # before the period
    + [("2022-05-10", 1, "other")])


def test_compare_counts_both_sides_in_the_kits_topics_by_hand():
    result = compare(AMAZON, REVIEWS)
    table = result.comparison.set_index("kit_topic")
    # the period 2022-05-01..05-31 holds 4 + 6 + 10 + 1 = 21 reviews of B0X
    assert table.at["quality", "kit_negative"] == 4
    assert table.at["quality", "kit_share_pct"] == pytest.approx(100 * 4 / 21)
    assert table.at["quality", "verdict"] == "both" and table.at["quality", "amazon_rank"] == 1
    # packaging: Amazon names it; the kit's one packaging review is from April
    assert table.at["packaging", "verdict"] == "amazon_only"
    assert table.at["packaging", "kit_negative"] == 0
    assert table.at["other", "amazon_topics"] == "Color"
    assert pd.isna(table.at["other", "amazon_rank"])
    # safety: six negatives that Amazon's list does not name; the kit's leading topic
    assert table.at["safety", "verdict"] == "kit_only" and table.at["safety", "kit_rank"] == 1
    assert "Easy to use" not in " ".join(table["amazon_topics"].dropna())
    lead = result.leading.iloc[0]
    assert (lead["amazon_topic"], lead["amazon_kit_topic"], lead["kit_topic"], lead["agree"]) == (
        "Leaking", "quality", "safety", False)
    assert result.summary()[0]["agree"] is False


def test_kit_shares_agree_with_an_independent_pandas_count():
    table = compare(AMAZON, REVIEWS).comparison.set_index("kit_topic")
    period = REVIEWS[(REVIEWS["local_date"] >= "2022-05-01")
                     & (REVIEWS["local_date"] <= "2022-05-31")]
    share = (period[period["is_negative"]].groupby("topic").size() / len(period) * 100)
    for topic, value in share.drop("other", errors="ignore").items():
        assert table.at[topic, "kit_share_pct"] == pytest.approx(value)


def test_amazon_names_read_with_the_kits_taxonomy_then_subtopics_and_snippets():
    frame = topics_frame([("Leaking", "negative", 1, 1.0, None),
                          ("Build", "negative", 1, 1.0, None)])
    frame.loc[1, "snippets"] = json.dumps(["the box was crushed when it arrived"])
    assert kit_topic_of(frame).tolist() == ["quality", "packaging"]


def test_latest_period_per_asin_and_none_without_topics():
    older = AMAZON.assign(period_start=pd.Timestamp("2021-11-01"),
                          period_end=pd.Timestamp("2022-04-30"), mentions=999)
    result = compare(pd.concat([older, AMAZON]), REVIEWS)
    assert (result.comparison["period_end"] == pd.Timestamp("2022-05-31")).all()
    assert compare(AMAZON.iloc[:0], REVIEWS) is None


@pytest.fixture(scope="module")
def with_feedback(tmp_path_factory):
    """The sample incident with the three Customer Feedback fixtures under complaints."""
    path = sample_copy(tmp_path_factory.mktemp("feedback") / "samples",
                       "  - path: exports/customer-feedback-*.json\n",
                       {p.name: p for p in (ITEM_TOPICS, ITEM_TRENDS, NODE_RETURNS)})
    incident = load_incident(path)
    ingest_incident(incident)
    return incident


def test_sample_amazon_and_kit_agree_on_the_leak(with_feedback, sample_analysis):
    analysis = run_analysis(with_feedback)
    block = analysis.summary()["complaints"]["amazon_topics"]
    assert block == [{"asin": "B0SAMPLE01", "period_start": "2021-11-20",
                      "period_end": "2022-05-20", "amazon_topic": "Leaking",
                      "amazon_as_kit_topic": "quality", "kit_topic": "quality", "agree": True}]
    # the kit's count, checked against the events directly
    events = analysis.events
    days = pd.to_datetime(events["local_date"])
    window = events[(events["source"].astype(str) == "review")
                    & (events["asin"].astype(str) == "B0SAMPLE01")
                    & (days >= "2021-11-20") & (days <= "2022-05-20")]
    quality = int((window["is_negative"] & (window["topic"].astype(str) == "quality")).sum())
    row = analysis.amazon_topics.comparison.set_index("kit_topic").loc["quality"]
    assert row["kit_negative"] == quality
    # everything else is the sample's own summary, unchanged
    plain = sample_analysis.summary()
    assert plain["complaints"]["amazon_topics"] is None
    mine = analysis.summary()
    for summary in (plain, mine):
        summary["complaints"].pop("amazon_topics")
    assert mine == plain


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_topics_section_shows_amazons_topics(with_feedback, lang):
    from crisis_kit.report.sections import build

    html = build(with_feedback.root / "incident.yaml", lang=lang).topic_drivers().html
    words = {"en": ["Amazon&#39;s negative topics beside the kit&#39;s", "they agree",
                    "Amazon only", "kit only", "2022-05", "Baby Bottles"],
             "zh": ["亚马逊的负面主题与本工具的主题", "两者一致", "仅亚马逊", "仅本工具", "2022年5月",
                    "Baby Bottles"]}[lang]
    for word in words:
        assert word in html, word
    assert "<b>every" not in html


def test_data_kiosk_sales_and_traffic_lines_read_as_daily_sales():
    with open_store(":memory:") as store:
        report = ingest_file(store, FileSpec(KIOSK, table="sales",
                                             asins=("B0TEST0001", "B0TEST0003")))
        sales = store.sales()
    assert (report.format, report.table) == ("amazon-data-kiosk-sales-traffic", "sales")
    assert (report.read, report.accepted, report.rejected, report.duplicates) == (8, 4, 4, 0)
    reasons = {r["row"]: r["reason"] for r in report.rejections}
    assert "several days" in reasons[3] and "several days" in reasons[5]
    assert "unitsOrdered" in reasons[6] and "not valid JSON" in reasons[7]
    rows = sales.set_index(["marketplace", "asin"])
    one = rows.loc[("US", "B0TEST0001")]
    assert (one["units"], one["revenue"], one["sessions"], one["page_views"],
            one["buy_box_pct"], one["source"]) == (10, 249.9, 250, 320, 98.5, "sales_traffic")
    assert str(one["date"])[:10] == "2024-05-01" and one["parent_asin"] == "B0TESTP001"
    # no pageViews selected: browser + mobile app page views
    assert rows.loc[("US", "B0TEST0002"), "page_views"] == 100
    assert rows.loc[("US", "*"), "units"] == 13  # the account's total for the day
    # an incident ASIN without a record on a day with by-ASIN records had no orders
    assert rows.loc[("US", "B0TEST0003"), "units"] == 0
    assert rows.loc[("UK", "B0TEST0001"), "currency"] == "GBP"
