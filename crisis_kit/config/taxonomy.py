"""The complaint taxonomy: topics in precedence order, their keywords and return reasons.

The taxonomy is data (``crisis_kit/data/topics.yaml``), which users extend with a file
of the same shape (:func:`load_taxonomy`). Each topic compiles its keywords into one
regular expression in RE2 syntax (the engine of ``pyarrow.compute``), so that a
million events are matched in C++ rather than in a Python loop.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError
from . import yamlio

__all__ = ["OTHER", "TEXT_TRIM", "Topic", "Taxonomy", "ascii_regex_parts", "load_taxonomy",
           "no_text", "no_text_regex"]

OTHER = "other"
"""The topic of an event no topic of the taxonomy matches."""

_TOPIC_KEYS = {"name", "label", "description", "keywords", "weak", "reason_codes", "reason_groups"}
_FILE_KEYS = {"version", "topics", "precedence", "no_text"}
# Latin script (with its accented letters) is written with spaces between words, so
# its keywords need word boundaries; Chinese and Japanese are not, so theirs do not.
# RE2's \b knows only ASCII letters ("überhitzt"), hence explicit classes; for a yes/no
# match, consuming the neighbouring character does no harm. One shared boundary in
# front of all Latin keywords keeps RE2 on its fast DFA (one per keyword, or \p{Latin},
# makes it 50 times slower).
_LATIN = re.compile(r"[0-9A-Za-z\u00C0-\u024F]")
_WORD = r"0-9A-Za-z_\x{00C0}-\x{024F}"
_START = rf"(?:^|[^{_WORD}])"
_END = rf"(?:$|[^{_WORD}])"


@dataclass(frozen=True)
class Topic:
    """One topic: its name, labels, keywords per language and return reasons."""

    name: str
    labels: Mapping[str, str]
    keywords: Mapping[str, tuple[str, ...]]
    reason_codes: tuple[str, ...] = ()
    reason_groups: tuple[str, ...] = ()
    description: str = ""
    weak: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def regex(self) -> str | None:
        """The alternation of every keyword, in RE2 syntax, to match ignoring case (None without any).

        A keyword is a literal phrase: spaces match any whitespace, ``'`` matches ``'``
        and ``’``, a Latin-script word matches whole words only, and a trailing ``*``
        lets it end in any way (``leak*``: leaks, leaking, leaky).
        """
        return _alternation(self.keywords)

    def weak_regex(self) -> str | None:
        """:meth:`regex` of the ``weak`` keywords (None without any).

        Weak words name the topic only when no topic's own keywords match ("battery",
        "seller", "price", 物流): the last pass of the assignment.
        """
        return _alternation(self.weak)

    def regex_parts(self, weak: bool = False) -> list[str]:
        """:meth:`regex` (or :meth:`weak_regex`) cut into parts of :data:`PART_SIZE` keywords.

        A text matches the topic when it matches any part.

        RE2 builds its fast DFA only within a memory budget: one alternation of a
        thousand keywords outgrows it and falls back to a matcher 15-20 times slower
        (1.4 s against 0.09 s on 100,000 reviews for ``quality``). Parts of a few hundred
        keywords each stay on the DFA.
        """
        return [_alternation({"": chunk}) for chunk in self._chunks(weak)]

    def parts_need_non_ascii(self, weak: bool = False) -> list[bool]:
        """For each of :meth:`regex_parts`: whether every keyword in it has a letter outside ASCII.

        Such a part cannot match a text written in ASCII alone (most English reviews), so
        the SQL rule skips it there (:func:`crisis_kit.analysis.tagging.assign_sql`).
        """
        return [all(_needs_non_ascii(w) for w in chunk) for chunk in self._chunks(weak)]

    def ascii_keywords(self, weak: bool = False) -> list[str]:
        """The keywords (or ``weak`` words) that can match a text in ASCII alone, sorted.

        The others hold a letter outside ASCII that every text they match holds too.
        """
        return [w for w in _sorted_words(self.weak if weak else self.keywords)
                if not _needs_non_ascii(w)]

    def ascii_regex_parts(self, weak: bool = False) -> list[str]:
        """:meth:`regex_parts` for a text in ASCII alone (:func:`ascii_regex_parts`)."""
        return ascii_regex_parts(self.ascii_keywords(weak))

    def _chunks(self, weak: bool) -> list[tuple[str, ...]]:
        words = _sorted_words(self.weak if weak else self.keywords)
        return [tuple(words[i:i + PART_SIZE]) for i in range(0, len(words), PART_SIZE)]


PART_SIZE = 150
"""Keywords per regular expression in :meth:`Topic.regex_parts`."""

ASCII_PART_SIZE = 600
"""Keywords per regular expression in :func:`ascii_regex_parts`.

