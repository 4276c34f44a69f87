"""Reply consistency: whether the team's replies follow its template and agree with the statement.

The playbook's golden hours ask for one voice: every reply from one template, saying
what the statement says. Replies come from the exports (the seller feedback
``Response`` column, kept in the events' ``response``) and from the actions log
(actions on channel ``reply``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ConfigError
from .commitments import find_commitments
from .lexicon import Lexicon, find_terms, load_lexicon
from .review import Commitment, StatementReview
from .sentences import detect_language, layout

__all__ = ["ReplyConsistency", "collect_replies", "reply_consistency"]

_PLACEHOLDER = re.compile(r"\{\{[^{}]*\}\}|\{[^{}]*\}|\[[^\[\]]*\]|<[^<>]*>|【[^】]*】")
_CODE = re.compile(r"(?:\bbatch|\blot|批次|批号)\s*(?:no\.?|number|#|:|：)?\s*"
                   r"(?P<code>[A-Z0-9]*\d[A-Z0-9]*(?:-[A-Z0-9]+)*)", re.IGNORECASE)
_COLUMNS = ["source", "ref", "at", "text", "template", "similarity", "follows", "contradiction"]


@dataclass(frozen=True, eq=False)
class ReplyConsistency:
    """How consistent the team's replies were.

    Attributes
    ----------
    replies : pandas.DataFrame
        Each row represents one reply: ``source``, ``ref``, ``at``, ``text``,
        ``template`` (index of the nearest template, or None), ``similarity`` (0-1),
        ``follows`` (bool) and ``contradiction`` (what it contradicts in the statement,
        or None).
    templates : tuple of str
    threshold : float
        The similarity from which a reply follows a template.
    """

    replies: pd.DataFrame
    templates: tuple[str, ...]
    threshold: float

    @property
    def total(self) -> int:
        """Number of replies."""
        return int(len(self.replies))

    @property
    def following(self) -> int:
        """Replies that follow a template."""
        return int(self.replies["follows"].sum()) if self.total else 0

    @property
    def share(self) -> float | None:
        """Share of replies that follow a template (None without replies or templates)."""
        return None if not self.total or not self.templates else self.following / self.total

    @property
    def contradicting(self) -> pd.DataFrame:
        """The replies that contradict the statement's facts or dates."""
        return self.replies[self.replies["contradiction"].notna()]

    def summary(self) -> dict[str, Any]:
        """Counts for a report: replies, following, share (3 decimals), contradicting."""
        return {"replies": self.total, "following_template": self.following,
                "share": None if self.share is None else round(self.share, 3),
                "contradicting": int(len(self.contradicting))}


def read_templates(path: str | Path) -> list[str]:
    """The reply templates of a Markdown file: each ``## `` section is one template.

    This is the shape of the ``replies.md`` that ``crisis-kit new`` writes from a playbook:
    a ``## name`` heading, an optional ``Subject:`` line (left out: replies on Amazon have
    no subject), then the text. A file without ``## `` headings is one template.

    Raises
    ------
    crisis_kit.errors.ConfigError
        When the file cannot be read or holds no template text.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the reply templates: {exc}", str(path),
                          "check `reply_templates:` in incident.yaml (a UTF-8 Markdown file)") from exc
    sections = re.split(r"(?m)^##\s.*$", text)
    if len(sections) > 1:
        sections = sections[1:]  # what comes before the first template is the file's title
    templates = []
    for section in sections:
        lines = [line for line in section.strip().splitlines()
                 if not re.match(r"(?i)^\s*(subject|主题)\s*[:：]", line)]
        body = "\n".join(lines).strip()
        if body:
            templates.append(body)
    if not templates:
        raise ConfigError("the reply templates file holds no template", str(path),
                          "write each template under its own `## name` heading")
    return templates


def collect_replies(events: pd.DataFrame | None = None,
                    actions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every reply the evidence holds, one row each: ``source``, ``ref``, ``at``, ``text``.

    Seller responses come from the events' ``response`` column (``at`` is the time of the
    complaint answered: exports do not date the response); logged replies are the
    actions on channel ``reply`` (``text`` is the action).
    """
    frames = []
    if events is not None and "response" in events:
        answered = events[events["response"].fillna("").astype(str).str.strip() != ""]
        frames.append(pd.DataFrame({"source": answered["source"].astype(str),
                                    "ref": answered["event_id"].astype(str),
                                    "at": answered["occurred_at"], "text": answered["response"]}))
    if actions is not None and "channel" in actions:
        logged = actions[actions["channel"].fillna("").astype(str).str.lower() == "reply"]
        frames.append(pd.DataFrame({"source": "actions", "ref": logged["ref"].astype(str),
                                    "at": logged["at"], "text": logged["action"]}))
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=["source", "ref", "at", "text"])
    return pd.concat(frames, ignore_index=True)


def _normal(text: str) -> str:
    text = text.casefold().translate(str.maketrans("’‘“”—–", "''\"\"--"))
    return re.sub(r"\s+", " ", text).strip()


