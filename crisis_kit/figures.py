"""Pure figure functions: one table in, one plotly Figure out, no analytics inside.

Every function takes the table first, then the same keywords with the same meaning:

``labels``
    A mapping from column names, category values (such as source names) and mark
    names (``alert``, ``target``, ``missing``, ``no_data``) to the text shown; keys it
    lacks are shown as they are. Two format keys are read too: ``date_tickformat`` and
    ``date_hoverformat`` (d3-time-format patterns). The report passes the ``figures``,
    ``sources`` and ``formats`` groups of its strings file, so a Chinese report
    carries no English label.
``alert_date`` / ``target``
    Optional marks: a vertical line on a day, a horizontal line at a value.

Colours and fonts come from :mod:`crisis_kit.theme`.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from . import theme
from .volume import DayLike, as_day

__all__ = ["negative_volume", "rating_trajectory"]


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


def _base(labels: Mapping[str, str], y_title: str, days: pd.Series) -> go.Figure:
    figure = go.Figure(layout={"template": theme.template()})
    xaxis = {
        "type": "date",
        "title": {"text": _label(labels, "local_date")},
        "tickformat": labels.get("date_tickformat", "%b %-d"),
        "hoverformat": labels.get("date_hoverformat", "%Y-%m-%d"),
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
        :func:`crisis_kit.volume.daily_counts` with ``by="source"``: columns
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
        :data:`crisis_kit.theme.SOURCE_ORDER` (others after, by name).
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
        day = as_day(alert_date).strftime("%Y-%m-%d")
        figure.add_shape(
            type="line", xref="x", yref="paper", x0=day, x1=day, y0=0, y1=1,
            line={"color": theme.COLORS["alert"], "width": 2, "dash": "dash"},
        )
        figure.add_annotation(
            x=day, xref="x", y=1, yref="paper", yanchor="bottom", showarrow=False,
            text=_label(labels, "alert"), font={"color": theme.COLORS["alert"]},
        )
    return figure


def rating_trajectory(
    trailing: pd.DataFrame,
    labels: Mapping[str, str],
    target: float | None = None,
) -> go.Figure:
    """The displayed (trailing-window) rating per day, with the lifetime mean.

    Parameters
    ----------
    trailing : pandas.DataFrame
        :func:`crisis_kit.ratings.trailing_rating`: columns ``local_date``,
        ``rating``, ``cumulative_rating``, ``reviews_in_window``.
    labels : mapping of str to str
        Display text (see the module docstring); reads ``local_date``, ``rating``,
        ``cumulative_rating``, ``target``, ``no_data``.
    target : float, optional
        The target rating, drawn as a horizontal dashed line.

    Returns
    -------
    plotly.graph_objects.Figure
        Two line traces (trailing rating, lifetime mean) on a 1-5 star axis.
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
        figure.add_hline(
            y=float(target), line={"color": theme.COLORS["target"], "width": 1.5,
                                   "dash": "dash"},
            annotation={"text": _label(labels, "target"), "font":
                        {"color": theme.COLORS["target"]}},
            annotation_position="top left",
        )
    return figure
