"""run_analysis on the sample incident: summary.json has design.md section 9's shape and the
generator's truth."""

from __future__ import annotations

import json

import pytest

from crisis_kit.pipeline import run_analysis, write_summary

from .conftest import SAMPLES

SECTION_9 = {
    "incident": None,
    "complaints": {"total", "negative", "by_source", "by_topic", "topic_coverage",
                   "amazon_topics"},
    "detection": {"alert_date", "alert_at", "onset", "peak_date", "peak_negative",
                  "statistical_alert_date", "alert_kind", "share_alert_date",
                  "low_volume_alert_date"},
    "rating": {"window_days", "baseline", "trough", "trough_date", "latest", "target",
               "recovered_date", "five_star_reviews_to_target", "forecast_target_date",
               "forecast_interval_coverage"},
    "response": {"first_response_at", "first_response_hours", "golden_window_met", "lanes",
                 "messages"},
    "sales": {"baseline_units_per_day", "trough_index", "latest_index", "recovered_100_date",
              "reached_target_date"},
    "statement": {"star", "vague_terms", "commitments", "passed"},
    "followups": {"total", "overdue", "done", "measured", "overdue_items"},
    "campaigns": {"count", "items"},
    "social": {"mentions", "complaints", "first_complaint_date", "first_amazon_date"},
}


@pytest.fixture(scope="module")
def incident(sample_incident):
    return sample_incident


@pytest.fixture(scope="module")
def summary(incident):
    return run_analysis(incident).summary()


@pytest.fixture(scope="module")
def truth():
    return json.loads((SAMPLES / "truth.json").read_text())


def test_summary_has_exactly_the_contract_keys(summary):
    assert set(summary) == set(SECTION_9)
    for block, keys in SECTION_9.items():
        if keys:
            assert set(summary[block]) == keys, block
    for lane in summary["response"]["lanes"].values():
        assert set(lane) == {"first_at", "hours", "met"}


def planted_complaints(got, truth):
    want = truth["complaints"]
    assert (got["total"], got["negative"], got["by_source"]) == (
        want["total"], want["negative"], want["by_source"])


def planted_detection(got, truth):
    want = truth["detection"]
    assert (got["alert_date"], got["alert_at"]) == (want["alert_date"], want["alert_at"])
    assert got["onset"] == want["alert_at"]
    assert (got["peak_date"], got["peak_negative"]) == (want["peak_date"], want["peak_negative"])


def planted_rating(got, truth):
    want = truth["rating"]
    assert got["trough"] == pytest.approx(want["trough"], abs=1e-3)
    assert 2.6 <= got["trough"] <= 3.0
    assert (got["trough_date"], got["recovered_date"]) == (want["trough_date"], want["recovered_date"])
    assert got["baseline"] == pytest.approx(want["baseline"], abs=1e-3)


def planted_sales(got, truth):
    want = truth["sales"]
    assert got["baseline_units_per_day"] == pytest.approx(want["baseline_units_per_day"], abs=1e-3)
    assert got["trough_index"] == pytest.approx(want["trough_index"], abs=1e-3)
    assert (got["recovered_100_date"], got["reached_target_date"]) == (
        want["recovered_100_date"], want["reached_target_date"])


def planted_response(got, truth):
    want = truth["response"]
    assert got["lanes"] == want["lanes"]
    assert got["first_response_at"] == want["first_response_at"]
    assert [got["lanes"][lane]["met"] for lane in ("cs", "pr", "tech")] == [True, True, False]
    assert got["golden_window_met"] is True


def planted_statement(got, truth):
    planted, found = truth["statement"]["commitments"], got["commitments"]
    assert len(found) == len(planted) == 3
    for commitment, want in zip(found, planted, strict=True):
        assert want["text"] in commitment["text"]
        assert (commitment["deadline_hours"], commitment["kept"]) == (
            want["deadline_hours"], want["kept"])


PLANTED = {"complaints": planted_complaints, "detection": planted_detection,
           "rating": planted_rating, "sales": planted_sales, "response": planted_response,
           "statement": planted_statement}


@pytest.mark.parametrize("block", list(PLANTED))
def test_summary_block_matches_what_the_generator_planted(block, summary, truth):
    """One block of summary.json against the generator's truth.json (one test per block)."""
    PLANTED[block](summary[block], truth)


def test_top_topic_of_the_crisis_is_quality(incident):
    analysis = run_analysis(incident)
    assert analysis.topic_drivers.iloc[0]["topic"] == "quality"
    assert set(analysis.representatives["topic"]) <= set(analysis.topic_drivers["topic"])


def test_as_of_cuts_the_evidence(incident):
    early = run_analysis(incident, as_of="2022-05-20").summary()
    assert early["rating"]["recovered_date"] is None
    assert early["sales"]["recovered_100_date"] is None
    assert early["detection"]["alert_date"] == "2022-05-02"


def test_summary_json_is_sorted_and_stable(incident, tmp_path):
    first = write_summary(run_analysis(incident), tmp_path / "a.json").read_bytes()
    second = write_summary(run_analysis(incident), tmp_path / "b.json").read_bytes()
    assert first == second
    assert list(json.loads(first)) == sorted(json.loads(first))


def test_a_store_with_stale_topics_gives_the_same_analysis(incident, tmp_path):
    """Topics come from the store while its taxonomy fingerprint is current; otherwise the
    analysis assigns them itself (topics.assign), with the same result."""
    import shutil

    from crisis_kit.config import load_incident
    from crisis_kit.store import open_store

    copy = tmp_path / "stale"
    shutil.copytree(incident.root, copy)
    with open_store(copy / "store.duckdb") as store:
        store.con.execute("UPDATE events SET topic = 'other'")
        store.con.execute("UPDATE meta SET value = 'stale' WHERE key = 'taxonomy'")
    stale = run_analysis(load_incident(copy / "incident.yaml"))
    fresh = run_analysis(incident)
    assert stale.summary() == fresh.summary()
    assert stale.representatives.equals(fresh.representatives)
    assert "text" not in fresh.events and fresh.representatives["text"].notna().all()


def test_replies_follow_the_sample_templates_as_planted(incident, truth):
    consistency = run_analysis(incident).replies
    planted = truth["replies"]
    assert len(consistency.templates) == planted["templates"]
    assert (consistency.total, consistency.following) == (planted["replies"],
                                                          planted["following_template"])
    assert consistency.summary()["contradicting"] == 0


def test_summary_carries_the_statement_review(incident, truth):
    analysis = run_analysis(incident)
    block = analysis.summary()["statement"]
    assert set(block) == {"star", "vague_terms", "commitments", "passed"}
    assert block["star"] == {"situation": True, "truth": True, "action": True, "result": True}
    assert block["vague_terms"] == truth["statement"]["vague_terms"]["en"]
    assert block["passed"] is False
    assert [(c["deadline_hours"], c["kept"]) for c in block["commitments"]] == [
        (72.0, True), (168.0, False), (344.25, True)]
    assert all(set(c) == {"text", "deadline_hours", "kept"} for c in block["commitments"])
    early = run_analysis(incident, as_of="2022-05-08").summary()["statement"]
    assert [c["kept"] for c in early["commitments"]] == [True, None, None]


def test_topic_coverage_is_the_share_of_negatives_with_a_topic(sample_analysis):
    negative = sample_analysis.events[sample_analysis.events["is_negative"]]
    by_hand = sum(str(t) != "other" for t in negative["topic"]) / len(negative)
    assert sample_analysis.summary()["complaints"]["topic_coverage"] == round(by_hand, 3)
    assert 0.9 < by_hand <= 1.0  # the sample's complaints are written in topic words
