"""The report's figures: tables from the Analysis, every label from the strings.

Each figure is one pure function of :mod:`crisis_kit.figures.charts`; this module picks its
table out of the :class:`~crisis_kit.pipeline.Analysis`, formats the texts it marks
(milestones, the golden window, the targets) in the report's language, and leaves out
a figure that has no data (its section says why in words).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from ..config.taxonomy import OTHER, load_taxonomy
from ..figures import charts as figures
from ..language import Strings
from ..pipeline import Analysis
from .comparison import PANELS, has_others

__all__ = ["FIGURES", "draw", "topic_labels"]

FIGURES = ("negative_volume", "topic_shares", "rating_trajectory", "response_lanes",
           "sales_recovery", "incident_comparison")
"""The report's figures, in page order; a figure without data is left out."""

_FORECAST_TAIL_DAYS = 14  # days of forecast path drawn past the interval's upper end


DATE_FORMATS = ("date_tickformat", "date_tickformat_month", "date_tickformat_year",
                "date_hoverformat")
"""The ``formats`` keys of the strings that the figures' date axes read (``figures.date_axis``)."""


def _labels(strings: Strings, *groups: str, **extra: str) -> dict[str, str]:
    formats = strings.section("formats")
    labels = {**strings.section("figures")}
    for group in groups:
        labels.update(strings.section(group))
    labels.update({key: formats[key] for key in DATE_FORMATS})
    labels.update(extra)
    return labels


def topic_labels(strings: Strings) -> dict[str, str]:
    """Topic name -> its label in the report's language (the taxonomy's; ``other`` from the strings)."""
    taxonomy = load_taxonomy()
    labels = {name: taxonomy.label(name, strings.lang) for name in taxonomy.names}
    labels[OTHER] = strings.text("topics.other")
    return labels


def _milestone_table(rows: list[tuple[Any, Any, str, str]]) -> pd.DataFrame:
    kept = [r for r in rows if r[0] is not None and r[1] is not None and not pd.isna(r[1])]
    return pd.DataFrame(kept, columns=["local_date", "value", "text", "position"]).astype(
        {"local_date": "datetime64[ns]", "value": float})


def campaign_marks(analysis: Analysis, s: Strings, column: str) -> pd.DataFrame:
    """The outreach campaigns as chart marks: on the day's ``column`` (``rating``, ``sales_index``).

    ``text`` is the campaign's key (``C1``, ``C2``: the report's campaign table numbers
    them the same way); ``hover`` its action and conversion.
    """
    table = analysis.campaigns
    if table is None or table.empty:
        return pd.DataFrame(columns=["local_date", "value", "text", "hover"])
    return pd.DataFrame({
        "local_date": table["local_date"], "value": table[column].astype(float),
        "text": [s.text("campaigns.key", number=int(n)) for n in table["number"]],
        "hover": [s.text("campaigns.hover", action=str(r.action),
                         reach=s.or_none(s.number(r.sent)),
                         conversion=s.or_none(s.number(r.conversion, "percent")))
                  for r in table.itertuples()],
    })


def _rating_figure(analysis: Analysis, s: Strings) -> go.Figure | None:
    rating = analysis.rating
    t = analysis.incident.thresholds
    if rating is None and analysis.health is not None and analysis.health.trajectory is not None \
            and not analysis.health.trajectory.empty:
        # a calm product (no onset): its displayed and lifetime rating, still charted
        labels = _labels(
            s, rating=s.text("figures.rating", window=t.rating_window_days),
            target=s.text("figures.target", target=s.number(t.target_rating, "rating")))
        return figures.rating_trajectory(analysis.health.trajectory, labels,
                                         target=t.target_rating)
    if rating is None or rating.trajectory.empty:
        return None
    f = rating.forecast
    path = f.path
    if not path.empty:
        end = (f.upper or f.target_date or path["local_date"].iloc[-1])
        path = path[path["local_date"] <= end + pd.Timedelta(days=_FORECAST_TAIL_DAYS)]
    trajectory = rating.trajectory.set_index("local_date")["rating"]
    marks = [(rating.trough_date, rating.trough,
              s.text("figures.trough", value=s.number(rating.trough, "rating")), "bottom center")]
    if rating.recovered_date is not None:
        marks.append((rating.recovered_date, trajectory.get(rating.recovered_date),
                      s.text("figures.recovered", value=s.number(rating.target, "rating")),
                      "top left"))
    if f.target_date is not None:
        # left of its dot: the forecast day lies after the last review, at the plot's right
        # edge, where a centred label was cut ("Forecast: 2020-05-0")
        marks.append((f.target_date, rating.target,
                      s.text("figures.forecast_date", date=s.date(f.target_date)), "top left"))
    labels = _labels(
        s, rating=s.text("figures.rating", window=t.rating_window_days),
        target=s.text("figures.target", target=s.number(t.target_rating, "rating")),
        forecast_interval=s.text("figures.forecast_interval",
                                 interval=s.number(f.interval, "percent_whole")),
    )
    return figures.rating_trajectory(rating.trajectory, labels, target=t.target_rating,
                                     milestones=_milestone_table(marks), forecast=path,
                                     campaigns=campaign_marks(analysis, s, "rating"))


