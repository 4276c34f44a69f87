"""The topic rule as SQL, for the store: no pandas, so ``ingest`` and ``inspect`` stay light.

:func:`assign_sql` is :func:`crisis_kit.analysis.topics.assign` written as one DuckDB
expression (the ingest tags each new event with it); :func:`fingerprint` says which
taxonomy stored topics came from. ``topics`` re-exports both.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from ..config.taxonomy import (
    ASCII_PART_SIZE,
    OTHER,
    Taxonomy,
    Topic,
    ascii_regex_parts,
    load_taxonomy,
    no_text_regex,
)

__all__ = ["assign_sql", "ascii_words", "fingerprint", "joined_words"]


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sql_list(values: Sequence[str]) -> str:
    return "(" + ", ".join(_sql_text(v) for v in values) + ")"


def assign_sql(taxonomy: Taxonomy | None = None, prefix: str = "",
               words: str | None = None, ascii_only: str | None = None,
               ascii_rule: bool = True) -> str:
    """:func:`assign` as one DuckDB SQL expression over an events table's columns.

    The same rule, written for the store: the ingest fills the ``topic`` column of each
    new event with it (in DuckDB, in parallel, as the rows are inserted), so analyses
    read topics instead of matching a million texts again. Both run RE2 with the same
    keywords; ``tests/test_topics.py`` holds them equal on generated texts and
    ``tests/test_topics_real.py`` on every real review corpus.

    Parameters
    ----------
    taxonomy : Taxonomy, optional
        Default: the bundled one.
    prefix : str
        Prepended to the column names (``"e."`` for an aliased table).
    words : str, optional
        The SQL of a column holding title and text already joined (:func:`joined_words`
        of the same taxonomy): the ingest computes it once per row, where the rule
        would otherwise join them again for each keyword part it tries.
    ascii_only : str, optional
        The SQL of a column saying whether ``words`` is ASCII alone (:func:`ascii_words`),
        likewise computed once per row.
    ascii_rule : bool
        False: every text by the rule as :func:`assign` writes it, in one ``CASE`` of
        fewer patterns (DuckDB compiles each pattern of the expression when it plans it,
        about a millisecond each: for a few rows that costs more than the passes saved).

    Returns
    -------
    str
        A ``CASE`` expression giving the topic name, ``'other'`` when nothing matches.

    Notes
    -----
    Each keyword test is a pass of RE2 over the text, and a pass costs about the same
    whatever its pattern (0.8 s of CPU over a million reviews), so the expression is
    built to make few of them. A text in ASCII alone (most English reviews) is matched
    with :func:`~crisis_kit.config.taxonomy.ascii_regex_parts`, which give the same
    answers and hold 600 keywords a pattern: the keywords of consecutive topics are
    tried together first, and a topic's own only where its group matched (a group
    matches exactly when one of its topics does). On such a text the first topic and
    the topics grouped with it are tried once together: where none matches, the rest of
    the rule runs knowing it. Another text runs the rule as :func:`assign` writes it,
    with :meth:`Topic.regex_parts`.
    """
    taxonomy = taxonomy if taxonomy is not None else load_taxonomy()
    words = words or joined_words(prefix, taxonomy)
    plain = ascii_only or ascii_words(words)
    rule = _Rule(taxonomy, prefix, words, plain)
    if not rule.has_tests:
        return _sql_text(OTHER)
    if not ascii_rule:
        return rule.case()
    first_group = _groups(rule.topics, False, set())[0]
    split = _any_match(words, ascii_regex_parts(_keywords(first_group, False, set())))
    if split is None:
        return f"CASE WHEN {plain} THEN {rule.ascii_case(set())} ELSE {rule.case()} END"
    # an ASCII text that none of the first topics' keywords match (most): the rule on
    # ASCII text knowing it; any other text, the rule as assign writes it
    unmatched = {t.name for t in first_group}
    return (f"CASE WHEN {plain} AND NOT {split} THEN {rule.ascii_case(unmatched)} "
            f"ELSE {rule.case()} END")


class _Rule:
    """The SQL of :func:`assign_sql`'s passes (see :func:`crisis_kit.analysis.topics.assign`).

    The passes, each in precedence order: the first topic (safety) anywhere; the topic the
    title alone names; title, text and reasons together; the weak words where nothing else
    matched. A topic never found in the title alone is not tried there when it is not
    found in title and text together, and the first topic's own test is not repeated in
    the third pass: a row that reaches it failed the same test in the first (a CASE tries
    each WHEN on every row still open, and each keyword part is a pass over the text).
    """

    def __init__(self, taxonomy: Taxonomy, prefix: str, words: str, plain: str) -> None:
        self.topics = taxonomy.topics
        self.words, self.plain = words, plain
        self.title = f"coalesce({prefix}title, '')"
        code = f"upper(trim(coalesce({prefix}reason, ''), ' \t\n\r'))"
        group = f"lower(trim(coalesce({prefix}reason_group, ''), ' \t\n\r'))"
        every_code = sorted({c for t in self.topics for c in t.reason_codes})
        self.reason: dict[str, str | None] = {}
        for topic in self.topics:
            tests = []
            if topic.reason_codes:
                tests.append(f"{code} IN {_sql_list(topic.reason_codes)}")
            if topic.reason_groups:
                # a group counts only when its code is listed under no topic (see assign)
                listed = f"{code} NOT IN {_sql_list(every_code)} AND " if every_code else ""
                tests.append(f"({listed}{group} IN {_sql_list(topic.reason_groups)})")
            self.reason[topic.name] = " OR ".join(tests) or None
        self.has_tests = any(self.reason.values()) or any(
            t.regex_parts(weak) for t in self.topics for weak in (False, True))

    # -- any text: the parts of Topic.regex_parts ----------------------------------------

    def case(self) -> str:
        """The rule with :meth:`Topic.regex_parts`, for any text.

        A part that only matches other scripts (Chinese, Japanese) is not tried on a text
        in ASCII alone.
        """
        def test(topic: Topic, text: str, weak: bool = False, reason: bool = True) -> str | None:
            parts = [f"(NOT {self.plain} AND {_any_match(text, [p])})" if other
                     else _any_match(text, [p])
                     for p, other in zip(topic.regex_parts(weak), topic.parts_need_non_ascii(weak),
                                         strict=True)]
            return _either(self.reason[topic.name] if reason else None, *parts)

        first, rest = self.topics[0], self.topics[1:]
        branches = [(first.name, test(first, self.words))]
        branches += [(t.name, test(t, self.title, reason=False)) for t in rest]
        branches += [(t.name, test(t, self.words)) for t in rest]
        branches += [(t.name, test(t, self.words, weak=True, reason=False)) for t in self.topics]
        return _case([f"WHEN {b} THEN {_sql_text(name)}" for name, b in branches if b])

    # -- ASCII text: the parts of ascii_regex_parts, topics grouped --------------------------

    def ascii_case(self, unmatched: set[str]) -> str:
        """The rule on ASCII text, the topics named in ``unmatched`` known to have no keyword.

        Their keywords are then not tried, in title and text together nor in the title
        alone (what the title alone matches, title and text together match too).
        """
        first, rest = self.topics[0], self.topics[1:]
        branches = []
        own = _either(self.reason[first.name],
                      None if first.name in unmatched else
                      _any_match(self.words, first.ascii_regex_parts()))
        if own:
            branches.append(f"WHEN {own} THEN {_sql_text(first.name)}")
        branches += self._grouped(rest, self.title, False, unmatched, reasons=False)
        branches += self._grouped(rest, self.words, False, unmatched, reasons=True)
        branches += self._grouped(self.topics, self.words, True, set(), reasons=False)
        return _case(branches)

    def _grouped(self, topics: Sequence[Topic], text: str, weak: bool, unmatched: set[str],
                 reasons: bool) -> list[str]:
        """WHEN branches trying ``topics`` in order, a group of them at a time.

        A group's keywords (and reasons) are tried together; where they match, its topics
        one by one, in order (the inner CASE always finds one: a group matches exactly
        when one of its topics does).
        """
        branches = []
        for group in _groups(topics, weak, unmatched):
            tests = []
            for topic in group:
                own = None if topic.name in unmatched else _any_match(
                    text, topic.ascii_regex_parts(weak))
                test = _either(self.reason[topic.name] if reasons else None, own)
                if test:
                    tests.append(f"WHEN {test} THEN {_sql_text(topic.name)}")
            if len(tests) <= 1:
                branches += tests
                continue
            together = _either(
                *[self.reason[t.name] for t in group if reasons and self.reason[t.name]],
                _any_match(text, ascii_regex_parts(_keywords(group, weak, unmatched))))
            branches.append(f"WHEN {together} THEN {_case(tests)}")
        return branches


def _keywords(topics: Sequence[Topic], weak: bool, unmatched: set[str]) -> list[str]:
    return [w for t in topics if t.name not in unmatched for w in t.ascii_keywords(weak)]


def _groups(topics: Sequence[Topic], weak: bool, unmatched: set[str]) -> list[list[Topic]]:
    """``topics`` in order, cut into runs tried together on ASCII text.

    A run holds at most ASCII_PART_SIZE keywords (one pattern); a topic with more than
    half of that is a run alone: its words match often (``quality``'s), and where a run
    matches its topics are tried again one by one.
    """
    groups: list[list[Topic]] = []
    size = 0
    for topic in topics:
        count = len(_keywords([topic], weak, unmatched))
        if groups and size + count <= ASCII_PART_SIZE and max(size, count) <= ASCII_PART_SIZE // 2:
            groups[-1].append(topic)
            size += count
        else:
            groups.append([topic])
            size = count
    return groups


def _either(*tests: str | None) -> str | None:
    present = [t for t in tests if t]
    return "(" + " OR ".join(present) + ")" if present else None


def _any_match(text: str, regexes: Sequence[str]) -> str | None:
    """SQL: ``text`` matches one of the regular expressions, ignoring case (None without any)."""
    return _either(*[f"regexp_matches({text}, {_sql_text(p)}, 'i')" for p in regexes if p])


def _case(branches: Sequence[str], otherwise: str | None = None) -> str:
    if not branches:
        return otherwise or _sql_text(OTHER)
    return f"CASE {' '.join(branches)} ELSE {otherwise or _sql_text(OTHER)} END"


def joined_words(prefix: str = "", taxonomy: Taxonomy | None = None) -> str:
    """SQL: an event's title and text as one text, the way :func:`assign_sql` matches them.

    A text that is one of the taxonomy's ``no_text`` placeholders counts as empty (as in
    :func:`crisis_kit.analysis.topics.assign`).
    """
    taxonomy = taxonomy if taxonomy is not None else load_taxonomy()
    text = f"coalesce({prefix}text, '')"
    if taxonomy.no_text:
        # (the rule reads the joined words once per keyword part: trim() then IN here
        # copied every text each time, 1 s of CPU a million reviews)
        text = f"CASE WHEN regexp_full_match({text}, {_sql_text(no_text_regex(taxonomy))}) " \
               f"THEN '' ELSE {text} END"
    return f"(coalesce({prefix}title, '') || chr(10) || {text})"



def ascii_words(words: str) -> str:
    """SQL: the text is ASCII alone (as many bytes as characters)."""
    return f"(strlen({words}) = length({words}))"


def fingerprint(taxonomy: Taxonomy | None = None) -> str:
    """Return a digest of what decides topics (order, keywords' patterns, reasons).

    Stored topics are valid while the store's fingerprint equals the taxonomy's.
    """
    taxonomy = taxonomy if taxonomy is not None else load_taxonomy()
    rule = [["passes: first anywhere, title, all, weak"], ["no text", *taxonomy.no_text]] + [
        [t.name, t.regex(), list(t.reason_codes), list(t.reason_groups), t.weak_regex()]
            for t in taxonomy.topics]
    return hashlib.sha256(json.dumps(rule, ensure_ascii=False).encode()).hexdigest()[:16]