Measured with DuckDB's RE2 on a million generated reviews and on the 5,800 real English
ones: 700 keywords of the bundled taxonomy with ``\\b`` boundaries still run on its DFA,
1,050 do not (50 times slower); with the boundary classes of :meth:`Topic.regex` 500 do
not either.
"""


def ascii_regex_parts(words: Sequence[str]) -> list[str]:
    r"""Regular expressions matching, on a text in ASCII alone, exactly where ``words`` do.

    ``words`` are keywords that can match ASCII text (:meth:`Topic.ascii_keywords`), of
    one topic or several; a text matches them when it matches one of the parts (of
    :data:`ASCII_PART_SIZE` keywords). A keyword is written as in :meth:`Topic.regex`
    but with RE2's ``\b`` as its word boundaries: on ASCII text, ``\b`` before a
    keyword's first letter is exactly "the start, or a character outside ``[0-9A-Za-z_]``"
    (the boundary class of :meth:`Topic.regex` less its letters outside ASCII, which such
    a text has none of), and after its last letter exactly "the end, or such a character".
    Being of width zero, ``\b`` keeps RE2's DFA small: a part of 600 keywords stays on
    it, where :meth:`Topic.regex_parts` holds 150.
    """
    words = sorted(set(words), key=lambda w: (w.lower(), w))
    return [_alternation({"": tuple(words[i:i + ASCII_PART_SIZE])}, r"\b", r"\b") or ""
            for i in range(0, len(words), ASCII_PART_SIZE)]


def _sorted_words(keywords: Mapping[str, tuple[str, ...]]) -> list[str]:
    """Every keyword once, in an order that does not depend on the process.

    Sorted by lower case, then by the word itself: keywords equal but for case ("App",
    "app") would otherwise keep set order, which Python's hash seed changes, and with it
    the patterns, the SQL and the taxonomy's fingerprint.
    """
    return sorted({w for words in keywords.values() for w in words}, key=lambda w: (w.lower(), w))


def _alternation(keywords: Mapping[str, tuple[str, ...]], start: str = _START,
                 end: str = _END) -> str | None:
    words = _sorted_words(keywords)
    latin = [_keyword_regex(w, end) for w in words if _LATIN.match(w)]
    others = [_keyword_regex(w, end) for w in words if not _LATIN.match(w)]
    parts = ([f"{start}(?:{'|'.join(latin)})"] if latin else []) + others
    return "|".join(parts) or None


@dataclass(frozen=True)
class Taxonomy:
    """The topics in precedence order (the first match wins); ``other`` is implicit."""

    topics: tuple[Topic, ...]
    no_text: tuple[str, ...] = ()
    """What a marketplace writes in place of a review when the buyer wrote none (JD.com's
    ``此用户未填写评价内容``): a text equal to one of them, spaces and line breaks around it
    aside, is read as no text at all (:func:`no_text`)."""

    @property
    def names(self) -> list[str]:
        """Topic names in precedence order, then ``other``."""
        return [t.name for t in self.topics] + [OTHER]

    def label(self, name: str, language: str = "en") -> str:
        """The label of a topic in ``language`` (English, else the name, as fallback)."""
        for topic in self.topics:
            if topic.name == name:
                return topic.labels.get(language) or topic.labels.get("en") or name
        return {"zh": "其他"}.get(language, "Other") if name == OTHER else name


# Characters outside ASCII that RE2 folds to an ASCII letter when ignoring case (long s,
# Kelvin sign), and the curly apostrophe a keyword matches as "'": a keyword with only
# these can match ASCII text.
_ASCII_FOLDING = {"\u017f", "\u212a", "\u2019"}


def _needs_non_ascii(word: str) -> bool:
    """Whether every text that ``word`` matches holds a character outside ASCII."""
    return any(ord(c) > 127 and c not in _ASCII_FOLDING for c in word)


@functools.lru_cache(maxsize=65536)
def _keyword_regex(word: str, end: str = _END) -> str:
    """One keyword in RE2 syntax, without its leading boundary (see :meth:`Topic.regex`).

    Cached: every :func:`crisis_kit.analysis.topics.assign` builds the patterns again
    (some 2,400 keywords), the phrase table's included.
    """
    stem = word.endswith("*")
    core = word.strip().strip("*").strip().replace("’", "'")
    body = r"\s+".join(re.escape(part) for part in core.split()).replace("'", "['’]")
    if not stem and _LATIN.match(core[-1]):
        body += end
    return body


def _fail(what: str, where: str, fix: str) -> ConfigError:
    return ConfigError(what, where, fix)


def _strings(value: Any, what: str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip("* ") for v in value):
        raise _fail(f"{what} must be a list of non-empty strings", where,
                    "write it as [word, \"a phrase\", stem*]")
    return tuple(v.strip() for v in value)


def _parse_topic(raw: Any, where: str) -> Topic:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise _fail("every topic must be a mapping with a name", where,
                    "start each topic with `- name: <topic>`")
    name = raw["name"].strip()
    unknown = sorted(set(raw) - _TOPIC_KEYS)
    if unknown:
        raise _fail(f"topic {name!r} has unknown key(s) {', '.join(unknown)}", where,
                    f"use only {', '.join(sorted(_TOPIC_KEYS))}")
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name) or name == OTHER:
        raise _fail(f"topic name {name!r} is not allowed", where,
                    f"use lower-case letters, digits and _; {OTHER!r} is implicit")
    keywords = raw.get("keywords") or {}
    weak = raw.get("weak") or {}
    for key, value in (("keywords", keywords), ("weak", weak)):
        if not isinstance(value, dict):
            raise _fail(f"{key} of topic {name!r} must map languages to lists", where,
                        f"write {key}: {{en: [...], zh: [...]}}")
    return Topic(
        name=name,
        labels={str(k): str(v) for k, v in (raw.get("label") or {}).items()},
        keywords={str(lang): _strings(words, f"keywords.{lang} of {name!r}", where)
                  for lang, words in keywords.items()},
        reason_codes=tuple(c.upper() for c in _strings(raw.get("reason_codes"), "reason_codes", where)),
        reason_groups=tuple(g.lower() for g in _strings(raw.get("reason_groups"), "reason_groups", where)),
        description=str(raw.get("description") or ""),
        weak={str(lang): _strings(words, f"weak.{lang} of {name!r}", where)
              for lang, words in weak.items()},
    )


def _read(path: Path | None) -> tuple[list[Topic], list[str] | None, tuple[str, ...]]:
    where = str(path) if path else "crisis_kit/data/topics.yaml"
    try:
        text = (path.read_text(encoding="utf-8-sig") if path else
                resources.files("crisis_kit").joinpath("data/topics.yaml").read_text(encoding="utf-8"))
        raw = yamlio.safe_load(text)
    except (OSError, yaml.YAMLError) as exc:
        raise _fail(f"cannot read the taxonomy: {exc}", where, "check the path and the YAML") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("topics", []), list):
        raise _fail("a taxonomy file must be a mapping with a list of topics", where,
                    "see crisis_kit/data/topics.yaml for the shape")
    unknown = sorted(set(raw) - _FILE_KEYS)
    if unknown:
        raise _fail(f"unknown key(s) {', '.join(unknown)}", where,
                    f"use only {', '.join(sorted(_FILE_KEYS))}")
    topics = [_parse_topic(t, where) for t in raw.get("topics") or []]
    names = [t.name for t in topics]
    if len(set(names)) != len(names):
        raise _fail("a topic is listed twice", where, "merge the entries of the same name")
    precedence = raw.get("precedence")
    no_text = _strings(raw.get("no_text"), "no_text", where)
    return topics, (list(precedence) if precedence is not None else None), no_text


@functools.lru_cache(maxsize=1)
def _bundled() -> tuple[tuple[Topic, ...], tuple[str, ...]]:
    """The bundled taxonomy (topics, no_text), parsed once per process (it ships with the package)."""
    topics, _, no_text = _read(None)
    return tuple(topics), no_text


TEXT_TRIM = " \t\r\n"
"""What is trimmed from a text before it is compared with :attr:`Taxonomy.no_text`."""


def no_text(taxonomy: Taxonomy, text: str) -> bool:
    """Whether ``text`` is one of the taxonomy's "the buyer wrote nothing" placeholders."""
    return text.strip(TEXT_TRIM) in taxonomy.no_text


