"""The POA's follow-through: followups.csv read, overdue measures, measured effects, report,
`crisis-kit new` and the monitor."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re

import pandas as pd
import pytest

from crisis_kit.errors import InputError
from crisis_kit.language import load_strings
from crisis_kit.monitor import check
from crisis_kit.playbooks.playbook import load_playbook, playbook_names
from crisis_kit.playbooks.scaffold import create_incident, poa_measures
from crisis_kit.poa.followups import HEADER, overdue, read_followups
from crisis_kit.report import sections
from crisis_kit.store import open_store

from .conftest import FIXTURES, SAMPLES

FOLLOWUPS = FIXTURES / "followups"
LAST_DAY = dt.date(2022, 8, 31)  # the sample's last day of data


def test_sample_followups_are_read_as_written():
    table = read_followups(SAMPLES / "followups.csv")
    assert table["status"].tolist() == ["done", "in-progress", "done", "open"]
    assert table["kind"].tolist() == ["corrective", "preventive", "preventive", "preventive"]
    assert table["topic"].tolist() == ["quality", "quality", None, "usability"]
    assert table["due"].tolist() == [dt.date(2022, 5, 16), dt.date(2022, 6, 15),
                                     dt.date(2022, 5, 9), dt.date(2022, 9, 30)]
    assert table["effective"].tolist() == [dt.date(2022, 5, 16), None, dt.date(2022, 5, 9), None]
    assert table["line"].tolist() == [2, 3, 4, 5]
    # a measure's comma survives the CSV quoting
    assert table.loc[1, "measure"].endswith("every batch, 200 units, tolerance 0.05 mm")


def test_chinese_headers_and_statuses_in_gb18030_tab_separated_pass():
    table = read_followups(FOLLOWUPS / "zh-gb18030-tab-pass.txt")
    assert table["measure"].tolist() == ["更换阀门批次", "每批来料检验"]
    assert table["status"].tolist() == ["done", "in-progress"]
    assert table["kind"].tolist() == ["corrective", "preventive"]
    assert table["owner"].tolist() == ["质检", "质检主管"]


def test_every_bad_cell_is_named_with_its_line_and_column_at_once():
    with pytest.raises(InputError) as caught:
        read_followups(FOLLOWUPS / "bad-cells-fail.csv")
    message = caught.value.message
    assert "6 problem(s)" in message and "bad-cells-fail.csv" in message
    for place in ("line 2, column 'status': 'maybe' is not one of open, in-progress, done, "
                  "cancelled", "line 3, column 'measure'", "line 3, column 'due': '2022/06/15'",
                  "line 4, column 'topic': 'valves' is not a topic",
                  "line 5, column 'kind': 'remedial'", "line 5, column 'effective'"):
        assert place in message
    assert "YYYY-MM-DD" in message


def test_an_unknown_column_is_refused_with_the_header_to_use():
    with pytest.raises(InputError) as caught:
        read_followups(FOLLOWUPS / "unknown-column-fail.csv")
    assert "'priority'" in caught.value.message and HEADER in caught.value.message
    assert caught.value.where.endswith("unknown-column-fail.csv, line 1")


def test_a_notes_column_and_blank_lines_are_accepted(tmp_path):
    path = tmp_path / "followups.csv"
    path.write_text("measure,status,due,Notes\nAudit supplier,Completed,2022-06-01,call Li\n,,,\n",
                    encoding="utf-8")
    table = read_followups(path)
    assert len(table) == 1 and table.loc[0, "status"] == "done"


@pytest.mark.parametrize("status,due,day,late", [
    ("open", "2022-06-15", "2022-06-16", True),
    ("in-progress", "2022-06-15", "2022-08-31", True),
    ("open", "2022-06-15", "2022-06-15", False),   # due today is not late yet
    ("done", "2022-06-15", "2022-08-31", False),
    ("cancelled", "2022-06-15", "2022-08-31", False),
    ("open", None, "2022-08-31", False),           # no due day: never overdue
])
def test_overdue_means_not_done_and_due_before_the_day(status, due, day, late):
    table = pd.DataFrame({"status": [status],
                          "due": [dt.date.fromisoformat(due) if due else None]})
    assert overdue(table, day).tolist() == [late]


@pytest.fixture(scope="module")
def followups(sample_analysis):
    return sample_analysis.followups


def test_overdue_follow_ups_come_first(followups):
    assert followups["overdue"].tolist() == [True, False, False, False]
    first = followups.iloc[0]
    assert first["measure"].startswith("Incoming inspection")
    assert first["days_overdue"] == (LAST_DAY - dt.date(2022, 6, 15)).days == 77
    assert followups["status"].tolist() == ["in-progress", "open", "done", "done"]
    assert followups["measured"].tolist() == ["not_done", "not_done", "no_topic", "yes"]


def test_done_measure_effect_is_the_count_by_hand(followups, sample_analysis, sample_incident):
    """Quality complaints per 100 orders the 14 days before 2022-05-16 and from that day on,
    counted with plain pandas from the store's events and orders."""
    row = followups[followups["measured"] == "yes"].iloc[0]
    events = sample_analysis.events
    with open_store(sample_incident.store_path, read_only=True) as store:
        orders = store.table("orders")
    shipped = orders[orders["status"].str.lower().str.startswith("shipped")
                     & (orders["asin"] == "B0SAMPLE01")]

    def count(start: str, end: str) -> tuple[int, int]:
        inside = events["local_date"].between(pd.Timestamp(start), pd.Timestamp(end))
        complaints = int((inside & events["is_negative"] & (events["topic"] == "quality")).sum())
        days = pd.to_datetime(shipped["local_date"]).between(pd.Timestamp(start), pd.Timestamp(end))
        return complaints, shipped.loc[days, "order_id"].nunique()

    # before: 14 days clipped to the onset day (2022-05-02); after: the day it took effect on
    before, after = count("2022-05-02", "2022-05-15"), count("2022-05-16", "2022-05-29")
    assert (row["before_start"], row["before_end"]) == (dt.date(2022, 5, 2), dt.date(2022, 5, 15))
    assert (row["after_start"], row["after_end"]) == (dt.date(2022, 5, 16), dt.date(2022, 5, 29))
    assert (row["before_complaints"], row["before_orders"]) == before == (306, 262)
    assert (row["after_complaints"], row["after_orders"]) == after == (19, 217)
    assert row["before_per_100"] == pytest.approx(100 * 306 / 262)
    assert row["after_per_100"] == pytest.approx(100 * 19 / 217)
    assert row["change_pct"] == pytest.approx(100 * (19 / 217 - 306 / 262) / (306 / 262))


