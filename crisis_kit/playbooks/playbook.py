"""Scenario playbooks: the prepared plan for one kind of crisis, shipped as data.

Each playbook is a folder of ``crisis_kit/playbooks/`` (``docs/playbooks.md``):
``playbook.yaml`` holds what does not depend on the language (the ``reviewed`` date,
thresholds, topics to watch, remedies with their unit costs), and ``en.yaml`` /
``zh.yaml`` hold the words (a STAR statement skeleton, customer-service reply
templates, the golden-4-hours checklist per lane, a POA skeleton). Everything is
validated with pydantic when loaded; nothing is read at import time.
"""

from __future__ import annotations

import datetime as dt
import difflib
from importlib import resources
from typing import Any, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..config import Thresholds, yamlio
from ..errors import ConfigError

__all__ = [
    "CHECKLIST_LANES", "LANGUAGES", "REVIEW_DAYS", "ChecklistItem", "Playbook", "PlaybookText",
    "ReplyTemplate", "SuggestedRemedy", "list_playbooks", "load_playbook", "playbook_names",
    "review_table",
]

LANGUAGES = ("en", "zh")
CHECKLIST_LANES = ("cs", "pr", "tech", "platform")
"""Every playbook's golden-4-hours checklist has at least one item in each of these lanes."""
REVIEW_DAYS = 90
"""A playbook not reviewed for this many days is flagged (the quarterly update)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChecklistItem(_Strict):
    """One action of the golden 4 hours, written as it goes into the actions log."""

    lane: str
    action: str = Field(min_length=3)
    within_hours: float = Field(gt=0, le=4)

    @field_validator("lane")
    @classmethod
    def _known_lane(cls, value: str) -> str:
        from ..schemas import LANES

        if value not in LANES:
            raise ValueError(f"lane {value!r} is not one of {', '.join(LANES)}")
        return value


class ReplyTemplate(_Strict):
    """A customer-service reply; ``[BRACKETED]`` words are placeholders."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    subject: str = ""
    text: str = Field(min_length=20)


class SuggestedRemedy(_Strict):
    """An after-sales offer the scenario suggests, with a starting unit cost to replace."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    unit_cost: float = Field(ge=0)
    cost_basis: str = ""


class PlaybookText(_Strict):
    """The words of a playbook in one language."""

    title: str
    statement: str = Field(min_length=40)
    replies: list[ReplyTemplate] = Field(min_length=1)
    checklist: list[ChecklistItem] = Field(min_length=4)
    poa: str = Field(min_length=40)

    @field_validator("checklist")
    @classmethod
    def _every_lane(cls, items: list[ChecklistItem]) -> list[ChecklistItem]:
        missing = [lane for lane in CHECKLIST_LANES if lane not in {i.lane for i in items}]
        if missing:
            raise ValueError(f"the checklist has no item for lane(s) {', '.join(missing)}")
        return items


class Playbook(_Strict):
    """One scenario's playbook: defaults for ``incident.yaml`` and the texts to start from."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    reviewed: dt.date
    thresholds: Thresholds = Field(default_factory=Thresholds)
    topics: list[str] = Field(min_length=1)
    remedies: list[SuggestedRemedy] = Field(default_factory=list)
    texts: dict[Literal["en", "zh"], PlaybookText]

    @field_validator("texts")
    @classmethod
    def _both_languages(cls, texts: dict[str, PlaybookText]) -> dict[str, PlaybookText]:
        missing = [lang for lang in LANGUAGES if lang not in texts]
        if missing:
            raise ValueError(f"no text for language(s) {', '.join(missing)}")
        return texts

    def text(self, language: str) -> PlaybookText:
        """The words of the playbook in ``language`` (en or zh)."""
        if language not in self.texts:
            raise ConfigError(f"playbook {self.name!r} has no language {language!r}",
                              fix=f"use one of {', '.join(LANGUAGES)}")
        return self.texts[language]  # type: ignore[index]

    def age_days(self, as_of: dt.date) -> int:
        """Days from the ``reviewed`` date to ``as_of``."""
        return (as_of - self.reviewed).days

    def review_due(self, as_of: dt.date, max_days: int = REVIEW_DAYS) -> bool:
        """Whether the playbook was last reviewed more than ``max_days`` before ``as_of``."""
        return self.age_days(as_of) > max_days


