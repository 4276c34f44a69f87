"""The scheduled monitor: whether the seed rule's alert is active on the latest day.

:func:`check` reads an incident's evidence store (optionally ingesting what is new
first), runs the detectors exactly as :func:`crisis_kit.pipeline.run_analysis` does (the
same :func:`~crisis_kit.pipeline.load_evidence` and :func:`~crisis_kit.analysis.detection.rules.detect`),
and returns a frozen :class:`MonitorState`: the alert rule's numbers for the latest
day, the statistical detector's p-value, and whether an alert is active.
:func:`post_webhook` (from :mod:`crisis_kit.monitor.webhook`) tells a chat bot. ``crisis-kit
monitor`` and ``notebooks/monitor.ipynb`` both call :func:`check`;
``docs/scheduling.md`` shows how to run them on a schedule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..analysis.detection import rules as detect
from ..analysis.health import negatives_to_fire
from ..config import Incident, load_incident, marketplaces
from ..errors import ConfigError, CrisisKitError
from ..pipeline import load_evidence
from ..poa.followups import overdue, read_followups
from .notice import AlertContext, alert_context
from .webhook import WEBHOOK_FORMATS, post_webhook, redact_url, webhook_payload

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = [
    "ACTIVE_DAYS", "RECENT_DAYS", "LABELS", "NOTEBOOK", "WEBHOOK_FORMATS", "MonitorState",
    "check", "notebook_parameters", "post_webhook", "redact_url", "webhook_payload",
]

ACTIVE_DAYS = 3
"""An alert stays active while the seed rule fired on the latest day or the 3 days before."""
RECENT_DAYS = 30
"""Days of the daily series a :class:`MonitorState` keeps (for its figure)."""
LABELS = {
    "local_date": "Day",
    "negative": "Negative signals",
    "threshold": "Threshold",
    "floor": "Floor",
    "alert": "Alert",
    "no_data": "No data",
}
"""Display text of the monitor's figure (:func:`crisis_kit.figures.charts.negative_threshold`)."""
NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "monitor.ipynb"
"""The monitor notebook: :func:`check` and its figure, for papermill and schedulers."""

_SERIES_COLUMNS = ["local_date", "negative", "prior_mean", "threshold", "seed_fires",
                   "p_value", "poisson_fires"]


def _number(value: Any) -> float | None:
    """A float, or None for NaN (warm-up days have no mean, threshold or p-value)."""
    return None if value is None or pd.isna(value) else float(value)


def _rounded(value: float | None, places: int = 3) -> float | None:
    return None if value is None else round(value, places)


def _significant(value: float | None) -> float | None:
    # A p-value of 6e-12 rounded to 3 decimals would read 0: keep 3 significant digits.
    return None if value is None else float(f"{value:.3g}")


