"""Voice of the Customer beside the kit's figures, and FeedbackWhiz exports through a mapping.

The VoC fixture ``voice-of-the-customer-days-pass.csv`` keeps the real download's header
(docs/ingest.md) and puts the sample's hero ASIN on four `Last updated` days around the
sample's onset (2022-05-02).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from crisis_kit.analysis.voice import beside
from crisis_kit.config import load_incident
from crisis_kit.ingest import FileSpec, ingest_file, ingest_incident
from crisis_kit.store import open_store

from .conftest import FIXTURES, sample_copy

EXPORTS = FIXTURES / "exports"
ONSET = dt.date(2022, 5, 2)


def voc_frame(rows):
    """VoC rows: (asin, day, sku, orders, ncx orders, rate, reason, band)."""
    return pd.DataFrame([{"asin": a, "date": pd.Timestamp(d), "sku": sku, "total_orders": o,
                          "ncx_orders": n, "ncx_rate": r, "top_ncx_reason": why,
                          "cx_health": band} for a, d, sku, o, n, r, why, band in rows])


def events_frame(rows):
    """Events: (asin, day, source, negative, topic)."""
    return pd.DataFrame([{"asin": a, "local_date": pd.Timestamp(d), "source": src,
                          "is_negative": neg, "topic": topic} for a, d, src, neg, topic in rows])


EVENTS = events_frame(
    # window of 2022-04-20 (03-22..04-20): 10 reviews, 1 negative (quality)
    [("B0A", "2022-04-10", "review", False, "other")] * 9
    + [("B0A", "2022-04-11", "review", True, "quality")]
    # window of 2022-05-10 (04-11..05-10): adds 5 negative reviews (packaging) and 5 good
    # ones, and 3 FBA returns (quality, not rated)
    + [("B0A", "2022-05-05", "review", True, "packaging")] * 5
    + [("B0A", "2022-05-06", "review", False, "other")] * 5
    + [("B0A", "2022-05-07", "fba_return", True, "quality")] * 3
    + [("B0B", "2022-05-07", "review", True, "safety")])

VOC = voc_frame([
    ("B0A", "2022-04-20", "S1", 100, 2, 2.0, "Product damaged in transit", "Good"),
    ("B0A", "2022-05-10", "S1", 150, 3, 2.0, "Leaking", "Good"),
    ("B0A", "2022-05-10", "S2", 50, 1, 2.0, None, "Fair"),
    ("B0A", "2022-06-30", "S1", 100, 1, 1.0, None, "Fair"),
])


def test_beside_by_hand():
    table = beside(VOC, EVENTS, ONSET).set_index("date")
    april, may, june = (table.loc[pd.Timestamp(d)] for d in ("2022-04-20", "2022-05-10",
                                                              "2022-06-30"))
    # 20 April: 10 rated, 1 negative; 1 negative signal per 100 orders = 1.0
    assert (april["kit_rated"], april["kit_negative_rated"], april["kit_negative"]) == (10, 1, 1)
    assert april["kit_negative_share"] == pytest.approx(10.0)
    assert april["kit_per_100_orders"] == pytest.approx(1.0)
    assert april["kit_topic"] == "quality" and april["reason_topic"] == "packaging"
    assert april["reason_differs"]  # Amazon: damaged in transit; the kit: quality
    # 10 May: two SKUs summed (200 orders, 4 NCX: 2.0 %), the worse band (Fair) kept
    assert (may["total_orders"], may["ncx_orders"], may["ncx_rate"]) == (200, 4, 2.0)
    assert (may["cx_health"], may["previous_band"], may["band_changed"]) == ("Fair", "Good", True)
    # window 04-11..05-10: rated 1 + 5 + 5 = 11, negative rated 6; all negatives 6 + 3 = 9
    assert (may["kit_rated"], may["kit_negative_rated"], may["kit_negative"]) == (11, 6, 9)
    assert may["kit_negative_share"] == pytest.approx(600 / 11)
    assert may["kit_per_100_orders"] == pytest.approx(100 * 9 / 200)
    assert may["kit_topic"] == "packaging"  # 5 packaging against 1 + 3 quality
    assert may["kit_topic_share"] == pytest.approx(100 * 5 / 9)
    # the reason of S1 (3 NCX orders), Leaking, reads as quality; the kit leads with packaging
    assert may["reason_topic"] == "quality" and may["reason_differs"]
    # NCX rate unchanged (2.0 -> 2.0), the kit's share rose: no opposite movement
    assert not may["direction_differs"]
    # 30 June: nothing in the window; no reason given
    assert june["kit_rated"] == 0 and pd.isna(june["kit_negative_share"])
    assert pd.isna(june["reason_topic"]) and not june["reason_differs"]
    assert not june["band_changed"]  # Fair again


def test_direction_and_band_against_the_alert():
    voc = voc_frame([
        ("B0A", "2022-04-20", "S1", 100, 5, 5.0, None, "Poor"),   # before the onset: Poor
        ("B0A", "2022-05-10", "S1", 100, 1, 1.0, None, "Good"),   # after: still Good
    ])
    table = beside(voc, EVENTS, ONSET)
    # NCX fell 5.0 -> 1.0 while the kit's share rose 10 % -> 54.5 %
    assert table["direction_differs"].tolist() == [False, True]
    assert table["band_vs_alert"].tolist() == [True, True]
    calm = beside(voc, EVENTS, None)  # no alert at all: Good is no disagreement
    assert calm["band_vs_alert"].tolist() == [True, False]
    assert beside(voc.iloc[:0], EVENTS, ONSET).empty


def test_kit_share_agrees_with_an_independent_pandas_count():
    table = beside(VOC, EVENTS, ONSET).set_index("date")
    days = EVENTS["local_date"]
    window = EVENTS[(EVENTS["asin"] == "B0A") & (days >= "2022-04-11") & (days <= "2022-05-10")]
    rated = window[window["source"].isin(["review", "seller_feedback"])]
    assert table.loc[pd.Timestamp("2022-05-10"), "kit_negative_share"] == pytest.approx(
        100 * rated["is_negative"].mean())


@pytest.fixture(scope="module")
def with_voc(tmp_path_factory):
    path = sample_copy(tmp_path_factory.mktemp("voc") / "samples", "  - path: exports/voc.csv\n",
                       {"voc.csv": EXPORTS / "voice-of-the-customer-days-pass.csv"})
    incident = load_incident(path)
    ingest_incident(incident)
    return incident


def test_sample_voc_days_beside_the_kit(with_voc):
    from crisis_kit.pipeline import run_analysis

    analysis = run_analysis(with_voc)
    table = analysis.voc_beside.set_index("date")
    may20 = table.loc[pd.Timestamp("2022-05-20")]
    assert (may20["cx_health"], may20["previous_band"], may20["band_changed"]) == (
        "Poor", "Good", True)
    # the kit's share over 2022-04-21..05-20, counted from the store's events one by one
    # (the analysis reads them grouped: analysis.events rows stand for `n` events each)
    with open_store(with_voc.store_path, read_only=True) as store:
        events = store.events(words=False)
    days = pd.to_datetime(events["local_date"])
    window = events[(events["asin"].astype(str) == "B0SAMPLE01") & (days >= "2022-04-21")
                    & (days <= "2022-05-20")]
    rated = window[window["source"].astype(str).isin(["review", "seller_feedback"])]
    assert may20["kit_negative_share"] == pytest.approx(100 * rated["is_negative"].mean())
    assert may20["kit_per_100_orders"] == pytest.approx(
        100 * window["is_negative"].sum() / 1180)
    # 6 May: the kit alerted on 2 May, Amazon still says Good; 15 July: "Too small" is fit
    assert table.loc[pd.Timestamp("2022-05-06"), "band_vs_alert"]
    july = table.loc[pd.Timestamp("2022-07-15")]
    assert (july["reason_topic"], july["reason_differs"]) == ("fit", True)
    assert analysis.summary()["complaints"]["total"] == 2014  # never complaint events


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_sales_section_shows_amazons_view_beside_the_kits(with_voc, lang):
    from crisis_kit.report.sections import build

    html = build(with_voc.root / "incident.yaml", lang=lang).sales_phases().html
    words = {"en": ["Amazon&#39;s view beside the kit&#39;s", "Poor (was Good)",
                    "band vs alert", "still rates CX Health Good after the kit&#39;s alert",
                    "Too small"],
             "zh": ["亚马逊视角与本工具对照", "Poor（原为 Good）", "等级与预警", "仍为 Good",
                    "尺寸与适配"]}[lang]
    for word in words:
        assert word in html, word


FEEDBACKWHIZ = {"occurred_at": "Review Date", "rating": "Rating", "title": "Title",
                "text": "Review", "asin": "ASIN", "author": "Reviewer", "verified": "Verified",
                "source_id": "Review ID"}


def test_a_feedbackwhiz_review_export_through_the_mapping():
    """No public FeedbackWhiz header could be checked: its export comes in through a mapping
    (docs/ingest.md gives this one); the fixture's column names are made up for it."""
    path = EXPORTS / "feedbackwhiz-style-reviews-mapped-pass.csv"
    with open_store(":memory:") as store:
        report = ingest_file(store, FileSpec(path, source="review", mapping=FEEDBACKWHIZ))
        events = store.events()
    assert (report.read, report.accepted, report.rejected) == (3, 3, 0)
    assert events["source"].eq("review").all()
    assert sorted(events["rating"]) == [1.0, 2.0, 5.0]
    assert "Pat Example" not in events.astype(str).to_string()  # the reviewer is hashed
    assert events["is_negative"].sum() == 2