def test_summary_counts_the_follow_ups(sample_analysis):
    block = sample_analysis.summary()["followups"]
    assert {k: block[k] for k in ("total", "overdue", "done", "measured")} == {
        "total": 4, "overdue": 1, "done": 2, "measured": 1}
    assert block["overdue_items"] == [{
        "measure": "Incoming inspection of the valve slit on every batch, 200 units, "
                   "tolerance 0.05 mm", "owner": "qa-lead", "due": "2022-06-15",
        "days_overdue": 77}]


def test_no_followups_file_gives_an_empty_table_and_zero_counts(sample_incident):
    from crisis_kit.pipeline import run_analysis

    analysis = run_analysis(sample_incident.model_copy(update={"followups": None}),
                            as_of="2022-05-10")
    assert analysis.followups.empty
    assert analysis.summary()["followups"]["total"] == 0


def _visible(fragment_html: str) -> str:
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment_html))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_lists_overdue_first_and_shows_the_measured_effect(sample_incident, lang):
    report = sections.build(sample_incident.root / "incident.yaml", lang)
    s = load_strings(lang)
    fragment = report.followups()
    text = " ".join(_visible(fragment.html).split())
    overdue_cell = s.text("followups.statuses.overdue", days="77")
    assert overdue_cell in text
    # in the table (after its header's last column): overdue before open, open before done
    rows = text[text.index(s.text("followups.effect")):]
    assert rows.index(overdue_cell) < rows.index(s.text("followups.statuses.open")) \
        < rows.index(s.text("followups.statuses.done"))
    assert s.text("followups.effect_value", before="116.8", after="8.8", change="-92.5%") in text
    assert s.text("followups.complaints_orders", complaints="306", orders="262") in text
    assert s.text("followups.reasons.no_topic") in text
    assert re.search(r'class="ck-note ck-warning">\s*<p>[^<]*Incoming inspection', fragment.html)
    assert s.text("sections.followups") == report.heading("followups", 3).text


