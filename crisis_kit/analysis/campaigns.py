"""The repair campaign: each outreach action's reach and conversion, beside sales and rating.

An outreach action is a row of the actions log that carries an ``audience`` or any of
the counts :data:`crisis_kit.schemas.CAMPAIGN_COUNTS` (an e-mail to the affected buyers,
a community post, a store-page change, a social post, an ads burst; docs/ingest.md,
"Outreach campaigns"). :func:`campaigns` turns them into one table: the counts as
logged, the rates over the people reached, and the sales index and displayed rating of
the campaign's local day, so that a campaign can be read against the recovery it was
meant to drive. Every rate is a count over a count of the same row: recomputable by hand.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..schemas import CAMPAIGN_COUNTS

__all__ = ["CAMPAIGN_COLUMNS", "RATES", "campaigns"]

RATES = {"open_rate": "opened", "click_rate": "clicked", "reply_rate": "replied",
         "conversion": "redeemed"}
"""Each rate and the count it divides by ``sent`` (the campaign's reach)."""

COUPON = re.compile(r"coupon|voucher|promo code|discount code|优惠券|折扣码|优惠码", re.IGNORECASE)
"""Words that make a campaign a coupon campaign (its conversion is held to the playbook's)."""

CAMPAIGN_COLUMNS = ["number", "at", "local_date", "lane", "action", "channel", "owner", "ref",
                    "audience", *CAMPAIGN_COUNTS, *RATES, "coupon", "sales_index", "rating"]
"""Columns of :func:`campaigns`."""


def _local_day(at: pd.Series, timezone: str) -> pd.Series:
    local = pd.to_datetime(at, utc=True).dt.tz_convert(timezone)
    return local.dt.tz_localize(None).dt.normalize().astype("datetime64[ns]")


def campaigns(
    actions: pd.DataFrame,
    timezone: str,
    sales_daily: pd.DataFrame | None = None,
    rating_trajectory: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Return the outreach actions of the log with their reach, rates and context.

    Parameters
    ----------
    actions : pandas.DataFrame
        The actions table (:data:`crisis_kit.schemas.ACTIONS`); a table without the
        campaign columns (a store made before them) has no campaign.
    timezone : str
        The marketplace's IANA zone: the zone of a campaign's local day.
    sales_daily : pandas.DataFrame, optional
        :attr:`crisis_kit.analysis.sales.SalesSummary.daily` (``local_date``,
        ``sales_index``).
    rating_trajectory : pandas.DataFrame, optional
        :attr:`crisis_kit.analysis.ratings.RatingSummary.trajectory` (``local_date``,
        ``rating``).

    Returns
    -------
    pandas.DataFrame
        Each row represents one outreach action, in time order, numbered from 1
        (``number``, the label of its mark on the charts), with :data:`CAMPAIGN_COLUMNS`:
        the action's own columns, the counts as logged (``<NA>`` where not given), the
        rates over ``sent`` (the reach): ``open_rate`` = opened / sent, ``click_rate`` =
        clicked / sent, ``reply_rate`` = replied / sent, ``conversion`` = redeemed / sent
        (NaN when either count is missing or ``sent`` is 0), and the sales index i(d)
        and displayed rating r(d) of its local day d (NaN outside the series). ``coupon``:
        whether its action, channel or reference names a coupon (:data:`COUPON`): the
        playbook's 17 % is a coupon conversion, so only these are held to it.
    """
    needed = ["at", "lane", "action", "audience", *CAMPAIGN_COUNTS]
    if actions is None or any(c not in actions.columns for c in needed):
        return _empty()
    counts = actions[list(CAMPAIGN_COUNTS)]
    outreach = actions[actions["audience"].notna() | counts.notna().any(axis=1)]
    if outreach.empty:
        return _empty()
    outreach = outreach.sort_values(["at", "action"], kind="mergesort").reset_index(drop=True)
    table = pd.DataFrame({"number": np.arange(1, len(outreach) + 1), "at": outreach["at"],
                          "local_date": _local_day(outreach["at"], timezone)})
    for name in ("lane", "action", "channel", "owner", "ref", "audience"):
        table[name] = outreach[name] if name in outreach else None
    for name in CAMPAIGN_COUNTS:
        table[name] = outreach[name].astype("Int64")
    sent = table["sent"].astype(float)
    for rate, count in RATES.items():
        value = table[count].astype(float) / sent.where(sent > 0)
        table[rate] = value.astype(float)
    words = table[["action", "channel", "ref"]].fillna("").astype(str).agg(" ".join, axis=1)
    table["coupon"] = words.str.contains(COUPON).astype(bool)
    table["sales_index"] = _on_day(table["local_date"], sales_daily, "sales_index")
    table["rating"] = _on_day(table["local_date"], rating_trajectory, "rating")
    return table[CAMPAIGN_COLUMNS]


def _on_day(days: pd.Series, series: pd.DataFrame | None, column: str) -> pd.Series:
    if series is None or series.empty or column not in series:
        return pd.Series(np.nan, index=days.index, dtype=float)
    by_day = series.assign(local_date=pd.to_datetime(series["local_date"]).astype(
        "datetime64[ns]")).set_index("local_date")[column].astype(float)
    return days.map(by_day).astype(float)


def _empty() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in CAMPAIGN_COLUMNS})
    return frame.astype({"number": int, "local_date": "datetime64[ns]",
                         **dict.fromkeys(CAMPAIGN_COUNTS, "Int64"),
                         "coupon": bool,
                         **dict.fromkeys([*RATES, "sales_index", "rating"], float)})
