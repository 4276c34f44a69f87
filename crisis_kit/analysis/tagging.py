"""The topic rule as SQL, for the store: no pandas, so ``ingest`` and ``inspect`` stay light.

:func:`assign_sql` is :func:`crisis_kit.analysis.topics.assign` written as one DuckDB
expression (the ingest tags each new event with it); :func:`fingerprint` says which
taxonomy stored topics came from. ``topics`` re-exports both.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from ..config.taxonomy import OTHER, Taxonomy, load_taxonomy

__all__ = ["assign_sql", "ascii_words", "fingerprint", "joined_words"]


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sql_list(values: Sequence[str]) -> str:
    return "(" + ", ".join(_sql_text(v) for v in values) + ")"


def assign_sql(taxonomy: Taxonomy | None = None, prefix: str = "",
               words: str | None = None, ascii_only: str | None = None) -> str:
    """:func:`assign` as one DuckDB SQL expression over an events table's columns.

    The same rule, written for the store: the ingest fills the ``topic`` column of each
    new event with it (in DuckDB, in parallel, as the rows are inserted), so analyses
    read topics instead of matching a million texts again. Both run RE2 with the same
    patterns; ``tests/test_topics.py`` holds them equal on the sample and real reviews.

    Parameters
    ----------
    taxonomy : Taxonomy, optional
        Default: the bundled one.
    prefix : str
        Prepended to the column names (``"e."`` for an aliased table).
    words : str, optional
        The SQL of a column holding title and text already joined (``title || chr(10) ||
        text``, NULLs as empty): the ingest computes it once per row, where the rule
        would otherwise join them again for each keyword part it tries.
    ascii_only : str, optional
        The SQL of a column saying whether ``words`` is ASCII alone (:func:`ascii_words`),
        likewise computed once per row. Keyword parts that only match other scripts
        (Chinese, Japanese) are not tried on such a text: each part is a pass over it.

    Returns
    -------
    str
        A ``CASE`` expression giving the topic name, ``'other'`` when nothing matches.
    """
    taxonomy = taxonomy if taxonomy is not None else load_taxonomy()
    code = f"upper(trim(coalesce({prefix}reason, ''), ' \t\n\r'))"
    group = f"lower(trim(coalesce({prefix}reason_group, ''), ' \t\n\r'))"
    words = words or joined_words(prefix)
    plain = ascii_only or ascii_words(words)
    every_code = sorted({c for t in taxonomy.topics for c in t.reason_codes})
    title = f"coalesce({prefix}title, '')"
    # each topic's keyword parts and which of them need non-ASCII text, made once
    parts = {(t.name, weak): (t.regex_parts(weak), t.parts_need_non_ascii(weak))
             for t in taxonomy.topics for weak in (False, True)}
    strong = []
    for topic in taxonomy.topics:
        tests = []
        if topic.reason_codes:
            tests.append(f"{code} IN {_sql_list(topic.reason_codes)}")
        if topic.reason_groups:
            # a group counts only when its code is listed under no topic (see assign)
            listed = f"{code} NOT IN {_sql_list(every_code)} AND " if every_code else ""
            tests.append(f"({listed}{group} IN {_sql_list(topic.reason_groups)})")
        if parts[topic.name, False][0]:
            tests.append(_matches(words, *parts[topic.name, False], plain))
        strong.append((topic, f"WHEN {' OR '.join(tests)} THEN {_sql_text(topic.name)}"
                       if tests else None))
    # the passes of `assign`: the first topic (safety) anywhere, then the topic the title
    # alone names, then title, text and reasons together, then the weak words. The first
    # topic's own test is not repeated in the third pass: a row that reaches it failed
    # the same test in the first (a CASE tries each WHEN on every row still open, and
    # each keyword part is a pass over the whole text).
    branches = [b for _, b in strong[:1] if b]
    for topic in taxonomy.topics[1:]:
        if parts[topic.name, False][0]:
            test = _matches(title, *parts[topic.name, False], plain)
            branches.append(f"WHEN {test} THEN {_sql_text(topic.name)}")
    branches += [b for _, b in strong[1:] if b]
    for topic in taxonomy.topics:  # the last pass: weak words, where nothing matched
        if parts[topic.name, True][0]:
            test = _matches(words, *parts[topic.name, True], plain)
            branches.append(f"WHEN {test} THEN {_sql_text(topic.name)}")
    if not branches:
        return _sql_text(OTHER)
    return f"CASE {' '.join(branches)} ELSE {_sql_text(OTHER)} END"


def joined_words(prefix: str = "") -> str:
    """SQL: an event's title and text as one text, the way :func:`assign_sql` matches them."""
    return f"(coalesce({prefix}title, '') || chr(10) || coalesce({prefix}text, ''))"


def ascii_words(words: str) -> str:
    """SQL: the text is ASCII alone (as many bytes as characters)."""
    return f"(strlen({words}) = length({words}))"


def _matches(text: str, parts: list[str], non_ascii: list[bool], plain: str) -> str:
    """SQL: ``text`` matches one of the regular expressions (:meth:`Topic.regex_parts`).

    A part that only matches non-ASCII text is tried only where ``plain`` (the text is
    ASCII alone) is false.
    """
    tests = [f"(NOT {plain} AND regexp_matches({text}, {_sql_text(p)}, 'i'))" if other
             else f"regexp_matches({text}, {_sql_text(p)}, 'i')"
             for p, other in zip(parts, non_ascii, strict=True)]
    return "(" + " OR ".join(tests) + ")"


def fingerprint(taxonomy: Taxonomy | None = None) -> str:
    """Return a digest of what decides topics (order, keywords' patterns, reasons).

    Stored topics are valid while the store's fingerprint equals the taxonomy's.
    """
    taxonomy = taxonomy if taxonomy is not None else load_taxonomy()
    rule = [["passes: first anywhere, title, all, weak"]] + [
        [t.name, t.regex(), list(t.reason_codes), list(t.reason_groups), t.weak_regex()]
            for t in taxonomy.topics]
    return hashlib.sha256(json.dumps(rule, ensure_ascii=False).encode()).hexdigest()[:16]
