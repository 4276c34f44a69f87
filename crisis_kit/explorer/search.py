"""Free-text search of complaints: the query language, its SQL and its highlighting.

A query is a list of terms, every one of which must occur in the complaint's title or
text (AND): a term is a word or a ``"quoted phrase"``; a term written ``-word`` must
not occur. Matching ignores case and treats any run of whitespace as one space; it is
a substring match, so that Chinese and Japanese (written without spaces) are found
as well as English (``漏`` finds ``漏水``; ``leak`` finds ``leaking``).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

__all__ = ["Terms", "parse", "haystack_sql", "where_sql", "highlight"]

_TOKEN = re.compile(r'(-?)"([^"]*)"|(\S+)')
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Terms:
    """A parsed query: the phrases that must occur and those that must not."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.include or self.exclude)


def parse(query: str) -> Terms:
    """Split a search query into terms.

    Parameters
    ----------
    query : str
        Words and ``"quoted phrases"``; ``-word`` or ``-"a phrase"`` excludes. An
        unmatched quote runs to the end of the query.

    Returns
    -------
    Terms
        Terms with whitespace collapsed, in the order given, without repeats.

    Examples
    --------
    >>> parse('Leak "milk everywhere" -love 漏水')
    Terms(include=('Leak', 'milk everywhere', '漏水'), exclude=('love',))
    """
    text = query or ""
    if text.count('"') % 2:
        text += '"'
    include: list[str] = []
    exclude: list[str] = []
    for match in _TOKEN.finditer(text):
        negated, phrase, word = match.groups()
        if word is not None:
            negated, phrase = ("-", word[1:]) if word.startswith("-") and len(word) > 1 else ("", word)
        term = _SPACE.sub(" ", phrase).strip()
        target = exclude if negated else include
        if term and term not in target:
            target.append(term)
    return Terms(tuple(include), tuple(exclude))


def haystack_sql(title: str = "title", text: str = "text") -> str:
    r"""The SQL expression of the searched text: title and text, lower-case, spaces collapsed.

    The pattern replaces runs of two or more whitespace characters and single tabs and
    line breaks: the same result as ``\s+`` (RE2's ``\s`` is ``[\t\n\f\r ]``), about
    three times faster on a million texts, as lone spaces, most of them, are not matches.
    """
    return (f"lower(regexp_replace(coalesce({title}, '') || ' ' || coalesce({text}, ''), "
            r"'\s\s+|[\t\n\f\r]', ' ', 'g'))")


def where_sql(terms: Terms, column: str = "haystack") -> tuple[list[str], list[str]]:
    """SQL conditions (with ``?`` placeholders) and their parameters for ``terms``.

    ``column`` holds :func:`haystack_sql`; each term is lower-cased by DuckDB's own
    ``lower`` so that both sides fold case alike.
    """
    conditions = [f"contains({column}, lower(?))" for _ in terms.include]
    conditions += [f"NOT contains({column}, lower(?))" for _ in terms.exclude]
    return conditions, [*terms.include, *terms.exclude]


def _pattern(terms: Terms) -> re.Pattern[str] | None:
    if not terms.include:
        return None
    parts = sorted(terms.include, key=len, reverse=True)
    alternatives = [r"\s+".join(re.escape(word) for word in part.split(" ")) for part in parts]
    return re.compile("|".join(alternatives), re.IGNORECASE)


def highlight(text: str | None, terms: Terms, limit: int = 600) -> str:
    """HTML of a customer's text, escaped, with the matches of ``terms`` in ``<mark>``.

    Parameters
    ----------
    text : str or None
        Untrusted customer text.
    terms : Terms
        The search; its ``include`` terms are marked.
    limit : int
        Characters shown; a longer text is cut and ends in an ellipsis.

    Returns
    -------
    str
        Safe HTML: every character of ``text`` is escaped.

    Examples
    --------
    >>> highlight("<b>Leaks</b> at night", parse("leak"))
    '&lt;b&gt;<mark>Leak</mark>s&lt;/b&gt; at night'
    """
    value = text if isinstance(text, str) else ""  # None, NaN: no text
    cut = len(value) > limit
    value = value[:limit]
    pattern = _pattern(terms)
    if pattern is None:
        out = html.escape(value)
    else:
        pieces, position = [], 0
        for match in pattern.finditer(value):
            pieces.append(html.escape(value[position:match.start()]))
            pieces.append(f"<mark>{html.escape(match.group())}</mark>")
            position = match.end()
        pieces.append(html.escape(value[position:]))
        out = "".join(pieces)
    return out + ("…" if cut else "")
