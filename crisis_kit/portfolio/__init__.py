"""Portfolio watch: every ASIN of every brand scanned from one folder of Parquet.

The folder (:mod:`crisis_kit.portfolio.workspace`) holds the events, sales, orders and
actions of many incidents and brands, hive-partitioned by marketplace and brand
(``events/marketplace=US/brand=mellowkin/<incident>.parquet``), written by
:func:`export_incident` from an incident's store or by :func:`ingest_files` straight from
export files; :func:`scan` reads its events through Ibis on DuckDB (or Spark) and says,
for one day, which ASINs have an active alert (as the monitor judges: the seed rule fired
in the last 4 days), since when and of what kind, with their 30-day rating and its
change, ranked. ``docs/scale.md`` describes the layout and schemas.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .workspace import (
    PORTFOLIO_TABLES,
    READ_OPTIONS,
    PortfolioIngest,
    export_incident,
    ingest_files,
)

if TYPE_CHECKING:  # pandas only for the scan: the export and the ingest never need it;
    # the incident's model (pydantic) only for the export
    import pandas as pd

    from ..config import Incident

__all__ = ["ACTIVE_DAYS", "LOOKBACK_DAYS", "EVENT_COLUMNS", "SCAN_COLUMNS", "SALES_COLUMNS",
           "PORTFOLIO_TABLES", "PortfolioIngest", "Scan",
           "export_events", "export_incident", "ingest_files", "scan"]

EVENT_COLUMNS = ["incident", "asin", "source", "local_date", "rating", "is_negative", "topic"]
"""The events columns the scan reads (the first seven of the events schema,
``PORTFOLIO_TABLES["events"]``), plus the ``marketplace`` and ``brand`` partition keys."""

SCAN_COLUMNS = ["marketplace", "brand", "asin", "today", "prior_mean", "threshold",
                "seed_fires", "statistical_fires", "p_value", "alert_kind", "week_share",
                "baseline_share", "share_fires", "low_volume_fires", "rating_30",
                "rating_change", "leading_topic", "risk", "units_7", "baseline_units_per_day",
                "sales_index", "alert_active", "alert_date", "last_fired"]
"""Columns of :attr:`Scan.table`, one row per ASIN, most at risk first (new columns are
added at the end, never renamed or removed)."""

ACTIVE_DAYS = 3
"""An ASIN's alert stays active while the seed rule fired on the scanned day or one of the
3 days before (``crisis_kit.monitor.check.ACTIVE_DAYS``: the scan judges as the monitor)."""
LOOKBACK_DAYS = 104
"""Days before the scanned day on which the seed rule is replayed to find when each active
alert began: the 112 days of daily figures the windows read anyway. An alert whose firing
days reach back to that edge is replayed again over all of its ASIN's history."""

SALES_COLUMNS = ["units_7", "baseline_units_per_day", "sales_index"]
"""The scan's sales figures (:func:`crisis_kit.engine.daily.sales_windows`): null where the
portfolio has no sales for the ASIN."""


def export_events(incident: Incident | str | Path, portfolio: str | Path, brand: str) -> list[Path]:
    """Write the incident's events only into ``portfolio``, one Parquet file per marketplace.

    :func:`export_incident` writes all four tables (``crisis-kit export-parquet``).
    """
    return export_incident(incident, portfolio, brand, tables=("events",))


@dataclass(frozen=True, eq=False)
class Scan:
    """The portfolio on ``day``: one row per ASIN (``SCAN_COLUMNS``), most at risk first."""

    day: dt.date
    table: pd.DataFrame
    growth: float
    floor: int
    baseline_days: int = 28

    @property
    def alerting(self) -> pd.DataFrame:
        """The ASINs whose alert is active, as the monitor's status ``alert``.

        The seed rule fired on the scanned day or on one of the :data:`ACTIVE_DAYS` before.
        """
        return self.table[self.table["alert_active"]]

    @property
    def message(self) -> str:
        """One line for a chat bot: the alerting ASINs with their counts and kinds."""
        rows = self.alerting
        if rows.empty:
            return f"crisis-kit portfolio {self.day.isoformat()}: calm, {len(self.table)} ASINs"
        listed = "; ".join(
            f"{r.asin} ({r.marketplace}, {r.brand}) {r.today} negative"
            + (f", {r.alert_kind}" if isinstance(r.alert_kind, str) else "")
            + f", alert since {r.alert_date}"
            + (f", {r.leading_topic}" if isinstance(r.leading_topic, str) else "")
            for r in rows.itertuples())
        return (f"crisis-kit portfolio ALERT {self.day.isoformat()}: {len(rows)} of "
                f"{len(self.table)} ASINs: {listed}")

    def as_json(self) -> dict[str, Any]:
        """JSON-ready: the day, the rule, and every ASIN's figures."""
        rows = self.table.astype(object).where(self.table.notna(), None).to_dict("records")
        return {"day": self.day.isoformat(), "growth": self.growth, "floor": self.floor,
                "alerting": int(self.table["alert_active"].sum()),
                "firing": int(self.table["seed_fires"].sum()), "active_days": ACTIVE_DAYS,
                "asins": rows,
                "message": self.message, "baseline_days": self.baseline_days}


