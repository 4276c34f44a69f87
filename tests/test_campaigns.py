"""The repair campaign: outreach counts in the actions log, reach and conversion, the report
section and the marks on the sales and rating charts."""

from __future__ import annotations

import datetime as dt
import hashlib
import html as html_lib
import json
import re

import numpy as np
import pandas as pd
import pytest

from crisis_kit.analysis.campaigns import CAMPAIGN_COLUMNS, campaigns
from crisis_kit.errors import InputError
from crisis_kit.ingest import FileSpec, ingest_file
from crisis_kit.language import load_strings
from crisis_kit.report import sections
from crisis_kit.store import open_store

from .conftest import FIXTURES, SAMPLES

EXPORTS = FIXTURES / "exports"
UTC = dt.UTC


def _ingest(store_path, path):
    with open_store(store_path) as store:
        return ingest_file(store, FileSpec(path))


def test_outreach_counts_are_read_with_the_action(tmp_path):
    report = _ingest(tmp_path / "s.duckdb", EXPORTS / "actions-campaigns-pass.csv")
    assert (report.read, report.accepted, report.rejected, report.duplicates) == (3, 3, 0, 0)
    with open_store(tmp_path / "s.duckdb", read_only=True) as store:
        actions = store.actions().set_index("source_row")
    email = actions.loc[1]
    assert (email["audience"], email["sent"], email["opened"], email["clicked"],
            email["replied"], email["redeemed"]) == ("affected buyers", 1204, 560, 181, 9, 205)
    post = actions.loc[2]
    assert post["sent"] == 5000 and pd.isna(post["opened"]) and pd.isna(post["redeemed"])
    plain = actions.loc[3]
    assert pd.isna(plain["audience"]) and pd.isna(plain["sent"])
    # a plain action keeps the id it had before the campaign columns existed
    at = "2022-06-04T16:00:00"  # 09:00-07:00 in UTC
    old_id = hashlib.md5("\x1f".join([at, "tech", "New valve in stock", "factory", "Chen",
                                      "INB-2"]).encode()).hexdigest()
    assert plain["action_id"] == old_id


def test_a_count_that_is_not_a_whole_number_refuses_the_log_line_by_line(tmp_path):
    with pytest.raises(InputError) as caught:
        _ingest(tmp_path / "s.duckdb", EXPORTS / "actions-bad-count-fail.csv")
    message = caught.value.message
    assert "line 2, column 'clicked'" in message and "about 180" in message
    assert "line 3, column 'sent'" in message and "-5" in message
    assert "whole number >= 0" in message


def test_grown_counts_add_a_new_version_and_the_latest_is_read(tmp_path):
    log = tmp_path / "response_log.csv"
    header = "at,lane,action,channel,owner,ref,audience,sent,opened,clicked,replied,redeemed\n"
    plain = "2022-06-04T09:00:00-07:00,tech,New valve in stock,factory,Chen,INB-2,,,,,,\n"
    email = "2022-06-01T10:00:00-07:00,marketing,E-mail with coupon,email,Dana,CPN-1,buyers,486,{},,,{}\n"
    log.write_text(header + email.format(120, 20) + plain, encoding="utf-8")
    _ingest(tmp_path / "s.duckdb", log)
    log.write_text(header + email.format(231, 83) + plain, encoding="utf-8")
    second = _ingest(tmp_path / "s.duckdb", log)
    assert (second.read, second.accepted, second.duplicates) == (2, 1, 1)
    with open_store(tmp_path / "s.duckdb", read_only=True) as store:
        stored = store.con.execute("SELECT count(*) FROM actions").fetchone()[0]
        read = store.actions()
    assert stored == 3 and len(read) == 2  # both versions kept as evidence, the latest read
    latest = read[read["lane"] == "marketing"].iloc[0]
    assert (latest["opened"], latest["redeemed"]) == (231, 83)


