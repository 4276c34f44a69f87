"""What customers say that no topic names: distinctive phrases by weighted log-odds.

The taxonomy only finds what it has words for. :func:`distinctive_phrases` finds, from the
data, the unigrams and bigrams most distinctive of the negative complaints of a recent
window (the crisis window, or the last 28 days when calm) against the window before,
by the weighted log-odds ratio with an informative Dirichlet prior of Monroe, Colaresi
and Quinn (2008, "Fightin' Words", Political Analysis 16(4), section 3.5.3): for a phrase
w with counts y_w^a (recent) and y_w^b (before), totals n^a and n^b, and the prior
taken from both windows together, scaled to a strength alpha_0 = ``PRIOR_STRENGTH``
(500, the paper's order of magnitude): alpha_w = alpha_0 (y_w^a + y_w^b) / (n^a + n^b):

    delta_w = log((y_w^a + alpha_w) / (n^a + alpha_0 - y_w^a - alpha_w))
            - log((y_w^b + alpha_w) / (n^b + alpha_0 - y_w^b - alpha_w))
    var_w   = 1 / (y_w^a + alpha_w) + 1 / (y_w^b + alpha_w)
    z_w     = delta_w / sqrt(var_w)

Tokens: English and German words with stop-word lists (``crisis_kit/data/stopwords.yaml``),
Chinese with jieba, Japanese with janome (nouns, verbs, adjectives, as base forms); the
language of each text from its script (kana: Japanese; Han without kana: Chinese), and
German when the marketplace is German-speaking. Phrases that a topic's keywords already
match are left out: these are the words the taxonomy misses. Deterministic.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from importlib import resources

import pandas as pd

from ..config.taxonomy import load_taxonomy, no_text

PRIOR_STRENGTH = 500.0
"""alpha_0 of the informative Dirichlet prior (module docstring)."""

__all__ = ["PRIOR_STRENGTH", "PHRASE_COLUMNS", "tokens", "phrase_counts", "log_odds", "distinctive_phrases"]

PHRASE_COLUMNS = ["phrase", "recent", "before", "z", "example_1", "example_2"]
"""Columns of :func:`distinctive_phrases`."""

_KANA = re.compile(r"[\u3040-\u30ff]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[a-zäöüßàâçéèêëîïôûùüÿñæœ']+")
_GERMAN_MARKETS = {"DE", "AT", "CH"}
_NEGATIONS = frozenset({"not", "no", "nor", "never", "don't", "didn't", "doesn't", "isn't",
                        "wasn't", "won't", "can't", "cannot", "nicht", "kein", "keine",
                        "keinen", "nie"})


@lru_cache(maxsize=1)
def _stopwords() -> dict[str, frozenset[str]]:
    import yaml

    path = resources.files("crisis_kit") / "data" / "stopwords.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {lang: frozenset(str(w).lower() for w in words) for lang, words in raw.items()}


@lru_cache(maxsize=1)
def _janome():
    from janome.tokenizer import Tokenizer  # its dictionary installs with it (PyPI)

    return Tokenizer()


@lru_cache(maxsize=1)
def _jieba():
    import jieba  # its dictionary installs with it (PyPI)

    jieba.setLogLevel(logging.WARNING)
    return jieba


def language(text: str, marketplace: str = "US") -> str:
    """``ja``, ``zh``, ``de`` or ``en`` for one text (script first, then the marketplace)."""
    if _KANA.search(text):
        return "ja"
    if _HAN.search(text):
        return "zh"
    return "de" if marketplace.upper() in _GERMAN_MARKETS else "en"


def tokens(text: str, lang: str) -> list[str]:
    """The content words of ``text`` in order (lower case; base forms for Japanese)."""
    stop = _stopwords()
    if lang == "ja":
        words = [t.base_form if t.base_form != "*" else t.surface
                 for t in _janome().tokenize(text)
                 if t.part_of_speech.split(",")[0] in ("名詞", "動詞", "形容詞")
                 and t.part_of_speech.split(",")[1] not in ("非自立", "数", "代名詞", "接尾")]
        return [w for w in words if len(w) > 1 or _HAN.match(w)]
    if lang == "zh":
        return [w for w in _jieba().lcut(text)
                if _HAN.search(w) and len(w) > 1 and w not in stop["zh"]]
    stop_words = stop.get(lang, stop["en"])
    stripped = [w.strip("'") for w in _LATIN_WORD.findall(text.lower().replace("’", "'"))]
    return [w for w in stripped if len(w) > 1 and w not in stop_words]


def phrase_counts(texts: Iterable[str], lang: Sequence[str]) -> tuple[Counter, list[set[str]]]:
    """Unigram and bigram counts over ``texts``, and each text's phrases (for examples)."""
    total: Counter = Counter()
    each: list[set[str]] = []
    for text, code in zip(texts, lang, strict=True):
        words = tokens(text, code)
        joiner = "" if code in ("zh", "ja") else " "
        # a negation counts inside a pair ("not working"), never alone ("not" says nothing)
        found = [w for w in words if w not in _NEGATIONS] + [
            a + joiner + b for a, b in zip(words, words[1:], strict=False)]
        total.update(found)
        each.append(set(found))
    return total, each


