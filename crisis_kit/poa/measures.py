"""The numbers of the Plan of Action: corrective actions, root-cause topics, before/after figures.

Pure functions on the store's tables (plus :func:`load_orders`, which reads them), so
that a test can compute the same numbers by hand with plain pandas.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..analysis import effects, topics
from ..analysis.effects import FIGURE_COLUMNS, Window
from ..analysis.volume import DayLike, as_day
from ..config import CRISIS_WINDOW_DAYS, Incident
from ..errors import InputError
from ..store import open_store

__all__ = [
    "CORRECTIVE_LANES", "ENGINEERING_LANE", "POA_FIGURE_COLUMNS",
    "corrective_actions", "figures", "load_orders", "root_cause_topics",
]

CORRECTIVE_LANES = ("cs", "tech", "platform")
"""Lanes whose actions at or after the onset are corrective actions (their days are fix dates)."""

ENGINEERING_LANE = "tech"
"""The lane whose actions are the engineering record and the product change in force."""

"""Length of the root-cause window from the onset day (as :func:`crisis_kit.analysis.topics.drivers`)."""

LANGUAGES = ("en", "zh")
"""Languages of the draft."""

POA_FIGURE_COLUMNS = ["kind", *FIGURE_COLUMNS]
"""Columns of :func:`figures`: ``kind`` is ``fix`` or ``sustained``."""


def load_orders(incident: Incident, as_of: DayLike | None = None,
                table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Read the orders that count from the incident's evidence store (read-only).

    ``table``: the store's ``orders`` table already read (``Evidence.orders``); the
    store is then not opened again.

    Returns
    -------
    pandas.DataFrame
        Each row represents one shipped order line of the incident's ASINs (every ASIN
        when the incident names none), purchased on or before ``as_of``.
    """
    if table is None:
        with open_store(incident.store_path, read_only=True) as store:
            table = store.table("orders")
    orders = effects.shipped_orders(table, incident.asins or None)
    if as_of is not None:
        orders = orders[pd.to_datetime(orders["local_date"]) <= as_day(as_of)]
    return orders.reset_index(drop=True)


def corrective_actions(
    actions: pd.DataFrame, onset: pd.Timestamp, tz: str, lanes: Sequence[str] = CORRECTIVE_LANES
) -> pd.DataFrame:
    """Return the corrective actions: the actions of ``lanes`` at or after ``onset``.

    Parameters
    ----------
    actions : pandas.DataFrame
        The actions table (``at`` tz-aware, ``lane``, ``action``; ``ref`` and the
        provenance columns where present).
    onset : pandas.Timestamp
        tz-aware onset.
    tz : str
        The marketplace's IANA zone: the zone of an action's local day.
    lanes : sequence of str, default CORRECTIVE_LANES
        The lanes that correct (customer service, engineering, platform).

    Returns
    -------
    pandas.DataFrame
        The rows kept, in time order, with ``local_at`` (``at`` in ``tz``) and
        ``local_date`` (its day, naive midnight) added.
    """
    if onset is None or pd.isna(onset) or onset.tzinfo is None:
        raise InputError("the onset must be a time with its zone",
                         fix="pass Analysis.detection.onset (tz-aware)")
    kept = actions[actions["lane"].isin(list(lanes)) & (actions["at"] >= onset)]
    kept = kept.sort_values(["at", "lane", "action"], kind="mergesort")
    local_at = kept["at"].dt.tz_convert(tz)
    return kept.assign(
        local_at=local_at,
        local_date=local_at.dt.tz_localize(None).dt.normalize().astype("datetime64[ns]"),
    ).reset_index(drop=True)


def root_cause_topics(
    drivers: pd.DataFrame, max_topics: int = 3, min_excess: float = 1.0
) -> list[str]:
    """Return the topics that define the root cause, most excess first.

    Parameters
    ----------
    drivers : pandas.DataFrame
        :func:`crisis_kit.analysis.topics.drivers` (``topic``, ``excess``; ordered by excess).
    max_topics : int, default 3
        At most this many topics.
    min_excess : float, default 1.0
        A topic counts when its crisis complaints exceed its pre-crisis rate by at
        least this many complaints.

    Returns
    -------
    list of str
        Topic names other than ``other``.
    """
    if drivers is None or drivers.empty:
        return []
    keep = drivers[(drivers["topic"].astype(str) != topics.OTHER) & (drivers["excess"] >= min_excess)]
    return keep["topic"].astype(str).tolist()[:max_topics]


def figures(
    events: pd.DataFrame,
    orders: pd.DataFrame,
    fix_dates: Sequence[DayLike],
    topic_names: Sequence[str],
    *,
    onset_day: DayLike,
    last_day: DayLike,
    window_days: int = CRISIS_WINDOW_DAYS,
    baseline_days: int = 28,
    asins: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Every before/after figure of the POA: per fix date and topic, then the level since.

    Parameters
    ----------
    events : pandas.DataFrame
        Events with ``local_date``, ``source``, ``is_negative`` and ``topic``.
    orders : pandas.DataFrame
        The store's ``orders`` table (shipped lines of ``asins`` count).
    fix_dates : sequence of day
        The local days of the corrective actions.
    topic_names : sequence of str
        The root-cause topics.
    onset_day, last_day : day
        The onset's local day and the last day of data.
    window_days : int, default CRISIS_WINDOW_DAYS (14)
        Length of each window around a fix date.
    baseline_days : int, default 28
        Length of the pre-crisis window of the ``sustained`` rows.
    asins : sequence of str, optional
        The incident's ASINs (None: every ASIN's orders).

    Returns
    -------
    pandas.DataFrame
        ``POA_FIGURE_COLUMNS``. ``kind`` ``fix``: for each fix date (``day``) and topic,
        :func:`crisis_kit.analysis.effects.before_after` with the before window clipped to start
        on the onset day at the earliest and the after window to end on ``last_day``.
        ``kind`` ``sustained``: per topic, the ``baseline_days`` days before the onset
        day against the days from the day after the last fix date to ``last_day``.
    """
    shipped = effects.shipped_orders(orders, asins)
    days = sorted({as_day(d) for d in fix_dates})
    # before_after's windows and comparison, on the orders cut to the shipped ones once
    # (before_after would cut them again for each day and topic)
    parts = [
        effects.compare(events, shipped, *effects.windows(
            day, window_days, not_before=onset_day, not_after=last_day), topic, day=day)
        .assign(kind="fix")
        for day in days for topic in topic_names
    ]
    if days:
        onset = as_day(onset_day)
        pre = Window(onset - pd.Timedelta(days=baseline_days), onset - pd.Timedelta(days=1))
        since = Window(days[-1] + pd.Timedelta(days=1), as_day(last_day))
        parts += [effects.compare(events, shipped, pre, since, topic, day=days[-1])
                  .assign(kind="sustained") for topic in topic_names]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in POA_FIGURE_COLUMNS})
    return pd.concat(parts, ignore_index=True)[POA_FIGURE_COLUMNS]
