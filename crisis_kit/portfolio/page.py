"""The portfolio scan as one offline HTML page: the ranked table and the alerting ASINs' charts.

Self-contained like the report: plotly's JavaScript inlined once, no link, no font, no
script from the network; every cell escaped (Jinja autoescape). Small multiples: for each
alerting ASIN, its negatives per day and its displayed (30-day) rating over the last 60
days, from the engine's daily figures.
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import pandas as pd

from ..language import load_strings
from . import Scan
from .workspace import READ_OPTIONS

__all__ = ["write_page", "SERIES_DAYS"]

SERIES_DAYS = 60
"""Days charted for each alerting ASIN."""

_PAGE = """<!DOCTYPE html>
<html lang="{{ html_lang }}">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title>{{ title }}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", sans-serif;
       margin: 2rem auto; max-width: 1100px; color: #1f2937; padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.85rem; }
th, td { border-bottom: 1px solid #e5e7eb; padding: 0.35rem 0.5rem; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.alert td { background: #fef2f2; }
p.note { color: #4b5563; font-size: 0.9rem; }
</style>
<script>{{ plotly_js | safe }}</script>
</head>
<body>
<h1>{{ title }}</h1>
<p class="note">{{ lead }}</p>
<table>
<thead><tr>{% for h in headers %}<th>{{ h }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in rows %}<tr class="{{ 'alert' if row.alert else '' }}">
{%- for cell in row.cells %}<td class="{{ 'n' if cell.number else '' }}">{{ cell.text }}</td>
{%- endfor %}</tr>
{% endfor %}</tbody>
</table>
<p class="note">{{ caption }}</p>
{% if figure %}<h2>{{ charts_title }}</h2>
{{ figure | safe }}{% endif %}
</body>
</html>
"""


def _series(portfolio: Path, scan: Scan) -> pd.DataFrame:
    """Daily negatives and 30-day rating of the alerting ASINs over the last 60 days."""
    import ibis

    from ..engine.daily import daily_figures

    alerting = scan.alerting
    if alerting.empty:
        return pd.DataFrame()
    files = sorted((portfolio / "events").glob("marketplace=*/brand=*/*.parquet"))
    first = scan.day - dt.timedelta(days=SERIES_DAYS + 29)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"ibis(\.|$)")
        con = ibis.duckdb.connect()
        daily = daily_figures(con.read_parquet([str(f) for f in files], **READ_OPTIONS))
        keep = daily.asin.isin(list(alerting["asin"])) & (daily.local_date >= ibis.date(first)) \
            & (daily.local_date <= ibis.date(scan.day))
        frame = daily.filter(keep).execute()
    out = []
    days = pd.date_range(first, scan.day)
    for (market, brand, asin), group in frame.groupby(["marketplace", "brand", "asin"]):
        g = group.assign(local_date=pd.to_datetime(group["local_date"])).set_index(
            "local_date")[["negative", "reviews", "stars"]].reindex(days, fill_value=0)
        rolled = g[["reviews", "stars"]].rolling(30, min_periods=1).sum()
        rating = (rolled["stars"] / rolled["reviews"].where(rolled["reviews"] > 0))
        shown = g.index > pd.Timestamp(scan.day) - pd.Timedelta(days=SERIES_DAYS)
        out.append(pd.DataFrame({"key": f"{asin} ({market}, {brand})",
                                 "local_date": g.index[shown],
                                 "negative": g["negative"][shown].to_numpy(),
                                 "rating": rating[shown].to_numpy()}))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()


def _figure(series: pd.DataFrame, labels: dict[str, str]) -> str:
    import plotly.graph_objects as go
    import plotly.io as pio
    from plotly.subplots import make_subplots

    keys = list(dict.fromkeys(series["key"]))
    fig = make_subplots(rows=len(keys), cols=1, shared_xaxes=False,
                        subplot_titles=keys, specs=[[{"secondary_y": True}]] * len(keys),
                        vertical_spacing=min(0.12, 0.5 / max(len(keys), 1)))
    for i, key in enumerate(keys, start=1):
        s = series[series["key"] == key]
        fig.add_trace(go.Bar(x=s["local_date"], y=s["negative"], name=labels["negative"],
                             marker_color="#b91c1c", showlegend=i == 1), row=i, col=1)
        fig.add_trace(go.Scatter(x=s["local_date"], y=s["rating"], name=labels["rating"],
                                 line={"color": "#1d4ed8"}, showlegend=i == 1),
                      row=i, col=1, secondary_y=True)
        fig.update_yaxes(range=[1, 5], dtick=1, secondary_y=True, row=i, col=1)
    fig.update_layout(height=260 * len(keys), margin={"t": 40, "b": 30, "l": 40, "r": 40},
                      template="plotly_white", legend={"orientation": "h"})
    return pio.to_html(fig, include_plotlyjs=False, full_html=False, div_id="portfolio-charts",
                       config={"displaylogo": False, "responsive": True})


def write_page(scan: Scan, portfolio: str | Path, path: str | Path, lang: str = "en") -> Path:
    """Write the scan as one offline HTML page (en or zh) and return its path."""
    import jinja2
    from plotly.offline import get_plotlyjs

    from ..config.taxonomy import load_taxonomy

    s = load_strings(lang)
    p = s.section("portfolio")
    taxonomy = load_taxonomy()
    table = scan.table
    headers = [p["asin"], p["marketplace"], p["brand"], p["today"], p["threshold"],
               p["kind"], p["week_share"], p["rating_30"], p["rating_change"], p["topic"],
               p["sales_index"]]
    kinds = {"volume-driven": p["volume_driven"], "share-driven": p["share_driven"]}
    rows = []
    for r in table.itertuples():
        kind = kinds.get(r.alert_kind, "") if isinstance(r.alert_kind, str) else ""
        flags = [f for f, on in ((p["share_flag"], r.share_fires),
                                 (p["low_volume_flag"], r.low_volume_fires)) if on]
        rows.append({"alert": bool(r.seed_fires), "cells": [
            {"text": r.asin}, {"text": r.marketplace}, {"text": r.brand},
            {"text": s.number(r.today), "number": True},
            {"text": s.number(r.threshold, "decimal"), "number": True},
            {"text": " · ".join([x for x in (kind, *flags) if x])},
            {"text": s.or_none(s.number(r.week_share, "percent")) if pd.notna(r.week_share)
             else "", "number": True},
            {"text": s.number(r.rating_30, "rating") if pd.notna(r.rating_30) else "",
             "number": True},
            {"text": f"{r.rating_change:+.2f}" if pd.notna(r.rating_change) else "",
             "number": True},
            {"text": taxonomy.label(r.leading_topic, lang)
             if isinstance(r.leading_topic, str) else ""},
            {"text": s.number(r.sales_index, "decimal"), "number": True},
        ]})
    series = _series(Path(portfolio), scan)
    figure = _figure(series, {"negative": p["negative"], "rating": p["rating"]}) \
        if not series.empty else ""
    env = jinja2.Environment(autoescape=True)
    html = env.from_string(_PAGE).render(
        html_lang=s.text("html_lang"), title=p["title"],
        lead=s.text("portfolio.lead", date=s.date(scan.day), alerting=s.number(len(scan.alerting)),
                    total=s.number(len(table))),
        headers=headers, rows=rows, caption=p["caption"], charts_title=p["charts"],
        figure=figure, plotly_js=get_plotlyjs())
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(html, encoding="utf-8")
    return target
