"""Amazon's Voice of the Customer beside the kit's figures, ASIN by ASIN and day by day.

Each row of the ``voc`` table represents one ASIN (SKU, condition) of a Voice of the
Customer download on its `Last updated` day: Amazon's orders, orders with a negative
customer experience (NCX), the NCX rate, the top NCX reason and the CX Health band. This
module sets each such day beside what the kit measures for the same ASIN over the same
days, marks the days the band changed, and says where the two views disagree
(docs/report.md, "Voice of the Customer beside our figures").
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from .topics import OTHER, assign
from .volume import count, count_by

__all__ = ["BANDS", "VOC_WINDOW_DAYS", "BESIDE_COLUMNS", "beside"]

VOC_WINDOW_DAYS = 30
"""Days of orders Amazon's NCX rate is read over, counted back from `Last updated`: the
kit's figures are taken over the same days (Seller Central shows the last 30 days by
default)."""

BANDS = ("Excellent", "Good", "Fair", "Poor", "Very poor")
"""CX Health bands, best first (pcxHealth in the download)."""

RATED_SOURCES = ("review", "seller_feedback")

BESIDE_COLUMNS = [
    "asin", "date", "total_orders", "ncx_orders", "ncx_rate", "cx_health", "previous_band",
    "band_changed", "top_ncx_reason", "reason_topic", "kit_rated", "kit_negative_rated",
    "kit_negative_share", "kit_negative", "kit_per_100_orders", "kit_topic", "kit_topic_share",
    "reason_differs", "direction_differs", "band_vs_alert"]


def _band_rank(band: object) -> int | None:
    if not isinstance(band, str):
        return None
    lowered = {b.lower(): i for i, b in enumerate(BANDS)}
    return lowered.get(" ".join(band.lower().replace("_", " ").split()))


def _per_day(voc: pd.DataFrame) -> pd.DataFrame:
    """One row per ASIN and day: several SKUs or conditions summed, the worst band kept."""
    frame = voc.assign(date=pd.to_datetime(voc["date"]),
                       band_rank=voc["cx_health"].map(_band_rank))
    worst = frame.sort_values(["band_rank", "total_orders"], ascending=[False, False],
                              na_position="last", kind="mergesort")
    grouped = frame.groupby(["asin", "date"], sort=True)
    out = grouped.agg(total_orders=("total_orders", lambda v: v.sum(min_count=1)),
                      ncx_orders=("ncx_orders", lambda v: v.sum(min_count=1)),
                      ncx_rate=("ncx_rate", "max"))
    out["cx_health"] = worst.groupby(["asin", "date"], sort=True)["cx_health"].first()
    # the reason of the SKU with the most NCX orders (first() skips the ones without)
    most = frame.sort_values("ncx_orders", ascending=False, na_position="last", kind="mergesort")
    out["top_ncx_reason"] = most.groupby(["asin", "date"], sort=True)["top_ncx_reason"].first()
    several = grouped.size() > 1
    summed = 100 * out["ncx_orders"] / out["total_orders"]
    out["ncx_rate"] = out["ncx_rate"].where(~several | out["total_orders"].isna()
                                            | (out["total_orders"] == 0), summed)
    return out.reset_index()


def _kit(events: pd.DataFrame, asin: str, day: pd.Timestamp, window_days: int) -> dict:
    """The kit's figures for one ASIN over the window ending on ``day``."""
    start = day - pd.Timedelta(days=window_days - 1)
    days = pd.to_datetime(events["local_date"])
    # the ASIN compared as it is (a categorical's categories), not made text row by row
    mine = events[(events["asin"] == asin) & (days >= start) & (days <= day)]
    negative = mine["is_negative"].fillna(False).astype(bool)
    rated = mine["source"].astype(str).isin(RATED_SOURCES)
    negatives = mine[negative]
    topics = negatives["topic"].astype(str)
    named = count_by(negatives[topics != OTHER], topics[topics != OTHER])
    named = named.sort_index(kind="mergesort").sort_values(ascending=False, kind="mergesort")
    n_rated, n_rated_negative, n_negative = (count(mine, m) for m in (
        rated, rated & negative, negative))
    return {
        "kit_rated": n_rated, "kit_negative_rated": n_rated_negative,
        "kit_negative_share": 100 * n_rated_negative / n_rated if n_rated else None,
        "kit_negative": n_negative,
        "kit_topic": named.index[0] if len(named) else None,
        "kit_topic_share": 100 * named.iloc[0] / n_negative if len(named) else None,
    }


