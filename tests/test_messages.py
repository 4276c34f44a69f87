"""Buyer messages: read through crisis-kit's CSV or a help-desk mapping, measured as Amazon does.

The help-desk fixture (tests/fixtures/exports/helpdesk-tickets-mapped-pass.csv) is worked
out by hand in US Pacific time, the sample's onset being 2022-05-02 11:14:50 -07:00:

========  ==================  ==================  ======  =====================
ticket    received            first reply         hours   period
========  ==================  ==================  ======  =====================
T1        04-20 09:00         04-20 11:00         2       before the onset
T2        04-25 15:00         04-26 10:00         19      before
T3        04-28 08:00         04-30 08:00         48      before (late)
T4        05-02 11:30         05-02 13:00         1.5     since
T5        05-02 12:00         05-02 18:00         6       since
T6        05-03 09:00         05-04 12:00         27      since (late)
T7        05-03 10:00         -                   -       since (no answer)
T8        05-04 09:00         -                   -       "No response needed": left out
T9        05-05 08:00         05-05 10:30         2.5     since
T10       "yesterday"         -                   -       refused (no readable time)
T11       05-03 11:00         05-03 11:20         1/3     another ASIN: not this incident
========  ==================  ==================  ======  =====================
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from crisis_kit.analysis import messages as buyer_messages
from crisis_kit.config import load_incident
from crisis_kit.errors import ConfigError, CrisisKitError
from crisis_kit.ingest import FileSpec, ingest_file, ingest_incident, inspect_file
from crisis_kit.pipeline import run_analysis
from crisis_kit.store import open_store

from .conftest import FIXTURES, SAMPLES

EXPORTS = FIXTURES / "exports"
HELPDESK = EXPORTS / "helpdesk-tickets-mapped-pass.csv"
MAPPING = {"received_at": "Created at", "answered_at": "First reply at", "message_id": "Id",
           "order_id": "Order number", "asin": "Product", "status": "Status",
           "channel": "Channel"}
ONSET = pd.Timestamp("2022-05-02T11:14:50-07:00")


def test_crisis_kit_messages_csv_counts_and_reasons():
    report = inspect_file(EXPORTS / "messages-pass.csv")
    assert (report.format, report.table) == ("messages", "messages")
    assert (report.read, report.accepted, report.rejected, report.duplicates) == (7, 4, 2, 1)
    assert report.read == report.accepted + report.rejected + report.duplicates
    reasons = {r["row"]: (r["column"], r["reason"]) for r in report.rejections}
    assert reasons[5][0] == "received_at" and "no time of day" in reasons[5][1]
    assert reasons[6][0] == "answered_at" and "answered before it was received" in reasons[6][1]


def test_times_with_and_without_zone_and_no_response_needed():
    with open_store(":memory:") as store:
        ingest_file(store, FileSpec(EXPORTS / "messages-pass.csv", table="messages"))
        rows = store.messages().set_index("message_id")
    # m1 carries its zone (-07:00); m2 has none and is US Pacific local time (PDT = UTC-7)
    assert rows.at["msg:m1", "received_at"] == pd.Timestamp("2022-05-02 15:00")
    assert rows.at["msg:m2", "received_at"] == pd.Timestamp("2022-05-02 17:00")
    assert rows.at["msg:m2", "answered_at"] == pd.Timestamp("2022-05-03 19:00")
    assert pd.isna(rows.at["msg:m3", "answered_at"])
    # 18:00Z is 11:00 on 2 May in Los Angeles: its local day
    assert str(rows.at["msg:m3", "local_date"])[:10] == "2022-05-02"
    assert bool(rows.at["msg:m4", "no_response_needed"])
    assert not rows["no_response_needed"].drop("msg:m4").any()


def test_help_desk_export_through_a_mapping_keeps_no_buyer_name_or_email():
    with open_store(":memory:") as store:
        report = ingest_file(store, FileSpec(HELPDESK, table="messages", mapping=MAPPING))
        rows = store.messages()
        raw = " ".join(store.rejections()["raw"].astype(str))
        stored = rows.astype(str).to_string()
    assert (report.read, report.accepted, report.rejected, report.duplicates) == (11, 10, 1, 0)
    assert report.rejections[0]["row"] == 10 and report.rejections[0]["column"] == "Created at"
    # the refused row is kept as evidence, but only the columns the mapping reads
    assert "T10" in raw and "yesterday" in raw
    for personal in ("gu.kim@example.com", "Gu Kim", "Cannot open"):
        assert personal not in raw and personal not in stored
    assert set(rows["message_id"]) >= {"msg:T1", "msg:T9"}


def test_response_minutes_stand_for_the_answer_time(tmp_path):
    export = tmp_path / "tickets.csv"
    export.write_text("Ticket,Created,First reply time in minutes\n"
                      "A,2022-05-02T10:00:00-07:00,90\nB,2022-05-02T11:00:00-07:00,\n"
                      "C,2022-05-02T12:00:00-07:00,soon\n", encoding="utf-8")
    mapping = {"message_id": "Ticket", "received_at": "Created",
               "response_minutes": "First reply time in minutes"}
    with open_store(":memory:") as store:
        report = ingest_file(store, FileSpec(export, table="messages", mapping=mapping))
        rows = store.messages().set_index("message_id")
    assert rows.at["msg:A", "answered_at"] == pd.Timestamp("2022-05-02 18:30")
    assert pd.isna(rows.at["msg:B", "answered_at"])
    assert [(r["row"], r["column"]) for r in report.rejections] == [
        (3, "First reply time in minutes")]


def test_a_mapping_without_received_at_or_with_an_unknown_field_is_refused(tmp_path):
    with open_store(":memory:") as store:
        with pytest.raises(ConfigError, match="received_at"):
            ingest_file(store, FileSpec(HELPDESK, table="messages",
                                        mapping={"answered_at": "First reply at"}))
        with pytest.raises(ConfigError, match="unknown fields"):
            ingest_file(store, FileSpec(HELPDESK, table="messages",
                                        mapping={"received_at": "Created at",
                                                 "text": "Subject"}))


def test_a_messages_file_listed_under_complaints_is_sent_to_messages():
    with open_store(":memory:") as store, pytest.raises(CrisisKitError, match="messages"):
        ingest_file(store, FileSpec(EXPORTS / "messages-pass.csv", table="events"))


def frame(rows, tz="America/Los_Angeles"):
    """Message rows (local received, local answered or None, no-response-needed) as stored."""
    table = pd.DataFrame(rows, columns=["message_id", "received", "answered", "skip"])
    received = pd.to_datetime(table["received"]).dt.tz_localize(tz)
    answered = pd.to_datetime(table["answered"]).dt.tz_localize(tz)
    return pd.DataFrame({
        "message_id": table["message_id"],
        "received_at": received.dt.tz_convert("UTC").dt.tz_localize(None),
        "answered_at": answered.dt.tz_convert("UTC").dt.tz_localize(None),
        "local_date": received.dt.tz_localize(None).dt.normalize(),
        "no_response_needed": table["skip"]})


HAND = frame([
    ("T1", "2022-04-20 09:00", "2022-04-20 11:00", False),
    ("T2", "2022-04-25 15:00", "2022-04-26 10:00", False),
    ("T3", "2022-04-28 08:00", "2022-04-30 08:00", False),
    ("T4", "2022-05-02 11:30", "2022-05-02 13:00", False),
    ("T5", "2022-05-02 12:00", "2022-05-02 18:00", False),
    ("T6", "2022-05-03 09:00", "2022-05-04 12:00", False),
    ("T7", "2022-05-03 10:00", None, False),
    ("T8", "2022-05-04 09:00", None, True),
    ("T9", "2022-05-05 08:00", "2022-05-05 10:30", False),
])


def test_figures_since_and_before_the_onset_by_hand():
    result = buyer_messages.summarise(HAND, ONSET, 4, None, "America/Los_Angeles")
    # the cut is the latest time in the export: T9's answer, 05-05 10:30 PDT
    assert result.cut == pd.Timestamp("2022-05-05T17:30:00Z")
    since = result.period
    # T4..T9 received; T8 needs no answer; T7 is 48.5 h old at the cut, so due
    assert (since.received, since.counted, since.due, since.answered) == (6, 5, 5, 4)
    assert since.within_24h_share == pytest.approx(3 / 5)  # T4, T5, T9
    assert since.unanswered_share == pytest.approx(1 / 5)  # T7
    assert since.within_golden_hours_share == pytest.approx(2 / 5)  # T4 1.5 h, T9 2.5 h
    assert since.average_response_hours == pytest.approx((1.5 + 6 + 27 + 2.5) / 4)  # 9.25
    assert since.median_response_hours == pytest.approx((2.5 + 6) / 2)
    before = result.before
    assert (before.received, before.due, before.unanswered) == (3, 3, 0)
    assert before.within_24h_share == pytest.approx(2 / 3)  # T1 2 h, T2 19 h; T3 48 h late
    assert before.average_response_hours == pytest.approx((2 + 19 + 48) / 3)
    # first answer after 11:14:50: T4's at 13:00, 1 h 45 min 10 s later, within 4 h
    assert result.first_answer_hours == pytest.approx(1 + 45 / 60 + 10 / 3600)
    assert result.first_answer_met is True
    block = result.summary("America/Los_Angeles")
    assert block["answered_within_24h_share"] == 0.6 and block["unanswered_share"] == 0.2
    assert block["average_response_hours"] == 9.25
    assert block["first_answer_at"] == "2022-05-02T13:00:00-07:00"
    assert block["before_onset"]["answered_within_24h_share"] == 0.667


def test_figures_agree_with_an_independent_pandas_count():
    result = buyer_messages.summarise(HAND, ONSET, 4, None, "America/Los_Angeles").period
    local = HAND.assign(
        received=HAND["received_at"].dt.tz_localize("UTC"),
        answered=HAND["answered_at"].dt.tz_localize("UTC"))
    cut = local[["received", "answered"]].max().max()
    since = local[(local["received"] >= ONSET) & ~local["no_response_needed"]]
    hours = (since["answered"] - since["received"]) / pd.Timedelta(hours=1)
    age = (cut - since["received"]) / pd.Timedelta(hours=1)
    due = (hours <= 24) | (age >= 24)
    assert result.due == int(due.sum())
    assert result.within_24h_share == pytest.approx(((hours <= 24) & due).sum() / due.sum())
    assert result.unanswered_share == pytest.approx((hours.isna() & due).sum() / due.sum())
    assert result.average_response_hours == pytest.approx(hours.mean())


def test_as_of_cuts_answers_given_later_and_waits_for_messages_inside_24_hours():
    early = HAND[pd.to_datetime(HAND["local_date"]) <= "2022-05-03"]
    result = buyer_messages.summarise(early, ONSET, 4, pd.Timestamp("2022-05-03").date(),
                                      "America/Los_Angeles")
    # the cut is the end of 3 May (PDT); T6's answer (4 May) is not known yet, and T6
    # (15 h old) and T7 (14 h old) are still inside their 24 hours: not due yet
    assert result.cut == pd.Timestamp("2022-05-04T07:00:00Z")
    since = result.period
    assert (since.received, since.due, since.answered, since.unanswered) == (4, 2, 2, 0)
    assert since.within_24h_share == 1.0
    assert since.average_response_hours == pytest.approx((1.5 + 6) / 2)


def test_no_messages_gives_none_and_a_no_answer_export_gives_no_hours():
    assert buyer_messages.summarise(HAND.iloc[:0], ONSET, 4, None, "UTC") is None
    silent = frame([("X", "2022-05-02 12:00", None, False), ("Y", "2022-05-04 12:00", None,
                                                                False)])
    result = buyer_messages.summarise(silent, ONSET, 4, None, "America/Los_Angeles")
    # the cut is Y's arrival: X is 48 h old (due, unanswered), Y is 0 h old (not due)
    assert (result.period.due, result.period.unanswered_share) == (1, 1.0)
    assert result.period.average_response_hours is None and result.first_answer_at is None


@pytest.fixture(scope="module")
def with_messages(tmp_path_factory):
    """The sample incident with the help-desk export listed under ``messages``."""
    root = tmp_path_factory.mktemp("messages") / "samples"
    shutil.copytree(SAMPLES, root, ignore=shutil.ignore_patterns("store.duckdb*"))
    shutil.copy(HELPDESK, root / "exports" / "helpdesk.csv")
    mapping = ", ".join(f"{k}: {v}" for k, v in MAPPING.items())
    with (root / "incident.yaml").open("a", encoding="utf-8") as handle:
        handle.write(f"messages:\n  - path: exports/helpdesk.csv\n    mapping: {{{mapping}}}\n")
    incident = load_incident(root / "incident.yaml")
    ingest_incident(incident)
    return incident


def test_summary_json_carries_the_messages_beside_the_lanes(with_messages, sample_analysis):
    summary = run_analysis(with_messages).summary()
    block = summary["response"]["messages"]
    # T11 is about another ASIN of the shop: not this incident's
    assert (block["received"], block["due"], block["answered"]) == (6, 5, 4)
    assert block["answered_within_24h_share"] == 0.6
    assert block["unanswered_share"] == 0.2
    assert block["within_golden_hours_share"] == 0.4
    assert block["average_response_hours"] == 9.25 and block["median_response_hours"] == 4.25
    assert block["first_answer_hours"] == 1.753 and block["first_answer_met"] is True
    assert block["before_onset"]["received"] == 3
    # everything else is the sample's own summary, unchanged
    plain = sample_analysis.summary()
    assert plain["response"]["messages"] is None
    summary["response"].pop("messages")
    plain["response"].pop("messages")
    assert summary == plain


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_response_section_shows_the_messages(with_messages, lang):
    from crisis_kit.report.sections import build

    report = build(Path(with_messages.root) / "incident.yaml", lang=lang)
    html = report.response_lanes().html
    title = {"en": "Buyer messages", "zh": "买家消息"}[lang]
    assert title in html
    assert "60.0%" in html and "20.0%" in html  # within 24 h, no answer, since the onset
    assert "66.7%" in html  # within 24 h in the 28 days before
    assert "9 h 15 min" in html or "9 小时 15 分" in html  # the average since the onset
    assert "90%" in html  # below Amazon's target, said
    assert "example.com" not in html and "<b>again" not in html


def test_one_help_desk_export_read_as_complaint_events_and_as_messages():
    """Listed under `complaints` (its words as events of source message) and under
    `messages` (its times): two readings of one file, each counted on its own."""
    with open_store(":memory:") as store:
        events = ingest_file(store, FileSpec(HELPDESK, table="events", source="message",
                                             mapping={"occurred_at": "Created at",
                                                      "text": "Subject", "asin": "Product",
                                                      "order_id": "Order number"}))
        timed = ingest_file(store, FileSpec(HELPDESK, table="messages", mapping=MAPPING))
        again = ingest_file(store, FileSpec(HELPDESK, table="messages", mapping=MAPPING))
        assert (events.table, timed.table) == ("events", "messages")
        assert (timed.read, timed.accepted, timed.rejected) == (11, 10, 1)
        assert (again.accepted, again.duplicates) == (0, 10)
        assert len(store.messages()) == 10
        assert set(store.events()["source"]) == {"message"}


def test_a_store_made_before_the_new_tables_reads_them_as_empty(tmp_path):
    path = tmp_path / "store.duckdb"
    with open_store(path) as store:
        store.con.execute("DROP TABLE messages")
        store.con.execute("DROP TABLE feedback_topics")
    with open_store(path, read_only=True) as store:
        assert store.messages().empty and "received_at" in store.messages().columns
        assert store.feedback_topics().empty
    with open_store(path) as store:  # opened for writing: the tables are made
        assert store.messages().empty
        assert store.con.execute("SELECT count(*) FROM feedback_topics").fetchone()[0] == 0
