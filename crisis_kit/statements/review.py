"""The statement review's result types, below the linter, the commitments and the replies.

:class:`StatementReview` is what :func:`crisis_kit.statements.lint.lint` finds in a
statement; :class:`Commitment` one dated promise in it, which
:func:`crisis_kit.statements.commitments.check_commitments` marks kept or broken. They
live here, under every module that makes or reads them, so no import points back up.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Commitment", "Finding", "Rule", "StarPart", "StatementReview"]


@dataclass(frozen=True)
class Commitment:
    """One dated commitment and, once checked, whether it was kept.

    Attributes
    ----------
    text : str
        The commitment: its sentence up to the end of the clause holding the deadline
        ("We will refund all affected orders within 72 hours").
    phrase : str
        The deadline as written ("within 72 hours", "by May 16, 2022", "72小时内").
    start, end, line, column : int
        Where the deadline phrase is in the statement (offsets; 1-based line and column).
    kind : str or None
        What is promised (refund, replacement, restock, reply, ...; see
        ``crisis_kit/data/star_parts.yaml``), None when no known word names it.
    deadline_hours : float or None
        Hours from publication to the deadline; None when it cannot be placed (a date
        or business days without a publication time).
    deadline_at : datetime or None
        The deadline as a time (None without a publication time).
    relative : bool
        A duration ("within 72 hours") rather than a date.
    kept : bool or None
        True or False once checked against the evidence; None unchecked or uncheckable.
    evidence : str
        Why ``kept`` is what it is, or what data would check it.
    evidence_action, evidence_at, evidence_hours
        The action that fulfilled it, when, and how many hours after publication.
    """

    text: str
    phrase: str
    start: int
    end: int
    line: int
    column: int
    kind: str | None
    deadline_hours: float | None
    deadline_at: dt.datetime | None
    relative: bool
    kept: bool | None = None
    evidence: str = ""
    evidence_action: str | None = None
    evidence_at: dt.datetime | None = None
    evidence_hours: float | None = None

    def summary(self) -> dict[str, object]:
        """The ``statement.commitments`` entry of ``summary.json``."""
        hours = None if self.deadline_hours is None else round(self.deadline_hours, 3)
        return {"text": self.text, "deadline_hours": hours, "kept": self.kept}


@dataclass(frozen=True)
class Finding:
    """One flagged word or phrase.

    Attributes
    ----------
    term : str
        The listed term (``as soon as possible``).
    text : str
        As written in the statement (``As soon as possible``).
    start, end : int
        Character offsets into the statement.
    line, column : int
        1-based.
    kind : str
        ``vague``, ``emotive`` or ``blaming``.
    alternative : str
        The definite wording to use instead, or what to write instead.
    """

    term: str
    text: str
    start: int
    end: int
    line: int
    column: int
    kind: str
    alternative: str


@dataclass(frozen=True)
class StarPart:
    """One STAR part: found or not, how, and the sentence that carries it.

    ``how`` is ``heading`` (a heading names the part and its section holds a sentence)
    or ``cue`` (a sentence holds one of the part's cue words); None when missing.
    """

    part: str
    found: bool
    how: str | None = None
    heading: str | None = None
    sentence: str | None = None
    start: int | None = None
    line: int | None = None


@dataclass(frozen=True)
class Rule:
    """A failed rule: its name (star, vague, emotive, commitments) and what to fix."""

    name: str
    message: str

    def __str__(self) -> str:
        return f"{self.name}: {self.message}"


@dataclass(frozen=True)
class StatementReview:
    """What :func:`lint` found in a statement (and, once checked, what became of its promises).

    Attributes
    ----------
    language : str
        ``en`` or ``zh`` (given, or detected).
    published_at : datetime or None
        Publication time (given, or read from the statement's first line).
    star : tuple of StarPart
        Situation, truth, action, result, in that order.
    vague, emotive : tuple of Finding
        Vague words; emotive and blaming language. In the order of the text.
    commitments : tuple of Commitment
        Every dated commitment, its deadline in hours from publication; ``kept`` is
        filled by :func:`check_commitments`.
    score : int
        0-100: STAR 40 (10 a part), definite words 30 (10 off per vague term), tone 15
        (none with emotive or blaming words), dated commitments 15.
    passed : bool
        Every rule holds (no failed rule).
    failed_rules : tuple of Rule
    text : str
        The statement as linted.
    """

    language: str
    published_at: dt.datetime | None
    star: tuple[StarPart, ...]
    vague: tuple[Finding, ...]
    emotive: tuple[Finding, ...]
    commitments: tuple[Commitment, ...]
    score: int
    passed: bool
    failed_rules: tuple[Rule, ...]
    text: str = field(default="", repr=False)

    def part(self, name: str) -> StarPart:
        """The STAR part of that name."""
        return next(p for p in self.star if p.part == name)

    @property
    def star_found(self) -> dict[str, bool]:
        """Each STAR part mapped to whether it was found."""
        return {p.part: p.found for p in self.star}

    def summary(self) -> dict[str, Any]:
        """The ``statement`` block of ``summary.json`` (design.md section 9).

        ``vague_terms`` lists each vague term found, as listed, in the order of the text.
        """
        return {
            "star": self.star_found,
            "vague_terms": [f.term for f in self.vague],
            "commitments": [c.summary() for c in self.commitments],
            "passed": self.passed,
        }

    def as_json(self) -> dict[str, Any]:
        """Everything found, for ``lint-statement --json`` (a superset of :meth:`summary`)."""
        def moment(value: dt.datetime | None) -> str | None:
            return None if value is None else value.isoformat()

        return {
            "language": self.language,
            "published_at": moment(self.published_at),
            "star": {p.part: {"found": p.found, "how": p.how, "heading": p.heading,
                              "sentence": p.sentence, "line": p.line} for p in self.star},
            "vague_terms": [_finding_json(f) for f in self.vague],
            "emotive_terms": [_finding_json(f) for f in self.emotive],
            "commitments": [c.summary() | {
                "phrase": c.phrase, "kind": c.kind, "line": c.line, "column": c.column,
                "relative": c.relative, "deadline_at": moment(c.deadline_at),
                "evidence": c.evidence or None} for c in self.commitments],
            "score": self.score,
            "passed": self.passed,
            "failed_rules": [{"rule": r.name, "message": r.message} for r in self.failed_rules],
        }


def _finding_json(finding: Finding) -> dict[str, Any]:
    return {"term": finding.term, "text": finding.text, "kind": finding.kind,
            "line": finding.line, "column": finding.column, "start": finding.start,
            "end": finding.end, "alternative": finding.alternative}