def log_odds(recent: Counter, before: Counter,
             strength: float = PRIOR_STRENGTH) -> pd.DataFrame:
    """The weighted log-odds z-score of every phrase (module docstring), largest first."""
    both = recent + before
    n_a, n_b = sum(recent.values()), sum(before.values())
    alpha0 = float(strength)
    rows = []
    for phrase, count in both.items():
        alpha = alpha0 * count / (n_a + n_b)
        y_a, y_b = recent.get(phrase, 0), before.get(phrase, 0)
        delta = (math.log((y_a + alpha) / (n_a + alpha0 - y_a - alpha))
                 - math.log((y_b + alpha) / (n_b + alpha0 - y_b - alpha)))
        z = delta / math.sqrt(1 / (y_a + alpha) + 1 / (y_b + alpha))
        rows.append((phrase, y_a, y_b, z))
    table = pd.DataFrame(rows, columns=["phrase", "recent", "before", "z"])
    return table.sort_values(["z", "phrase"], ascending=[False, True]).reset_index(drop=True)


def distinctive_phrases(
    negatives: pd.DataFrame,
    recent_start: pd.Timestamp,
    recent_end: pd.Timestamp,
    window_days: int,
    *,
    marketplace: str = "US",
    n: int = 10,
    min_count: int = 3,
    leave_out_topics: bool = True,
) -> pd.DataFrame:
    """The ``n`` phrases most distinctive of the recent negatives against the window before.

    Parameters
    ----------
    negatives : pandas.DataFrame
        Negative events with ``local_date``, ``title``, ``text`` and ``event_id``.
    recent_start, recent_end : pandas.Timestamp
        The recent window (days, inclusive); the window before is the ``window_days``
        days ending the day before ``recent_start``.
    leave_out_topics : bool, default True
        Leave out the phrases a topic's keywords already match
        (:func:`crisis_kit.analysis.topics.assign` gives them a topic), so the table shows
        what no topic names.

    Returns
    -------
    pandas.DataFrame
        ``PHRASE_COLUMNS``: each row one phrase with its counts in both windows, its
        z-score (positive: more frequent now) and two recent complaints that say it.
    """
    # examples are the first complaints by day and id, whatever order the rows came in
    order = [c for c in ("local_date", "event_id") if c in negatives.columns]
    negatives = negatives.sort_values(order, kind="mergesort") if order else negatives
    days = pd.to_datetime(negatives["local_date"]).dt.normalize()
    before_start = recent_start - pd.Timedelta(days=window_days)
    recent = negatives[(days >= recent_start) & (days <= recent_end)]
    before = negatives[(days >= before_start) & (days < recent_start)]

    taxonomy = load_taxonomy()

    def words(frame: pd.DataFrame) -> list[str]:
        # a "the buyer wrote nothing" placeholder is no customer's words
        return [" ".join(str(p) for p in (t, x) if isinstance(p, str) and p.strip()
                         and not no_text(taxonomy, p))
                for t, x in zip(frame.get("title", pd.Series(index=frame.index, dtype=object)),
                                frame.get("text", pd.Series(index=frame.index, dtype=object)),
                                strict=True)]

    texts_a, texts_b = words(recent), words(before)
    counts_a, each_a = phrase_counts(texts_a, [language(t, marketplace) for t in texts_a])
    counts_b, _ = phrase_counts(texts_b, [language(t, marketplace) for t in texts_b])
    table = log_odds(counts_a, counts_b)
    table = table[(table["recent"] >= min_count) & (table["z"] > 0)]
    if leave_out_topics and len(table):
        from .topics import assign

        named = assign(pd.DataFrame({"title": "", "text": table["phrase"].to_numpy()}))
        table = table[(named.astype(str) == "other").to_numpy()]
    table = table.head(n).reset_index(drop=True)
    examples = []
    for phrase in table["phrase"]:
        said = [texts_a[i] for i in range(len(texts_a)) if phrase in each_a[i]][:2]
        examples.append(said + [""] * (2 - len(said)))
    table["example_1"] = [e[0] for e in examples]
    table["example_2"] = [e[1] for e in examples]
    return table[PHRASE_COLUMNS]
