"""The words of the Plan of Action in one language, from ``crisis_kit/data/poa_strings.yaml``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pandas as pd

from ..analysis import topics
from ..config import yamlio
from ..errors import ConfigError
from .document import DATA

__all__ = ["LANGUAGES", "Words", "load_words"]

LANGUAGES = ("en", "zh")
"""Languages of the draft."""

_EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+")


@lru_cache(maxsize=1)
def _taxonomy() -> topics.Taxonomy:
    return topics.load_taxonomy()


@lru_cache(maxsize=1)
def _all_strings() -> Mapping[str, Any]:
    return yamlio.safe_load((DATA / "poa_strings.yaml").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Words:
    """The draft's words and number formats in one language."""

    lang: str
    data: Mapping[str, Any]
    tz: str

    def __call__(self, key: str, **values: Any) -> str:
        """Return the text at a dotted ``key`` on one line, ``{placeholders}`` filled."""
        node: Any = self.data
        for part in key.split("."):
            node = node[part]
        text = re.sub(r"\s+", " ", str(node))  # folded YAML: one line, separators kept
        return text.format(**values) if values else text

    def number(self, value: Any, kind: str = "integer") -> str:
        """Format a number with ``formats.<kind>``; the ``missing`` text for NaN or None."""
        if value is None or pd.isna(value):
            return self("missing")
        return self.data["formats"][kind].format(int(value) if kind == "integer" else float(value))

    def figure(self, value: Any, metric: str) -> str:
        """Format the value of a figure: a share as a percentage, a rate per 100 orders."""
        return self.number(value, "percent" if metric == "negative_share" else "value")

    def day(self, value: Any) -> str:
        """Format a day (ISO)."""
        return self.data["formats"]["date"].format(pd.Timestamp(value))

    def moment(self, value: pd.Timestamp | None) -> str:
        """Format a zoned time as the marketplace's local date and time."""
        if value is None or pd.isna(value):
            return self("missing")
        return self.data["formats"]["datetime"].format(pd.Timestamp(value).tz_convert(self.tz))

    def window(self, start: Any, end: Any) -> str:
        """Format a window of days, both ends included."""
        return self("window", start=self.day(start), end=self.day(end))

    def lane(self, lane: str) -> str:
        """Name a lane of the actions log (its code when unknown)."""
        return self.data["lanes"].get(lane, lane)

    def topic(self, name: str) -> str:
        """Name a topic with the taxonomy's label in this language."""
        return _taxonomy().label(name, self.lang)

    def redact(self, value: Any) -> str:
        """Customer words with e-mail addresses removed (still untrusted: escape to show)."""
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return ""
        return _EMAIL.sub(self("redacted_email"), str(value)).strip()

    def movement(self, before: float, after: float, metric: str) -> str:
        """Say how a figure moved: fell, rose or stayed, compared as displayed."""
        b, a = self.figure(before, metric), self.figure(after, metric)
        if pd.isna(before) or pd.isna(after):
            key = "none"
        elif a == b:
            key = "same"
        else:
            key = "down" if after < before else "up"
        return self(f"movement.{key}", before=b, after=a)


def load_words(lang: str, tz: str) -> Words:
    """Return the words of ``lang``, with times shown in the zone ``tz``.

    Raises
    ------
    ConfigError
        If ``lang`` is not one of :data:`LANGUAGES`.
    """
    if lang not in LANGUAGES:
        raise ConfigError(f"the Plan of Action has no language {lang!r}",
                          fix=f"use one of: {', '.join(LANGUAGES)}")
    return Words(lang, _all_strings()[lang], tz)
