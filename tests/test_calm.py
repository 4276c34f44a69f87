"""A calm product is still charted (issue 12 item 3): the sample before its defect."""

from __future__ import annotations

import pandas as pd
import pytest

from crisis_kit.analysis.health import health, negatives_to_fire
from crisis_kit.analysis.ratings import trailing_rating

CALM_DAY = "2022-04-20"  # the sample's valve defect starts on 2022-05-02


@pytest.mark.parametrize("today, mean, need", [
    (0, 0.3, 5),    # the floor decides: 5 negatives
    (2, 0.3, 3),
    (0, 6.0, 7),    # 1.15 x 6 = 6.9: more than that is 7
    (0, 4.0, 5),    # 1.15 x 4 = 4.6 -> 5, and the floor is 5 too
    (9, 6.0, 0),    # it already fires
    (1, None, 4),   # fewer than 7 days of history: the floor alone
])
def test_negatives_to_fire_by_hand(today, mean, need):
    assert negatives_to_fire(today, mean, 0.15, 5) == need


def test_health_figures_by_hand(sample_incident):
    from crisis_kit.analysis.evidence import load_evidence

    events = load_evidence(sample_incident, CALM_DAY).events
    h = health(events, 30, 0.15, 5, as_of=CALM_DAY)
    day = pd.Timestamp(CALM_DAY)
    days = pd.to_datetime(events["local_date"])
    recent = events[(days > day - pd.Timedelta(days=28)) & (days <= day)]
    rated = recent[recent["source"].isin(["review", "seller_feedback"])]
    assert h.negative_recent == int(recent["is_negative"].sum())
    assert h.signals_recent == len(rated)
    assert h.share_recent == round(rated["is_negative"].mean(), 3)
    r = trailing_rating(events, 30, as_of=CALM_DAY).iloc[-1]
    assert h.rating == round(r["rating"], 3) and h.lifetime_rating == round(r["cumulative_rating"], 3)
    assert h.topics["recent"].sum() == h.negative_recent


@pytest.mark.parametrize("lang, words", [
    ("en", ["No onset yet. On", "displayed rating (30 days)", "more today would fire",
            "Complaint topics, last 28 days"]),
    ("zh", ["尚无起点", "展示评分", "就会触发预警规则", "投诉主题"]),
])
def test_a_calm_report_shows_rating_share_topics_and_distance(sample_incident, lang, words):
    from crisis_kit.report import sections

    report = sections.build(sample_incident.root / "incident.yaml", lang=lang, as_of=CALM_DAY)
    assert report.analysis.detection.onset is None
    html = report.rating_outlook().html
    for word in words:
        assert word in html, word
    figure = report.figure("rating_trajectory").html
    assert "figure-rating-trajectory" in figure  # the calm product's rating is charted
    latest = report.analysis.summary()["rating"]["latest"]
    assert latest is not None and latest == report.analysis.health.rating