def _iso(days: pd.Series) -> pd.Series:
    """Days as ISO text, None where there is none (as the JSON says them)."""
    import pandas as pd

    stamps = pd.to_datetime(days)
    return pd.Series([None if pd.isna(v) else v.date().isoformat() for v in stamps],
                     index=days.index, dtype=object)


def _files(root: Path, table: str) -> list[Path]:
    """The table's Parquet files in the portfolio (hidden partial files left out)."""
    return sorted((root / table).glob("marketplace=*/brand=*/*.parquet"))


def _tables(root: Path, names: tuple[str, ...], engine: str,
            spark_master: str | None) -> dict[str, Any]:
    """The portfolio's tables ``names`` as Ibis tables on ``engine`` (duckdb or spark).

    A table without files (a portfolio written before sales were exported) is None.
    """
    import ibis

    files = {name: _files(root, name) for name in names}
    if engine == "duckdb":
        con = ibis.duckdb.connect()
        return {name: con.read_parquet([str(f) for f in found], **READ_OPTIONS) if found
                else None for name, found in files.items()}
    if engine != "spark":
        raise InputError(f"unknown engine {engine!r}", None, "use --engine duckdb or spark")
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise InputError("PySpark is not installed", None,
                         "pip install pyspark (pinned in constraints.txt), with Java 17") from None
    builder = SparkSession.builder.appName("crisis-kit-portfolio").master(
        spark_master or "local[2]").config("spark.sql.session.timeZone", "UTC")
    if not spark_master:  # a local session: no UI, no network beyond this machine
        builder = builder.config("spark.ui.enabled", "false").config(
            "spark.driver.bindAddress", "127.0.0.1").config(
            # list the marketplace/brand folders in the driver: a listing job of one task
            # per folder (the default past 32 folders) costs a local session seconds
            "spark.sql.sources.parallelPartitionDiscovery.threshold", "100000").config(
            # one shuffle by ASIN of small daily rows: a few partitions per core, not 200
            "spark.sql.shuffle.partitions", "8")
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    # partition values as text, as on DuckDB (READ_OPTIONS): a brand named 1688 stays a string
    session.conf.set("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
    con = ibis.pyspark.connect(session)
    tables: dict[str, Any] = {}
    for name, found in files.items():
        if not found:
            tables[name] = None
            continue
        frame = session.read.option("basePath", str(root / name)).parquet(
            str(root / name / "marketplace=*" / "brand=*" / "*.parquet"))
        frame.createOrReplaceTempView(f"crisis_kit_{name}")
        tables[name] = con.table(f"crisis_kit_{name}")
    return tables


def scan(portfolio: str | Path, as_of: str | dt.date | None = None,
         growth: float = 0.15, floor: int = 5, engine: str = "duckdb",
         spark_master: str | None = None, baseline_days: int = 28) -> Scan:
    """Scan every ASIN of the portfolio on ``as_of`` (default: its last event day).

    The daily figures and windows are computed in the engine
    (:mod:`crisis_kit.engine.daily`); only one row per ASIN comes back into pandas, where
    the seed rule (design.md 8), the alert kind's binomial test and the ranking are made.
    ``engine`` is ``duckdb`` (default, in process) or ``spark`` (a local ``local[2]``
    session, or the cluster at ``spark_master``): the same expressions on both.

    Each ASIN's alert is judged as ``crisis-kit monitor`` judges an incident's
    (:func:`crisis_kit.engine.daily.seed_alerts`, in the engine): ``alert_active`` (the
    seed rule fired on the day or one of the :data:`ACTIVE_DAYS` before), ``alert_date``
    (the alert's first day: a firing day after ``QUIET_DAYS`` without one; replayed over
    :data:`LOOKBACK_DAYS`, and over the whole history for the alerts reaching that edge)
    and ``last_fired``. The ranking, :attr:`Scan.alerting` and the CLI's exit code read
    ``alert_active``; ``alert_kind`` is given for every active ASIN.

    Where the portfolio has sales (its ``sales`` and ``orders`` tables), each ASIN's
    units of the 7 days ending on the day, its baseline (mean units per day of the
    ``baseline_days`` before those 7) and the sales index (100 x the 7 days' mean over
    the baseline) are added (:func:`crisis_kit.engine.daily.sales_windows`); they do not
    change the ranking.

    Raises
    ------
    InputError
        When the folder holds no events Parquet.
    """
    import ibis
    import pandas as pd

    from ..analysis.detection import preload
    from ..analysis.detection.rules import QUIET_DAYS
    from ..analysis.detection.share import (
        KIND_ALPHA,
        MIN_BASELINE,
        MIN_NEGATIVE,
        SHARE_ALPHA,
        _p_above,
    )
    from ..engine.daily import (
        ALERT_COLUMNS,
        KEYS,
        RECENT_DAYS,
        TOPIC_COLUMNS,
        daily_figures,
        leading_topics,
        sales_windows,
        seed_alerts,
        windows,
    )

    root = Path(portfolio)
    preload()  # scipy.special for the detectors' tails, imported while the engine works
    if not _files(root, "events"):
        raise InputError("the portfolio holds no events", str(root / "events"),
                         "export incidents into it first: `crisis-kit export-parquet "
                         "incident.yaml PORTFOLIO --brand NAME`")
    with warnings.catch_warnings():
        # ibis 12 calls APIs that DuckDB 2 and pandas 3 deprecate: theirs to fix, not a user's
        warnings.filterwarnings("ignore", module=r"ibis(\.|$)")
        tables = _tables(root, ("events", "sales", "orders"), engine, spark_master)
        events = tables["events"]
        # the last event day from the events' one column (Parquet statistics may answer
        # it), not from the daily figures: that would aggregate every day of every ASIN
        day = (dt.date.fromisoformat(str(as_of)) if as_of is not None
               else pd.Timestamp(events.filter(events.asin.notnull())
                                 .local_date.max().execute()).date())
        # the engine pushes the windows' date range into the Parquet scan: only the last
        # 112 days of events are aggregated, and only one row per ASIN comes back
        daily = daily_figures(events)
        # the windows and the alert replay read the same days' figures: one query of the
        # two joined (DuckDB aggregates those days once), not two scans of the Parquet
        recent = daily.filter((daily.local_date >= ibis.date(day - dt.timedelta(
            days=RECENT_DAYS - 1))) & (daily.local_date <= ibis.date(day)))
        replay = seed_alerts(recent, day, growth, floor, active_days=ACTIVE_DAYS,
                             quiet_days=QUIET_DAYS,
                             since=day - dt.timedelta(days=LOOKBACK_DAYS))
        leading = leading_topics(events, day)
        figured = windows(recent, day)
        alerted = figured.left_join(replay, list(KEYS)).select(
            figured, *(replay[c] for c in ALERT_COLUMNS))
        both = alerted.left_join(leading, list(KEYS)).select(
            alerted, *(leading[c] for c in TOPIC_COLUMNS)).execute()
        # every ASIN that fired in the replayed days, or had a negative in the last 7,
        # has figures of those days
        figures = both.drop(columns=[*ALERT_COLUMNS, *TOPIC_COLUMNS])
        alerts = both.loc[both["last_fired"].notna(), [*KEYS, *ALERT_COLUMNS]]
        topics = both.loc[both["topic"].notna(), [*KEYS, *TOPIC_COLUMNS]]
        reopen = alerts.loc[alerts["alert_open"].astype(bool), list(KEYS)]
        if len(reopen):  # alerts firing back to the edge: their ASINs' whole history
            # their marketplaces' and brands' folders alone (partition pruning), then the ASINs
            mine = events.filter(
                events.marketplace.isin(sorted(set(reopen["marketplace"])))
                & events.brand.isin(sorted(set(reopen["brand"])))
                & events.asin.isin(sorted(set(reopen["asin"]))))
            whole = seed_alerts(daily_figures(mine), day, growth, floor,
                                active_days=ACTIVE_DAYS, quiet_days=QUIET_DAYS).execute()
            alerts = pd.concat([alerts[~alerts["alert_open"].astype(bool)],
                                whole.merge(reopen, on=list(KEYS))], ignore_index=True)
        if tables["sales"] is not None or tables["orders"] is not None:
            sales = sales_windows(tables["sales"], tables["orders"], day,
                                  baseline_days).execute()
        else:  # a portfolio exported before sales were: the sales columns stay empty
            sales = pd.DataFrame(columns=[*KEYS, *SALES_COLUMNS])
    figures = figures.merge(topics, on=list(KEYS), how="left")
    figures = figures.merge(alerts[[*KEYS, "last_fired", "alert_date", "alert_active"]],
                            on=list(KEYS), how="left")
    figures = figures.merge(sales[[*KEYS, *SALES_COLUMNS]], on=list(KEYS), how="left")
    figures = figures.sort_values(["marketplace", "brand", "asin"]).reset_index(drop=True)
    prior = figures["prior_7"] / 7
    threshold = (1 + growth) * prior
    fires = (figures["today"] >= floor) & (figures["today"] - threshold > 1e-9)
    week = figures["rated_negative_7"] / figures["rated_7"].where(figures["rated_7"] > 0)
    base = figures["rated_negative_28"] / figures["rated_28"].where(figures["rated_28"] > 0)
    p = _p_above(figures["rated_negative_7"].to_numpy(), figures["rated_7"].to_numpy(),
                 base.fillna(0).to_numpy())
    kind = pd.Series(None, index=figures.index, dtype=object)
    has_rated = figures["rated_7"] > 0
    rose = (week > base.fillna(0)) & (p < KIND_ALPHA)
    active = figures["alert_active"].fillna(False).astype(bool)
    kind[active & has_rated & rose] = "share-driven"
    kind[active & has_rated & ~rose] = "volume-driven"
    def detector(x: str, n: str, x0: str, n0: str) -> pd.Series:
        """The share detectors of docs/detection.md on this day's windows."""
        p0 = (figures[x0] / figures[n0].where(figures[n0] > 0)).fillna(0)
        share = figures[x] / figures[n].where(figures[n] > 0)
        p_value = _p_above(figures[x].to_numpy(), figures[n].to_numpy(), p0.to_numpy())
        return ((figures[x] >= MIN_NEGATIVE) & (figures[n0] >= MIN_BASELINE)
                & (share > p0) & (p_value < SHARE_ALPHA)).fillna(False).astype(bool)

    from ..analysis.detection.detectors import ALPHA, _poisson_sf

    # the Poisson detector (docs/detection.md): P(X >= n) for X ~ Poisson(28-day mean);
    # history shorter than 28 days is counted as zeros here (the incident's detector waits)
    p_value = _poisson_sf(figures["today"] - 1, figures["prior_28"] / 28)
    statistical = (figures["today"] >= floor) & (p_value < ALPHA)
    share_fires = detector("rated_negative_7", "rated_7", "rated_negative_28", "rated_28")
    low_fires = detector("rated_negative_28_recent", "rated_28_recent", "rated_negative_84",
                         "rated_84")
    rating = figures["stars_30"] / figures["reviews_30"].where(figures["reviews_30"] > 0)
    before = figures["stars_prev_30"] / figures["reviews_prev_30"].where(
        figures["reviews_prev_30"] > 0)
    table = pd.DataFrame({
        "marketplace": figures["marketplace"], "brand": figures["brand"],
        "asin": figures["asin"], "today": figures["today"].astype(int),
        "prior_mean": prior.round(3), "threshold": threshold.round(3),
        "seed_fires": fires.astype(bool), "statistical_fires": statistical.astype(bool),
        "p_value": pd.Series(p_value, index=figures.index).map(lambda v: float(f"{v:.3g}")),
        "alert_kind": kind,
        "week_share": week.round(3), "baseline_share": base.round(3),
        "share_fires": share_fires, "low_volume_fires": low_fires,
        "leading_topic": figures["topic"].astype(object).where(figures["topic"].notna(), None),
        "rating_30": rating.round(3), "rating_change": (rating - before).round(3),
        # at risk: alert active first, then the largest excess over the rule, rating falls
        "risk": (active.astype(int) * 1000 + (share_fires | low_fires).astype(int) * 100
                 + (figures["today"] - threshold).clip(lower=0)
                 - (rating - before).fillna(0)).round(3),
        **{name: pd.to_numeric(figures[name], errors="coerce").astype(float).round(3)
           for name in SALES_COLUMNS},
        "alert_active": active,
        "alert_date": _iso(figures["alert_date"]), "last_fired": _iso(figures["last_fired"]),
    })
    table = table.sort_values(["risk", "marketplace", "brand", "asin"],
                              ascending=[False, True, True, True]).reset_index(drop=True)
    return Scan(day=day, table=table[SCAN_COLUMNS], growth=growth, floor=floor,
                baseline_days=baseline_days)
