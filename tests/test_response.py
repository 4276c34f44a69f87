"""Response lanes against the golden window, on a log worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crisis_kit.analysis.response import summarise
from crisis_kit.errors import InputError

ONSET = pd.Timestamp("2022-05-02T11:14:50-07:00")


def log(rows):
    frame = pd.DataFrame(rows, columns=["at", "lane", "action"])
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    return frame


ACTIONS = log([
    ("2022-04-14T10:00:00-07:00", "marketing", "campaign scheduled"),  # before onset: ignored
    ("2022-05-02T12:00:00-07:00", "cs", "case queue opened"),  # 0.753 h after 11:14:50
    ("2022-05-02T13:51:00-07:00", "pr", "statement drafted"),  # 2.603 h
    ("2022-05-02T14:00:00-07:00", "cs", "template approved"),  # later cs action: not first
    ("2022-05-02T20:27:00-07:00", "tech", "teardown opened"),  # 9.203 h: missed
    ("2022-05-04T15:15:00-07:00", "platform", "POA submitted"),  # 52.003 h
])


def test_lanes_first_action_hours_and_window():
    response = summarise(ACTIONS, ONSET, golden_hours=4)
    assert sorted(response.lanes) == ["cs", "platform", "pr", "tech"]
    # cs: 12:00:00 - 11:14:50 = 45 min 10 s = 0.75278 h
    assert response.lanes["cs"].hours == pytest.approx(0.753, abs=1e-3)
    assert response.lanes["cs"].action == "case queue opened" and response.lanes["cs"].met
    # pr: 13:51:00 - 11:14:50 = 2 h 36 min 10 s = 2.60278 h
    assert response.lanes["pr"].hours == pytest.approx(2.603, abs=1e-3) and response.lanes["pr"].met
    # tech: 20:27:00 - 11:14:50 = 9 h 12 min 10 s = 9.20278 h > 4
    assert response.lanes["tech"].hours == pytest.approx(9.203, abs=1e-3)
    assert not response.lanes["tech"].met
    assert response.first_response.lane == "cs" and response.golden_window_met is True
    assert response.statement.hours == pytest.approx(2.603, abs=1e-3)
    assert response.plan_of_action.hours == pytest.approx(52.003, abs=1e-3)
    assert response.missing_golden_lanes == ()
    assert "marketing" not in response.lanes  # its only action came before the onset
    assert response.timeline["hours_from_onset"].iloc[0] < 0


def test_the_window_edge_counts_as_met_and_missing_lanes_are_named():
    exactly = log([("2022-05-02T15:14:50-07:00", "cs", "reply")])  # exactly 4.000 h
    response = summarise(exactly, ONSET, golden_hours=4)
    assert response.lanes["cs"].hours == 4.0 and response.lanes["cs"].met
    assert response.missing_golden_lanes == ("pr", "tech")


def test_no_action_after_onset_gives_no_first_response():
    response = summarise(ACTIONS.iloc[:1], ONSET, golden_hours=4)
    assert response.first_response is None and response.golden_window_met is None
    assert response.lanes == {}


def test_zoneless_times_and_onsets_are_refused():
    naive = ACTIONS.assign(at=ACTIONS["at"].dt.tz_localize(None))
    with pytest.raises(InputError, match="carry no zone"):
        summarise(naive, ONSET, 4)
    with pytest.raises(InputError, match="onset must be a time with its zone"):
        summarise(ACTIONS, pd.Timestamp("2022-05-02 11:14:50"), 4)


@settings(max_examples=30, deadline=None)
@given(st.permutations(list(range(len(ACTIONS)))))
def test_row_order_changes_nothing(order):
    shuffled = summarise(ACTIONS.iloc[list(order)], ONSET, 4)
    reference = summarise(ACTIONS, ONSET, 4)
    assert shuffled.lanes == reference.lanes
    assert shuffled.first_response == reference.first_response