def beside(voc: pd.DataFrame | None, events: pd.DataFrame, onset_day: dt.date | None,
           window_days: int = VOC_WINDOW_DAYS) -> pd.DataFrame:
    """Each ASIN's Voice of the Customer days beside the kit's figures for the same days.

    Parameters
    ----------
    voc : pd.DataFrame or None
        Rows of the ``voc`` table.
    events : pd.DataFrame
        The incident's events with ``topic``, ``source``, ``asin``, ``local_date``,
        ``is_negative``.
    onset_day : datetime.date or None
        The kit's onset day (its alert), None when the kit has not alerted.
    window_days : int
        The days Amazon's rate covers, ending on `Last updated` (:data:`VOC_WINDOW_DAYS`).

    Returns
    -------
    pd.DataFrame
        Each row one ASIN on one `Last updated` day (``BESIDE_COLUMNS``); empty without
        Voice of the Customer rows.

    Notes
    -----
    Several SKUs or conditions of one ASIN on one day are summed (the NCX rate recomputed
    from the sums), the worst band kept, and the top reason of the SKU with the most NCX
    orders. The kit's figures over the ``window_days``
    ending that day, for that ASIN: its rated events (reviews and seller feedback) and the
    negative share among them (design.md section 8's s(d), over the window), every
    negative signal (returns and claims too) and how many that makes per 100 of Amazon's
    orders (beside the NCX rate, which is NCX orders per 100 orders), the leading topic of
    the negatives and its share. Amazon's top NCX reason is read with the kit's taxonomy
    (``reason_topic``). A band changed when it differs from the ASIN's previous day with a
    band. The views disagree when:

    - ``reason_differs``: the top NCX reason reads as a kit topic other than ``other``
      that is not the kit's leading topic of those days;
    - ``direction_differs``: since the ASIN's previous day, the NCX rate and the kit's
      negative share moved in opposite directions (both changed);
    - ``band_vs_alert``: the band is Excellent or Good on or after the kit's onset day
      (the kit alerts, Amazon does not yet), or Poor or Very poor before it or without
      one (Amazon sees what the kit does not).
    """
    if voc is None or voc.empty:
        return pd.DataFrame(columns=BESIDE_COLUMNS)
    days = _per_day(voc)
    kit = pd.DataFrame([_kit(events, str(r.asin), r.date, window_days)
                        for r in days.itertuples()], index=days.index)
    table = pd.concat([days, kit], axis=1)
    reasons = table["top_ncx_reason"].astype(object).where(table["top_ncx_reason"].notna(), "")
    table["reason_topic"] = assign(pd.DataFrame({"title": reasons.astype(str), "text": ""})
                                   ).astype(str).where(reasons != "", None)
    table["kit_per_100_orders"] = (100 * table["kit_negative"] / table["total_orders"]).where(
        table["total_orders"] > 0)
    banded = table["cx_health"].notna()
    previous = table[banded].groupby("asin")["cx_health"].shift()
    table["previous_band"] = previous.reindex(table.index)
    table["band_changed"] = (table["previous_band"].notna()
                             & (table["previous_band"] != table["cx_health"]) & banded)
    table["reason_differs"] = (table["reason_topic"].notna() & (table["reason_topic"] != OTHER)
                               & (table["reason_topic"] != table["kit_topic"]))
    rate_change = table.groupby("asin")["ncx_rate"].diff()
    share_change = table.groupby("asin")["kit_negative_share"].diff()
    table["direction_differs"] = ((rate_change * share_change) < 0).fillna(False)
    rank = table["cx_health"].map(_band_rank)
    alerted = (table["date"].dt.date >= onset_day) if onset_day is not None else pd.Series(
        False, index=table.index)
    table["band_vs_alert"] = ((alerted & (rank <= 1)) | (~alerted & (rank >= 3))).fillna(False)
    return table[BESIDE_COLUMNS].reset_index(drop=True)
