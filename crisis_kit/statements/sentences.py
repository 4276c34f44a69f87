"""A statement's layout: its publication line, headings, and sentences with positions.

Positions are character offsets into the text exactly as given (the publication line
and every heading included), so that a finding can be shown as ``line:column`` and
highlighted in place. Statements are plain text or Markdown, often hard-wrapped: a
sentence runs across lines until a sentence end (``. ! ?`` before a space, ``。！？``),
a blank line, a heading or a list item.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Heading", "Sentence", "Layout", "layout", "display", "detect_language"]

_CJK = r"\u3400-\u9FFF\uF900-\uFAFF\u3000-\u303F\uFF00-\uFFEF"
_PUBLISHED = re.compile(
    r"^\s*(?:published(?:\s+at|\s+on)?|publication\s+(?:date|time)|date|发布时间|发布日期|发布于)"
    r"\s*[:：]\s*(?P<value>\S.*?)\s*$", re.IGNORECASE)
_MARKDOWN_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<text>.+?)\s*#*\s*$")
_BOLD_HEADING = re.compile(r"^\s*(?:\*\*|__)(?P<text>[^*_]{1,60}?)(?:\*\*|__)\s*[:：]?\s*$")
_NUMBERED_HEADING = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+[、.．]|\d{1,2}[.)、．]|[IVX]{1,4}\.)\s*(?P<text>[^。.!?！？]{1,30})$")
_LABEL_LINE = re.compile(r"^\s*(?P<text>[^:：。.!?！？]{1,40})[:：]\s*$")
_INLINE_LABEL = re.compile(
    r"^(?P<indent>\s*(?:\*\*)?)(?P<text>[^\s:：*][^:：*\n]{0,24}?)(?:\*\*)?\s*[:：]\s*(?:\*\*)?\s*(?=\S)")
_LIST_ITEM = re.compile(r"^\s*(?:[-*•·]|\d{1,2}[.)]|[（(]\d{1,2}[)）])\s+")
_SENTENCE_END = re.compile(r"[.!?](?=[\"'”’)]?(?:\s|$))[\"'”’)]?|[。！？]+[”’」』）)]?")


@dataclass(frozen=True)
class Heading:
    """A heading line (or an inline label such as ``Truth:``) and the text it names."""

    start: int
    end: int
    text: str
    line: int


@dataclass(frozen=True)
class Sentence:
    """One sentence: its span in the text, its text on one line, its section.

    ``section`` is the index of the heading it stands under (-1 before any heading).
    """

    start: int
    end: int
    text: str
    section: int


@dataclass(frozen=True)
class Layout:
    """What :func:`layout` found in a statement."""

    text: str
    published_at: dt.datetime | None
    published_text: str | None
    headings: tuple[Heading, ...]
    sentences: tuple[Sentence, ...]
    line_starts: tuple[int, ...]

    def line_column(self, position: int) -> tuple[int, int]:
        """The 1-based line and column of a character offset."""
        line = bisect.bisect_right(self.line_starts, position)
        return line, position - self.line_starts[line - 1] + 1

    def section(self, index: int) -> tuple[Sentence, ...]:
        """The sentences under heading ``index``."""
        return tuple(s for s in self.sentences if s.section == index)


def display(raw: str) -> str:
    """Text on one line: a line break between Chinese characters vanishes, others become a space."""
    joined = re.sub(rf"(?<=[{_CJK}])\s*\n\s*(?=[{_CJK}])", "", raw.strip())
    return re.sub(r"\s+", " ", joined)


def detect_language(text: str) -> str:
    """``zh`` when Chinese characters make up a fifth of the letters or more, else ``en``."""
    han = len(re.findall(r"[\u3400-\u9FFF\uF900-\uFAFF]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return "zh" if han and han >= 0.2 * (han + latin) else "en"


def _published(value: str) -> dt.datetime | None:
    cleaned = value.strip().replace("Z", "+00:00")
    try:
        return dt.datetime.fromisoformat(cleaned)
    except ValueError:
        return None


def _heading(line: str, is_heading: Callable[[str], bool]) -> str | None:
    """The heading's text; a numbered or colon-ended line is one only when it names a part."""
    for pattern, always in ((_MARKDOWN_HEADING, True), (_BOLD_HEADING, True),
                            (_NUMBERED_HEADING, False), (_LABEL_LINE, False)):
        match = pattern.match(line)
        if match:
            text = match.group("text").strip(" *_:：")
            if always or is_heading(text):
                return text
    return None


