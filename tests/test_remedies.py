"""Remedy costs over the affected orders, beside the measured effect, on the sample incident."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crisis_kit.analysis.evidence import load_evidence
from crisis_kit.poa import remedies
from crisis_kit.store import open_store

HERO = "B0SAMPLE01"
TZ = "America/Los_Angeles"


@pytest.fixture(scope="module")
def analysis(sample_analysis):
    return sample_analysis


@pytest.fixture(scope="module")
def orders(sample_incident):
    with open_store(sample_incident.store_path, read_only=True) as store:
        return store.table("orders"), store.actions()


@pytest.fixture(scope="module")
def table(sample_incident, analysis, orders):
    return remedies.costs(sample_incident, analysis, orders[0])


def hero_orders(orders):
    shipped = orders[(orders["status"] == "Shipped") & (orders["asin"] == HERO)]
    return shipped.assign(day=pd.to_datetime(shipped["local_date"]))


def between(frame, start, end):
    return frame[(frame["day"] >= pd.Timestamp(start)) & (frame["day"] <= pd.Timestamp(end))]


def test_one_row_per_remedy_in_the_incidents_order(table, sample_incident):
    assert table["remedy"].tolist() == [r.name for r in sample_incident.remedies]
    assert table.columns.tolist() == remedies.REMEDY_COLUMNS
    assert (table["currency"] == "USD").all()


def test_cost_is_affected_orders_times_unit_cost(table, sample_incident, orders):
    all_orders, actions = orders
    onset = pd.Timestamp("2022-05-02T11:14:50-07:00")
    corrective = actions[actions["lane"].isin(["cs", "tech", "platform"]) & (actions["at"] >= onset)]
    last_fix = corrective["at"].max().tz_convert(TZ).tz_localize(None).normalize()
    assert last_fix == pd.Timestamp("2022-05-19")
    affected = between(hero_orders(all_orders), "2022-05-02", last_fix)["order_id"].nunique()
    assert (table["affected_orders"] == affected).all()
    assert (table["affected_start"] == pd.Timestamp("2022-05-02")).all()
    assert (table["affected_end"] == last_fix).all()
    for remedy, (_, row) in zip(sample_incident.remedies, table.iterrows(), strict=True):
        assert row["cost"] == pytest.approx(affected * remedy.unit_cost)


def test_the_lower_bound_counts_the_orders_named_by_complaints(table, analysis, sample_incident):
    negative = analysis.events[analysis.events["is_negative"]]
    named = negative["order_id"].dropna().nunique()
    assert (table["complaining_orders"] == named).all()
    for remedy, (_, row) in zip(sample_incident.remedies, table.iterrows(), strict=True):
        assert row["cost_complaining"] == pytest.approx(named * remedy.unit_cost)


def test_return_rate_rating_and_sales_around_the_day_offered(table, analysis, orders):
    row = table.set_index("remedy").loc["upgraded-replacement"]  # offered from 2022-05-04
    assert (row["before_start"], row["before_end"]) == (pd.Timestamp("2022-04-20"),
                                                         pd.Timestamp("2022-05-03"))
    assert (row["after_start"], row["after_end"]) == (pd.Timestamp("2022-05-04"),
                                                       pd.Timestamp("2022-05-17"))
    # the incident's events one by one (analysis.events is grouped: `n` events a row)
    one_by_one = load_evidence(analysis.incident, analysis.as_of, words=False).events
    events = one_by_one.assign(day=pd.to_datetime(one_by_one["local_date"]))
    shipped = hero_orders(orders[0])
    for side, (start, end) in {"before": ("2022-04-20", "2022-05-03"),
                               "after": ("2022-05-04", "2022-05-17")}.items():
        returns = between(events, start, end)["source"].isin(["fba_return", "mfn_return"]).sum()
        n_orders = between(shipped, start, end)["order_id"].nunique()
        assert (row[f"returns_{side}"], row[f"orders_{side}"]) == (returns, n_orders)
        assert row[f"return_rate_{side}"] == pytest.approx(100 * returns / n_orders)
    assert row["return_rate_change"] == pytest.approx(row["return_rate_after"] - row["return_rate_before"])

    reviews = events[(events["source"] == "review") & events["rating"].notna()]
    before = between(reviews, "2022-04-04", "2022-05-03")["rating"]
    after = between(reviews, "2022-05-04", "2022-06-02")["rating"]
    assert (row["reviews_before"], row["reviews_after"]) == (len(before), len(after))
    assert row["rating_before"] == pytest.approx(before.mean())
    assert row["rating_after"] == pytest.approx(after.mean())
    assert row["rating_after"] < row["rating_before"]  # offered in the first days of the crisis

    daily = analysis.sales.daily.assign(day=pd.to_datetime(analysis.sales.daily["local_date"]))
    baseline = analysis.sales.baseline_units_per_day
    assert row["sales_index_before"] == pytest.approx(
        between(daily, "2022-04-20", "2022-05-03")["units"].mean() / baseline)
    assert row["sales_index_after"] == pytest.approx(
        between(daily, "2022-05-04", "2022-05-17")["units"].mean() / baseline)
    assert row["actions_in_after_window"] == 4  # refund, replacements, new valve, POA accepted


def test_a_remedy_without_a_day_is_priced_but_not_measured(sample_incident, analysis, orders):
    incident = sample_incident.model_copy(update={"remedies": [
        sample_incident.remedies[0].model_copy(update={"offered_from": None})]})
    row = remedies.costs(incident, analysis, orders[0]).iloc[0]
    assert row["cost"] == pytest.approx(row["affected_orders"] * 18.5)
    assert pd.isna(row["offered_from"]) and np.isnan(row["return_rate_after"])


def test_no_remedies_give_an_empty_table(sample_incident, analysis, orders):
    incident = sample_incident.model_copy(update={"remedies": []})
    empty = remedies.costs(incident, analysis, orders[0])
    assert empty.empty and empty.columns.tolist() == remedies.REMEDY_COLUMNS