@dataclass(frozen=True, eq=False)
class MonitorState:
    """The monitor's verdict on one incident for one day.

    Attributes
    ----------
    incident : str
        The incident's slug.
    status : {"alert", "calm"}
        ``alert`` when the seed rule fired on ``day`` or on one of the
        ``active_days`` days before it (see :func:`check`).
    day : datetime.date
        The day judged: ``as_of``, or the latest local day with an event.
    negative : int
        n(day): negative events on that local day (design.md section 8).
    prior_mean : float or None
        Mean n over the 7 days before ``day``; None when fewer than 7 days of history.
    threshold : float or None
        ``(1 + growth) * prior_mean``: n(day) must exceed it (and reach ``floor``).
    growth, floor
        The incident's ``negative_growth`` and ``min_negative_per_day``.
    seed_fires : bool
        Whether the seed rule fired on ``day``.
    p_value : float or None
        The Poisson detector's one-sided p-value for n(day) (``docs/detection.md``);
        None before 28 days of history.
    statistical_fires : bool
        Whether the Poisson detector fired on ``day`` (reported, not used for status).
    active_days : int
        The window behind ``status``.
    last_fired : datetime.date or None
        The latest day in the window on which the seed rule fired.
    alert_date : datetime.date or None
        When an alert is active: the first day of the current alert (the seed rule's
        last alert before ``last_fired`` that followed ``detect.QUIET_DAYS`` silent days).
    alert_at : pandas.Timestamp or None
        The moment on ``alert_date`` at which the rule first held (design.md section 8),
        aware in the marketplace's zone.
    latest_event_date : datetime.date or None
        The latest local day holding any event (stale exports show here).
    message : str
        One line for a terminal, a log or a chat bot.
    negative_per_day : pandas.DataFrame
        Each row represents one local day of the last :data:`RECENT_DAYS` days up to
        ``day``: ``local_date``, ``negative``, ``prior_mean``, ``threshold``,
        ``seed_fires``, ``p_value``, ``poisson_fires`` (from the detection's series).
    context : AlertContext
        The leading topic, a complaint to quote and the latest complaint's time, for the
        chat messages (:mod:`crisis_kit.monitor.notice`); not part of :meth:`as_json`.
    alert_kind : str or None
        When an alert is active: ``volume-driven`` (negatives rose with the volume of
        reviews; their share did not) or ``share-driven`` (docs/detection.md).
    share : float or None
        The day's negative share s(day) over reviews and feedback.
    negatives_to_fire : int or None
        How many more negatives today would make the seed rule fire (0: it fires).
    share_fires, low_volume_fires : bool
        Whether the share detector (7 days) and the low-volume detector (28 days) fire
        on ``day``.
    overdue_followups : tuple of dict
        The follow-ups (``followups:`` of incident.yaml, docs/poa.md) neither done nor
        cancelled whose due day is before ``day``, most overdue first: ``measure``,
        ``owner``, ``due`` (ISO day), ``days_overdue``. They do not change ``status``.
    followups_problem : str or None
        Why the follow-ups file could not be read (the monitor still judges the alert).
    """

    incident: str
    status: str
    day: dt.date
    negative: int
    prior_mean: float | None
    threshold: float | None
    growth: float
    floor: int
    seed_fires: bool
    p_value: float | None
    statistical_fires: bool
    active_days: int
    last_fired: dt.date | None
    alert_date: dt.date | None
    alert_at: pd.Timestamp | None
    latest_event_date: dt.date | None
    message: str
    negative_per_day: pd.DataFrame = field(repr=False)
    context: AlertContext = field(default_factory=AlertContext, repr=False)
    alert_kind: str | None = None
    share: float | None = None
    share_fires: bool = False
    low_volume_fires: bool = False
    negatives_to_fire: int | None = None
    overdue_followups: tuple[dict[str, Any], ...] = ()
    followups_problem: str | None = None

    @property
    def alert_active(self) -> bool:
        """True when ``status`` is ``alert``."""
        return self.status == "alert"

    def as_json(self) -> dict[str, Any]:
        """The state as JSON-ready values: ISO dates and times, numbers rounded.

        Means and thresholds are rounded to 3 decimals, the p-value to 3 significant
        digits; a value that cannot be computed is None. The daily series is left out.
        """
        def iso(value: Any) -> str | None:
            return None if value is None else value.isoformat()

        return {
            "incident": self.incident, "status": self.status, "day": iso(self.day),
            "negative": self.negative, "prior_mean": _rounded(self.prior_mean),
            "threshold": _rounded(self.threshold), "growth": self.growth, "floor": self.floor,
            "seed_fires": self.seed_fires, "p_value": _significant(self.p_value),
            "statistical_fires": self.statistical_fires, "active_days": self.active_days,
            "last_fired": iso(self.last_fired), "alert_date": iso(self.alert_date),
            "alert_at": iso(self.alert_at), "latest_event_date": iso(self.latest_event_date),
            "alert_kind": self.alert_kind, "share": _rounded(self.share),
            "share_fires": self.share_fires, "low_volume_fires": self.low_volume_fires,
            "negatives_to_fire": self.negatives_to_fire,
            "overdue_followups": [dict(item) for item in self.overdue_followups],
            "followups_problem": self.followups_problem,
            "message": self.message,
        }

    def figure(self, labels: dict[str, str] | None = None) -> go.Figure:
        """The last days' negatives against the threshold.

        Parameters
        ----------
        labels : dict, optional
            Display text; default :data:`LABELS`, the threshold named with its factor.

        Returns
        -------
        plotly.graph_objects.Figure
            :func:`crisis_kit.figures.charts.negative_threshold` of ``negative_per_day``, the
            current alert's first day and the floor marked.
        """
        from ..figures.charts import negative_threshold

        if labels is None:
            factor = f"{1 + self.growth:g}"
            labels = {**LABELS, "threshold": f"Threshold: {factor} x the "
                                             f"{detect.SEED_WINDOW_DAYS}-day mean"}
        return negative_threshold(self.negative_per_day, labels, alert_date=self.alert_date,
                                  floor=self.floor)

    def _repr_markdown_(self) -> str:
        rows = [(name, "" if value is None else str(value))
                for name, value in self.as_json().items() if name != "message"]
        table = "\n".join(f"| {name} | {value} |" for name, value in rows)
        return f"**{self.message}**\n\n| | |\n|---|---|\n{table}\n"


