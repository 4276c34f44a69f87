"""Social-media mentions: read through the mapping as events of source `social`, set beside
Amazon's negative signals (volume, platforms, topics), never counted as negatives."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re

import pandas as pd
import pytest

from crisis_kit.analysis.social import social_view
from crisis_kit.config import load_incident
from crisis_kit.errors import ConfigError
from crisis_kit.ingest import ingest_incident
from crisis_kit.language import load_strings
from crisis_kit.pipeline import run_analysis
from crisis_kit.report import sections
from crisis_kit.store import open_store

from .conftest import FIXTURES, sample_copy

MENTIONS = FIXTURES / "exports" / "social-mentions-mapping-pass.csv"
MAPPING = ("    mapping: {platform: Platform, occurred_at: Posted at, url: Post URL, "
           "text: Post text, author: Author handle}\n")


def _with_social(tmp_path, mapping: str = MAPPING):
    return load_incident(sample_copy(
        tmp_path / "samples", "  - path: exports/social.csv\n    source: social\n" + mapping,
        {"social.csv": MENTIONS}))


@pytest.fixture(scope="module")
def social_incident(tmp_path_factory):
    incident = _with_social(tmp_path_factory.mktemp("social"))
    reports = ingest_incident(incident)
    return incident, {r.path.split("/")[-1]: r for r in reports}


def test_mentions_are_read_as_social_events_with_their_platform(social_incident):
    incident, reports = social_incident
    report = reports["social.csv"]
    # the last line repeats the fifth: a duplicate
    assert (report.read, report.accepted, report.rejected, report.duplicates) == (7, 6, 0, 1)
    with open_store(incident.store_path, read_only=True) as store:
        rows = store.con.execute(
            "SELECT variant, occurred_at, local_date, is_negative, rating, asin, author_hash, "
            "text FROM events WHERE source = 'social' ORDER BY source_row").df()
        stored = " ".join(str(v) for v in store.con.execute(
            "SELECT * FROM events WHERE source = 'social'").fetchall())
    assert rows["variant"].tolist() == ["TikTok", "Reddit", "Instagram", "TikTok", "Reddit",
                                        "Xiaohongshu"]
    assert not rows["is_negative"].any() and rows["rating"].isna().all()
    assert rows["asin"].isna().all()  # a social URL names no ASIN
    # 2022-05-02T03:40Z is the evening of May 1 in Los Angeles
    assert rows.loc[1, "local_date"] == pd.Timestamp("2022-05-01")
    assert "@bottlemom" not in stored and "u/sleepless_dad" not in stored  # authors hashed
    assert rows.loc[0, "author_hash"] == rows.loc[3, "author_hash"]
    assert rows.loc[5, "text"] == "防胀气奶瓶漏奶，阀门有问题"


def test_mentions_move_neither_the_alert_nor_the_negatives(social_incident, sample_analysis):
    incident, _ = social_incident
    summary = run_analysis(incident).summary()
    plain = sample_analysis.summary()
    assert summary["detection"] == plain["detection"]
    assert summary["complaints"]["negative"] == plain["complaints"]["negative"]
    assert summary["complaints"]["by_source"]["social"] == 6
    assert summary["social"] == {"mentions": 6, "complaints": 5,
                                 "first_complaint_date": "2022-05-01",
                                 "first_amazon_date": "2022-05-01"}
    assert plain["social"]["mentions"] == 0


def test_platform_and_variant_cannot_both_be_mapped(tmp_path):
    both = MAPPING.replace("platform: Platform", "platform: Platform, variant: Platform")
    incident = _with_social(tmp_path, both)
    with pytest.raises(ConfigError, match="both `platform` and `variant`"):
        ingest_incident(incident)


def _events(rows):
    return pd.DataFrame(rows, columns=["source", "local_date", "is_negative", "topic",
                                       "variant"]).assign(
        local_date=lambda t: pd.to_datetime(t["local_date"]))


def test_social_view_counts_by_hand():
    events = _events([
        ("social", "2022-05-01", False, "quality", "TikTok"),
        ("social", "2022-05-03", False, "other", "Reddit"),
        ("social", "2022-05-03", False, "quality", None),
        ("review", "2022-04-30", True, "quality", None),     # before the period
        ("review", "2022-05-02", True, "quality", None),
        ("fba_return", "2022-05-03", True, "packaging", None),
        ("review", "2022-05-03", False, "other", None),      # not negative
    ])
    view = social_view(events)
    assert (view.mentions, view.complaints, view.period) == (3, 2, "day")
    assert (view.first_day, view.last_day) == (dt.date(2022, 5, 1), dt.date(2022, 5, 3))
    assert (view.first_complaint_day, view.first_amazon_day) == (dt.date(2022, 5, 1),
                                                                 dt.date(2022, 5, 2))
    assert view.by_period[["mentions", "complaints", "amazon_negative"]].values.tolist() == [
        [1, 1, 0], [0, 0, 1], [2, 1, 1]]
    assert view.by_platform.values.tolist() == [["Reddit", 1, 0], ["TikTok", 1, 1],
                                                ["unknown", 1, 1]]
    topics = view.topics.set_index("topic")
    assert topics.loc["quality", ["social", "amazon"]].tolist() == [2, 1]
    assert topics.loc["quality", "social_share"] == pytest.approx(2 / 3)
    assert topics.loc["packaging", "amazon_share"] == pytest.approx(1 / 2)
    assert view.topics["topic"].iloc[-1] == "other"
    assert social_view(events[events["source"] != "social"]) is None


def test_a_long_period_is_counted_by_week_from_monday():
    events = _events([("social", "2022-05-04", False, "quality", "X"),      # a Wednesday
                      ("social", "2022-06-20", False, "quality", "X"),
                      ("review", "2022-05-09", True, "quality", None)])
    view = social_view(events)
    assert view.period == "week"
    assert view.by_period["start"].iloc[0] == pd.Timestamp("2022-05-02")
    assert view.by_period["mentions"].sum() == 2 and view.by_period["amazon_negative"].sum() == 1


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_sets_mentions_beside_amazon(social_incident, lang):
    incident, _ = social_incident
    report = sections.build(incident.root / "incident.yaml", lang)
    s = load_strings(lang)
    text = " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", report.social().html)).split())
    day = s.date
    lead = s.text("social.lead", mentions="6", first=day(dt.date(2022, 5, 1)),
                  last=day(dt.date(2022, 5, 3)), platforms="4", complaints="5",
                  first_complaint=day(dt.date(2022, 5, 1)), first_amazon=day(dt.date(2022, 5, 1)))
    assert " ".join(lead.split()) in text
    assert "Xiaohongshu" in text and s.text("social.topics_title") in text
    negative = report.analysis.events
    amazon = negative[(negative["source"] != "social") & negative["is_negative"]
                      & pd.to_datetime(negative["local_date"]).between("2022-05-01", "2022-05-03")]
    assert report.analysis.social.by_period["amazon_negative"].sum() == len(amazon)
    quality = report.analysis.social.topics.set_index("topic").loc["quality"]
    assert quality["amazon"] == int((amazon["topic"].astype(str) == "quality").sum())


def test_report_without_mentions_says_how_to_add_them(sample_incident):
    report = sections.build(sample_incident.root / "incident.yaml", "en")
    assert "source: social" in report.social().text