def _template_regex(template: str) -> re.Pattern[str]:
    pieces = [re.escape(p).replace(r"\ ", r"\s+") for p in _PLACEHOLDER.split(_normal(template))]
    return re.compile(".+?".join(pieces), re.DOTALL)


def _nearest(reply: str, templates: Sequence[str]) -> tuple[int | None, float]:
    """The template a reply follows best: 1.0 when it holds the template's fixed text."""
    best: tuple[int | None, float] = (None, 0.0)
    text = _normal(reply)
    for index, template in enumerate(templates):
        if _template_regex(template).search(text):
            return index, 1.0
        fixed = _normal(_PLACEHOLDER.sub(" ", template))
        ratio = difflib.SequenceMatcher(None, fixed, text, autojunk=False).ratio()
        if ratio > best[1]:
            best = (index, ratio)
    return best


def _deadline_conflict(ours: Commitment, theirs: Sequence[Commitment]) -> str | None:
    for stated in theirs:
        if stated.kind != ours.kind or stated.relative != ours.relative:
            continue
        if ours.relative and ours.deadline_hours is not None and stated.deadline_hours is not None \
                and abs(ours.deadline_hours - stated.deadline_hours) > 1e-6:
            return (f"promises the {ours.kind} {ours.phrase} ({ours.deadline_hours:g} h); "
                    f"the statement says {stated.phrase} ({stated.deadline_hours:g} h)")
        if not ours.relative and ours.deadline_at and stated.deadline_at \
                and ours.deadline_at.date() != stated.deadline_at.date():
            return f"promises the {ours.kind} {ours.phrase}; the statement says {stated.phrase}"
    return None


def _contradiction(reply: str, review: StatementReview, lexicon: Lexicon) -> str | None:
    """What a reply says against the statement: another deadline, another batch, blame."""
    problems = []
    for commitment in find_commitments(layout(reply), lexicon, review.published_at):
        conflict = _deadline_conflict(commitment, review.commitments)
        if conflict:
            problems.append(conflict)
    stated = {m.group("code").upper() for m in _CODE.finditer(review.text)}
    named = {m.group("code").upper() for m in _CODE.finditer(reply)}
    if stated and named - stated:
        problems.append(f"names batch {', '.join(sorted(named - stated))}; the statement names "
                        f"{', '.join(sorted(stated))}")
    if review.part("truth").found:
        terms = lexicon.emotive.get(detect_language(reply), ())
        blame = [reply[s:e] for term, s, e in find_terms(reply, terms) if term.kind == "blaming"]
        if blame:
            problems.append(f"blames or denies ({', '.join(repr(b) for b in blame)}) where the "
                            "statement states the verified cause")
    return "; ".join(problems) or None


def reply_consistency(templates: Sequence[str], replies: pd.DataFrame | Sequence[str],
                      review: StatementReview | None = None, *, threshold: float = 0.8,
                      lexicon: Lexicon | None = None) -> ReplyConsistency:
    """The share of replies that follow a template, and the replies that contradict the statement.

    Parameters
    ----------
    templates : sequence of str
        The team's reply templates; ``{name}``, ``[order id]``, ``<date>``, ``【…】``
        are placeholders that match any text.
    replies : pandas.DataFrame or sequence of str
        A table with a ``text`` column (:func:`collect_replies`), or the texts.
    review : StatementReview, optional
        The statement (:func:`crisis_kit.statements.lint`); without it no reply is
        checked for contradictions.
    threshold : float
        Similarity (0-1) from which a reply follows a template.
    lexicon : Lexicon, optional
        Default: the bundled one.

    Returns
    -------
    ReplyConsistency

    Notes
    -----
    A reply follows a template when it holds the template's fixed text in order (any
    text in the placeholders and around it), or when its difflib similarity to the
    template's fixed text (case, quotes and spaces normalised) reaches ``threshold``.
    A reply contradicts the statement when it promises an action of a kind the
    statement also promises with another deadline (a duration against a duration, a
    date against a date), names a batch the statement does not, or uses blaming or
    denying words (``emotive_terms.yaml``, kind blaming) while the statement states the
    verified cause.
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1]; received {threshold}")
    lexicon = lexicon or load_lexicon()
    table = (replies.copy() if isinstance(replies, pd.DataFrame)
             else pd.DataFrame({"text": list(replies)}))
    if "text" not in table:
        raise ValueError("replies lack a text column; expected collect_replies(events, actions)")
    for column in ("source", "ref", "at"):
        if column not in table:
            table[column] = None
    table = table[table["text"].fillna("").astype(str).str.strip() != ""].reset_index(drop=True)
    nearest = [_nearest(str(text), templates) for text in table["text"]]
    table["template"] = pd.Series([i for i, _ in nearest], dtype=object)
    table["similarity"] = [round(s, 3) for _, s in nearest]
    table["follows"] = [bool(templates) and s >= threshold for _, s in nearest]
    table["contradiction"] = pd.Series(
        [_contradiction(str(text), review, lexicon) if review else None for text in table["text"]],
        dtype=object)
    return ReplyConsistency(table[_COLUMNS], tuple(templates), threshold)
