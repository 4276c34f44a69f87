"""The statement review: STAR parts, vague and emotive words, dated commitments, replies.

``lint`` (the linter), ``review`` (its result types), ``commitments``, ``replies``,
``lexicon`` and ``sentences``. ``crisis_kit.statements.lint_file`` and friends keep their
old import path.
"""

from .lint import (
    LANGUAGES,
    PARTS,
    Commitment,
    Finding,
    Rule,
    StarPart,
    StatementReview,
    check_commitments,
    detect_language,
    lint,
    lint_file,
    review_incident,
)

__all__ = [
    "PARTS", "LANGUAGES", "Finding", "StarPart", "Rule", "StatementReview", "Commitment",
    "lint", "lint_file", "check_commitments", "review_incident", "detect_language",
]
