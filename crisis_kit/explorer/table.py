"""The explorer's complaint table as HTML: every customer word escaped, matches marked."""

from __future__ import annotations

import html
import math

import pandas as pd

from ..language import Strings, load_strings
from .search import Terms, highlight

__all__ = ["render_table"]

_STYLE = """<style>
.ck-table {border-collapse: collapse; width: 100%; font-size: 12.5px;}
.ck-table th {text-align: left; border-bottom: 2px solid #e3e7ed; padding: 4px 6px; color: #5f6b7a;}
.ck-table td {border-bottom: 1px solid #e3e7ed; padding: 4px 6px; vertical-align: top;}
.ck-table td.ck-text {white-space: pre-wrap; max-width: 720px;}
.ck-table tr.ck-negative td:first-child {border-left: 3px solid #b2182b;}
.ck-table mark {background: #ffe08a; padding: 0;}
</style>"""


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return html.escape(str(value))


def render_table(page: pd.DataFrame, terms: Terms, topic_labels: dict[str, str],
                 strings: Strings | None = None) -> str:
    """HTML of one page of complaints (date, source, ASIN, rating, topic, title and text).

    Parameters
    ----------
    page : pandas.DataFrame
        :meth:`ExplorerData.page` rows.
    terms : Terms
        The search, whose matches are marked in the title and text.
    topic_labels : dict of str to str
        Display name of each topic.
    strings : Strings, optional
        The interface language: headers, source names, dates (default English).

    Returns
    -------
    str
        Safe HTML: customer text is escaped (``html.escape``), never interpreted.
    """
    language = strings if strings is not None else load_strings("en")
    if page.empty:
        return _STYLE + f"<p><em>{html.escape(language.text('explorer.no_match'))}</em></p>"
    sources = language.section("sources")
    rows = []
    for record in page.itertuples(index=False):  # one page: at most a few dozen rows
        rating = "" if pd.isna(record.rating) else f"{record.rating:.0f}★"
        title = highlight(record.title, terms, limit=200)
        words = highlight(record.text, terms)
        body = (f"<strong>{title}</strong><br>" if title else "") + words
        rows.append(
            f"<tr class=\"{'ck-negative' if record.is_negative else ''}\">"
            f"<td>{_cell(language.date(record.local_date))}</td>"
            f"<td>{_cell(sources.get(record.source, record.source))}</td>"
            f"<td>{_cell(record.marketplace)}</td><td>{_cell(record.asin)}</td><td>{rating}</td>"
            f"<td>{_cell(topic_labels.get(record.topic, record.topic))}</td>"
            f"<td class=\"ck-text\">{body}</td></tr>")
    head = "".join(f"<th>{html.escape(language.text(f'explorer.columns.{key}'))}</th>" for key in
                   ("date", "source", "marketplace", "asin", "rating", "topic", "text"))
    return (f"{_STYLE}<table class=\"ck-table\"><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")
