"""HTML fragments the report notebook displays: headings, key figures, tables, figures.

Every fragment is rendered by Jinja with autoescape on, so customer text (untrusted)
is escaped wherever it lands; the only markup passed through unescaped is plotly's
own figure ``<div>``, whose JSON plotly escapes itself, and the Plan of Action's
fragment (:func:`embed`), rendered by its own template with autoescape on. A :class:`Fragment` displays
in a notebook as HTML with a plain-text fallback and carries, in its output metadata,
the table-of-contents entry the report template collects.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import plotly.graph_objects as go
import plotly.io as pio
from markupsafe import Markup

__all__ = [
    "Column", "Fragment", "FIGURE_CONFIG", "METADATA_KEY", "cards", "concat", "embed", "figure",
    "heading",
    "note", "render", "table",
]

TEMPLATES = Path(__file__).parent / "templates" / "fragments"

FIGURE_CONFIG = {
    "displayModeBar": False,
    "displaylogo": False,
    "responsive": True,
    "showTips": False,
}
"""Plotly config of report figures: no mode bar or tips (English-only interface text)."""

METADATA_KEY = "crisis_kit"
"""The output-metadata key the report template reads."""


@dataclass(frozen=True)
class Column:
    """A table column: its header and kind (``text``, ``words``, ``name``, ``number``, ``mono``, ``hash``).

    ``text`` and ``mono`` (ids) stay on one line; ``words`` (customer text, long values),
    ``name`` (file names, format names: narrow, broken anywhere) and ``hash`` (a
    SHA-256) wrap. In a table with a ``words`` column the other columns take only
    their room.
    """

    label: str
    kind: str = "text"


@dataclass(frozen=True)
class Fragment:
    """A piece of the report: HTML, a plain-text fallback, an optional contents entry.

    Parameters
    ----------
    html : str
        Escaped, ready-to-embed HTML.
    text : str
        Plain-text fallback (what a terminal shows).
    toc : tuple of (str, str, int), optional
        ``(anchor, title, level)`` when the fragment is a heading.
    extra : Mapping, optional
        Further mime types to offer (e.g. plotly's JSON, for JupyterLab).
    meta : Mapping, optional
        JSON-able values for the report runner, stored in the output's metadata under
        :data:`METADATA_KEY` (the key figures carry ``summary.json`` this way); the page
        never shows them.
    """

    html: str
    text: str
    toc: tuple[str, str, int] | None = None
    extra: Mapping[str, Any] | None = None
    meta: Mapping[str, Any] | None = None

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        data: dict[str, Any] = {"text/html": self.html, "text/plain": self.text}
        data.update(self.extra or {})
        ours: dict[str, Any] = dict(self.meta or {})
        if self.toc is not None:
            anchor, title, level = self.toc
            ours["toc"] = {"anchor": anchor, "title": title, "level": level}
        return data, ({METADATA_KEY: ours} if ours else {})


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        undefined=jinja2.StrictUndefined,
    )


def render(name: str, **context: Any) -> str:
    """Render ``templates/fragments/<name>.html.j2`` with autoescape on."""
    return _environment().get_template(f"{name}.html.j2").render(**context).strip()


def heading(anchor: str, title: str, level: int = 2) -> Fragment:
    """Return a section heading that the report's table of contents lists."""
    html = render("heading", anchor=anchor, title=title, level=level)
    return Fragment(html=html, text=title, toc=(anchor, title, level))


def cards(items: Sequence[Mapping[str, str]], title: str = "") -> Fragment:
    """Return a row of key-figure cards, each a mapping with ``value`` and ``label``.

    Optional keys: ``note`` (a line under the label), ``key`` (a ``data-key``
    attribute naming the figure, for tests and readers of the HTML) and ``tone``
    (``good`` or ``bad``: a coloured edge, for a window met or missed).
    """
    html = render("cards", cards=list(items), title=title)
    lines = [title] if title else []
    lines += [f"{c['label']}: {c['value']}" + (f" ({c['note']})" if c.get("note") else "")
              for c in items]
    return Fragment(html=html, text="\n".join(lines))


def note(*paragraphs: str, lead: bool = False, warning: bool = False) -> Fragment:
    """Return paragraphs of report text (escaped).

    ``lead`` sets them as a section's opening, ``warning`` marks what failed. No
    paragraph: an empty fragment.
    """
    shown = [p for p in paragraphs if p]
    if not shown:
        return Fragment(html="", text="")
    html = render("note", paragraphs=shown, lead=lead, warning=warning)
    return Fragment(html=html, text="\n".join(shown))


def embed(html: str, text: str, css_class: str) -> Fragment:
    """Return HTML made by one of crisis-kit's own autoescaping templates, in a ``<div>``.

    Only for such HTML (the Plan of Action's :meth:`~crisis_kit.poa.PlanOfAction.html`):
    it is passed through as markup, so it must already have escaped every value it
    holds. Never pass customer text here; give it to :func:`table` or :func:`note`.
    """
    rendered = render("embed", body=Markup(html), css_class=css_class)
    return Fragment(html=rendered, text=text)


def concat(*parts: Fragment, meta: Mapping[str, Any] | None = None) -> Fragment:
    """Return one fragment showing ``parts`` in order (one notebook output)."""
    return Fragment(
        html="\n".join(p.html for p in parts if p.html),
        text="\n".join(p.text for p in parts if p.text),
        meta=meta,
    )


def table(
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    *,
    title: str = "",
    footer: Sequence[str] | None = None,
    empty: str = "",
    notes: Sequence[str | tuple[str, bool]] = (),
) -> Fragment:
    """Return an HTML table of already formatted cells (escaped on rendering).

    Parameters
    ----------
    columns : sequence of Column
        Headers and kinds.
    rows : sequence of sequence of str
        Cell texts, one inner sequence per row.
    title : str
        A line above the table.
    footer : sequence of str, optional
        A totals row.
    empty : str
        Shown instead of the table when there is no row.
    notes : sequence of str or (str, bool)
        Lines under the table; ``(text, True)`` marks a warning.
    """
    notes_context = [
        {"text": n, "warning": False} if isinstance(n, str) else {"text": n[0], "warning": n[1]}
        for n in notes
    ]
    html = render(
        "table", columns=columns, rows=rows, title=title, footer=footer, empty=empty,
        notes=notes_context,
    )
    lines = [title] if title else []
    lines.append(" | ".join(c.label for c in columns))
    lines.extend(" | ".join(row) for row in rows)
    lines.extend(n["text"] for n in notes_context)
    return Fragment(html=html, text="\n".join(lines))


def figure(plot: go.Figure, div_id: str, caption: str) -> Fragment:
    """Return a plotly figure as an HTML ``<div>`` plus caption, without plotly.js.

    The report template loads plotly.js once for all figures; ``div_id`` is fixed so
    that two runs write the same bytes. JupyterLab gets plotly's own mime type too.
    """
    div = pio.to_html(
        plot,
        include_plotlyjs=False,
        full_html=False,
        div_id=div_id,
        config=FIGURE_CONFIG,
        default_height=f"{int(plot.layout.height or 420)}px",
    )
    html = render("figure", plot=Markup(div), caption=caption)
    plotly_json = json.loads(pio.to_json(plot, validate=False))
    plotly_json["config"] = FIGURE_CONFIG
    return Fragment(
        html=html, text=caption, extra={"application/vnd.plotly.v1+json": plotly_json}
    )