def no_text_regex(taxonomy: Taxonomy) -> str:
    """RE2, anchored: a whole text that is one of ``taxonomy.no_text``, :data:`TEXT_TRIM` around it aside.

    Both topic rules test it (pyarrow in ``assign``, DuckDB in ``assign_sql``): a
    customer's text fails it at its first characters, where trimming would copy every text.
    """
    space = "[" + "".join(f"\\x{ord(c):02x}" for c in TEXT_TRIM) + "]*"
    return f"^{space}(?:{'|'.join(re.escape(t) for t in taxonomy.no_text)}){space}$"


def _union(base: Mapping[str, tuple[str, ...]],
           extra: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    return {lang: tuple(dict.fromkeys(base.get(lang, ()) + extra.get(lang, ())))
            for lang in dict.fromkeys([*base, *extra])}


def _merge(base: Topic, extra: Topic) -> Topic:
    return Topic(
        name=base.name, labels={**base.labels, **extra.labels},
        keywords=_union(base.keywords, extra.keywords), weak=_union(base.weak, extra.weak),
        reason_codes=tuple(dict.fromkeys(base.reason_codes + extra.reason_codes)),
        reason_groups=tuple(dict.fromkeys(base.reason_groups + extra.reason_groups)),
        description=extra.description or base.description,
    )


def load_taxonomy(path: str | Path | None = None, extend: bool = True) -> Taxonomy:
    """Read the bundled taxonomy, extended (or replaced) by a user's file.

    Parameters
    ----------
    path : str or Path, optional
        A YAML file shaped like ``crisis_kit/data/topics.yaml``. None: the bundled one.
    extend : bool
        True: the file adds to the bundled taxonomy (a topic of the same name gains its
        keywords and reason codes; a new topic goes last). False: it replaces it.

    Returns
    -------
    Taxonomy

    Raises
    ------
    crisis_kit.errors.ConfigError
        When the file cannot be read, has unknown keys, a bad topic name, or a
        ``precedence`` that does not list every topic exactly once.
    """
    bundled_topics, bundled_no_text = _bundled()
    bundled = list(bundled_topics)
    if path is None:
        return Taxonomy(tuple(bundled), bundled_no_text)
    extra, precedence, extra_no_text = _read(Path(path))
    no_text = tuple(dict.fromkeys((bundled_no_text if extend else ()) + extra_no_text))
    topics = {t.name: t for t in (bundled if extend else [])}
    for topic in extra:
        topics[topic.name] = _merge(topics[topic.name], topic) if topic.name in topics else topic
    if precedence is not None:
        if sorted(precedence) != sorted(topics):
            raise _fail("precedence must list every topic exactly once", str(path),
                        f"list these names in the order you want: {', '.join(topics)}")
        return Taxonomy(tuple(topics[name] for name in precedence), no_text)
    return Taxonomy(tuple(topics.values()), no_text)
