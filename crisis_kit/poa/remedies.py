"""Remedy options: what each after-sales offer costs over the affected orders, and what followed.

``incident.yaml`` lists the offers (``remedies``: name, unit cost, the day it was
first offered). :func:`costs` prices each over the affected orders and sets beside it
the returns, the rating and the sales measured before and after the day it was first
offered. The effects are measured, not attributed: other actions of the same days act
on the same figures, so each row also counts the actions logged in its after window.
The method is documented in ``docs/poa.md``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..analysis import effects
from ..analysis.effects import Window
from ..analysis.findings import Findings
from ..analysis.volume import DayLike, as_day, weights
from ..config import Incident, Remedy, marketplaces
from ..errors import InputError
from . import CORRECTIVE_LANES, corrective_actions, load_orders

__all__ = ["REMEDY_COLUMNS", "affected_orders", "affected_window", "costs"]

REMEDY_COLUMNS = [
    "remedy", "unit_cost", "currency", "offered_from",
    "affected_start", "affected_end", "affected_orders", "cost",
    "complaining_orders", "cost_complaining",
    "window_days", "before_start", "before_end", "after_start", "after_end",
    "returns_before", "orders_before", "return_rate_before",
    "returns_after", "orders_after", "return_rate_after", "return_rate_change",
    "rating_window_days", "reviews_before", "rating_before", "reviews_after", "rating_after",
    "rating_change",
    "units_per_day_before", "units_per_day_after", "sales_index_before", "sales_index_after",
    "sales_index_change", "actions_in_after_window",
]
"""Columns of :func:`costs`."""


def affected_window(
    actions: pd.DataFrame, onset: pd.Timestamp, tz: str, last_day: DayLike,
    lanes: Sequence[str] = CORRECTIVE_LANES,
) -> Window:
    """Return the purchase days whose orders count as affected.

    From the onset's local day to the last corrective action's local day
    (:func:`crisis_kit.poa.corrective_actions`), both included; to ``last_day`` when
    the log holds no corrective action.
    """
    onset_day = as_day(onset.tz_convert(tz))
    corrective = corrective_actions(actions, onset, tz, lanes)
    end = corrective["local_date"].max() if len(corrective) else as_day(last_day)
    return Window(onset_day, as_day(end))


def affected_orders(orders: pd.DataFrame, window: Window, asins: Sequence[str] | None = None) -> int:
    """Count the distinct shipped orders of ``asins`` purchased on a day of ``window``."""
    return effects.count_orders(effects.shipped_orders(orders, asins), window)


def costs(
    incident: Incident,
    analysis: Findings,
    orders: pd.DataFrame | None,
    events: pd.DataFrame | None = None,
    *,
    window_days: int | None = None,
    actions: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Price each remedy over the affected orders, beside its measured effect.

    Parameters
    ----------
    incident : Incident
        Its ``remedies`` (name, unit_cost, offered_from), ``asins`` and thresholds.
    analysis : crisis_kit.analysis.findings.Findings
        The incident's measured findings (onset, time zone, sales, response timeline).
    orders : pandas.DataFrame or None
        The store's ``orders`` table; None reads it (:func:`crisis_kit.poa.load_orders`).
    events : pandas.DataFrame, optional
        Events with ``local_date``, ``source``, ``rating``, ``is_negative``, ``order_id``;
        default ``analysis.events``.
    window_days : int, optional
        Length of the return-rate and sales windows; default the crisis window,
        ``thresholds.crisis_window_days``.
    actions : pandas.DataFrame, optional
        The actions table; default ``analysis.response.timeline``.

    Returns
    -------
    pandas.DataFrame
        Each row represents one remedy of ``incident.remedies``, in their order, with
        ``REMEDY_COLUMNS``. Empty when the incident lists none.

    Notes
    -----
    - Affected orders: distinct shipped orders of the incident's ASINs purchased from
      the onset day to the last corrective action day (:func:`affected_window`);
      ``cost`` = affected orders x ``unit_cost``. ``complaining_orders``: the distinct
      order ids named by negative events (returns, feedback; reviews name none), a lower
      bound; ``cost_complaining`` = those x ``unit_cost``.
    - Windows around ``offered_from`` (d), N = ``window_days``: before = [d - N, d - 1],
      after = [d, d + N - 1] (the day it was first offered opens the after window), the
      after window cut at the last day of data. Return rate = returns (FBA and
      seller-fulfilled, any reason) per 100 shipped orders of the window.
    - Rating: mean star rating of the reviews of the ``rating_window_days`` (W) days
      before d, [d - W, d - 1], against those of [d, d + W - 1]: r(d - 1) and
      r(d + W - 1) of design.md section 8.
    - Sales index of a window: mean daily units (``analysis.sales.daily``) over the
      window / the pre-crisis baseline units per day.
    - Each change is after - before (rate points, stars, index points); NaN when a side
      cannot be computed, and every effect is NaN without ``offered_from``.
    - ``actions_in_after_window``: actions of any lane logged in the after window; the
      figures move with all of them, not with the remedy alone.
    """
    if not incident.remedies:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in REMEDY_COLUMNS})
    onset = analysis.detection.onset
    if onset is None:
        raise InputError("the analysis has no onset, so no order counts as affected",
                         fix="check the complaints were ingested, or set `onset:` in incident.yaml")
    window_days = window_days or analysis.crisis_window_days
    events = analysis.events if events is None else events
    orders = load_orders(incident, analysis.as_of) if orders is None else orders
    shipped = effects.shipped_orders(orders, incident.asins or None)
    if actions is None:
        actions = analysis.response.timeline if analysis.response is not None else pd.DataFrame(
            {"at": pd.Series(dtype="datetime64[ns, UTC]"), "lane": [], "action": []})
    last_day = effects.last_day(analysis.as_of, events, shipped) or as_day(analysis.onset_day)
    affected = affected_window(actions, onset, analysis.tz, last_day)
    n_affected = effects.count_orders(shipped, affected)
    negative = events[events["is_negative"].fillna(False).astype(bool)]
    n_complaining = int(negative["order_id"].dropna().astype(str).str.strip().replace("", np.nan)
                        .dropna().nunique()) if "order_id" in events.columns else 0
    currency = _currency(shipped, incident.marketplace)
    rows = []
    for remedy in incident.remedies:
        row = {
            "remedy": remedy.name, "unit_cost": float(remedy.unit_cost), "currency": currency,
            "offered_from": pd.NaT if remedy.offered_from is None else as_day(remedy.offered_from),
            "affected_start": affected.start, "affected_end": affected.end,
            "affected_orders": n_affected, "cost": n_affected * float(remedy.unit_cost),
            "complaining_orders": n_complaining,
            "cost_complaining": n_complaining * float(remedy.unit_cost),
            "window_days": window_days,
            "rating_window_days": incident.thresholds.rating_window_days,
        }
        row.update(_effects(remedy, analysis, events, shipped, actions, window_days, last_day))
        rows.append(row)
    return pd.DataFrame(rows).reindex(columns=REMEDY_COLUMNS)


