"""Sales recovery: daily units against the pre-crisis baseline, phases, milestones, markers.

The sales table (design.md section 4) may report one ASIN-day three times: a Business
Report, a Sales and Traffic report and the orders file summed by day. Counting them
together would double the units, so :func:`daily_units` keeps, for each marketplace,
ASIN and day, the rows of the first source in ``SOURCE_PRIORITY`` that reports it:
the Business Report (Seller Central's own "Units Ordered", with sessions), then the
Sales and Traffic report (the same figures through the API), then the orders file
(lines that are not cancelled), which fills the days no report covers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..schemas import SALES_SOURCE_PRIORITY
from .volume import DayLike, as_day, day_index, days_of

__all__ = [
    "DAILY_COLUMNS", "MARKER_COLUMNS", "MILESTONE_COLUMNS", "PHASES", "PHASE_COLUMNS",
    "SOURCE_PRIORITY", "SalesSummary", "daily_units", "summarise", "baseline_units", "sales_index"]

SOURCE_PRIORITY = SALES_SOURCE_PRIORITY
"""Which source wins when several report the same marketplace, ASIN and day (first wins)."""

UNITS_COLUMNS = ["local_date", "units", "sessions", "unit_session_pct", "sources"]
"""Columns of :func:`daily_units`."""

DAILY_COLUMNS = [*UNITS_COLUMNS[:4], "units_7d_mean", "sales_index", "phase", "sources"]
"""Columns of :attr:`SalesSummary.daily`."""

PHASES = ("pre_crisis", "crisis", "stabilisation", "repair")
"""The phases of a sales recovery, in order."""

PHASE_COLUMNS = ["phase", "start", "end", "days", "mean_units", "mean_index"]
MILESTONE_COLUMNS = ["milestone", "local_date", "sales_index"]
SHARED_COLUMNS = ["asin", "parents", "days", "units"]

MARKER_COLUMNS = ["at", "local_date", "lane", "action", "channel", "owner", "ref", "sales_index"]

_NO_ASIN = ("", "*")  # no ASIN, or an account-level total: not an ASIN's sales


def daily_units(
    sales: pd.DataFrame,
    asins: Sequence[str] | None = None,
    as_of: DayLike | None = None,
) -> pd.DataFrame:
    """Return units (and sessions where reported) per local day, one source per ASIN-day.

    Parameters
    ----------
    sales : pandas.DataFrame
        The sales table (``Store.sales()``); needs ``date``, ``asin``, ``units`` and
        ``source``; ``marketplace`` and ``sessions`` are used when present.
    asins : sequence of str, optional
        Keep only these ASINs; None or empty keeps every ASIN. Rows without an ASIN
        and account-level totals (``asin`` ``*``) are always left out.
    as_of : str, datetime.date or pandas.Timestamp, optional
        Last day; later rows are ignored. Default: the last day any row reports.

    Returns
    -------
    pandas.DataFrame
        Each row represents one marketplace-local day from the first reported day to
        the last (zero-filled: a day no source reports has 0 units), with columns
        ``local_date``, ``units``, ``sessions`` (NaN where no kept row has sessions),
        ``unit_session_pct`` (100 x units / sessions over the rows with sessions) and
        ``sources`` (the sources kept that day, ``+``-joined; empty on filled days).

    Raises
    ------
    ValueError
        If a needed column is missing.

    Notes
    -----
    Units of one marketplace, ASIN and day come from one source: the first of
    ``SOURCE_PRIORITY`` that reports it (an unknown source ranks last). Units of all
    kept ASINs and marketplaces are then summed per day. The input is not modified.
    """
    missing = [c for c in ("date", "asin", "units", "source") if c not in sales.columns]
    if missing:
        raise ValueError(
            f"sales lack the column(s) {', '.join(missing)}; expected the sales table "
            "of crisis_kit.schemas.SALES"
        )
    days = days_of(sales["date"])
    keep = sales["asin"].notna() & ~sales["asin"].isin(_NO_ASIN)
    if asins:
        keep &= sales["asin"].isin(list(asins))
    if as_of is not None:
        keep &= days <= as_day(as_of)
    # each row's place in SOURCE_PRIORITY (an unknown source last), looked up per
    # distinct name: a dict mapped over the rows' strings calls Python once per row
    rank = pd.Index(SOURCE_PRIORITY).get_indexer(sales.loc[keep, "source"])
    rows = pd.DataFrame({
        "local_date": days[keep],
        "marketplace": sales.loc[keep, "marketplace"] if "marketplace" in sales else "",
        "asin": sales.loc[keep, "asin"],
        "units": sales.loc[keep, "units"].astype(float),
        "sessions": (sales.loc[keep, "sessions"] if "sessions" in sales
                     else pd.Series(float("nan"), index=days[keep].index)).astype(float),
        "source": sales.loc[keep, "source"].astype(str),
        "rank": np.where(rank >= 0, rank, len(SOURCE_PRIORITY)),
    })
    if rows["rank"].nunique() > 1:  # one source alone is every ASIN-day's best
        best = rows.groupby(["marketplace", "asin", "local_date"])["rank"].transform("min")
        rows = rows[rows["rank"] == best]
    if rows.empty:
        return _empty(UNITS_COLUMNS)
    rows = rows.assign(units_with_sessions=rows["units"].where(rows["sessions"].notna()))
    by_day = rows.groupby("local_date")
    per_day = by_day[["units", "units_with_sessions"]].sum()
    per_day["sessions"] = by_day["sessions"].sum(min_count=1)
    # the day's sources, "+"-joined in name order: one bit per source name, summed over
    # the day's distinct sources, each sum named once (no Python call per day)
    names = sorted(rows["source"].unique())
    if len(names) < 63:  # the kit's sources are a handful; a bit each fits an int64
        bits = rows[["local_date", "source"]].drop_duplicates().assign(
            bit=lambda f: f["source"].map({name: 1 << i for i, name in enumerate(names)}))
        masks = bits.groupby("local_date")["bit"].sum()
        per_day["sources"] = masks.map({m: "+".join(n for i, n in enumerate(names) if m >> i & 1)
                                        for m in masks.unique()})
    else:
        per_day["sources"] = by_day["source"].agg(lambda s: "+".join(sorted(set(s))))
    full = per_day.reindex(day_index(per_day.index.min(), per_day.index.max()))
    full["units"] = full["units"].fillna(0.0)
    full["sources"] = full["sources"].fillna("")
    full["unit_session_pct"] = (100 * full["units_with_sessions"] / full["sessions"]).where(
        full["sessions"] > 0)
    return full.reset_index()[UNITS_COLUMNS]


@dataclass(frozen=True, eq=False)
class SalesSummary:
    """The sales recovery of one incident (design.md sections 8 and 9).

    Attributes
    ----------
    daily : pandas.DataFrame
        Each row represents one local day (``DAILY_COLUMNS``): units, sessions,
        unit-session percentage, the trailing 7-day mean, the index i(d) and the phase.
    baseline_units_per_day : float or None
        Mean daily units over the ``baseline_days`` before the onset day (over the days
        the data covers, counted in ``baseline_days_covered``); None when none is covered.
    trough_index, trough_date, latest_index, recovered_100_date, reached_target_date
        design.md section 8; None where not computable or not reached.
    phases : pandas.DataFrame
        Each row represents one phase of ``PHASES`` (``PHASE_COLUMNS``); a phase not
        reached has NaT bounds and 0 days.
    milestones : pandas.DataFrame
        Each row represents one milestone (onset, trough, recovered_100,
        reached_target) with its day (NaT if not reached) and i(d) on it.
    markers : pandas.DataFrame
        Each row represents one intervention from the actions log (``MARKER_COLUMNS``),
        with i(d) on its local day.
    shared_children : pandas.DataFrame
        Each row represents one child ASIN that a Business Report lists under more than
        one parent ASIN (``SHARED_COLUMNS``: the parents, the days, the units summed):
        its rows are summed for the child's day, and the report says so once.
    """

    onset_day: pd.Timestamp
    baseline_days: int
    target: float
    as_of: pd.Timestamp | None
    asins: tuple[str, ...]
    daily: pd.DataFrame = field(repr=False)
    baseline_units_per_day: float | None
    baseline_days_covered: int
    trough_index: float | None
    trough_date: pd.Timestamp | None
    latest_index: float | None
    recovered_100_date: pd.Timestamp | None
    reached_target_date: pd.Timestamp | None
    phases: pd.DataFrame = field(repr=False)
    milestones: pd.DataFrame = field(repr=False)
    markers: pd.DataFrame = field(repr=False)
    shared_children: pd.DataFrame = field(repr=False, default_factory=lambda: _no_shared())

    def summary(self) -> dict[str, object]:
        """Return the ``sales`` block of ``summary.json`` (design.md section 9)."""
        return {
            "baseline_units_per_day": _round(self.baseline_units_per_day),
            "trough_index": _round(self.trough_index),
            "latest_index": _round(self.latest_index),
            "recovered_100_date": _iso(self.recovered_100_date),
            "reached_target_date": _iso(self.reached_target_date),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 3)


def _iso(day: pd.Timestamp | None) -> str | None:
    return None if day is None else f"{day:%Y-%m-%d}"


def _no_shared() -> pd.DataFrame:
    return pd.DataFrame({"asin": pd.Series(dtype=str), "parents": pd.Series(dtype=str),
                         "days": pd.Series(dtype=int), "units": pd.Series(dtype=float)})


def _empty(columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame({name: pd.Series(dtype=float) for name in columns})
    frame["local_date"] = frame["local_date"].astype("datetime64[ns]")
    for name in ("sources", "phase"):
        if name in frame:
            frame[name] = frame[name].astype(str)
    return frame


def _first_after(series: pd.Series, since: pd.Timestamp | None, level: float) -> pd.Timestamp | None:
    if since is None:
        return None
    hit = series[(series.index > since) & (series >= level)]
    return None if hit.empty else hit.index[0]


def baseline_units(units: pd.Series, onset_day: DayLike, baseline_days: int) -> pd.Series:
    """The daily units of the ``baseline_days`` days before the onset day: ``[onset - N, onset - 1]``.

    ``units`` is indexed by local day; their mean is the sales baseline (design.md section 8).
    """
    onset = as_day(onset_day)
    return units[(units.index >= onset - pd.Timedelta(days=baseline_days)) & (units.index < onset)]


def sales_index(units: pd.Series, baseline: float | None) -> tuple[pd.Series, pd.Series]:
    """The trailing 7-day mean of daily units and i(d) = that mean / baseline.

    ``units`` is indexed by every local day (zero-filled); i(d) is NaN for the first
    6 days and everywhere without a positive baseline (design.md section 8).
    """
    mean_7d = units.rolling(7, min_periods=7).mean()
    return mean_7d, (mean_7d / baseline if baseline and baseline > 0 else mean_7d * float("nan"))


def summarise(
    sales: pd.DataFrame,
    onset_day: DayLike,
    baseline_days: int,
    target: float,
    asins: Sequence[str] | None = None,
    actions: pd.DataFrame | None = None,
    as_of: DayLike | None = None,
    *,
    marker_lanes: Sequence[str] = ("marketing",),
    timezone: str | None = None,
) -> SalesSummary:
    """Summarise the sales of the incident's ASINs: baseline, index, phases, milestones.

    Parameters
    ----------
    sales : pandas.DataFrame
        The sales table (``Store.sales()``); see :func:`daily_units`.
    onset_day : str, datetime.date or pandas.Timestamp
        The marketplace-local day of the onset (a zoned timestamp counts by its own
        wall-clock day: convert it to the marketplace's zone first).
    baseline_days : int
        ``thresholds.baseline_days``.
    target : float
        ``thresholds.sales_target`` (1.2 = 120 % of the baseline).
    asins : sequence of str, optional
        The incident's ASINs, summed together; None or empty takes every ASIN.
    actions : pandas.DataFrame, optional
        The actions table (``Store.actions()``: ``at``, ``lane``, ``action``, ...);
        its rows on ``marker_lanes`` become intervention markers.
    as_of : str, datetime.date or pandas.Timestamp, optional
        Last day considered. Default: the last day the sales report.
    marker_lanes : sequence of str, default ("marketing",)
        Lanes whose actions are markers.
    timezone : str, optional
        IANA zone of the marketplace (``crisis_kit.config.marketplaces.get(code).tz``): the
        zone in which an action's ``at`` falls on a local day. Default: the zone
        ``at`` carries (UTC from the store).

    Returns
    -------
    SalesSummary

    Raises
    ------
    ValueError
        If ``baseline_days`` is not a positive integer, ``target`` is not positive, a
        date cannot be read, or a needed column is missing.

    Notes
    -----
    design.md section 8. u(d) = daily units (:func:`daily_units`). baseline = mean of
    u(d) over the ``baseline_days`` days ``[onset - baseline_days, onset - 1]``.
    i(d) = mean of u over ``[d - 6, d]`` / baseline (undefined for the first 6 days of
    the series). trough_index = min i(d) for d >= onset day (the first day if tied);
    recovered_100_date and reached_target_date = first days after the trough day with
    i(d) >= 1.0 and i(d) >= target. Phases (each day in exactly one):

    - pre_crisis: first day of the series to the day before the onset day;
    - crisis: the onset day to the trough day, both included;
    - stabilisation: the day after the trough to the day before recovered_100_date;
    - repair: recovered_100_date to the last day.

    A phase not yet reached is empty; without a trough the crisis runs to the last day.
    """
    if isinstance(baseline_days, bool) or not isinstance(baseline_days, int) or baseline_days < 1:
        raise ValueError(f"baseline_days must be a positive integer, got {baseline_days!r}")
    if isinstance(target, bool) or not isinstance(target, int | float) or not target > 0:
        raise ValueError(f"target must be a positive index such as 1.2, got {target!r}")
    onset = as_day(onset_day)
    units = daily_units(sales, asins, as_of)
    series = units.set_index("local_date")["units"]
    baseline_window = baseline_units(series, onset, baseline_days)
    baseline = float(baseline_window.mean()) if not baseline_window.empty else None
    mean_7d, index = sales_index(series, baseline)
    after = index[index.index >= onset].dropna()
    trough_date = None if after.empty else after.idxmin()
    recovered_100 = _first_after(index, trough_date, 1.0)
    reached_target = _first_after(index, trough_date, float(target))
    last = series.index[-1] if not series.empty else None

    phase, phases = _phases(series, index, onset, trough_date, recovered_100)
    daily = units.assign(units_7d_mean=mean_7d.to_numpy(), sales_index=index.to_numpy(),
                         phase=phase.astype(str).to_numpy())[DAILY_COLUMNS]
    milestones = pd.DataFrame(
        [[name, day, index.get(day, float("nan")) if day is not None else float("nan")]
         for name, day in (("onset", onset), ("trough", trough_date),
                           ("recovered_100", recovered_100), ("reached_target", reached_target))],
        columns=MILESTONE_COLUMNS,
    ).astype({"local_date": "datetime64[ns]", "sales_index": float})
    latest = index.iloc[-1] if not index.empty else float("nan")
    return SalesSummary(
        onset_day=onset, baseline_days=baseline_days, target=float(target), as_of=last,
        asins=tuple(asins or ()), daily=daily, baseline_units_per_day=baseline,
        baseline_days_covered=len(baseline_window),
        trough_index=None if trough_date is None else float(after.min()),
        trough_date=trough_date,
        latest_index=None if pd.isna(latest) else float(latest),
        recovered_100_date=recovered_100, reached_target_date=reached_target,
        phases=phases, milestones=milestones,
        markers=_markers(actions, marker_lanes, timezone, index),
        shared_children=shared_children(sales, asins, as_of),
    )


def shared_children(sales: pd.DataFrame, asins: Sequence[str] | None = None,
                    as_of: DayLike | None = None) -> pd.DataFrame:
    """Child ASINs listed under more than one parent on one day (``SHARED_COLUMNS``).

    Real Business Reports list the same child (and SKU) under two parents with other
    figures; both rows are kept and summed for the child's day (:func:`daily_units`).
    """
    if "parent_asin" not in sales.columns or sales.empty:
        return _no_shared()
    rows = sales[sales["asin"].notna() & ~sales["asin"].isin(_NO_ASIN)
                 & sales["parent_asin"].notna()]
    if asins:
        rows = rows[rows["asin"].isin(list(asins))]
    if as_of is not None:
        rows = rows[pd.to_datetime(rows["date"]) <= as_day(as_of)]
    per_day = rows.groupby(["asin", "date"]).agg(parents=("parent_asin", "nunique"),
                                                 units=("units", "sum"))
    shared = per_day[per_day["parents"] > 1].reset_index()
    if shared.empty:
        return _no_shared()
    names = rows.groupby("asin")["parent_asin"].agg(lambda p: ", ".join(sorted(set(p))))
    table = shared.groupby("asin").agg(days=("date", "nunique"), units=("units", "sum"))
    table["parents"] = names.reindex(table.index)
    return table.reset_index()[SHARED_COLUMNS]


def _phases(series: pd.Series, index: pd.Series, onset: pd.Timestamp,
            trough: pd.Timestamp | None, recovered: pd.Timestamp | None,
            ) -> tuple[pd.Series, pd.DataFrame]:
    """The phase of each day, and one row per phase (bounds as in :func:`summarise`)."""
    one_day = pd.Timedelta(days=1)
    first, last = (series.index[0], series.index[-1]) if not series.empty else (None, None)
    bounds = {
        "pre_crisis": (first, onset - one_day),
        "crisis": (onset, trough if trough is not None else last),
        "stabilisation": (None, None) if trough is None else (
            trough + one_day, recovered - one_day if recovered is not None else last),
        "repair": (recovered, last),
    }
    phase = pd.Series("", index=series.index, dtype=str)
    rows = []
    for name in PHASES:
        start, end = bounds[name]
        inside = np.zeros(len(series), dtype=bool)
        if start is not None and end is not None:
            inside = (series.index >= start) & (series.index <= end)
        phase[inside] = name
        found = bool(inside.any())
        rows.append([
            name, series.index[inside][0] if found else None,
            series.index[inside][-1] if found else None, int(inside.sum()),
            float(series[inside].mean()) if found else float("nan"),
            float(index[inside].mean()) if found else float("nan"),
        ])
    table = pd.DataFrame(rows, columns=PHASE_COLUMNS).astype(
        {"start": "datetime64[ns]", "end": "datetime64[ns]", "days": "int64"})
    return phase, table


def _markers(actions: pd.DataFrame | None, lanes: Sequence[str], timezone: str | None,
             index: pd.Series) -> pd.DataFrame:
    """Actions on ``lanes`` within the series' days, with i(d) on their local day."""
    if actions is None or index.empty:
        frame = _empty(MARKER_COLUMNS[1:])
        frame.insert(0, "at", pd.Series(dtype="datetime64[ns, UTC]"))
        return frame.astype(dict.fromkeys(MARKER_COLUMNS[2:-1], "str"))
    missing = [c for c in ("at", "lane", "action") if c not in actions.columns]
    if missing:
        raise ValueError(
            f"actions lack the column(s) {', '.join(missing)}; expected the actions table "
            "of crisis_kit.schemas.ACTIONS"
        )
    chosen = actions[actions["lane"].isin(list(lanes))]
    # With a zone given, parse as UTC first so that mixed offsets cannot fail.
    at = pd.to_datetime(chosen["at"], utc=timezone is not None)
    if timezone is not None:
        at = at.dt.tz_convert(timezone)
    local = (at.dt.tz_localize(None) if at.dt.tz is not None else at).dt.normalize()
    local = local.astype("datetime64[ns]")
    frame = pd.DataFrame({"at": at, "local_date": local})
    for name in MARKER_COLUMNS[2:-1]:
        frame[name] = chosen[name] if name in chosen else None
    frame["sales_index"] = local.map(index).astype(float)
    inside = (local >= index.index[0]) & (local <= index.index[-1])
    return frame[inside].sort_values(["at", "action"], kind="stable").reset_index(drop=True)
