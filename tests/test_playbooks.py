"""Playbooks, ``crisis-kit new``, ``playbooks`` and the incident archive (``compare``)."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest

from crisis_kit.cli import main
from crisis_kit.config import load_incident
from crisis_kit.ingest import incident_files
from crisis_kit.ingest.normalise import LANES
from crisis_kit.pipeline import run_analysis
from crisis_kit.playbooks.playbook import (
    CHECKLIST_LANES,
    list_playbooks,
    playbook_names,
    review_table,
)
from crisis_kit.playbooks.scaffold import ACTIONS_HEADER, create_incident
from crisis_kit.report import workspace as archive
from crisis_kit.statements import lint_file

from .conftest import SAMPLES

SCENARIOS = ["allergy-contamination", "listing-error", "logistics", "product-defect", "safety"]
CASES = [(s, lang) for s in SCENARIOS for lang in ("en", "zh")]


def _drop_sample_exports(folder):
    shutil.copytree(SAMPLES / "exports", folder / "exports", dirs_exist_ok=True)
    shutil.copy(SAMPLES / "response_log.csv", folder / "response_log.csv")


def test_every_scenario_is_shipped_and_valid():
    assert playbook_names() == SCENARIOS
    for playbook in list_playbooks():
        for lang in ("en", "zh"):
            lanes = {item.lane for item in playbook.text(lang).checklist}
            # The checklist's lanes are lanes the actions log and the response timeline know.
            assert lanes <= set(LANES) and set(CHECKLIST_LANES) <= lanes
            assert all(item.within_hours <= 4 for item in playbook.text(lang).checklist)
        assert all(r.unit_cost >= 0 and r.cost_basis for r in playbook.remedies)


@pytest.mark.parametrize("scenario,lang", CASES)
def test_new_incident_loads_lints_and_finds_dropped_exports(tmp_path, scenario, lang,
                                                            sample_incident):
    folder = create_incident(tmp_path, "bottle-2", scenario, language=lang, marketplace="US")
    incident = load_incident(folder / "incident.yaml")
    assert (incident.incident, incident.language) == ("bottle-2", lang)
    assert incident.playbook == scenario  # the monitor's messages quote its first steps
    assert incident.notifications.digest == "daily" and incident.report_url is None
    assert incident.thresholds == {p.name: p for p in list_playbooks()}[scenario].thresholds
    assert (folder / "response_log.csv").read_text(encoding="utf-8") == ACTIONS_HEADER + "\n"
    assert {p.name for p in folder.iterdir()} >= {"exports", "statement.md", "replies.md",
                                                  "checklist.md", "poa.md"}
    review = lint_file(folder / "statement.md", lang)
    assert [(p.part, p.found, p.how) for p in review.star] == [
        (part, True, "heading") for part in ("situation", "truth", "action", "result")]

    _drop_sample_exports(folder)
    assert len(incident_files(incident)) == len(incident_files(sample_incident))
    # Ingest is the same for every scenario (the export entries do not depend on it), so
    # the analysis runs here on the sample's ingested store; the full ingest is below.
    shutil.copy(sample_incident.store_path, incident.store_path)
    analysis = run_analysis(incident)
    summary = analysis.summary()
    assert summary["incident"] == "bottle-2" and summary["complaints"]["total"] > 0
    # the playbook's reply templates are the incident's: the sample's replies are held to them
    assert incident.reply_templates == "replies.md"
    assert len(analysis.replies.templates) >= 2 and analysis.replies.total == 31
    assert summary["statement"]["star"] == dict.fromkeys(
        ("situation", "truth", "action", "result"), True)


def test_new_safety_zh_ingests_and_compares_with_the_sample(tmp_path, sample_incident, capsys):
    workspace = tmp_path / "ws"
    shutil.copytree(sample_incident.root, workspace / "samples")
    assert main(["new", "bottle-2", "--scenario", "safety", "--lang", "zh",
                 "--workspace", str(workspace)]) == 0
    assert "next:" in capsys.readouterr().out
    folder = workspace / "bottle-2"
    _drop_sample_exports(folder)
    assert main(["ingest", str(folder / "incident.yaml"), "--quiet"]) == 0
    incident = load_incident(folder / "incident.yaml")
    ours = run_analysis(incident).summary()
    theirs = run_analysis(load_incident(workspace / "samples" / "incident.yaml")).summary()

    table = archive.comparison_for(incident)
    assert set(table["incident"]) == {"bottle-2", "bottle-valve-2022"}
    for summary in (ours, theirs):
        row = table.set_index("incident").loc[summary["incident"]]
        assert row["source"] == "analysis"
        assert row["trough_rating"] == summary["rating"]["trough"]
        assert row["first_response_hours"] == summary["response"]["first_response_hours"]
        assert row["cs_hours"] == summary["response"]["lanes"]["cs"]["hours"]
        onset = dt.date.fromisoformat(summary["detection"]["onset"][:10])
        recovered = dt.date.fromisoformat(summary["sales"]["recovered_100_date"])
        assert row["days_to_sales_100"] == (recovered - onset).days
    assert table.set_index("incident").loc["bottle-2", "current"]
    sample = table.set_index("incident").loc["bottle-valve-2022"]
    assert (sample["alert_lead_days"], sample["statement_score"]) == (3, 70)

    assert main(["compare", "--workspace", str(workspace)]) == 0
    out = capsys.readouterr().out
    assert "bottle-valve-2022" in out and "bottle-2" in out and "2.816" in out


def test_compare_falls_back_to_the_latest_summary_json(tmp_path, sample_incident):
    folder = tmp_path / "old"
    shutil.copytree(sample_incident.root, folder, ignore=shutil.ignore_patterns("store.duckdb*"))
    summary = run_analysis(sample_incident).summary()
    (folder / "reports").mkdir()
    (folder / "reports" / "bottle-valve-2022.summary.json").write_text(json.dumps(summary))
    row = archive.compare(archive.find_incidents(tmp_path)).iloc[0]
    assert row["source"] == "summary.json" and row["trough_rating"] == summary["rating"]["trough"]
    assert row["statement_score"] == 70 and row["alert_lead_days"] is None


def test_new_refuses_to_overwrite(tmp_path, capsys):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("keep me")
    assert main(["new", "taken", "--scenario", "logistics", "--workspace", str(tmp_path)]) == 1
    assert "exists already" in capsys.readouterr().err
    assert [p.name for p in (tmp_path / "taken").iterdir()] == ["notes.txt"]


def test_unknown_scenario_names_the_valid_ones(tmp_path, capsys):
    assert main(["new", "x", "--scenario", "safty", "--workspace", str(tmp_path)]) == 1
    assert "did you mean 'safety'" in capsys.readouterr().err


def test_playbooks_flag_reviews_older_than_90_days(capsys):
    playbooks = list_playbooks()
    first, last = min(p.reviewed for p in playbooks), max(p.reviewed for p in playbooks)
    fresh = review_table(playbooks, first + dt.timedelta(days=90))
    stale = review_table(playbooks, last + dt.timedelta(days=91))
    assert not fresh["review_due"].any() and stale["review_due"].all()
    assert (stale["age_days"] == [(last + dt.timedelta(days=91) - p.reviewed).days
                                  for p in playbooks]).all()
    assert main(["playbooks", "--as-of", (last + dt.timedelta(days=91)).isoformat()]) == 0
    assert capsys.readouterr().out.count("REVIEW DUE") == len(SCENARIOS)
