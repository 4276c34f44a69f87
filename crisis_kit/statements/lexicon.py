"""The words the statement linter looks for, read from data files users can extend.

Four bundled files in ``crisis_kit/data``: ``vague_terms.yaml`` (hedges, each with a
definite alternative), ``emotive_terms.yaml`` (emotive and blaming language that
Amazon's Plan of Action guidance warns against), and ``star_parts.yaml`` (the headings
and cues of the four STAR parts, and the kinds of commitment with the words that name
them). A user's file of the same shape as ``vague_terms.yaml`` or
``emotive_terms.yaml`` adds terms (:func:`load_lexicon`). Files are read on first use
and cached.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ..config import yamlio
from ..errors import ConfigError

__all__ = ["Term", "Kind", "Lexicon", "load_lexicon", "term_pattern", "find_terms", "PARTS"]

PARTS = ("situation", "truth", "action", "result")
"""The four STAR parts, in the order a statement gives them."""

_LATIN = r"0-9A-Za-z\u00C0-\u024F"
_CJK = re.compile(r"[\u3400-\u9FFF\uF900-\uFAFF]")
_TERM_KEYS = {"term", "alternative", "advice", "kind", "only_before_number"}


@dataclass(frozen=True)
class Term:
    """One word or phrase to flag.

    Attributes
    ----------
    term : str
        As listed (``as soon as possible``, ``hopeful*``, ``可能``).
    language : str
        ``en``, ``zh``, ...
    kind : str
        ``vague``, ``emotive`` or ``blaming``.
    alternative : str
        The definite wording to use instead (vague), or what to write instead
        (emotive, blaming).
    only_before_number : bool
        Flag it only before a number (``about 300``, not ``a note about the valve``).
    """

    term: str
    language: str
    kind: str
    alternative: str
    only_before_number: bool = False


@dataclass(frozen=True)
class Kind:
    """A kind of commitment (refund, replacement, ...): the words that name it."""

    name: str
    words: tuple[str, ...]
    check_with: Mapping[str, str]


@dataclass(frozen=True)
class Lexicon:
    """Every word list the linter uses.

    Attributes
    ----------
    vague, emotive : mapping of str to tuple of Term
        Per language.
    headings, cues : mapping of str to tuple of str
        Per STAR part, every language together.
    kinds : tuple of Kind
    """

    vague: Mapping[str, tuple[Term, ...]]
    emotive: Mapping[str, tuple[Term, ...]]
    headings: Mapping[str, tuple[str, ...]]
    cues: Mapping[str, tuple[str, ...]]
    kinds: tuple[Kind, ...]

    def kind(self, name: str) -> Kind | None:
        """The kind of that name, if any."""
        return next((k for k in self.kinds if k.name == name), None)


@functools.lru_cache(maxsize=4096)
def term_pattern(term: str, before_number: bool = False) -> re.Pattern[str]:
    """A term as a regular expression (case-insensitive).

    Spaces match any whitespace, ``'`` matches ``'`` and ``’``, a Latin-script term
    matches whole words only, a trailing ``*`` lets it end in any way, and a line break
    may fall between two Chinese characters (statements are often hard-wrapped).
    """
    stem = term.endswith("*")
    core = term.rstrip("*").strip().replace("’", "'")
    pieces = []
    for i, char in enumerate(core):
        if char.isspace():
            if not pieces or pieces[-1] != r"\s+":
                pieces.append(r"\s+")
            continue
        if i and _CJK.match(char) and _CJK.match(core[i - 1]):
            pieces.append(r"(?:\r?\n)?")
        pieces.append("['’]" if char == "'" else re.escape(char))
    body = "".join(pieces)
    if re.match(f"[{_LATIN}]", core):
        body = f"(?<![{_LATIN}]){body}"
    if stem:
        body += f"[{_LATIN}]*"
    elif re.match(f"[{_LATIN}]", core[-1]):
        body += f"(?![{_LATIN}])"
    if before_number:
        body += r"(?=\s+[$€£¥]?\d)"
    return re.compile(body, re.IGNORECASE)


def find_terms(text: str, terms: tuple[Term, ...]) -> list[tuple[Term, int, int]]:
    """Every occurrence of the terms in ``text``, by position; overlaps keep the longest.

    Returns
    -------
    list of (Term, start, end)
    """
    hits = [(term, m.start(), m.end())
            for term in terms
            for m in term_pattern(term.term, term.only_before_number).finditer(text)]
    hits.sort(key=lambda hit: (hit[1] - hit[2], hit[1]))
    kept: list[tuple[Term, int, int]] = []
    for hit in hits:
        if all(hit[2] <= start or hit[1] >= end for _, start, end in kept):
            kept.append(hit)
    return sorted(kept, key=lambda hit: hit[1])


def _fail(what: str, where: str, fix: str) -> ConfigError:
    return ConfigError(what, where, fix)


def _read_yaml(path: Path | None, bundled: str) -> dict[str, Any]:
    where = str(path) if path else f"crisis_kit/data/{bundled}"
    try:
        text = (path.read_text(encoding="utf-8-sig") if path else
                resources.files("crisis_kit").joinpath(f"data/{bundled}").read_text(encoding="utf-8"))
        raw = yamlio.safe_load(text)
    except (OSError, yaml.YAMLError) as exc:
        raise _fail(f"cannot read the word list: {exc}", where, "check the path and the YAML") from exc
    if not isinstance(raw, dict):
        raise _fail("a word list must be a mapping of languages to lists of terms", where,
                    f"see crisis_kit/data/{bundled} for the shape")
    return raw


def _terms(raw: dict[str, Any], kind: str, where: str) -> dict[str, tuple[Term, ...]]:
    out: dict[str, tuple[Term, ...]] = {}
    for language, entries in raw.items():
        if language == "version":
            continue
        if not isinstance(entries, list):
            raise _fail(f"{language}: must be a list of terms", where,
                        "write `en: [{term: maybe, alternative: ...}]`")
        terms = []
        for entry in entries:
            if not isinstance(entry, dict) or not str(entry.get("term") or "").strip("* "):
                raise _fail(f"{language}: every entry needs a non-empty `term`", where,
                            "write `- {term: maybe, alternative: ...}`")
            unknown = sorted(set(entry) - _TERM_KEYS)
            if unknown:
                raise _fail(f"term {entry['term']!r} has unknown key(s) {', '.join(unknown)}", where,
                            f"use only {', '.join(sorted(_TERM_KEYS))}")
            term_kind = str(entry.get("kind") or kind)
            if kind == "emotive" and term_kind not in ("emotive", "blaming"):
                raise _fail(f"term {entry['term']!r} has kind {term_kind!r}", where,
                            "use kind: emotive or kind: blaming")
            terms.append(Term(str(entry["term"]).strip(), str(language), term_kind,
                              str(entry.get("alternative") or entry.get("advice") or ""),
                              bool(entry.get("only_before_number", False))))
        out[str(language)] = tuple(terms)
    return out


def _merge(base: Mapping[str, tuple[Term, ...]],
           extra: Mapping[str, tuple[Term, ...]]) -> dict[str, tuple[Term, ...]]:
    """A term listed again replaces the bundled entry (a new alternative); new terms go last."""
    merged = {lang: {t.term.casefold(): t for t in terms} for lang, terms in base.items()}
    for lang, terms in extra.items():
        merged.setdefault(lang, {}).update({t.term.casefold(): t for t in terms})
    return {lang: tuple(terms.values()) for lang, terms in merged.items()}


def _flatten(per_language: Any, what: str, where: str) -> tuple[str, ...]:
    if not isinstance(per_language, dict):
        raise _fail(f"{what} must map languages to lists", where, "write {en: [...], zh: [...]}")
    return tuple(str(word) for words in per_language.values() for word in (words or []))


@functools.lru_cache(maxsize=1)
def _bundled() -> Lexicon:
    vague = _terms(_read_yaml(None, "vague_terms.yaml"), "vague", "crisis_kit/data/vague_terms.yaml")
    emotive = _terms(_read_yaml(None, "emotive_terms.yaml"), "emotive",
                     "crisis_kit/data/emotive_terms.yaml")
    where = "crisis_kit/data/star_parts.yaml"
    structure = _read_yaml(None, "star_parts.yaml")
    parts = structure["parts"]
    return Lexicon(
        vague=vague, emotive=emotive,
        headings={p: _flatten(parts[p]["headings"], f"{p}.headings", where) for p in PARTS},
        cues={p: _flatten(parts[p]["cues"], f"{p}.cues", where) for p in PARTS},
        kinds=tuple(Kind(name, _flatten(spec["words"], f"{name}.words", where),
                         dict(spec.get("check_with") or {}))
                    for name, spec in structure["kinds"].items()),
    )


def load_lexicon(vague: str | Path | None = None, emotive: str | Path | None = None) -> Lexicon:
    """The bundled word lists, extended by a user's files.

    Parameters
    ----------
    vague : str or Path, optional
        A YAML file shaped like ``crisis_kit/data/vague_terms.yaml``: its terms are
        added; a term listed again takes the new alternative.
    emotive : str or Path, optional
        A YAML file shaped like ``crisis_kit/data/emotive_terms.yaml``.

    Returns
    -------
    Lexicon

    Raises
    ------
    crisis_kit.errors.ConfigError
        When a file cannot be read or has an entry without a term or with unknown keys.
    """
    lexicon = _bundled()
    if vague is None and emotive is None:
        return lexicon
    extra_vague = (_terms(_read_yaml(Path(vague), "vague_terms.yaml"), "vague", str(vague))
                   if vague else {})
    extra_emotive = (_terms(_read_yaml(Path(emotive), "emotive_terms.yaml"), "emotive", str(emotive))
                     if emotive else {})
    return Lexicon(_merge(lexicon.vague, extra_vague), _merge(lexicon.emotive, extra_emotive),
                   lexicon.headings, lexicon.cues, lexicon.kinds)
