"""The explorer's complaint table as HTML: every customer word escaped, matches marked."""

from __future__ import annotations

import html
import math

import pandas as pd

from ..language import Strings, load_strings
from .search import Terms, highlight

__all__ = ["render_phrases", "render_table"]

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


def render_phrases(table: pd.DataFrame, strings: Strings, window: str) -> str:
    """HTML of the distinctive phrases (:func:`crisis_kit.analysis.phrases.distinctive_phrases`).

    Parameters
    ----------
    table : pandas.DataFrame
        ``PHRASE_COLUMNS`` rows (phrase, recent, before, z, two example complaints).
    strings : Strings
        The interface language (the report's ``phrases`` texts).
    window : str
        The sentence that says which days were compared (shown above the table).

    Returns
    -------
    str
        Safe HTML: phrases and the complaints quoted are escaped, never interpreted.
    """
    lead = f"<p style='margin:4px 0'><strong>{html.escape(strings.text('phrases.title'))}</strong>" \
           f" · {html.escape(window)}</p>"
    if table.empty:
        return _STYLE + lead + f"<p><em>{html.escape(strings.text('explorer.phrases_none'))}</em></p>"
    rows = []
    for record in table.itertuples(index=False):
        said = " / ".join(_cell(e[:160] + ("…" if len(e) > 160 else ""))
                          for e in (record.example_1, record.example_2) if isinstance(e, str) and e)
        rows.append(f"<tr><td>{_cell(record.phrase)}</td><td>{strings.number(record.recent)}</td>"
                    f"<td>{strings.number(record.before)}</td>"
                    f"<td>{strings.number(record.z, 'decimal')}</td>"
                    f"<td class=\"ck-text\">{said}</td></tr>")
    head = "".join(f"<th>{html.escape(strings.text(f'phrases.{key}'))}</th>"
                   for key in ("phrase", "recent", "before", "z", "examples"))
    return (f"{_STYLE}{lead}<table class=\"ck-table ck-phrases\"><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")
