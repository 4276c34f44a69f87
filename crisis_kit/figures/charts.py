"""Pure figure functions: one table in, one plotly Figure out, no analytics inside.

Every function takes the table first, then the same keywords with the same meaning:

``labels``
    A mapping from column names, category values (such as source names) and mark
    names (``alert``, ``target``, ``missing``, ``no_data``) to the text shown; keys it
    lacks are shown as they are. Format keys are read too (d3-time-format patterns):
    ``date_tickformat`` (ticks a day or a week apart), ``date_tickformat_month`` (ticks
    months apart: it names the year), ``date_tickformat_year`` and ``date_hoverformat``
    (:func:`date_axis`). The report passes the ``figures``,
    ``sources`` and ``formats`` groups of its strings file, so a Chinese report
    carries no English label.
``alert_date`` / ``target``
    Optional marks: a vertical line on a day, a horizontal line at a value.
``milestones``
    Optional table of marked days, each row one mark: ``local_date``, ``value`` (where
    on the y axis) and ``text`` (the label, already formatted by the caller), with an
    optional ``position`` (plotly ``textposition``).
``phases`` / ``forecast`` / ``markers``
    Optional tables drawn behind or beside the series (see each function).

Figures draw numbers and labels only: free text of the data (customers' words, the
team's action log) belongs in the report's escaped tables, never in a figure.
Colours and fonts come from :mod:`crisis_kit.figures.theme`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..analysis.volume import DayLike, as_day
from . import theme

__all__ = [
    "date_axis", "incident_comparison", "negative_threshold", "negative_volume", "rating_trajectory",
    "response_lanes", "sales_recovery", "topic_shares",
]


def _label(labels: Mapping[str, str], key: object) -> str:
    if key is None or (not isinstance(key, str) and pd.isna(key)):
        return labels.get("missing", "missing")
    return labels.get(str(key), str(key))


def _days(values: pd.Series) -> list[str]:
    # ISO strings keep the serialised figure short and independent of dtype units.
    return pd.to_datetime(values).dt.strftime("%Y-%m-%d").tolist()


def _require(table: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(
            f"{what} needs the column(s) {', '.join(missing)}; got {', '.join(table.columns)}"
        )


_DAY_MS = 86_400_000
_SHORT_SPAN_DAYS = 14


def date_axis(labels: Mapping[str, str]) -> dict[str, object]:
    """The date formats of an x axis: ticks with the year once they are months apart.

    Plotly picks the tick spacing from the span it draws (and again on every zoom):
    ticks a day or a week apart are labelled ``date_tickformat`` (``May 3``), ticks one
    or more months apart ``date_tickformat_month`` (``May 2022``), a year or more apart
    ``date_tickformat_year``: a chart over 18 months of real reviews would otherwise
    read ``Nov 1, Jan 1, ..., Nov 1, Jan 1`` with no year anywhere. Hover labels carry
    the whole date (``date_hoverformat``).
    """
    return {
        "tickformat": labels.get("date_tickformat", "%b %-d"),
        # the first stop that holds the tick spacing wins (plotly.js getTickFormat)
        "tickformatstops": [
            {"dtickrange": ["M1", "M11"], "value": labels.get("date_tickformat_month", "%b %Y")},
            {"dtickrange": ["M12", None], "value": labels.get("date_tickformat_year", "%Y")},
        ],
        "hoverformat": labels.get("date_hoverformat", "%Y-%m-%d"),
    }


def _base(labels: Mapping[str, str], y_title: str, days: pd.Series) -> go.Figure:
    figure = go.Figure(layout={"template": theme.template()})
    xaxis = {
        "type": "date",
        "title": {"text": _label(labels, "local_date")},
        **date_axis(labels),
    }
    distinct = pd.to_datetime(days).drop_duplicates()
    if 0 < len(distinct) <= _SHORT_SPAN_DAYS:
        # Plotly would tick every 12 hours (each day printed twice) and clip the last
        # day of a line: one tick a day, half a day of room at both ends.
        half = pd.Timedelta(hours=12)
        xaxis.update(
            dtick=_DAY_MS,
            tick0=distinct.min().strftime("%Y-%m-%d"),
            range=[(distinct.min() - half).strftime("%Y-%m-%d %H:%M"),
                   (distinct.max() + half).strftime("%Y-%m-%d %H:%M")],
        )
    figure.update_layout(xaxis=xaxis, yaxis={"title": {"text": y_title}})
    if "title" in labels:
        figure.update_layout(title={"text": labels["title"]}, margin={"t": 56})
    return figure


def _mark_day(figure: go.Figure, day: DayLike, text: str) -> None:
    """A dashed vertical line on ``day``, labelled above the plot (the alert's mark)."""
    iso = as_day(day).strftime("%Y-%m-%d")
    figure.add_shape(
        type="line", xref="x", yref="paper", x0=iso, x1=iso, y0=0, y1=1,
        line={"color": theme.COLORS["alert"], "width": 2, "dash": "dash"},
    )
    figure.add_annotation(
        x=iso, xref="x", y=1, yref="paper", yanchor="bottom", showarrow=False,
        text=text, font={"color": theme.COLORS["alert"]},
    )


def _hline(figure: go.Figure, value: float, text: str, color: str, dash: str = "dash",
           position: str = "top left") -> None:
    figure.add_hline(
        y=float(value), line={"color": color, "width": 1.5, "dash": dash},
        annotation={"text": text, "font": {"color": color}}, annotation_position=position,
    )


def _milestones(figure: go.Figure, milestones: pd.DataFrame | None, name: str) -> None:
    """One marker per row of ``milestones`` (``local_date``, ``value``, ``text``)."""
    if milestones is None:
        return
    _require(milestones, ("local_date", "value", "text"), "milestones")
    rows = milestones[milestones["local_date"].notna() & milestones["value"].notna()]
    if rows.empty:
        return
    position = rows["position"] if "position" in rows else pd.Series("top center", rows.index)
    figure.add_trace(
        go.Scatter(
            x=_days(rows["local_date"]), y=rows["value"].astype(float).to_numpy(),
            mode="markers+text", name=name, text=rows["text"].astype(str).tolist(),
            textposition=position.astype(str).tolist(), hoverinfo="skip",
            marker={"color": theme.COLORS["ink"], "size": 9, "symbol": "circle",
                    "line": {"color": theme.COLORS["background"], "width": 1.5}},
            textfont={"color": theme.COLORS["ink"], "size": 12},
        )
    )


def _campaigns(figure: go.Figure, campaigns: pd.DataFrame | None, name: str) -> None:
    """Outreach campaigns as stars on the series, each labelled with its key (``C1``, ...)."""
    if campaigns is None or campaigns.empty:
        return
    _require(campaigns, ("local_date", "value", "text"), "campaigns")
    shown = campaigns[campaigns["value"].notna()]
    if shown.empty:
        return
    figure.add_trace(go.Scatter(
        x=_days(shown["local_date"]), y=shown["value"].astype(float).to_numpy(),
        mode="markers+text", name=name, text=shown["text"].astype(str).tolist(),
        # campaigns days apart would print their keys on each other: alternate the sides
        textposition=["top left" if i % 2 == 0 else "top right" for i in range(len(shown))],
        cliponaxis=False,
        hovertext=shown["hover"].astype(str).tolist() if "hover" in shown else None,
        hoverinfo="text" if "hover" in shown else "x+y",
        marker={"color": theme.COLORS["campaign"], "size": 13, "symbol": "star",
                "line": {"color": theme.COLORS["background"], "width": 1}},
        textfont={"color": theme.COLORS["campaign"], "size": 12},
    ))


def _no_data(figure: go.Figure, labels: Mapping[str, str]) -> go.Figure:
    figure.add_annotation(
        text=_label(labels, "no_data"), xref="paper", yref="paper", x=0.5, y=0.5,
        showarrow=False, font={"color": theme.COLORS["muted"], "size": 16},
    )
    return figure


def negative_volume(
    daily_by_source: pd.DataFrame,
    labels: Mapping[str, str],
    alert_date: DayLike | None = None,
) -> go.Figure:
    """Stacked bars of negative events per local day, one colour per source.

    Parameters
    ----------
    daily_by_source : pandas.DataFrame
        :func:`crisis_kit.analysis.volume.daily_counts` with ``by="source"``: columns
        ``local_date``, ``source``, ``negative``.
    labels : mapping of str to str
        Display text (see the module docstring); reads ``local_date``, ``negative``,
        each source name, ``alert``, ``missing``, ``no_data``.
    alert_date : str, datetime.date or pandas.Timestamp, optional
        The day the alert fired, marked with a vertical line.

    Returns
    -------
    plotly.graph_objects.Figure
        One bar trace per source with at least one negative event, sources in
        :data:`crisis_kit.figures.theme.SOURCE_ORDER` (others after, by name).
    """
    _require(daily_by_source, ("local_date", "source", "negative"), "negative_volume")
    figure = _base(labels, _label(labels, "negative"), daily_by_source["local_date"])
    figure.update_layout(barmode="stack")
    stacked = daily_by_source.groupby("local_date")["negative"].sum()
    if len(stacked) and stacked.max() <= 10:
        figure.update_layout(yaxis={"dtick": 1})  # counts: no half ticks
    totals = daily_by_source.groupby("source", dropna=False)["negative"].sum()
    present = [s for s in totals.index if totals[s] > 0]
    known = [s for s in theme.SOURCE_ORDER if s in present]
    ordered = known + sorted((s for s in present if s not in known), key=str)
    for position, source in enumerate(ordered):
        rows = daily_by_source[daily_by_source["source"] == source].sort_values("local_date")
        figure.add_trace(
            go.Bar(
                x=_days(rows["local_date"]),
                y=rows["negative"].astype("int64").to_numpy(),
                name=_label(labels, source),
                marker={"color": theme.source_color(str(source), position), "line":
                        {"width": 0}},
                hovertemplate="%{y:,}",
            )
        )
    if not ordered:
        _no_data(figure, labels)
    if alert_date is not None:
        _mark_day(figure, alert_date, _label(labels, "alert"))
    return figure


def rating_trajectory(
    trailing: pd.DataFrame,
    labels: Mapping[str, str],
    target: float | None = None,
    milestones: pd.DataFrame | None = None,
    forecast: pd.DataFrame | None = None,
    campaigns: pd.DataFrame | None = None,
) -> go.Figure:
    """The displayed (trailing-window) rating per day, with the lifetime mean and forecast.

    Parameters
    ----------
    trailing : pandas.DataFrame
        :func:`crisis_kit.analysis.ratings.trailing_rating`: columns ``local_date``,
        ``rating``, ``cumulative_rating``, ``reviews_in_window``.
    labels : mapping of str to str
        Display text (see the module docstring); reads ``local_date``, ``rating``,
        ``cumulative_rating``, ``target``, ``no_data``.
    target : float, optional
        The target rating, drawn as a horizontal dashed line.
    milestones : pandas.DataFrame, optional
        Marked days (the trough, the recovery): ``local_date``, ``value``, ``text``.
    forecast : pandas.DataFrame, optional
        :attr:`crisis_kit.analysis.forecast.RatingForecast.path` (``local_date``, ``median``,
        ``lower``, ``upper``): the median as a dashed line, the interval as a band;
        reads the labels ``forecast`` and ``forecast_interval``.
    campaigns : pandas.DataFrame, optional
        Outreach campaigns (:func:`crisis_kit.analysis.campaigns.campaigns`): ``local_date``,
        ``value`` (the rating that day), ``text`` (its key) and optionally ``hover``:
        stars on the line; reads the label ``campaigns``.

    Returns
    -------
    plotly.graph_objects.Figure
        Two line traces (trailing rating, lifetime mean) on a 1-5 star axis; then the
        forecast band and median, the milestones and the campaigns, when given.
    """
    _require(trailing, ("local_date", "rating", "cumulative_rating"), "rating_trajectory")
    figure = _base(labels, _label(labels, "rating"), trailing["local_date"])
    figure.update_layout(yaxis={"range": [1, 5.05], "rangemode": "normal",
                                "hoverformat": ".2f", "dtick": 1})
    if trailing.empty:
        return _no_data(figure, labels)
    rows = trailing.sort_values("local_date")
    x = _days(rows["local_date"])
    figure.add_trace(
        go.Scatter(
            x=x, y=rows["rating"].astype(float).to_numpy(), mode="lines",
            name=_label(labels, "rating"), connectgaps=False,
            line={"color": theme.COLORS["accent"], "width": 2.5},
        )
    )
    figure.add_trace(
        go.Scatter(
            x=x, y=rows["cumulative_rating"].astype(float).to_numpy(), mode="lines",
            name=_label(labels, "cumulative_rating"),
            line={"color": theme.COLORS["faint"], "width": 1.5, "dash": "dot"},
        )
    )
    if target is not None:
        # below the line, at the left: clear of the series before the crisis and of the forecast
        _hline(figure, target, _label(labels, "target"), theme.COLORS["target"],
               position="bottom left")
    if forecast is not None and not forecast.empty:
        _require(forecast, ("local_date", "median", "lower", "upper"), "forecast")
        path = forecast.sort_values("local_date")
        future = _days(path["local_date"])
        figure.add_trace(go.Scatter(
            x=future, y=path["upper"].astype(float).to_numpy(), mode="lines",
            line={"width": 0}, showlegend=False, hoverinfo="skip",
        ))
        figure.add_trace(go.Scatter(
            x=future, y=path["lower"].astype(float).to_numpy(), mode="lines",
            line={"width": 0}, fill="tonexty", fillcolor=theme.COLORS["band"],
            name=_label(labels, "forecast_interval"), hoverinfo="skip",
        ))
        figure.add_trace(go.Scatter(
            x=future, y=path["median"].astype(float).to_numpy(), mode="lines",
            name=_label(labels, "forecast"),
            line={"color": theme.COLORS["accent"], "width": 2, "dash": "dash"},
        ))
    _milestones(figure, milestones, _label(labels, "milestones"))
    _campaigns(figure, campaigns, _label(labels, "campaigns"))
    return figure


def negative_threshold(
    negative_per_day: pd.DataFrame,
    labels: Mapping[str, str],
    alert_date: DayLike | None = None,
    floor: int | None = None,
) -> go.Figure:
    """Negative events per local day against the seed rule's threshold.

    Parameters
    ----------
    negative_per_day : pandas.DataFrame
        The detection's daily series (:attr:`crisis_kit.analysis.detection.rules.Detection.negative_per_day`
        or :attr:`crisis_kit.monitor.MonitorState.negative_per_day`): columns
        ``local_date``, ``negative``, ``threshold`` and ``seed_fires``.
    labels : mapping of str to str
        Display text (see the module docstring); reads ``local_date``, ``negative``,
        ``threshold``, ``floor``, ``alert``, ``no_data``.
    alert_date : str, datetime.date or pandas.Timestamp, optional
        The day the current alert began, marked with a vertical line when in range.
    floor : int, optional
        ``min_negative_per_day``, drawn as a horizontal dotted line.

    Returns
    -------
    plotly.graph_objects.Figure
        One bar trace of n(d) (days on which the seed rule fired in the alert colour)
        and one line trace of the threshold (gaps where the 7-day history is short).
    """
    _require(negative_per_day, ("local_date", "negative", "threshold", "seed_fires"),
             "negative_threshold")
    rows = negative_per_day.sort_values("local_date")
    figure = _base(labels, _label(labels, "negative"), rows["local_date"])
    if rows.empty:
        return _no_data(figure, labels)
    if rows["negative"].max() <= 10:
        figure.update_layout(yaxis={"dtick": 1})  # counts: no half ticks
    x = _days(rows["local_date"])
    fired = rows["seed_fires"].astype(bool).to_numpy()
    figure.add_trace(
        go.Bar(
            x=x, y=rows["negative"].astype("int64").to_numpy(), name=_label(labels, "negative"),
            marker={"color": [theme.COLORS["alert"] if f else theme.COLORS["accent"]
                              for f in fired], "line": {"width": 0}},
            hovertemplate="%{y:,}",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=x, y=rows["threshold"].astype(float).to_numpy(), mode="lines",
            name=_label(labels, "threshold"), connectgaps=False, line_shape="hvh",
            line={"color": theme.COLORS["ink"], "width": 2}, hovertemplate="%{y:.1f}",
        )
    )
    if floor is not None:
        _hline(figure, floor, _label(labels, "floor"), theme.COLORS["muted"], dash="dot")
    if alert_date is not None and x[0] <= as_day(alert_date).strftime("%Y-%m-%d") <= x[-1]:
        _mark_day(figure, alert_date, _label(labels, "alert"))
    return figure


def topic_shares(
    shares: pd.DataFrame,
    labels: Mapping[str, str],
    alert_date: DayLike | None = None,
) -> go.Figure:
    """Each day's negative events stacked by topic: a topic's share is its part of the bar.

    Parameters
    ----------
    shares : pandas.DataFrame
        :func:`crisis_kit.analysis.topics.daily_shares`: columns ``local_date``, ``topic``,
        ``negative`` and ``share`` (NaN on a day without negatives).
    labels : mapping of str to str
        Display text; reads ``local_date``, ``negative``, each topic name, ``alert``,
        ``missing``, ``no_data``.
    alert_date : str, datetime.date or pandas.Timestamp, optional
        The day the alert fired, marked with a vertical line.

    Returns
    -------
    plotly.graph_objects.Figure
        One bar trace per topic that has a negative event, in the order of the
        ``topic`` categories (the taxonomy's precedence) or else of appearance; the
        hover shows each topic's count and share of the day.

    Notes
    -----
    Counts rather than 100 % bars: on a quiet day a single complaint would fill a
    whole bar, and the eye would weigh it like a day of forty.
    """
    _require(shares, ("local_date", "topic", "negative", "share"), "topic_shares")
    figure = _base(labels, _label(labels, "negative"), shares["local_date"])
    figure.update_layout(barmode="stack")
    topic = shares["topic"]
    order = ([str(c) for c in topic.cat.categories] if isinstance(topic.dtype, pd.CategoricalDtype)
             else list(dict.fromkeys(topic.astype(str))))
    present = set(topic[shares["negative"] > 0].astype(str))
    drawn = [name for name in order if name in present]
    for name in drawn:
        rows = shares[topic.astype(str) == name].sort_values("local_date")
        figure.add_trace(go.Bar(
            x=_days(rows["local_date"]), y=rows["negative"].astype("int64").to_numpy(),
            customdata=rows["share"].astype(float).to_numpy(), name=_label(labels, name),
            hovertemplate="%{y:,} (%{customdata:.0%})",
            marker={"color": theme.topic_color(name, order.index(name)), "line": {"width": 0}},
        ))
    if not drawn:
        _no_data(figure, labels)
    if alert_date is not None:
        _mark_day(figure, alert_date, _label(labels, "alert"))
    return figure


_HOUR_TICKS = (0.25, 0.5, 1, 2, 4, 8, 24, 72, 168, 720, 2160, 8760)
_MINUTE = 1 / 60


def response_lanes(
    lanes: pd.DataFrame,
    labels: Mapping[str, str],
    golden_hours: float | None = None,
) -> go.Figure:
    """A dot chart of each lane's first action, in hours after the onset, on a log axis.

    Parameters
    ----------
    lanes : pandas.DataFrame
        Each row one lane, top to bottom: ``lane``, ``hours`` (NaN when the lane has
        no action after the onset), ``met`` (bool), and an optional ``text`` (the
        hours as the caller formats them), shown beside each dot.
    labels : mapping of str to str
        Display text; reads ``hours``, each lane name, ``met``, ``missed``,
        ``no_action``, ``golden_window``, ``no_data``.
    golden_hours : float, optional
        The golden window, shaded from the left edge to a dashed line.

    Returns
    -------
    plotly.graph_objects.Figure
        A stem trace, then one marker trace for the lanes within the window and one
        for those after it; a lane without action is labelled ``no_action``.

    Notes
    -----
    The hours span minutes to weeks, hence the log axis; an action at the very
    moment of the onset is drawn at one minute.
    """
    _require(lanes, ("lane", "hours", "met"), "response_lanes")
    figure = go.Figure(layout={"template": theme.template()})
    names = [_label(labels, lane) for lane in lanes["lane"]]
    figure.update_layout(
        height=max(240, 90 + 46 * len(lanes)), hovermode="closest", showlegend=True,
        xaxis={"type": "log", "title": {"text": _label(labels, "hours")}, "showgrid": True},
        yaxis={"type": "category", "categoryorder": "array", "categoryarray": names[::-1],
               "showgrid": False, "rangemode": "normal"},
        margin={"l": 16, "r": 72, "t": 32, "b": 40},
    )
    if lanes.empty:
        return _no_data(figure, labels)
    hours = lanes["hours"].astype(float).clip(lower=_MINUTE)
    known = hours.dropna()
    largest = max([*known.tolist(), float(golden_hours or 1)])
    low = min(0.25, known.min() / 2) if len(known) else 0.25
    high = largest * 3
    ticks = [t for t in _HOUR_TICKS if low <= t <= high]
    figure.update_xaxes(range=[math.log10(low), math.log10(high)], tickvals=ticks,
                        ticktext=[f"{t:g}" for t in ticks])
    if golden_hours is not None:
        figure.add_vrect(x0=low, x1=float(golden_hours), fillcolor=theme.COLORS["window"],
                         line_width=0, layer="below")
        figure.add_vline(x=float(golden_hours), line={"color": theme.COLORS["target"],
                                                      "width": 1.5, "dash": "dash"})
        figure.add_annotation(x=math.log10(float(golden_hours)), xref="x", y=1, yref="paper",
                              yanchor="bottom", showarrow=False,
                              text=_label(labels, "golden_window"),
                              font={"color": theme.COLORS["target"]})
    stems_x: list[float | None] = []
    stems_y: list[str | None] = []
    for name, value in zip(names, hours, strict=True):
        if not pd.isna(value):
            stems_x += [low, float(value), None]
            stems_y += [name, name, None]
    figure.add_trace(go.Scatter(x=stems_x, y=stems_y, mode="lines", showlegend=False,
                                hoverinfo="skip", line={"color": theme.COLORS["grid"], "width": 3}))
    text = lanes["text"].astype(str) if "text" in lanes else pd.Series("", lanes.index)
    met = lanes["met"].fillna(False).astype(bool)
    for key, chosen, color in (("met", met, "target"), ("missed", ~met, "alert")):
        rows = chosen & hours.notna()
        if not rows.any():
            continue
        figure.add_trace(go.Scatter(
            x=hours[rows].to_numpy(), y=[n for n, r in zip(names, rows, strict=True) if r],
            mode="markers+text", name=_label(labels, key), text=text[rows].tolist(),
            textposition="middle right", cliponaxis=False, hoverinfo="skip",
            marker={"color": theme.COLORS[color], "size": 13},
            textfont={"color": theme.COLORS["ink"]},
        ))
    for name, value in zip(names, hours, strict=True):
        if pd.isna(value):
            figure.add_annotation(x=math.log10(low), y=name, xanchor="left", showarrow=False,
                                  text=_label(labels, "no_action"),
                                  font={"color": theme.COLORS["alert"]})
    return figure


def sales_recovery(
    daily: pd.DataFrame,
    labels: Mapping[str, str],
    target: float | None = None,
    phases: pd.DataFrame | None = None,
    milestones: pd.DataFrame | None = None,
    markers: pd.DataFrame | None = None,
    campaigns: pd.DataFrame | None = None,
) -> go.Figure:
    """The sales index per day against the pre-crisis baseline, with its phases shaded.

    Parameters
    ----------
    daily : pandas.DataFrame
        :attr:`crisis_kit.analysis.sales.SalesSummary.daily`: columns ``local_date`` and
        ``sales_index`` (1.0 = the baseline).
    labels : mapping of str to str
        Display text; reads ``local_date``, ``sales_index``, ``baseline_level``,
        ``target``, each phase name, ``milestones``, ``interventions``, ``no_data``.
    target : float, optional
        The recovery target (``sales_target``, 1.2): a dashed line; the baseline (1.0)
        is always drawn, dotted.
    phases : pandas.DataFrame, optional
        :attr:`~crisis_kit.analysis.sales.SalesSummary.phases` (``phase``, ``start``, ``end``):
        each phase shaded with :data:`crisis_kit.figures.theme.PHASE_COLORS` and labelled.
    milestones : pandas.DataFrame, optional
        Marked days: ``local_date``, ``value``, ``text``.
    markers : pandas.DataFrame, optional
        Interventions: ``local_date`` and ``text`` (a short key, such as a number,
        that the report's table explains), drawn as diamonds along the bottom axis.
    campaigns : pandas.DataFrame, optional
        Outreach campaigns: ``local_date``, ``value`` (the index that day), ``text`` (its
        key, ``C1``), optionally ``hover``: stars on the line; reads the label ``campaigns``.

    Returns
    -------
    plotly.graph_objects.Figure
        One line trace of the index on a percent axis; then the milestones, the
        interventions and the campaigns, when given.
    """
    _require(daily, ("local_date", "sales_index"), "sales_recovery")
    rows = daily.sort_values("local_date")
    figure = _base(labels, _label(labels, "sales_index"), rows["local_date"])
    figure.update_layout(yaxis={"tickformat": ".0%", "hoverformat": ".1%"})
    if rows["sales_index"].notna().sum() == 0:
        return _no_data(figure, labels)
    # Headroom above the series and the target line, so the phase names along the top
    # never sit on the target's label.
    top = max(float(rows["sales_index"].max()), float(target or 1.0), 1.0)
    figure.update_layout(yaxis={"range": [0, top * 1.18]})
    half_day = pd.Timedelta(hours=12)
    for phase in ([] if phases is None else phases.itertuples()):
        if pd.isna(phase.start) or pd.isna(phase.end):
            continue
        figure.add_vrect(
            x0=(phase.start - half_day).strftime("%Y-%m-%d %H:%M"),
            x1=(phase.end + half_day).strftime("%Y-%m-%d %H:%M"),
            fillcolor=theme.PHASE_COLORS.get(str(phase.phase), theme.COLORS["panel"]),
            line_width=0, layer="below", annotation_text=_label(labels, phase.phase),
            annotation_position="top left",
            annotation_font={"color": theme.COLORS["muted"], "size": 12},
        )
    figure.add_trace(go.Scatter(
        x=_days(rows["local_date"]), y=rows["sales_index"].astype(float).to_numpy(),
        mode="lines", name=_label(labels, "sales_index"), connectgaps=False,
        line={"color": theme.COLORS["accent"], "width": 2.5},
    ))
    _hline(figure, 1.0, _label(labels, "baseline_level"), theme.COLORS["muted"], dash="dot")
    if target is not None:
        _hline(figure, target, _label(labels, "target"), theme.COLORS["target"])
    _milestones(figure, milestones, _label(labels, "milestones"))
    if markers is not None and not markers.empty:
        _require(markers, ("local_date", "text"), "markers")
        figure.add_trace(go.Scatter(
            x=_days(markers["local_date"]), y=[0.0] * len(markers), cliponaxis=False,
            mode="markers+text", name=_label(labels, "interventions"),
            text=markers["text"].astype(str).tolist(), textposition="top center",
            hoverinfo="skip",
            marker={"color": theme.COLORS["marker"], "size": 11, "symbol": "diamond",
                    "line": {"color": theme.COLORS["background"], "width": 1}},
            textfont={"color": theme.COLORS["marker"], "size": 12},
        ))
    _campaigns(figure, campaigns, _label(labels, "campaigns"))
    return figure


def incident_comparison(
    incidents: pd.DataFrame,
    labels: Mapping[str, str],
    measures: tuple[str, ...] = ("first_response_hours", "days_to_rating_recovery"),
) -> go.Figure:
    """A few measures of each incident over time: one small panel per measure, x = onset.

    Parameters
    ----------
    incidents : pandas.DataFrame
        Each row one incident (:func:`crisis_kit.report.workspace.comparison_for`): ``onset``
        (its local day; rows without one are left out), ``current`` (True on the
        incident the report is about), the ``measures`` columns, and an optional
        ``text`` (a short key, such as a number, that the report's table explains),
        shown beside each point.
    labels : mapping of str to str
        Display text; reads ``onset``, each measure name (the panel's title),
        ``current``, ``others``, ``no_data``.
    measures : tuple of str
        The columns drawn, one panel each, top to bottom.

    Returns
    -------
    plotly.graph_objects.Figure
        Per panel: a faint line through the incidents in onset order, the other
        incidents as dots and the current one as a larger dot in the alert colour (a
        blank measure leaves its dot out); one shared date axis.
    """
    _require(incidents, ("onset", "current", *measures), "incident_comparison")
    rows = incidents[incidents["onset"].notna()].copy()
    rows["onset"] = pd.to_datetime(rows["onset"])
    rows = rows.sort_values("onset", kind="mergesort")
    figure = make_subplots(rows=len(measures), cols=1, shared_xaxes=True,
                           vertical_spacing=0.16 if len(measures) > 1 else 0.0,
                           subplot_titles=[_label(labels, m) for m in measures])
    figure.update_layout(template=theme.template(), height=110 + 180 * len(measures),
                         hovermode="closest", margin={"l": 56, "r": 24, "t": 40, "b": 40})
    for annotation in figure.layout.annotations:  # the panel titles: left, in the text colour
        annotation.update(x=0, xanchor="left", font={"size": 13, "color": theme.COLORS["ink"]})
    figure.update_yaxes(rangemode="tozero", showgrid=True)
    if rows.empty:
        return _no_data(figure, labels)
    distinct = rows["onset"].drop_duplicates()
    xaxis: dict[str, object] = {"type": "date", **date_axis(labels)}
    if len(distinct) <= _SHORT_SPAN_DAYS and (distinct.max() - distinct.min()).days < _SHORT_SPAN_DAYS:
        pad = pd.Timedelta(days=1)  # a few days only: one tick a day, a day of room each side
        xaxis.update(dtick=_DAY_MS, tick0=distinct.min().strftime("%Y-%m-%d"),
                     range=[(distinct.min() - pad).strftime("%Y-%m-%d"),
                            (distinct.max() + pad).strftime("%Y-%m-%d")])
    figure.update_xaxes(**xaxis)
    figure.update_xaxes(title={"text": _label(labels, "onset")}, row=len(measures), col=1)
    text = rows["text"].astype(str) if "text" in rows else pd.Series("", rows.index)
    current = rows["current"].fillna(False).astype(bool)
    in_legend: set[str] = set()
    for i, measure in enumerate(measures, start=1):
        values = pd.to_numeric(rows[measure], errors="coerce").astype(float)
        known = values.notna()
        figure.add_trace(go.Scatter(
            x=_days(rows["onset"][known]), y=values[known].to_numpy(), mode="lines",
            showlegend=False, hoverinfo="skip",
            line={"color": theme.COLORS["faint"], "width": 1.5},
        ), row=i, col=1)
        for key, chosen, color, size in (("others", ~current, "accent", 10),
                                         ("current", current, "alert", 14)):
            picked = chosen & known
            if not picked.any():
                continue
            figure.add_trace(go.Scatter(
                x=_days(rows["onset"][picked]), y=values[picked].to_numpy(),
                mode="markers+text", name=_label(labels, key), legendgroup=key,
                showlegend=key not in in_legend, text=text[picked].tolist(), textposition="middle right",
                cliponaxis=False, hovertemplate="%{y:,.1f}<extra></extra>",
                marker={"color": theme.COLORS[color], "size": size,
                        "line": {"color": theme.COLORS["background"], "width": 1.5}},
                textfont={"color": theme.COLORS["ink"], "size": 12},
            ), row=i, col=1)
            in_legend.add(key)
    return figure