def _sales_figure(analysis: Analysis, s: Strings) -> go.Figure | None:
    sales = analysis.sales
    if sales is None or sales.daily.empty or sales.baseline_units_per_day is None:
        return None
    index = sales.daily.set_index("local_date")["sales_index"]
    marks = [
        (sales.trough_date, sales.trough_index,
         s.text("figures.sales_trough", value=s.number(sales.trough_index, "percent_whole")),
         "bottom center"),
        (sales.recovered_100_date, index.get(sales.recovered_100_date),
         s.text("figures.sales_100", date=s.date(sales.recovered_100_date)), "bottom right"),
        (sales.reached_target_date, index.get(sales.reached_target_date),
         s.text("figures.sales_reached", value=s.number(sales.target, "percent_whole"),
                date=s.date(sales.reached_target_date)), "top left"),
    ]
    markers = sales.markers.assign(text=[str(i) for i in range(1, len(sales.markers) + 1)])
    labels = _labels(s, "phases", target=s.text(
        "figures.sales_target", target=s.number(sales.target, "percent_whole")))
    return figures.sales_recovery(sales.daily, labels, target=sales.target, phases=sales.phases,
                                  milestones=_milestone_table(marks), markers=markers,
                                  campaigns=campaign_marks(analysis, s, "sales_index"))


def _response_figure(analysis: Analysis, lanes: pd.DataFrame, s: Strings) -> go.Figure | None:
    if analysis.response is None or not analysis.response.lanes:
        return None
    hours = analysis.response.golden_hours
    labels = _labels(s, "lanes", golden_window=s.text(
        "figures.golden_window", hours=s.number(hours, "plain")))
    table = lanes.assign(text=[s.duration(h) for h in lanes["hours"]])
    return figures.response_lanes(table, labels, golden_hours=hours)


def _comparison_figure(table: pd.DataFrame | None, s: Strings) -> go.Figure | None:
    """The incidents over time, one panel per measure that some incident has.

    None when this incident stands alone in its workspace or no measure has a value.
    """
    if table is None or not has_others(table) or table["onset"].isna().all():
        return None
    dated = table[table["onset"].notna()]
    drawn = tuple(m for m in PANELS  # a panel with no value in any incident is not drawn
                  if pd.to_numeric(dated[m], errors="coerce").notna().any())
    if not drawn:
        return None
    panels = s.section("comparison")["panels"]
    labels = _labels(s, onset=s.text("comparison.rows.onset"),
                     current=s.text("comparison.current_point"),
                     others=s.text("comparison.others_point"),
                     **{m: panels[m] for m in drawn})
    numbered = table.assign(text=[str(i) for i in range(1, len(table) + 1)])
    return figures.incident_comparison(numbered, labels, measures=drawn)


def draw(analysis: Analysis, s: Strings, daily_by_source: pd.DataFrame,
         lanes: pd.DataFrame, topic_labels: Mapping[str, str],
         comparison: pd.DataFrame | None = None) -> dict[str, go.Figure]:
    """Draw the figures of :data:`FIGURES` that have data, in page order.

    Parameters
    ----------
    analysis : crisis_kit.pipeline.Analysis
        The numbers; nothing is computed here.
    s : Strings
        The words: every label of every figure.
    daily_by_source, lanes : pandas.DataFrame
        :func:`crisis_kit.report.views.daily_by_source` and
        :func:`~crisis_kit.report.views.lane_table`.
    topic_labels : mapping of str to str
        :func:`topic_labels`.
    comparison : pandas.DataFrame, optional
        :func:`crisis_kit.report.workspace.comparison_for`, in its order (the table's numbers).
    """
    alert = analysis.detection.alert_date
    drawn: dict[str, go.Figure | None] = {
        "negative_volume": figures.negative_volume(daily_by_source, _labels(s, "sources"),
                                                   alert_date=alert),
        "topic_shares": figures.topic_shares(
            analysis.topic_shares, {**_labels(s), **topic_labels}, alert_date=alert)
        if analysis.events["is_negative"].any() else None,
        "rating_trajectory": _rating_figure(analysis, s),
        "response_lanes": _response_figure(analysis, lanes, s),
        "sales_recovery": _sales_figure(analysis, s),
        "incident_comparison": _comparison_figure(comparison, s),
    }
    return {name: drawn[name] for name in FIGURES if drawn[name] is not None}