def _lines(text: str) -> list[tuple[int, str]]:
    out, position = [], 0
    for line in text.splitlines(keepends=True):
        out.append((position, line.rstrip("\r\n")))
        position += len(line)
    return out


def _split(text: str, start: int, end: int, section: int) -> list[Sentence]:
    """The sentences of one paragraph ``text[start:end]``."""
    out = []
    cursor = start
    chunk = text[start:end]
    for match in _SENTENCE_END.finditer(chunk):
        stop = start + match.end()
        out.append((cursor, stop))
        cursor = stop
    out.append((cursor, end))
    sentences = []
    for s, e in out:
        raw = text[s:e]
        lead = len(raw) - len(raw.lstrip())
        s, e = s + lead, s + len(raw.rstrip())
        if e > s and re.search(rf"[0-9A-Za-z{_CJK}]", text[s:e]):
            sentences.append(Sentence(s, e, display(text[s:e]), section))
    return sentences


def layout(text: str, is_heading: Callable[[str], bool] | None = None) -> Layout:
    """Split a statement into its publication line, headings and sentences.

    Parameters
    ----------
    text : str
        The statement, plain text or Markdown.
    is_heading : callable, optional
        ``is_heading(label) -> bool`` decides whether a numbered short line (``二、行动``),
        a short line ending in a colon, or a label that opens a line (``Truth: after
        verification ...``) is a heading. Default: never.

    Notes
    -----
    The publication line is the first non-empty line when it reads ``Published: <ISO
    time>`` (also ``Publication date:``, ``发布时间：``, ``发布日期：``); its time keeps the
    offset it is written with. Headings: Markdown ``#`` lines and bold lines always;
    numbered short lines, colon-ended lines and inline labels when ``is_heading``
    accepts them. Paragraphs end at a blank line, a heading or a list item.
    """
    accept = is_heading or (lambda label: False)
    lines = _lines(text)
    published_at = published_text = None
    headings: list[Heading] = []
    sentences: list[Sentence] = []
    paragraph: list[int] = []  # [start, end] of the open paragraph

    def close() -> None:
        if paragraph:
            sentences.extend(_split(text, paragraph[0], paragraph[1], len(headings) - 1))
            paragraph.clear()

    first_content = True
    for number, (offset, line) in enumerate(lines, start=1):
        if not line.strip():
            close()
            continue
        if first_content:
            first_content = False
            match = _PUBLISHED.match(line)
            if match and _published(match.group("value")) is not None:
                published_at, published_text = _published(match.group("value")), match.group("value")
                continue
        heading = _heading(line, accept)
        if heading is not None:
            close()
            headings.append(Heading(offset, offset + len(line), heading, number))
            continue
        label = _INLINE_LABEL.match(line)
        if label and accept(label.group("text")):
            close()
            label_start = offset + label.start("text")
            headings.append(Heading(label_start, offset + label.end("text"),
                                    label.group("text").strip(), number))
            paragraph[:] = [offset + label.end(), offset + len(line)]
            continue
        item = _LIST_ITEM.match(line)
        if item:
            close()
            paragraph[:] = [offset + item.end(), offset + len(line)]
            continue
        if paragraph:
            paragraph[1] = offset + len(line)
        else:
            paragraph[:] = [offset + len(line) - len(line.lstrip()), offset + len(line)]
    close()
    line_starts = tuple(offset for offset, _ in lines) or (0,)
    return Layout(text, published_at, published_text, tuple(headings), tuple(sentences), line_starts)
