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

__all__ = ["assign_sql", "fingerprint"]


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sql_list(values: Sequence[str]) -> str:
    return "(" + ", ".join(_sql_text(v) for v in values) + ")"


def assign_sql(taxonomy: Taxonomy | None = None, prefix: str = "") -> str:
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

    Returns
    -------
    str
        A ``CASE`` expression giving the topic name, ``'other'`` when nothing matches.
    """
    taxonomy = taxonomy if taxonomy is not None else load_taxonomy()
    code = f"upper(trim(coalesce({prefix}reason, ''), ' \t\n\r'))"
    group = f"lower(trim(coalesce({prefix}reason_group, ''), ' \t\n\r'))"
    words = f"(coalesce({prefix}title, '') || chr(10) || coalesce({prefix}text, ''))"
    every_code = sorted({c for t in taxonomy.topics for c in t.reason_codes})
    title = f"coalesce({prefix}title, '')"
    strong = []
    for topic in taxonomy.topics:
        tests = []
        if topic.reason_codes:
            tests.append(f"{code} IN {_sql_list(topic.reason_codes)}")
        if topic.reason_groups:
            # a group counts only when its code is listed under no topic (see assign)
            listed = f"{code} NOT IN {_sql_list(every_code)} AND " if every_code else ""
            tests.append(f"({listed}{group} IN {_sql_list(topic.reason_groups)})")
        if topic.regex_parts():
            tests.append(_matches(words, topic.regex_parts()))
        strong.append((topic, f"WHEN {' OR '.join(tests)} THEN {_sql_text(topic.name)}"
                       if tests else None))
    # the passes of `assign`: the first topic (safety) anywhere, then the topic the title
    # alone names, then title, text and reasons together, then the weak words
    branches = [b for _, b in strong[:1] if b]
    for topic in taxonomy.topics[1:]:
        if topic.regex_parts():
            branches.append(f"WHEN {_matches(title, topic.regex_parts())} "
                            f"THEN {_sql_text(topic.name)}")
    branches += [b for _, b in strong if b]
    for topic in taxonomy.topics:  # the last pass: weak words, where nothing matched
        parts = topic.regex_parts(weak=True)
        if parts:
            branches.append(f"WHEN {_matches(words, parts)} THEN {_sql_text(topic.name)}")
    if not branches:
        return _sql_text(OTHER)
    return f"CASE {' '.join(branches)} ELSE {_sql_text(OTHER)} END"


def _matches(text: str, parts: list[str]) -> str:
    """SQL: ``text`` matches one of the regular expressions (:meth:`Topic.regex_parts`)."""
    return "(" + " OR ".join(f"regexp_matches({text}, {_sql_text(p)}, 'i')" for p in parts) + ")"


def fingerprint(taxonomy: Taxonomy | None = None) -> str:
    """Return a digest of what decides topics (order, keywords' patterns, reasons).

    Stored topics are valid while the store's fingerprint equals the taxonomy's.
    """
    taxonomy = taxonomy if taxonomy is not None else load_taxonomy()
    rule = [["passes: first anywhere, title, all, weak"]] + [
        [t.name, t.regex(), list(t.reason_codes), list(t.reason_groups), t.weak_regex()]
            for t in taxonomy.topics]
    return hashlib.sha256(json.dumps(rule, ensure_ascii=False).encode()).hexdigest()[:16]
