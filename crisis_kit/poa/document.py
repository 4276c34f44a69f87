"""The Plan of Action as a document: parts, sections, bullets, quotes, tables; Markdown and HTML.

Compute once, render many: :class:`PlanOfAction` holds formatted text and tables, and
renders them to editable Markdown (plain headings, bullets, pipe tables) or to an
HTML fragment through Jinja with autoescape on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # jinja2 is imported where a document is rendered, not to draft one
    import jinja2

__all__ = ["DATA", "Item", "Part", "PlanOfAction", "Quote", "Section", "Table"]

DATA = Path(__file__).resolve().parent.parent / "data"
"""The package's data folder: ``poa_strings.yaml`` and ``poa.html.j2``."""


@dataclass(frozen=True)
class Quote:
    """One customer complaint quoted verbatim (untrusted: escaped in HTML)."""

    event_id: str
    title: str
    text: str
    caption: str


@dataclass(frozen=True)
class Item:
    """One bullet: its text, sub-bullets and the quotes under it."""

    text: str
    children: tuple[str, ...] = ()
    quotes: tuple[Quote, ...] = ()


@dataclass(frozen=True)
class Section:
    """A run of paragraphs and bullets, under an optional heading."""

    heading: str = ""
    paragraphs: tuple[str, ...] = ()
    items: tuple[Item, ...] = ()


@dataclass(frozen=True)
class Part:
    """One of Amazon's three parts: ``root_cause``, ``actions`` or ``prevention``."""

    key: str
    title: str
    sections: tuple[Section, ...]


@dataclass(frozen=True)
class Table:
    """A table of formatted cells, for the evidence appendix."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, eq=False)
class PlanOfAction:
    """A drafted Plan of Action, computed once, rendered to Markdown or HTML.

    Attributes
    ----------
    incident, lang, title, scope : str
        The incident slug, the language, the heading and the scope line.
    parts : tuple of Part
        Root cause, actions taken to resolve, steps to prevent recurrence.
    figures : pandas.DataFrame
        :func:`figures`: each row one before/after figure with its windows and counts.
    evidence : pandas.DataFrame
        Each row represents one piece of evidence the draft cites (a quoted complaint,
        a corrective action, an input file): ``kind``, ``reference``, ``local_date``,
        ``detail``, ``source_file``, ``source_row``, ``source_sha256``.
    appendix_heading : str
        The appendix heading.
    tables : tuple of Table
        The appendix: the figures and the evidence, formatted.
    """

    incident: str
    lang: str
    title: str
    scope: str
    parts: tuple[Part, ...]
    figures: pd.DataFrame = field(repr=False)
    evidence: pd.DataFrame = field(repr=False)
    appendix_heading: str = ""
    tables: tuple[Table, ...] = field(default=(), repr=False)

    def part(self, key: str) -> Part:
        """Return the part ``root_cause``, ``actions`` or ``prevention``."""
        for part in self.parts:
            if part.key == key:
                return part
        raise KeyError(f"no part {key!r}; the parts are {[p.key for p in self.parts]}")

    def markdown(self, include_quotes: bool = True) -> str:
        """Return the draft as Markdown: plain headings, bullets and pipe tables.

        Parameters
        ----------
        include_quotes : bool, default True
            False leaves out the customers' words, leaving only the draft's own words
            (what the statement linter should judge).

        Notes
        -----
        Customer words are kept as written (e-mail addresses removed), so the Markdown
        is not safe to render as HTML with a renderer that passes raw HTML through;
        use :meth:`html` for a page.
        """
        lines = [f"# {self.title}", "", self.scope, ""]
        for part in self.parts:
            lines += [f"## {part.title}", ""]
            for section in part.sections:
                lines += _markdown_section(section, include_quotes)
        lines += [f"## {self.appendix_heading}", ""]
        for table in self.tables:
            lines += [f"### {table.title}", "", *_markdown_table(table), ""]
        return "\n".join(lines).rstrip() + "\n"

    def html(self) -> str:
        """Return the draft as a self-contained HTML fragment (a ``<section>``).

        Rendered by Jinja with autoescape on: customer words and every other value are
        escaped. No ``<html>`` wrapper, no script, no style sheet, no external link.
        """
        template = _environment().get_template("poa.html.j2")
        return template.render(poa=self).strip() + "\n"


def _markdown_section(section: Section, include_quotes: bool) -> list[str]:
    lines = [f"### {section.heading}", ""] if section.heading else []
    for paragraph in section.paragraphs:
        lines += [paragraph, ""]
    for item in section.items:
        lines.append(f"- {item.text}")
        lines += [f"  - {child}" for child in item.children]
        for quote in item.quotes if include_quotes else ():
            lines += ["", *_markdown_quote(quote)]
        if item.quotes and include_quotes:
            lines.append("")
    return [*lines, ""] if section.items else lines


def _markdown_quote(quote: Quote) -> list[str]:
    body = [quote.title] if quote.title else []
    if quote.title and quote.text:
        body.append("")
    body += quote.text.splitlines() if quote.text else []
    body += ["", f"— {quote.caption}"]
    return [f"  > {line}".rstrip() for line in body]


def _markdown_table(table: Table) -> list[str]:
    def row(cells: Sequence[str]) -> str:
        return "| " + " | ".join(" ".join(c.replace("|", "\\|").split()) for c in cells) + " |"

    return [row(table.header), "|" + "---|" * len(table.header), *(row(r) for r in table.rows)]


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(DATA)), autoescape=True, trim_blocks=True,
        lstrip_blocks=True, undefined=jinja2.StrictUndefined,
    )
