"""Daily counts and the trailing rating on small cases worked out by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from crisis_kit.analysis.ratings import TRAILING_COLUMNS, trailing_rating
from crisis_kit.analysis.volume import DAILY_COLUMNS, daily_counts, days_of


def _events(rows: list[tuple]) -> pd.DataFrame:
    """(local_date, source, rating, is_negative, asin) rows -> an events-shaped frame."""
    frame = pd.DataFrame(rows, columns=["local_date", "source", "rating", "is_negative", "asin"])
    frame["local_date"] = pd.to_datetime(frame["local_date"]).dt.date
    frame["rating"] = frame["rating"].astype(float)
    return frame


# May 1: review 5* (positive), FBA return (negative)
# May 2: nothing
# May 3: review 1* (negative), review 2* (negative), seller feedback 1* (negative)
# May 4: review 4* on ASIN B2 (positive)
EVENTS = _events([
    ("2022-05-01", "review", 5, False, "B1"),
    ("2022-05-01", "fba_return", None, True, "B1"),
    ("2022-05-03", "review", 1, True, "B1"),
    ("2022-05-03", "review", 2, True, "B1"),
    ("2022-05-03", "seller_feedback", 1, True, None),
    ("2022-05-04", "review", 4, False, "B2"),
])


def test_daily_counts_zero_fills_and_defines_mean_rating_on_reviews():
    daily = daily_counts(EVENTS)
    assert list(daily.columns) == DAILY_COLUMNS
    assert daily["local_date"].dt.strftime("%m-%d").tolist() == ["05-01", "05-02", "05-03", "05-04"]
    # events:   2 on May 1, 0 on May 2 (filled), 3 on May 3, 1 on May 4
    assert daily["events"].tolist() == [2, 0, 3, 1]
    # negative: the return; none; 1* + 2* reviews + 1* feedback; none
    assert daily["negative"].tolist() == [1, 0, 3, 0]
    # mean_rating over reviews only: 5; none; (1 + 2) / 2 = 1.5 (feedback's 1* left out); 4
    assert daily["mean_rating"].iloc[[0, 2, 3]].tolist() == [5.0, 1.5, 4.0]
    assert math.isnan(daily["mean_rating"].iloc[1])


def test_daily_counts_by_source_has_every_source_on_every_day():
    daily = daily_counts(EVENTS, by="source")
    assert list(daily.columns) == ["local_date", "source", *DAILY_COLUMNS[1:]]
    # 4 days x 3 sources, zero-filled
    assert len(daily) == 12
    negative = daily.pivot(index="local_date", columns="source", values="negative")
    assert negative["fba_return"].tolist() == [1, 0, 0, 0]
    assert negative["review"].tolist() == [0, 0, 2, 0]
    assert negative["seller_feedback"].tolist() == [0, 0, 1, 0]
    # the per-source series add up to the total series
    assert negative.sum(axis=1).tolist() == daily_counts(EVENTS)["negative"].tolist()


def test_daily_counts_keeps_missing_group_values():
    daily = daily_counts(EVENTS, by="asin")
    # B1, B2 and the feedback without an ASIN: nothing is lost
    assert daily["events"].sum() == len(EVENTS)
    assert daily["asin"].isna().sum() == 4


def test_daily_counts_window_and_empty_input():
    daily = daily_counts(EVENTS, start="2022-04-30", end="2022-05-02")
    # April 30 filled with zero; May 3-4 fall outside the window
    assert daily["events"].tolist() == [0, 2, 0]
    empty = daily_counts(EVENTS.iloc[:0])
    assert empty.empty and list(empty.columns) == DAILY_COLUMNS


def test_daily_counts_does_not_modify_its_input():
    before = EVENTS.copy()
    daily_counts(EVENTS, by="source", end="2022-05-10")
    pd.testing.assert_frame_equal(EVENTS, before)


def test_daily_counts_names_a_missing_column():
    with pytest.raises(ValueError, match="is_negative"):
        daily_counts(EVENTS.drop(columns="is_negative"))
    with pytest.raises(ValueError, match="'topic'"):
        daily_counts(EVENTS, by="topic")


def test_trailing_rating_over_a_three_day_window():
    trailing = trailing_rating(EVENTS, window_days=3)
    assert list(trailing.columns) == TRAILING_COLUMNS
    # Reviews: May 1 5*; May 3 1*, 2*; May 4 4*. Window W = 3 days ending on d:
    #   May 1: {5}            -> 5.0,             lifetime 5.0
    #   May 2: {5}            -> 5.0 (May 1 in),  lifetime 5.0
    #   May 3: {5, 1, 2}      -> 8 / 3,           lifetime 8 / 3
    #   May 4: {1, 2, 4}      -> 7 / 3 (May 1 out), lifetime 12 / 4 = 3.0
    assert trailing["reviews_in_window"].tolist() == [1, 1, 3, 3]
    assert trailing["rating"].tolist() == pytest.approx([5.0, 5.0, 8 / 3, 7 / 3])
    assert trailing["cumulative_rating"].tolist() == pytest.approx([5.0, 5.0, 8 / 3, 3.0])


def test_trailing_rating_as_of_asins_and_empty_windows():
    # Only B1 up to May 6 with W = 1: May 1 5; May 2 none; May 3 1.5; May 4-6 none
    trailing = trailing_rating(EVENTS, window_days=1, asins=["B1"], as_of="2022-05-06")
    assert len(trailing) == 6
    assert trailing["reviews_in_window"].tolist() == [1, 0, 2, 0, 0, 0]
    assert trailing["rating"].iloc[[0, 2]].tolist() == [5.0, 1.5]
    assert trailing["rating"].iloc[[1, 3, 4, 5]].isna().all()
    # the lifetime mean carries over days without reviews: (5 + 1 + 2) / 3
    assert trailing["cumulative_rating"].iloc[-1] == pytest.approx(8 / 3)
    # as_of before the first review: nothing to show
    assert trailing_rating(EVENTS, 3, as_of="2022-04-01").empty


def test_trailing_rating_rejects_a_bad_window():
    with pytest.raises(ValueError, match="positive integer"):
        trailing_rating(EVENTS, window_days=0)


@pytest.mark.parametrize("values", [
    pd.Series(pd.to_datetime(["2022-05-01", "2022-05-03", None]).astype("datetime64[us]")),
    pd.Series(pd.to_datetime(["2022-05-01 00:00:00", "2022-05-03 13:45:10", None])),
    pd.Series(["2022-05-01 00:00:00", "2022-05-02 23:59:59", None]),
    pd.Series(pd.to_datetime([]).astype("datetime64[s]")),
], ids=["midnights-us", "times-ns", "strings", "empty"])
def test_days_of_is_normalize_value_for_value(values):
    """The fast path for columns of midnights changes no value, unit or index."""
    expected = pd.to_datetime(values).dt.normalize().astype("datetime64[ns]")
    got = days_of(values)
    pd.testing.assert_series_equal(got, expected)
    if len(values) and str(values.dtype).startswith("datetime64[ns"):
        assert got.iloc[1] == pd.Timestamp(values.iloc[1]).normalize()


def test_days_of_refuses_tz_aware_times_as_normalize_does():
    aware = pd.Series(pd.to_datetime(["2022-05-01 22:00", "2022-05-03 00:00"]).tz_localize("Asia/Tokyo"))
    with pytest.raises(TypeError):
        pd.to_datetime(aware).dt.normalize().astype("datetime64[ns]")
    with pytest.raises(TypeError):
        days_of(aware)
