"""The report's words and formats in one language, read from ``strings/<lang>.yaml``.

Every heading, label, note and number or date format of the report lives in those
files, so that a Chinese report carries no English interface text and a new language
is a new file, not new code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .config import yamlio
from .errors import ConfigError

if TYPE_CHECKING:
    from .config import Incident

__all__ = ["LANGUAGES", "STRINGS_DIR", "Strings", "load_strings", "resolve_language"]

STRINGS_DIR = Path(__file__).parent / "report" / "strings"
"""The folder of the strings files, one ``<lang>.yaml`` each."""

LANGUAGES = ("en", "zh")
"""Languages the report is written in."""

_EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+")


@dataclass(frozen=True)
class Strings:
    """The interface text and formats of one language.

    Parameters
    ----------
    lang : str
        The language code (``en``, ``zh``).
    data : Mapping
        The parsed strings file.
    """

    lang: str
    data: Mapping[str, Any]

    def text(self, key: str, **values: Any) -> str:
        """Return the text at a dotted ``key``, with ``{placeholders}`` filled.

        Raises
        ------
        KeyError
            If the strings file has no such key (a bug: both files have every key).
        """
        node: Any = self.data
        for part in key.split("."):
            if not isinstance(node, Mapping) or part not in node:
                raise KeyError(f"strings/{self.lang}.yaml has no key {key!r}")
            node = node[part]
        if not isinstance(node, str):
            raise KeyError(f"strings/{self.lang}.yaml: {key!r} is a group, not a text")
        return node.format(**values) if values else node

    def or_none(self, text: str) -> str:
        """Return ``text``, or the sign for "not computable" (``none``) when it is empty."""
        return text or self.text("none")

    def section(self, name: str) -> Mapping[str, str]:
        """Return a group of texts (such as ``sources``) as a plain mapping."""
        group = self.data.get(name)
        if not isinstance(group, Mapping):
            raise KeyError(f"strings/{self.lang}.yaml has no group {name!r}")
        return dict(group)

    def date(self, value: Any) -> str:
        """Format a day in this language's date format; empty for a missing value."""
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return ""
        day = pd.Timestamp(value)
        return self.text("formats.date", year=day.year, month=day.month, day=day.day)

    def time(self, value: Any) -> str:
        """Format a moment as its day and ``hh:mm`` on its own clock; empty for a missing value.

        Pass a timestamp converted to the marketplace's zone: the report says once,
        in words, which zone its times are in.
        """
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return ""
        moment = pd.Timestamp(value)
        return self.text("formats.time", date=self.date(moment), hour=moment.hour,
                         minute=moment.minute)

    def duration(self, hours: Any) -> str:
        """Format a number of hours as hours and minutes (``2 h 36 min``); empty for NaN."""
        if hours is None or pd.isna(hours):
            return ""
        minutes = round(float(hours) * 60)
        sign = "-" if minutes < 0 else ""
        whole, rest = divmod(abs(minutes), 60)
        return sign + self.text("formats.duration", hours=whole, minutes=rest)

    def number(self, value: Any, kind: str = "integer") -> str:
        """Format a number with the format ``formats.<kind>``; empty for NaN or None."""
        if value is None or pd.isna(value):
            return ""
        pattern = self.data["formats"][kind]
        return pattern.format(int(value) if kind == "integer" else float(value))

    def redact(self, words: str, limit: int = 300) -> str:
        """Return customer words with e-mail addresses removed, cut to ``limit`` characters.

        The result is still untrusted text: escape it where it is shown.
        """
        cleaned = _EMAIL.sub(self.text("redacted_email"), words)
        cleaned = " ".join(cleaned.split())
        if len(cleaned) > limit:
            cleaned = cleaned[:limit].rstrip() + self.text("ellipsis")
        return cleaned


def resolve_language(lang: str, incident: Incident) -> str:
    """Return the report language: ``lang`` when given, else the incident's."""
    return lang or incident.language


def load_strings(lang: str) -> Strings:
    """Read the strings file of ``lang``.

    Parameters
    ----------
    lang : str
        One of :data:`LANGUAGES`.

    Returns
    -------
    Strings

    Raises
    ------
    ConfigError
        If there is no strings file for ``lang``.
    """
    if lang not in LANGUAGES:
        raise ConfigError(
            f"the report has no language {lang!r}",
            fix=f"use one of: {', '.join(LANGUAGES)}",
        )
    path = STRINGS_DIR / f"{lang}.yaml"
    data = yamlio.safe_load(path.read_text(encoding="utf-8"))
    return Strings(lang=lang, data=data)