def _currency(orders: pd.DataFrame, marketplace: str) -> str:
    if "currency" in orders.columns and orders["currency"].notna().any():
        return str(orders["currency"].dropna().mode().iloc[0])
    return marketplaces.get(marketplace).currency


def _effects(
    remedy: Remedy, analysis: Findings, events: pd.DataFrame, orders: pd.DataFrame,
    actions: pd.DataFrame, window_days: int, last_day: pd.Timestamp,
) -> dict[str, object]:
    if remedy.offered_from is None:
        return {}
    day = as_day(remedy.offered_from)
    before, after = effects.windows(day, window_days, include_day=True, not_after=last_day)
    returns_before, orders_before = effects.measure(events, orders, before)["return_rate"]
    returns_after, orders_after = effects.measure(events, orders, after)["return_rate"]
    rate_before = _per_100(returns_before, orders_before, before)
    rate_after = _per_100(returns_after, orders_after, after)
    w = analysis.incident.thresholds.rating_window_days
    rating_before, rating_after = effects.windows(day, w, include_day=True, not_after=last_day)
    reviews_before, stars_before = _rating(events, rating_before)
    reviews_after, stars_after = _rating(events, rating_after)
    units_before, index_before = _sales(analysis, before)
    units_after, index_after = _sales(analysis, after)
    at_local = actions["at"].dt.tz_convert(analysis.tz).dt.tz_localize(None).dt.normalize()
    return {
        "before_start": before.start, "before_end": before.end,
        "after_start": after.start, "after_end": after.end,
        "returns_before": returns_before, "orders_before": orders_before,
        "return_rate_before": rate_before, "returns_after": returns_after,
        "orders_after": orders_after, "return_rate_after": rate_after,
        "return_rate_change": rate_after - rate_before,
        "reviews_before": reviews_before, "rating_before": stars_before,
        "reviews_after": reviews_after, "rating_after": stars_after,
        "rating_change": stars_after - stars_before,
        "units_per_day_before": units_before, "units_per_day_after": units_after,
        "sales_index_before": index_before, "sales_index_after": index_after,
        "sales_index_change": index_after - index_before,
        "actions_in_after_window": int(after.holds(at_local.astype("datetime64[ns]")).sum()),
    }


def _per_100(count: int, base: int, window: Window) -> float:
    return 100.0 * count / base if window.days > 0 and base > 0 else np.nan


def _rating(events: pd.DataFrame, window: Window) -> tuple[int, float]:
    reviews = events[(events["source"] == "review") & events["rating"].notna()]
    inside = reviews.loc[window.holds(pd.to_datetime(reviews["local_date"]).dt.normalize())]
    w = weights(inside)  # a row of grouped reviews stands for `n` alike ones
    n = int(w.sum())
    return n, float((inside["rating"].astype(float) * w).sum() / n) if n else np.nan


def _sales(analysis: Findings, window: Window) -> tuple[float, float]:
    summary = analysis.sales
    if summary is None or window.days == 0:
        return np.nan, np.nan
    daily = summary.daily
    inside = daily.loc[window.holds(pd.to_datetime(daily["local_date"])), "units"]
    units = float(inside.mean()) if len(inside) else np.nan
    baseline = summary.baseline_units_per_day
    return units, units / baseline if baseline else np.nan
