"""The statement linter: STAR parts, vague and emotive words, dated commitments, a verdict.

The playbook's statement has four parts - Situation, Truth, Action, Result - in
definite words ("after verification we found", "we have immediately"), never hedges
("maybe", "probably", 可能, 大概), with dated commitments ("refund all affected orders
within 72 hours"). :func:`lint` checks a statement in English or Chinese against that;
:func:`crisis_kit.statements.commitments.check_commitments` then checks its commitments against
what the actions log shows happened. ``docs/statements.md`` states every rule.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError, CrisisKitError, InputError
from .commitments import check_commitments, find_commitments
from .lexicon import PARTS, Lexicon, Term, find_terms, load_lexicon, term_pattern
from .review import Commitment, Finding, Rule, StarPart, StatementReview
from .sentences import Layout, Sentence, detect_language, layout

if TYPE_CHECKING:
    import pandas as pd

    from ..config import Incident

__all__ = [
    "PARTS", "LANGUAGES", "Finding", "StarPart", "Rule", "StatementReview", "Commitment",
    "lint", "lint_file", "check_commitments", "review_incident", "detect_language",
]

LANGUAGES = ("en", "zh")
# Points of the score (out of 100): each rule's share, so that the score says where a
# statement falls short. Passing needs every rule, not a score.
_POINTS = {"star": 40, "vague": 30, "emotive": 15, "commitments": 15}
_PER_VAGUE = 10


def _heading_part(heading: str, lexicon: Lexicon) -> str | None:
    """The part a heading names: the longest heading word that opens it or a gloss of it."""
    core = re.sub(r"^(?:[A-Za-z]\s*[-–:：]\s*|(?:our|the|我们的)\s*)", "", heading.strip(),
                  flags=re.IGNORECASE)
    candidates = [re.sub(r"[（(].*?[)）]", "", core).strip()]
    candidates += re.findall(r"[（(]\s*(.*?)\s*[)）]", core)
    best: tuple[int, str] | None = None
    for part in PARTS:
        for word in lexicon.headings[part]:
            pattern = term_pattern(word)
            if any((m := pattern.match(c)) and m.start() == 0 for c in candidates):
                if best is None or len(word) > best[0]:
                    best = (len(word), part)
    return None if best is None else best[1]


def _star(statement: Layout, lexicon: Lexicon) -> tuple[StarPart, ...]:
    parts: dict[str, StarPart] = {}
    claimed: set[int] = set()
    for index, heading in enumerate(statement.headings):
        part = _heading_part(heading.text, lexicon)
        section = statement.section(index)
        if part and part not in parts and section:
            first = section[0]
            parts[part] = StarPart(part, True, "heading", heading.text, first.text, first.start,
                                   statement.line_column(first.start)[0])
            claimed.add(index)
    for part in PARTS:
        if part in parts:
            continue
        free = [s for s in statement.sentences if s.section not in claimed]
        hit = _cue(free, part, lexicon) or _cue(statement.sentences, part, lexicon)
        parts[part] = (StarPart(part, True, "cue", None, hit.text, hit.start,
                                statement.line_column(hit.start)[0]) if hit else StarPart(part, False))
    return tuple(parts[p] for p in PARTS)


def _cue(sentences: tuple[Sentence, ...] | list[Sentence], part: str, lexicon: Lexicon) -> Sentence | None:
    return next((s for s in sentences
                 if any(term_pattern(cue).search(s.text) for cue in lexicon.cues[part])), None)


def _is_month(text: str, start: int, end: int) -> bool:
    """"May" the month next to a day number ("May 16", "16 May"), not "may" the modal."""
    return (text[start:end] == "May" and bool(
        re.match(r"\s+\d", text[end:]) or re.search(r"\d\s+$", text[max(0, start - 4):start])))


def _findings(statement: Layout, terms: tuple[Term, ...]) -> tuple[Finding, ...]:
    out = []
    for term, start, end in find_terms(statement.text, terms):
        if term.term.casefold() == "may" and _is_month(statement.text, start, end):
            continue
        line, column = statement.line_column(start)
        out.append(Finding(term.term, statement.text[start:end], start, end, line, column, term.kind,
                           term.alternative))
    return tuple(out)


def _rules(star: tuple[StarPart, ...], vague: tuple[Finding, ...], emotive: tuple[Finding, ...],
           commitments: tuple[Commitment, ...]) -> tuple[Rule, ...]:
    failed = []
    missing = [p.part for p in star if not p.found]
    if missing:
        failed.append(Rule("star", f"missing STAR part(s): {', '.join(missing)}; give each a "
                                   "heading (Situation, Truth, Action, Result) and a sentence"))
    if vague:
        listed = ", ".join(f"{f.text!r} at {f.line}:{f.column}" for f in vague)
        failed.append(Rule("vague", f"{len(vague)} vague term(s): {listed}; replace each with "
                                    "a verified fact or a dated promise"))
    if emotive:
        listed = ", ".join(f"{f.text!r} ({f.kind}) at {f.line}:{f.column}" for f in emotive)
        failed.append(Rule("emotive", f"emotive or blaming language: {listed}; state facts and "
                                      "actions, blame no one"))
    if not commitments:
        failed.append(Rule("commitments", "no dated commitment; promise what will be done by "
                                          "when ('refund all affected orders within 72 hours')"))
    return tuple(failed)


def _score(star: tuple[StarPart, ...], vague: tuple[Finding, ...], emotive: tuple[Finding, ...],
           commitments: tuple[Commitment, ...]) -> int:
    return (_POINTS["star"] * sum(p.found for p in star) // len(PARTS)
            + max(0, _POINTS["vague"] - _PER_VAGUE * len(vague))
            + (0 if emotive else _POINTS["emotive"])
            + (_POINTS["commitments"] if commitments else 0))


def _published(value: str | dt.datetime | None) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    try:
        return dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"the publication time {value!r} is not an ISO time",
                          fix="write it like 2022-05-02T15:45:00-07:00") from None


def lint(text: str, lang: str | None = None, published_at: str | dt.datetime | None = None, *,
         lexicon: Lexicon | None = None) -> StatementReview:
    """Check a statement: STAR parts, vague and emotive words, dated commitments, a verdict.

    Parameters
    ----------
    text : str
        The statement (plain text or Markdown), in English or Chinese.
    lang : {"en", "zh"}, optional
        Default: detected (Chinese when Chinese characters are a fifth of the letters).
    published_at : str or datetime, optional
        Publication time, from which deadlines count. Default: the statement's first
        line when it reads ``Published: <ISO time>`` / ``发布时间：<ISO time>``.
    lexicon : Lexicon, optional
        Word lists; default the bundled ones (:func:`crisis_kit.statements.lexicon.load_lexicon`
        extends them with a user's files).

    Returns
    -------
    StatementReview

    Raises
    ------
    crisis_kit.errors.ConfigError
        For a language other than en or zh, or a publication time that is not ISO.
    crisis_kit.errors.InputError
        For a statement without any text.

    Notes
    -----
    The rules (``docs/statements.md``): every STAR part is found - by a heading that
    names it, else by a cue word in a sentence; no vague word of the language's list;
    no emotive or blaming word; at least one dated commitment. The statement passes when
    every rule holds. Deadlines are hours from the publication time: a duration counts
    from it, a date ends at midnight after that day in the publication's zone.

    Examples
    --------
    >>> review = lint("We will maybe refund every order within 72 hours.", "en")
    >>> [f.term for f in review.vague], [c.deadline_hours for c in review.commitments]
    (['maybe'], [72.0])
    """
    if lang is not None and lang not in LANGUAGES:
        raise ConfigError(f"unknown statement language {lang!r}",
                          fix=f"use one of {', '.join(LANGUAGES)} (or leave it out to detect it)")
    lexicon = lexicon or load_lexicon()
    statement = layout(text, is_heading=lambda label: _heading_part(label, lexicon) is not None)
    if not statement.sentences and not statement.headings:
        raise InputError("the statement has no text to check",
                         fix="write the statement's Situation, Truth, Action and Result")
    language = lang or detect_language(text)
    published = _published(published_at) or statement.published_at
    star = _star(statement, lexicon)
    vague = _findings(statement, lexicon.vague.get(language, ()))
    emotive = _findings(statement, lexicon.emotive.get(language, ()))
    commitments = find_commitments(statement, lexicon, published)
    failed = _rules(star, vague, emotive, commitments)
    return StatementReview(language, published, star, vague, emotive, commitments,
                           _score(star, vague, emotive, commitments), not failed, failed, text)


def read_statement(path: str | Path) -> str:
    """A statement file's text: UTF-8 (with or without BOM), else GB18030 (Chinese Windows)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"statement file {str(path)!r} does not exist", str(path),
                         fix="pass the path of the statement (Markdown or plain text)")
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError("the statement file is neither UTF-8 nor GB18030 text", str(path),
                     "save it as UTF-8")


def lint_file(path: str | Path, lang: str | None = None, published_at: str | dt.datetime | None = None,
              *, lexicon: Lexicon | None = None) -> StatementReview:
    """:func:`lint` on a file's text (:func:`read_statement`); an error names the file."""
    text = read_statement(path)
    try:
        return lint(text, lang, published_at, lexicon=lexicon)
    except CrisisKitError as exc:
        raise exc.located(str(path)) from None


def review_incident(incident: Incident, actions: pd.DataFrame, events: pd.DataFrame | None = None,
                    as_of: dt.date | None = None) -> StatementReview | None:
    """Lint the incident's statement and check its commitments against the evidence.

    Returns None when the incident names no statement. The statement's language is
    detected (a Chinese team may write its US customers' statement in English while
    its report is in Chinese); a publication time without an offset is read in the
    marketplace's zone.
    """
    if not incident.statement:
        return None
    from ..config import marketplaces

    review = lint_file(incident.resolve(incident.statement))
    return check_commitments(review, actions, events, as_of=as_of,
                             timezone=marketplaces.get(incident.marketplace).tz)