def _incident(incident: Incident | str | Path) -> Incident:
    if isinstance(incident, Incident):
        return incident
    if str(incident).strip() == "":
        raise ConfigError(
            "no incident given", "parameter incident_path",
            "set incident_path to the path of an incident.yaml (in the notebook's parameters "
            "cell, or papermill -p incident_path PATH)",
        )
    return load_incident(incident)


def _day(as_of: str | dt.date | None) -> dt.date | None:
    if as_of is None or as_of == "":
        return None
    if isinstance(as_of, dt.datetime):
        return as_of.date()
    if isinstance(as_of, dt.date):
        return as_of
    try:
        return dt.date.fromisoformat(str(as_of).strip())
    except ValueError:
        raise ConfigError(f"as_of {as_of!r} is not a date", "parameter as_of",
                          "give it as YYYY-MM-DD") from None


KIND_WORDS = {
    "volume-driven": "volume-driven: negatives rose with review volume; the share of "
                     "negatives did not rise",
    "share-driven": "share-driven: the share of negatives rose, not only their number",
}
"""The one-line message's words for the alert kind (the chat messages have zh and en)."""


def _message(state: dict[str, Any], slug: str) -> str:
    """One line: status, the day's count against the rule, the current alert, the p-value."""
    day = state["day"].isoformat()
    if state["threshold"] is None:
        rule = f"threshold n/a (fewer than {detect.SEED_WINDOW_DAYS} days of history)"
    else:
        rule = (f"threshold {state['threshold']:.1f} ({1 + state['growth']:g} x "
                f"{detect.SEED_WINDOW_DAYS}-day mean {state['prior_mean']:.1f}; "
                f"floor {state['floor']})")
    parts = [f"{state['negative']} negative on {day}, {rule}"]
    if state["status"] == "alert":
        since = state["alert_date"].isoformat()
        if state["alert_at"] is not None:
            since = state["alert_at"].strftime("%Y-%m-%d %H:%M %Z").strip()
        fired = "fired today" if state["last_fired"] == state["day"] else (
            f"last fired {state['last_fired'].isoformat()}")
        parts.append(f"alert since {since}, {fired}")
        if state.get("alert_kind"):
            parts.append(KIND_WORDS[state["alert_kind"]])
    p_value = state["p_value"]
    parts.append("Poisson p n/a" if p_value is None else f"Poisson p={p_value:.2g}")
    if state["status"] != "alert" and state.get("negatives_to_fire") is not None:
        parts.append(f"{state['negatives_to_fire']} more negatives today fire the seed rule")
    head = "ALERT" if state["status"] == "alert" else "calm"
    line = f"crisis-kit {head} {slug}: " + "; ".join(parts)
    late = state.get("overdue_followups") or ()
    if late:
        items = "; ".join(f"{f['measure']} ({f['owner'] + ', ' if f['owner'] else ''}due "
                          f"{f['due']}, {f['days_overdue']} days late)" for f in late)
        line += f". WARNING {len(late)} follow-up(s) overdue: {items}"
    if state.get("followups_problem"):
        line += f". WARNING the follow-ups file cannot be read: {state['followups_problem']}"
    return line


