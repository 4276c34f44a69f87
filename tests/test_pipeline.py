"""run_analysis on the sample incident: summary.json has design.md section 9's shape and the
generator's truth."""

from __future__ import annotations

import json

import pytest

from crisis_kit.pipeline import run_analysis, write_summary

from .conftest import SAMPLES

SECTION_9 = {
    "incident": None,
    "complaints": {"total", "negative", "by_source", "by_topic"},
    "detection": {"alert_date", "alert_at", "onset", "peak_date", "peak_negative",
                  "statistical_alert_date"},
    "rating": {"window_days", "baseline", "trough", "trough_date", "latest", "target",
               "recovered_date", "five_star_reviews_to_target", "forecast_target_date"},
    "response": {"first_response_at", "first_response_hours", "golden_window_met", "lanes"},
    "sales": {"baseline_units_per_day", "trough_index", "latest_index", "recovered_100_date",
              "reached_target_date"},
    "statement": {"star", "vague_terms", "commitments", "passed"},
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


def test_summary_matches_what_the_generator_planted(summary, truth):
    complaints, detection = summary["complaints"], summary["detection"]
    assert complaints["total"] == truth["complaints"]["total"]
    assert complaints["negative"] == truth["complaints"]["negative"]
    assert complaints["by_source"] == truth["complaints"]["by_source"]
    assert detection["alert_date"] == truth["detection"]["alert_date"]
    assert detection["alert_at"] == truth["detection"]["alert_at"]
    assert detection["onset"] == truth["detection"]["alert_at"]
    assert (detection["peak_date"], detection["peak_negative"]) == (
        truth["detection"]["peak_date"], truth["detection"]["peak_negative"])
    rating = summary["rating"]
    assert rating["trough"] == pytest.approx(truth["rating"]["trough"], abs=1e-3)
    assert 2.6 <= rating["trough"] <= 3.0
    assert rating["trough_date"] == truth["rating"]["trough_date"]
    assert rating["recovered_date"] == truth["rating"]["recovered_date"]
    assert rating["baseline"] == pytest.approx(truth["rating"]["baseline"], abs=1e-3)
    sales = summary["sales"]
    assert sales["baseline_units_per_day"] == pytest.approx(truth["sales"]["baseline_units_per_day"],
                                                            abs=1e-3)
    assert sales["trough_index"] == pytest.approx(truth["sales"]["trough_index"], abs=1e-3)
    assert sales["recovered_100_date"] == truth["sales"]["recovered_100_date"]
    assert sales["reached_target_date"] == truth["sales"]["reached_target_date"]
    lanes = summary["response"]["lanes"]
    assert lanes == truth["response"]["lanes"]
    assert summary["response"]["first_response_at"] == truth["response"]["first_response_at"]
    assert [lanes[lane]["met"] for lane in ("cs", "pr", "tech")] == [True, True, False]
    assert summary["response"]["golden_window_met"] is True
    planted = truth["statement"]["commitments"]
    found = summary["statement"]["commitments"]
    assert len(found) == len(planted) == 3
    for got, want in zip(found, planted, strict=True):
        assert want["text"] in got["text"]
        assert (got["deadline_hours"], got["kept"]) == (want["deadline_hours"], want["kept"])


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