def test_reach_and_rates_are_counts_over_the_reach():
    at = pd.to_datetime(["2022-06-01T17:00:00Z", "2022-06-04T01:00:00Z", "2022-06-05T01:00:00Z",
                         "2022-06-06T01:00:00Z"], utc=True)
    actions = pd.DataFrame({
        "at": at, "lane": ["marketing", "marketing", "tech", "marketing"],
        "action": ["E-mail", "Post", "Valve", "Store page"],
        "channel": ["email", "community", "factory", "store page"],
        "owner": None, "ref": ["COUPON-20", None, None, None],
        "audience": ["buyers", "members", None, None],
        "sent": pd.array([400, 0, None, None], dtype="Int64"),
        "opened": pd.array([200, 10, None, None], dtype="Int64"),
        "clicked": pd.array([None, None, None, None], dtype="Int64"),
        "replied": pd.array([None, None, None, None], dtype="Int64"),
        "redeemed": pd.array([68, 3, None, 12], dtype="Int64"),
    })
    sales_daily = pd.DataFrame({"local_date": pd.to_datetime(["2022-06-01", "2022-06-03"]),
                                "sales_index": [0.5, 0.6]})
    table = campaigns(actions, "America/Los_Angeles", sales_daily)
    assert list(table.columns) == CAMPAIGN_COLUMNS
    assert table["action"].tolist() == ["E-mail", "Post", "Store page"]  # not the plain action
    assert table["number"].tolist() == [1, 2, 3]
    # 2022-06-04T01:00Z is the evening of 2022-06-03 in Los Angeles
    assert table["local_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2022-06-01", "2022-06-03", "2022-06-05"]
    assert table.loc[0, "open_rate"] == 0.5 and table.loc[0, "conversion"] == 68 / 400
    assert np.isnan(table.loc[0, "click_rate"])       # no clicked count
    assert np.isnan(table.loc[1, "conversion"])       # a reach of 0
    assert np.isnan(table.loc[2, "conversion"])       # no reach
    assert table["coupon"].tolist() == [True, False, False]
    assert table["sales_index"].tolist()[:2] == [0.5, 0.6] and np.isnan(table.loc[2, "sales_index"])


def test_a_store_without_the_campaign_columns_has_no_campaign():
    actions = pd.DataFrame({"at": pd.to_datetime(["2022-06-01T17:00:00Z"], utc=True),
                            "lane": ["marketing"], "action": ["ads"]})
    assert campaigns(actions, "UTC").empty


def test_sample_campaigns_are_what_the_generator_planted(sample_analysis):
    truth = json.loads((SAMPLES / "truth.json").read_text())["campaigns"]
    table = sample_analysis.campaigns
    assert [(r.action, r.channel, int(r.sent), int(r.redeemed)) for r in table.itertuples()] == [
        (t["action"], t["channel"], t["sent"], t["redeemed"]) for t in truth]
    assert [round(c, 3) for c in table["conversion"]] == [t["conversion"] for t in truth]
    assert table.loc[0, "conversion"] == pytest.approx(83 / 486)  # the playbook's 17 %
    # the sales index and the displayed rating of the campaign's day, from the analysis
    daily = sample_analysis.sales.daily.set_index("local_date")["sales_index"]
    rating = sample_analysis.rating.trajectory.set_index("local_date")["rating"]
    for row in table.itertuples():
        assert row.sales_index == daily[row.local_date] and row.rating == rating[row.local_date]
    block = sample_analysis.summary()["campaigns"]
    assert block["count"] == 2 and block["items"][0] == {
        "at": "2022-06-01T10:00:00-07:00", "action": truth[0]["action"], "channel": "email",
        "sent": 486, "redeemed": 83, "conversion": 0.171}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_shows_reach_and_conversion_and_marks_the_charts(sample_incident, lang):
    report = sections.build(sample_incident.root / "incident.yaml", lang)
    s = load_strings(lang)
    fragment = report.campaigns()
    text = " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment.html)).split())
    assert s.text("campaigns.share", count="231", share="47.5%") in text
    assert s.text("campaigns.benchmark", action=report.analysis.campaigns.loc[0, "action"],
                  conversion="17.1%", redeemed="83", reach="486",
                  verdict=s.text("campaigns.above"), benchmark="17%") in text
    assert "5,000" in text and "0.8%" in text
    # the community post names no coupon: it is not held to the coupon benchmark
    assert text.count(s.text("campaigns.above")) + text.count(s.text("campaigns.below")) == 1
    keys = [s.text("campaigns.key", number=n) for n in (1, 2)]
    table = report.analysis.campaigns
    for figure, column in (("sales_recovery", "sales_index"), ("rating_trajectory", "rating")):
        marks = [t for t in report.figures[figure].data
                 if t.name == s.text("figures.campaigns")]
        assert len(marks) == 1, figure
        assert list(marks[0].text) == keys
        assert list(marks[0].x) == ["2022-06-01", "2022-06-03"]
        assert list(marks[0].y) == pytest.approx(table[column].tolist())


def test_report_says_how_to_log_a_campaign_when_there_is_none(sample_incident):
    from dataclasses import replace

    report = sections.build(sample_incident.root / "incident.yaml", "en")
    bare = replace(report, analysis=replace(report.analysis,
                                            campaigns=report.analysis.campaigns.iloc[0:0]))
    assert "audience, sent, opened" in bare.campaigns().text