def _overdue_followups(incident: Incident, day: dt.date) -> tuple[tuple[dict[str, Any], ...],
                                                                  str | None]:
    """The follow-ups overdue on ``day``, most overdue first; or why the file cannot be read.

    A bad follow-ups file must not stop the alert from being judged: its error becomes a
    warning of the message.
    """
    if not incident.followups:
        return (), None
    try:
        table = read_followups(incident.resolve(incident.followups))
    except CrisisKitError as exc:
        return (), exc.message
    late = table[overdue(table, day)]
    items = [{"measure": r.measure, "owner": r.owner, "due": r.due.isoformat(),
              "days_overdue": (day - r.due).days} for r in late.itertuples()]
    return tuple(sorted(items, key=lambda f: (-f["days_overdue"], f["measure"]))), None


def check(
    incident: Incident | str | Path,
    as_of: str | dt.date | None = None,
    *,
    active_days: int = ACTIVE_DAYS,
    ingest: bool = False,
) -> MonitorState:
    """Judge whether an incident's alert is active on its latest day.

    Parameters
    ----------
    incident : Incident, str or Path
        The loaded ``incident.yaml``, or its path.
    as_of : str (YYYY-MM-DD) or datetime.date, optional
        The day to judge; events after it are ignored and days without events up to
        it count as zero. Default: the latest local day with an event (the wall clock
        is never read, so a stale export judges its own last day).
    active_days : int
        An alert is active when the seed rule fired on the judged day or on one of
        the ``active_days`` days before it (default 3; 0: the judged day only).
    ingest : bool
        Bring new rows of the incident's exports into its store first
        (:func:`crisis_kit.ingest.ingest_incident`); ``crisis-kit monitor`` and the
        monitor notebook do.

    Returns
    -------
    MonitorState

    Raises
    ------
    ConfigError
        An invalid incident file, or ``as_of`` not a date.
    CrisisKitError
        No evidence store, or no complaint event on or before ``as_of``.
    ValueError
        If ``active_days`` is not an integer >= 0.

    Notes
    -----
    design.md section 8: n(d), the seed rule and alert_at; the Poisson detector of
    ``docs/detection.md``. For day D and window W = ``active_days``: status is
    ``alert`` when the seed rule fires on some day in [D - W, D]; ``last_fired`` is
    the latest such day; ``alert_date`` is the seed rule's latest alert on or before
    ``last_fired`` in the sense of the backtest (a firing day after
    ``detect.QUIET_DAYS`` days without firing), and ``alert_at`` its moment.
    """
    if isinstance(active_days, bool) or not isinstance(active_days, int) or active_days < 0:
        raise ValueError(f"active_days must be an integer >= 0, got {active_days!r}")
    incident = _incident(incident)
    cut = _day(as_of)
    if ingest:
        from ..ingest import ingest_incident

        ingest_incident(incident)
    if not incident.store_path.is_file():
        raise CrisisKitError(
            "the incident has no evidence store yet", str(incident.store_path),
            f"run `crisis-kit ingest {incident.root / 'incident.yaml'}` first",
        )
    # grouped in the engine like the analysis: each negative a row, the rest counted
    evidence = load_evidence(incident, cut, words=False, grouped=True)
    if evidence.events.empty:
        scope = f" on or before {cut.isoformat()}" if cut else ""
        raise CrisisKitError(
            f"the evidence store holds no complaint event of this incident{scope}",
            str(incident.store_path),
            "check the complaint exports and asins in incident.yaml, then run "
            "`crisis-kit ingest`" + (", or choose a later --as-of" if cut else ""),
        )
    tz = marketplaces.get(incident.marketplace).tz
    t = incident.thresholds
    growth, floor = t.negative_growth, t.min_negative_per_day
    detection = detect.detect(evidence.events, t, tz, as_of=evidence.as_of)
    series = detection.negative_per_day
    today = series.iloc[-1]
    day = today["local_date"].date()
    in_window = series["local_date"] >= pd.Timestamp(day - dt.timedelta(days=active_days))
    fired = series.loc[in_window & series["seed_fires"], "local_date"]
    last_fired = fired.max().date() if len(fired) else None
    alert_date = alert_at = None
    if last_fired is not None:
        seed = detection.backtest[detection.backtest["detector"] == "seed_rule"]
        starts = seed.loc[seed["alert_date"] <= pd.Timestamp(last_fired), "alert_date"]
        alert_date = starts.max().date() if len(starts) else last_fired
        alert_at = detect.alert_moment(evidence.events, alert_date, growth, floor, tz)
    latest_event = pd.to_datetime(evidence.events["local_date"]).max().date()
    kind = None
    if alert_date is not None:
        from ..analysis.detection.share import alert_kind, share_series

        kind = alert_kind(share_series(evidence.events, end=day), alert_date)[0]
    numbers: dict[str, Any] = {
        "status": "alert" if last_fired is not None else "calm", "day": day,
        "negative": int(today["negative"]), "prior_mean": _number(today["prior_mean"]),
        "threshold": _number(today["threshold"]), "growth": float(growth), "floor": int(floor),
        "seed_fires": bool(today["seed_fires"]), "p_value": _number(today["p_value"]),
        "statistical_fires": bool(today["poisson_fires"]), "active_days": active_days,
        "last_fired": last_fired, "alert_date": alert_date, "alert_at": alert_at,
        "latest_event_date": latest_event, "alert_kind": kind,
        "share": _number(today["share"]) if "share" in today else None,
        "share_fires": bool(today.get("share_fires", False)),
        "low_volume_fires": bool(today.get("low_volume_fires", False)),
        "negatives_to_fire": negatives_to_fire(int(today["negative"]),
                                               _number(today["prior_mean"]), growth, floor),
    }
    numbers["overdue_followups"], numbers["followups_problem"] = _overdue_followups(incident, day)
    recent = series.loc[series["local_date"] > pd.Timestamp(day - dt.timedelta(days=RECENT_DAYS)),
                        _SERIES_COLUMNS].reset_index(drop=True)
    words = None
    if alert_date is not None:  # the quote is one of the negatives since the alert
        events = evidence.events
        since = events["is_negative"].fillna(False).astype(bool) & (
            pd.to_datetime(events["local_date"]).dt.date >= alert_date)
        words = evidence.words_of(events.loc[since, "event_id"])
    context = alert_context(evidence.events, words, alert_date, day, tz)
    return MonitorState(incident=incident.incident, **numbers,
                        message=_message(numbers, incident.incident), negative_per_day=recent,
                        context=context)


def notebook_parameters(
    incident_path: str | Path, as_of: str | dt.date | None = None
) -> dict[str, str]:
    """The parameters of :data:`NOTEBOOK` for one run (papermill ``-p``, PapermillOperator).

    Parameters
    ----------
    incident_path : str or Path
        The ``incident.yaml``.
    as_of : str (YYYY-MM-DD) or datetime.date, optional
        The day to judge (see :func:`check`).

    Returns
    -------
    dict
        ``{"incident_path": str, "as_of": "YYYY-MM-DD" or ""}``: the notebook's
        ``parameters`` cell declares exactly these, both ``str``, both defaulting to
        ``""`` (an empty ``as_of`` means the latest day with an event).

    Raises
    ------
    ConfigError
        If ``as_of`` is not a date.
    """
    day = _day(as_of)
    return {"incident_path": str(incident_path), "as_of": day.isoformat() if day else ""}
