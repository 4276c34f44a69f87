"""The portfolio scan as one offline HTML page: the ranked table and the alerting ASINs' charts.

Self-contained like the report: plotly's JavaScript inlined once, no link, no font, no
script from the network; every cell escaped (Jinja autoescape). Small multiples: for each
alerting (marketplace, brand, ASIN), its negatives per day and its displayed (30-day)
rating over the last 60 days, from the engine's daily figures, and the incidents its
events came from, each with where its report is and the command that makes it, as plain
text from the incident's manifest (``PORTFOLIO/incidents/``): no link, the page is read
offline where those paths may not exist.
"""

from __future__ import annotations

import datetime as dt
import shlex
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from ..language import Strings, load_strings
from . import Scan
from .workspace import READ_OPTIONS

__all__ = ["write_page", "SERIES_DAYS"]

SERIES_DAYS = 60
"""Days charted for each alerting ASIN."""

_NAMES = {"file": "incident.yaml", "ingest": "crisis-kit portfolio ingest",
          "report": "crisis-kit report"}
"""Names the page's strings leave to the code (``{file}``...): the same in every language."""

_NAMED = ("incident_yaml", "yaml_given", "direct_none", "no_manifest", "yaml_placeholder")

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
h3 { font-size: 1rem; margin: 1.5rem 0 0.2rem; }
section.panel { border-top: 1px solid #e5e7eb; }
p.sources { font-size: 0.85rem; font-weight: 600; margin: 0.3rem 0; }
ul.incidents { font-size: 0.85rem; margin: 0; padding-left: 1.2rem; }
ul.incidents dl { display: grid; grid-template-columns: fit-content(18rem) 1fr; gap: 0.1rem 0.6rem;
                  margin: 0.2rem 0 0.6rem; }
ul.incidents dt { color: #4b5563; } ul.incidents dd { margin: 0; overflow-wrap: anywhere; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
       font-size: 0.8rem; background: #f3f4f6; padding: 0 0.2rem; user-select: all; }
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
{% if panels %}<h2>{{ charts_title }}</h2>
<p class="note">{{ paths_note }}</p>
<div id="portfolio-charts">
{% for panel in panels %}<section class="panel">
<h3>{{ panel.title }}</h3>
{{ panel.figure | safe }}
<p class="sources">{{ sources_title }}</p>
<ul class="incidents">
{% for incident in panel.incidents %}<li><strong>{{ incident.name }}</strong>
{%- if incident.title %} · {{ incident.title }}{% endif %}
{%- if incident.brand %} · {{ incident.brand }}{% endif %}
<dl>{% for line in incident.lines %}<dt>{{ line.label }}</dt><dd>
{%- if line.code %}<code>{{ line.value }}</code>{% else %}{{ line.value }}{% endif %}</dd>
{% endfor %}</dl></li>
{% endfor %}</ul>
</section>
{% endfor %}</div>{% endif %}
</body>
</html>
"""


def _daily(portfolio: Path, scan: Scan) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The alerting ASINs' daily figures over the charted days, and their incidents.

    Both keyed by (marketplace, brand, asin): the same ASIN in two marketplaces, or under
    two brands, is two keys, and only the keys the seed rule fires on are kept.
    """
    import ibis

    from ..engine.daily import KEYS, daily_figures

    keys = scan.alerting[list(KEYS)]
    files = sorted((portfolio / "events").glob("marketplace=*/brand=*/*.parquet"))
    first = scan.day - dt.timedelta(days=SERIES_DAYS + 29)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"ibis(\.|$)")
        con = ibis.duckdb.connect()
        events = con.read_parquet([str(f) for f in files], **READ_OPTIONS)
        daily = daily_figures(events)
        # the ASIN filter is pushed into the scan; the exact keys are matched below
        asins = sorted(set(keys["asin"]))
        keep = daily.asin.isin(asins) & (daily.local_date >= ibis.date(first)) \
            & (daily.local_date <= ibis.date(scan.day))
        frame = daily.filter(keep).execute()
        sources = events.filter(events.asin.isin(asins)
                                & (events.local_date <= ibis.date(scan.day))).select(
            *KEYS, "incident").distinct().execute()
    frame = frame.merge(keys, on=list(KEYS))
    sources = sources.merge(keys, on=list(KEYS)).sort_values([*KEYS, "incident"])
    return frame, sources


def _series(frame: pd.DataFrame, day: dt.date) -> dict[tuple[str, str, str], pd.DataFrame]:
    """Per (marketplace, brand, asin): negatives a day and 30-day rating, last 60 days."""
    out = {}
    days = pd.date_range(day - dt.timedelta(days=SERIES_DAYS + 29), day)
    for key, group in frame.groupby(["marketplace", "brand", "asin"]):
        g = group.assign(local_date=pd.to_datetime(group["local_date"])).set_index(
            "local_date")[["negative", "reviews", "stars"]].reindex(days, fill_value=0)
        rolled = g[["reviews", "stars"]].rolling(30, min_periods=1).sum()
        rating = (rolled["stars"] / rolled["reviews"].where(rolled["reviews"] > 0))
        shown = g.index > pd.Timestamp(day) - pd.Timedelta(days=SERIES_DAYS)
        out[key] = pd.DataFrame({"local_date": g.index[shown],
                                 "negative": g["negative"][shown].to_numpy(),
                                 "rating": rating[shown].to_numpy()})
    return out


def _figure(series: pd.DataFrame, labels: dict[str, str], div_id: str) -> str:
    """One panel: negatives a day (bars) and the 30-day rating (line, right axis 1-5)."""
    import plotly.graph_objects as go
    import plotly.io as pio

    days = list(pd.to_datetime(series["local_date"]).dt.strftime("%Y-%m-%d"))  # days, no time
    negatives = [int(v) for v in series["negative"]]
    rating = [None if pd.isna(v) else round(float(v), 4) for v in series["rating"]]
    fig = go.Figure([
        go.Bar(x=days, y=negatives, name=labels["negative"], marker_color="#b91c1c"),
        go.Scatter(x=days, y=rating, name=labels["rating"], line={"color": "#1d4ed8"},
                   yaxis="y2"),
    ])
    # plotly_white's look, written out: its template would be repeated in every panel
    grid = {"gridcolor": "#EBF0F8", "linecolor": "#EBF0F8", "zerolinecolor": "#EBF0F8",
            "automargin": True}
    fig.update_layout(height=260, margin={"t": 20, "b": 30, "l": 40, "r": 40},
                      template="none", paper_bgcolor="white", plot_bgcolor="white",
                      font={"color": "#2a3f5f"}, legend={"orientation": "h"},
                      xaxis={**grid, "type": "date", "tickformat": labels["date_tickformat"],
                             "tickformatstops": [
                                 {"dtickrange": ["M1", "M11"],
                                  "value": labels["date_tickformat_month"]},
                                 {"dtickrange": ["M12", None],
                                  "value": labels["date_tickformat_year"]}],
                             "hoverformat": labels["date_hoverformat"]},
                      yaxis={**grid, "rangemode": "tozero"},
                      yaxis2={"overlaying": "y", "side": "right", "range": [1, 5], "dtick": 1,
                              "showgrid": False, "automargin": True})
    return pio.to_html(fig, include_plotlyjs=False, full_html=False, div_id=div_id,
                       config={"displaylogo": False, "responsive": True})


def _incident_lines(record: dict | None, brand: str, portfolio: Path,
                    p: dict[str, str]) -> list[dict[str, Any]]:
    """What the page says of one incident: where its report is and how to make it.

    Plain text only, never a link: the page is read offline, on a machine where these
    paths may not exist. ``code`` marks a path or a command (shown in monospace).
    """
    again = [{"label": p["no_manifest"], "value": (
        f"crisis-kit export-parquet {p['yaml_placeholder']} {shlex.quote(str(portfolio))} "
        f"--brand {shlex.quote(brand)}"), "code": True}]
    if record is None:  # exported before manifests were kept, or written by another tool
        return again
    if record.get("route") == "portfolio ingest":
        lines = [{"label": p["report"], "value": p["direct_none"], "code": False}]
        if record.get("store"):
            lines.append({"label": p["store"], "value": str(portfolio / record["store"]),
                          "code": True})
        return lines
    if not record.get("incident_yaml_resolved"):  # exported from an Incident with no yaml
        return again
    lines = [{"label": p["report"], "value": str(record.get("report") or ""), "code": True},
             {"label": p["report_make"], "value": str(record.get("report_command") or ""),
              "code": True},
             {"label": p["incident_yaml"], "value": str(record["incident_yaml_resolved"]),
              "code": True}]
    given = record.get("incident_yaml")
    if given and given != record["incident_yaml_resolved"]:
        lines.append({"label": p["yaml_given"], "value": str(given), "code": True})
    if record.get("report_url"):
        lines.append({"label": p["report_url"], "value": str(record["report_url"]),
                      "code": True})
    return lines


def _panels(portfolio: Path, scan: Scan, s: Strings, p: dict[str, str]) -> list[dict[str, Any]]:
    """One panel per alerting (marketplace, brand, asin), in the ranking's order."""
    from .workspace import read_manifests, slug

    if scan.alerting.empty:
        return []
    frame, sources = _daily(portfolio, scan)
    series = _series(frame, scan.day)
    manifests = read_manifests(portfolio)
    formats = s.section("formats")
    labels = {"negative": p["negative"], "rating": p["rating"],
              **{key: formats[key] for key in ("date_tickformat", "date_tickformat_month",
                                               "date_tickformat_year", "date_hoverformat")}}
    panels = []
    for i, r in enumerate(scan.alerting.itertuples()):
        key = (r.marketplace, r.brand, r.asin)
        mine = sources[(sources["marketplace"] == r.marketplace) & (sources["brand"] == r.brand)
                       & (sources["asin"] == r.asin)]
        incidents = []
        for name in mine["incident"]:
            record = manifests.get((r.brand, slug(str(name))))
            incidents.append({"name": name, "title": (record or {}).get("title") or "",
                              "brand": (record or {}).get("brand") or "",
                              "lines": _incident_lines(record, r.brand, portfolio, p)})
        panels.append({
            "title": p["panel"].format(asin=r.asin, marketplace=r.marketplace, brand=r.brand),
            "figure": _figure(series[key], labels, f"portfolio-chart-{i}") if key in series
            else "",
            "incidents": incidents})
    return panels


def write_page(scan: Scan, portfolio: str | Path, path: str | Path, lang: str = "en") -> Path:
    """Write the scan as one offline HTML page (en or zh) and return its path."""
    import jinja2
    from plotly.offline import get_plotlyjs

    from ..config.taxonomy import load_taxonomy

    s = load_strings(lang)
    p = dict(s.section("portfolio"))
    p.update({key: p[key].format(**_NAMES) for key in _NAMED})
    taxonomy = load_taxonomy()
    table = scan.table
    headers = [p["asin"], p["marketplace"], p["brand"], p["today"], p["threshold"],
               p["kind"], p["week_share"], p["rating_30"], p["rating_change"], p["topic"],
               p["sales_index"], p["alert_since"], p["last_fired"]]
    kinds = {"volume-driven": p["volume_driven"], "share-driven": p["share_driven"]}
    rows = []
    for r in table.itertuples():
        kind = kinds.get(r.alert_kind, "") if isinstance(r.alert_kind, str) else ""
        flags = [f for f, on in ((p["share_flag"], r.share_fires),
                                 (p["low_volume_flag"], r.low_volume_fires)) if on]
        rows.append({"alert": bool(r.alert_active), "cells": [
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
            {"text": s.date(dt.date.fromisoformat(r.alert_date)) if r.alert_date else ""},
            {"text": s.date(dt.date.fromisoformat(r.last_fired)) if r.last_fired else ""},
        ]})
    panels = _panels(Path(portfolio), scan, s, p)
    env = jinja2.Environment(autoescape=True)
    html = env.from_string(_PAGE).render(
        html_lang=s.text("html_lang"), title=p["title"],
        lead=s.text("portfolio.lead", date=s.date(scan.day), alerting=s.number(len(scan.alerting)),
                    total=s.number(len(table))),
        headers=headers, rows=rows, caption=p["caption"], charts_title=p["charts"],
        panels=panels, sources_title=p["incidents"], paths_note=p["paths_note"],
        plotly_js=get_plotlyjs())
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(html, encoding="utf-8")
    return target
