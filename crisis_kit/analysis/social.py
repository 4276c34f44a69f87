"""Social-media mentions beside Amazon's own signals: volume, platforms and topics.

Mentions come in as events of source ``social`` (a saved export through the mapping of
incident.yaml: ``platform``, ``occurred_at``, ``url``, ``text``, ``author``; the platform
is stored as the event's ``variant``; docs/ingest.md). A mention is not a complaint:
it has no rating, is never ``is_negative``, and so never counts in n(d), the alert or
the negative share (a reposted thread would otherwise fire the alert on its reposts).
:func:`social_view` sets the mentions beside the negative signals of every other source
over the same marketplace-local days: per day (per week past a month), per platform and
per topic, and says which side spoke of a complaint first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from ..config.taxonomy import OTHER
from .volume import as_day

__all__ = ["SOCIAL", "SocialView", "social_view"]

SOCIAL = "social"
"""The events' source of a social-media mention."""

_DAILY_UP_TO = 31  # a longer period is shown week by week


@dataclass(frozen=True, eq=False)
class SocialView:
    """The social mentions of an incident beside Amazon's negative signals.

    Attributes
    ----------
    mentions : int
        Social mentions in the period.
    complaints : int
        Mentions whose topic is a complaint topic (not ``other``).
    first_day, last_day : datetime.date
        The first and last local day with a mention: the period compared.
    first_complaint_day : datetime.date or None
        The first local day with a mention of a complaint topic.
    first_amazon_day : datetime.date or None
        The first local day of the period with a negative signal of another source.
    by_period : pandas.DataFrame
        Each row represents one local day (``period`` ``day``) or one week from Monday
        (``week``) of the period: ``start``, ``mentions``, ``complaints``,
        ``amazon_negative``.
    by_platform : pandas.DataFrame
        Each row represents one platform (``variant``; ``unknown`` when not mapped):
        ``platform``, ``mentions``, ``complaints``, most mentions first.
    topics : pandas.DataFrame
        Each row represents one topic named on either side: ``topic``, ``social``,
        ``social_share`` (of the mentions), ``amazon``, ``amazon_share`` (of the negative
        signals), most social mentions first, ``other`` last.
    period : {"day", "week"}
    """

    mentions: int
    complaints: int
    first_day: dt.date
    last_day: dt.date
    first_complaint_day: dt.date | None
    first_amazon_day: dt.date | None
    period: str
    by_period: pd.DataFrame = field(repr=False)
    by_platform: pd.DataFrame = field(repr=False)
    topics: pd.DataFrame = field(repr=False)


def social_view(events: pd.DataFrame) -> SocialView | None:
    """Set the social mentions of ``events`` beside the other sources' negative signals.

    Parameters
    ----------
    events : pandas.DataFrame
        The incident's events with ``source``, ``local_date``, ``is_negative``, ``topic``
        and ``variant``.

    Returns
    -------
    SocialView or None
        None when there is no social mention.

    Notes
    -----
    The period runs from the first to the last local day with a mention, both included;
    Amazon's side counts the negative signals (``is_negative``) of every other source on
    the same days. A mention's complaint is its topic (the same taxonomy as every event)
    when that is not ``other``. Shares are of each side's own total in the period.
    """
    social = events["source"].isin([SOCIAL])
    if not social.any():
        return None
    days = pd.to_datetime(events["local_date"]).dt.normalize()
    start, end = days[social].min(), days[social].max()
    inside = days.between(start, end)
    mentions = events[social]
    amazon = events[~social & inside & events["is_negative"].fillna(False).astype(bool)]
    complaint = mentions["topic"].astype(str) != OTHER
    period = "day" if (end - start).days < _DAILY_UP_TO else "week"

    def bucket(values: pd.Series) -> pd.Series:
        day = pd.to_datetime(values).dt.normalize()
        return day if period == "day" else day - pd.to_timedelta(day.dt.day_of_week, unit="D")

    first = bucket(pd.Series([start])).iloc[0]
    starts = pd.date_range(first, end, freq="D" if period == "day" else "7D")
    by_period = pd.DataFrame({
        "start": starts,
        "mentions": bucket(mentions["local_date"]).value_counts().reindex(starts, fill_value=0)
        .to_numpy(),
        "complaints": bucket(mentions.loc[complaint, "local_date"]).value_counts()
        .reindex(starts, fill_value=0).to_numpy(),
        "amazon_negative": bucket(amazon["local_date"]).value_counts()
        .reindex(starts, fill_value=0).to_numpy(),
    })
    platform = mentions["variant"].astype(object).where(mentions["variant"].notna(), "unknown")
    by_platform = (pd.DataFrame({"platform": platform.astype(str), "complaint": complaint})
                   .groupby("platform").agg(mentions=("complaint", "size"),
                                            complaints=("complaint", "sum"))
                   .reset_index().sort_values(["mentions", "platform"],
                                              ascending=[False, True], kind="mergesort")
                   .reset_index(drop=True))
    topics = _topics(mentions, amazon)
    first_complaint = days.loc[complaint.index[complaint]].min() if complaint.any() else None
    first_amazon = days.loc[amazon.index].min() if len(amazon) else None
    return SocialView(
        mentions=int(len(mentions)), complaints=int(complaint.sum()),
        first_day=start.date(), last_day=end.date(),
        first_complaint_day=None if first_complaint is None else as_day(first_complaint).date(),
        first_amazon_day=None if first_amazon is None else as_day(first_amazon).date(),
        period=period, by_period=by_period,
        by_platform=by_platform.astype({"mentions": int, "complaints": int}), topics=topics)


def _topics(mentions: pd.DataFrame, amazon: pd.DataFrame) -> pd.DataFrame:
    social = mentions["topic"].astype(str).value_counts()
    ours = amazon["topic"].astype(str).value_counts()
    table = pd.DataFrame({"social": social, "amazon": ours}).fillna(0).astype(int)
    table["social_share"] = table["social"] / max(len(mentions), 1)
    table["amazon_share"] = table["amazon"] / len(amazon) if len(amazon) else float("nan")
    table = table.rename_axis("topic").reset_index()
    table["_other"] = table["topic"] == OTHER
    table = table.sort_values(["_other", "social", "amazon", "topic"],
                              ascending=[True, False, False, True], kind="mergesort")
    return table[["topic", "social", "social_share", "amazon", "amazon_share"]].reset_index(
        drop=True)