def _folder() -> Any:
    return resources.files("crisis_kit").joinpath("playbooks")


def playbook_names() -> list[str]:
    """The names of the bundled playbooks, sorted."""
    return sorted(p.name for p in _folder().iterdir()
                  if p.is_dir() and p.joinpath("playbook.yaml").is_file())


def _read_yaml(resource: Any, where: str) -> dict[str, Any]:
    try:
        raw = yamlio.safe_load(resource.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read the playbook file: {exc}", where,
                          "fix the file's YAML") from None
    if not isinstance(raw, dict):
        raise ConfigError("a playbook file must be a mapping of keys", where)
    return raw


def load_playbook(name: str) -> Playbook:
    """Read and validate one bundled playbook.

    Parameters
    ----------
    name : str
        The scenario, e.g. ``safety`` (:func:`playbook_names` lists them).

    Raises
    ------
    ConfigError
        For an unknown scenario (naming the valid ones) or an invalid playbook
        (every problem at once).
    """
    names = playbook_names()
    if name not in names:
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.5)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ConfigError(f"there is no playbook {name!r}",
                          fix=f"{hint}expected one of {', '.join(names)}")
    folder = _folder().joinpath(name)
    where = f"crisis_kit/playbooks/{name}"
    raw = _read_yaml(folder.joinpath("playbook.yaml"), f"{where}/playbook.yaml")
    raw["texts"] = {lang: _read_yaml(folder.joinpath(f"{lang}.yaml"), f"{where}/{lang}.yaml")
                    for lang in LANGUAGES if folder.joinpath(f"{lang}.yaml").is_file()}
    try:
        playbook = Playbook(**raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                             for e in exc.errors())
        raise ConfigError(f"playbook {name!r} is invalid: {problems}", where,
                          "correct the keys listed (docs/playbooks.md documents them)") from None
    if playbook.name != name:
        raise ConfigError(f"playbook folder {name!r} says name: {playbook.name!r}", where,
                          "make the name match the folder")
    _check_topics(playbook, where)
    return playbook


def _check_topics(playbook: Playbook, where: str) -> None:
    from ..config.taxonomy import load_taxonomy

    valid = load_taxonomy().names
    unknown = [t for t in playbook.topics if t not in valid]
    if unknown:
        raise ConfigError(f"playbook {playbook.name!r} watches unknown topic(s) "
                          f"{', '.join(unknown)}", f"{where}/playbook.yaml",
                          f"use topics of crisis_kit/data/topics.yaml: {', '.join(valid)}")


def list_playbooks() -> list[Playbook]:
    """Every bundled playbook, loaded and validated, by name."""
    return [load_playbook(name) for name in playbook_names()]


def review_table(playbooks: list[Playbook], as_of: dt.date,
                 max_days: int = REVIEW_DAYS) -> pd.DataFrame:
    """How long ago each playbook was reviewed.

    Parameters
    ----------
    playbooks : list of Playbook
    as_of : datetime.date
        The day ages count to (the CLI passes today unless told ``--as-of``).
    max_days : int
        Older than this is flagged ``review_due``.

    Returns
    -------
    pandas.DataFrame
        Each row represents one playbook: ``name``, ``title`` (English), ``reviewed``
        (date), ``age_days`` and ``review_due`` (bool), in the order given.
    """
    return pd.DataFrame(
        [{"name": p.name, "title": p.texts["en"].title, "reviewed": p.reviewed,
          "age_days": p.age_days(as_of), "review_due": p.review_due(as_of, max_days)}
         for p in playbooks],
        columns=["name", "title", "reviewed", "age_days", "review_due"],
    )
