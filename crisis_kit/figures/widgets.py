"""The explorer's four chart widgets: plotly ``FigureWidget``s in the crisis-kit template.

Built once, empty (:func:`make_figures`), and updated in place with :func:`draw`
(``batch_update``), so an open chart keeps its zoom. :class:`Series` is what they draw
(:func:`crisis_kit.explorer.charts.series` computes it from the selection).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from ..language import Strings, load_strings
from . import charts, theme

__all__ = ["Series", "make_figures", "add_source", "draw"]


@dataclass(frozen=True)
class Series:
    """What the charts draw for one selection.

    ``days`` are ISO dates; ``negative`` has one column per source (index ``days``);
    ``rating`` is the trailing mean review rating; ``topic_share`` the share of each
    topic among the selection's negatives; ``sales_index`` the trailing 7-day mean of
    units over the baseline; ``alert`` the seed rule's first firing day.
    """

    days: list[str]
    negative: pd.DataFrame
    rating: pd.Series
    topic_share: pd.Series
    sales_index: pd.Series
    alert: dt.date | None
    matching: int



def _figure(title: str, y_title: str, height: int = 300, dates: dict | None = None) -> go.FigureWidget:
    # autosize, no fixed width: each figure takes the width of its grid cell
    layout = {"template": theme.template(), "height": height, "autosize": True,
              "title": {"text": title, "x": 0, "font": {"size": 14}},
              "margin": {"l": 56, "r": 16, "t": 40, "b": 40},
              "yaxis": {"title": {"text": y_title}}, "showlegend": True}
    if dates:
        layout["xaxis"] = dates
    figure = go.FigureWidget(layout=layout)
    figure._config = {"responsive": True}  # gives the figure the resize handler fit.FitCharts calls
    return figure


def make_figures(sources: list[str], topic_labels: dict[str, str],
                 strings: Strings | None = None) -> dict[str, go.FigureWidget]:
    """Build the four chart widgets, empty: ``volume``, ``rating``, ``topics``, ``sales``.

    Parameters
    ----------
    sources : list of str
        The sources to give a bar trace each (more are added with :func:`add_source`).
    topic_labels : dict of str to str
        Display name of each topic, in the taxonomy's order.
    strings : Strings, optional
        The interface language (``explorer.charts`` and the date formats); default English.
    """
    words = strings if strings is not None else load_strings("en")
    text = lambda key: words.text(f"explorer.charts.{key}")  # noqa: E731
    dates = charts.date_axis({key: words.text(f"formats.{key}") for key in (
        "date_tickformat", "date_tickformat_month", "date_tickformat_year", "date_hoverformat")})
    volume = _figure(text("volume"), text("volume_axis"), dates=dates)
    volume.update_layout(barmode="stack")
    for source in sources:
        add_source(volume, source, words)
    rating = _figure(text("rating"), text("rating_axis"), dates=dates)
    rating.add_scatter(x=[], y=[], mode="lines", name=text("rating_trace"),
                       line={"color": theme.COLORS["accent"]})
    rating.update_layout(yaxis={"range": [1, 5.05], "rangemode": "normal"}, showlegend=False)
    topics = _figure(text("topics"), text("topics_axis"))
    topics.add_bar(x=[], y=[], name=text("topics_trace"), hovertemplate="%{x}: %{y:.1%}",
                   marker={"color": [theme.topic_color(t, i) for i, t in enumerate(topic_labels)]})
    topics.update_layout(yaxis={"tickformat": ".0%"}, xaxis={"automargin": True}, showlegend=False,
                         hovermode="closest")
    sales = _figure(text("sales"), text("sales_axis"), dates=dates)
    sales.add_scatter(x=[], y=[], mode="lines", name=text("sales_trace"),
                      line={"color": theme.COLORS["target"]})
    sales.update_layout(showlegend=False)
    return {"volume": volume, "rating": rating, "topics": topics, "sales": sales}


def add_source(volume: go.FigureWidget, source: str, strings: Strings) -> None:
    """Add the bar trace of ``source`` to the volume chart (``meta`` holds the source's name)."""
    label = strings.section("sources").get(source, source)
    volume.add_bar(x=[], y=[], name=label, meta=source, hovertemplate="%{x}: %{y:,}",
                   marker={"color": theme.source_color(source, len(volume.data)), "line": {"width": 0}})


def _day_line(day: dt.date, text: str, color: str) -> dict:
    return {"type": "line", "xref": "x", "yref": "paper", "x0": day.isoformat(), "x1": day.isoformat(),
            "y0": 0, "y1": 1, "line": {"color": color, "width": 1.5, "dash": "dash"},
            "label": {"text": text, "textposition": "end", "font": {"color": color, "size": 11}}}


def draw(figures: dict[str, go.FigureWidget], data: Series, topic_labels: dict[str, str],
         target_rating: float, day: dt.date | None = None, alert_label: str = "alert") -> None:
    """Put ``data`` into the chart widgets, in place (one message per chart)."""
    marks = [_day_line(data.alert, alert_label, theme.COLORS["alert"])] if data.alert else []
    half_day = dt.timedelta(hours=12)
    chosen = ([{"type": "rect", "xref": "x", "yref": "paper", "y0": 0, "y1": 1,
                "x0": (pd.Timestamp(day) - half_day).isoformat(),
                "x1": (pd.Timestamp(day) + half_day).isoformat(),
                "fillcolor": theme.COLORS["band"], "line": {"width": 0}}] if day else [])
    volume = figures["volume"]
    with volume.batch_update():
        for trace in volume.data:
            trace.x = data.days
            trace.y = data.negative[trace.meta].to_numpy() if trace.meta in data.negative else []
        volume.layout.shapes = marks + chosen
    with figures["rating"].batch_update():
        figures["rating"].data[0].x = data.days
        figures["rating"].data[0].y = data.rating.to_numpy()
        figures["rating"].layout.shapes = marks + [
            {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": target_rating,
             "y1": target_rating, "line": {"color": theme.COLORS["target"], "dash": "dot", "width": 1}}]
    with figures["topics"].batch_update():
        figures["topics"].data[0].x = [topic_labels.get(t, t) for t in data.topic_share.index]
        figures["topics"].data[0].y = data.topic_share.to_numpy()
    with figures["sales"].batch_update():
        figures["sales"].data[0].x = data.days
        figures["sales"].data[0].y = data.sales_index.to_numpy()
        figures["sales"].layout.shapes = marks + [
            {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": 1, "y1": 1,
             "line": {"color": theme.COLORS["faint"], "dash": "dot", "width": 1}}]