def test_report_says_how_to_start_without_a_followups_file(sample_incident, tmp_path):
    import shutil

    root = tmp_path / "samples"
    shutil.copytree(sample_incident.root, root)
    text = (root / "incident.yaml").read_text(encoding="utf-8")
    (root / "incident.yaml").write_text(text.replace("followups: followups.csv\n", ""),
                                        encoding="utf-8")
    fragment = sections.build(root / "incident.yaml", "en").followups()
    assert "crisis-kit new" in _visible(fragment.html)


@pytest.mark.parametrize("scenario", playbook_names())
def test_new_writes_followups_from_the_poa_skeleton(tmp_path, scenario):
    for lang in ("en", "zh"):
        folder = create_incident(tmp_path / lang, "case-1", scenario, language=lang)
        table = read_followups(folder / "followups.csv")
        measures = poa_measures(load_playbook(scenario).text(lang).poa)
        assert list(zip(table["kind"], table["measure"], strict=True)) == measures
        assert {"corrective", "preventive"} <= set(table["kind"])
        assert set(table["status"]) == {"open"} and table["due"].isna().all()
        assert "followups: followups.csv" in (folder / "incident.yaml").read_text(encoding="utf-8")


def test_monitor_warns_on_overdue_follow_ups(sample_incident):
    state = check(sample_incident, "2022-07-01")
    assert [f["due"] for f in state.overdue_followups] == ["2022-06-15"]
    assert state.overdue_followups[0]["days_overdue"] == 16
    assert "WARNING 1 follow-up(s) overdue: Incoming inspection" in state.message
    assert "qa-lead, due 2022-06-15, 16 days late" in state.message
    assert state.as_json()["overdue_followups"][0]["owner"] == "qa-lead"
    early = check(sample_incident, "2022-06-15")  # due that day: not late yet
    assert early.overdue_followups == () and "WARNING" not in early.message


def test_monitor_still_judges_the_alert_when_the_followups_file_is_bad(sample_incident):
    bad = sample_incident.model_copy(update={"followups": str(FOLLOWUPS / "bad-cells-fail.csv")})
    state = check(bad, "2022-05-03")
    assert state.status == "alert"
    assert state.followups_problem and "line 2, column 'status'" in state.followups_problem
    assert "the follow-ups file cannot be read" in state.message


@pytest.mark.parametrize("lang,expected", [
    ("en", "1 POA follow-up(s) overdue: Incoming inspection of the valve slit on every batch, "
           "200 units, tolerance 0.05 mm (qa-lead, due 2022-06-15, 16 days late)."),
    ("zh", "1 项 POA 跟进措施已逾期：Incoming inspection of the valve slit on every batch, "
           "200 units, tolerance 0.05 mm（qa-lead，截止 2022年6月15日，逾期 16 天）。"),
])
def test_chat_messages_name_the_overdue_follow_ups(sample_incident, lang, expected):
    from crisis_kit.monitor.notice import compose

    incident = sample_incident.model_copy(update={"language": lang})
    message = compose(check(incident, "2022-07-01"), incident, "digest")
    assert expected in message.what
    calm = compose(check(incident, "2022-06-15"), incident, "digest")
    assert not any("POA" in line for line in calm.what)  # due that day: not late yet


def test_evidence_appendix_names_the_followups_file_with_its_hash(sample_incident):
    import hashlib

    report = sections.build(sample_incident.root / "incident.yaml", "en")
    path = sample_incident.root / "followups.csv"
    text = report.evidence_files().text
    assert hashlib.sha256(path.read_bytes()).hexdigest() in text and "4 measures" in text
