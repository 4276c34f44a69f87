"""``incident.yaml`` -> :class:`Incident`: typed, validated, unknown keys rejected.

The keys are a contract (docs/incident.md lists them): scripts and schedulers write these
files, so keys are added, never renamed. Paths are relative to the file.
"""

from __future__ import annotations

import datetime as dt
import difflib
import glob
import typing
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import ConfigError
from . import marketplaces, yamlio

__all__ = ["CRISIS_WINDOW_DAYS", "SAMPLE_INCIDENT", "Incident", "ExportFile", "LaneOwner",
           "Notifications", "Thresholds", "Remedy", "load_incident"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExportFile(_Strict):
    """One export (or a glob of exports) named in ``complaints``, ``sales`` or ``messages``."""

    path: str
    format: str | None = None
    marketplace: str | None = None
    source: str | None = None
    encoding: str | None = None
    mapping: dict[str, str] | None = None
    date: dt.date | None = None
    date_pattern: str | None = None
    sheet: str | None = None
    """A workbook's sheet to read; without it, the first sheet with a known header."""

    @field_validator("marketplace")
    @classmethod
    def _known_marketplace(cls, value: str | None) -> str | None:
        return None if value is None else marketplaces.get(value).code


class Remedy(_Strict):
    """An after-sales offer with its unit cost."""

    name: str
    unit_cost: float = Field(ge=0)
    offered_from: dt.date | None = None


SAMPLE_INCIDENT = Path(__file__).resolve().parents[2] / "data" / "samples" / "incident.yaml"
"""The bundled sample incident (in a source checkout): what an empty incident path opens."""

CRISIS_WINDOW_DAYS = 14
"""The playbook's crisis fortnight: the default of ``thresholds.crisis_window_days``."""


class Thresholds(_Strict):
    """The numbers of the playbook; defaults are the playbook's own."""

    negative_growth: float = Field(0.15, ge=0)
    min_negative_per_day: int = Field(5, ge=1)
    golden_hours: float = Field(4, gt=0)
    rating_window_days: int = Field(30, ge=1)
    target_rating: float = Field(4.2, ge=1, le=5)
    baseline_days: int = Field(28, ge=1)
    sales_target: float = Field(1.2, gt=0)
    crisis_window_days: int = Field(CRISIS_WINDOW_DAYS, ge=1)
    """Days from the onset that make the crisis window (topics, quotes, POA, remedies)."""
    campaign_conversion: float = Field(0.17, ge=0, le=1)
    """The playbook's coupon conversion (17 %): each outreach campaign's is shown against it."""


class LaneOwner(_Strict):
    """Who owns a response lane: named in chat messages, @-mentioned on DingTalk by mobile."""

    name: str = ""
    mobile: str | None = Field(None, pattern=r"^\+?[0-9][0-9-]{4,19}$")
    """The mobile number the owner's DingTalk account is registered with (digits, optional +)."""


class Notifications(_Strict):
    """How ``crisis-kit monitor`` tells the team (``docs/scheduling.md``).

    Every key is optional; without the block the monitor posts the rich message of the
    default format once when an alert starts, once when its kind changes or it clears,
    and a digest each further day it stays active.
    """

    format: Literal["slack", "feishu", "dingtalk", "wecom"] | None = None
    """The bot's shape when ``--webhook-format`` is not given (default slack)."""
    style: Literal["rich", "text"] = "rich"
    """rich: Feishu card, DingTalk and WeCom markdown, Slack Block Kit; text: plain text."""
    digest: Literal["daily", "off"] = "daily"
    """While an alert stays active: one digest per new (marketplace-local) day, or none."""
    secret_env: str = Field("CRISIS_KIT_WEBHOOK_SECRET", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    """The environment variable holding a Feishu or DingTalk signing secret (never the secret)."""
    owners: dict[str, LaneOwner] = Field(default_factory=dict)
    """Lane (cs, pr, tech, platform, marketing, exec) -> its owner (lanes checked by the monitor)."""


class Incident(_Strict):
    """One incident: its exports, its thresholds, where its files live.

    ``root`` is the folder of the ``incident.yaml`` file; every path is relative to it.
    """

    incident: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str = ""
    marketplace: str = "US"
    language: Literal["en", "zh"] = "en"
    asins: list[str] = Field(default_factory=list)
    complaints: list[ExportFile] = Field(default_factory=list)
    sales: list[ExportFile] = Field(default_factory=list)
    messages: list[ExportFile] = Field(default_factory=list)
    """Buyer-message or help-desk exports (received and answered times, through a mapping)."""
    actions: str | None = None
    statement: str | None = None
    reply_templates: str | None = None
    followups: str | None = None
    """The POA's follow-ups (``followups.csv``: owner, due, status, topic, effective; docs/poa.md)."""
    remedies: list[Remedy] = Field(default_factory=list)
    onset: dt.datetime | None = None
    thresholds: Thresholds = Field(default_factory=Thresholds)
    playbook: str | None = Field(None, pattern=r"^[a-z0-9][a-z0-9-]*$")
    """The scenario playbook the incident was started from (``crisis-kit new`` writes it)."""
    report_url: str | None = None
    """Where the team reads the report (a URL or a path): the chat messages link to it."""
    notifications: Notifications = Field(default_factory=Notifications)
    root: Path = Field(default=Path("."), exclude=True)

    @field_validator("marketplace")
    @classmethod
    def _known_marketplace(cls, value: str) -> str:
        return marketplaces.get(value).code

    @property
    def store_path(self) -> Path:
        """The evidence store of this incident's workspace."""
        return self.root / "store.duckdb"

    def resolve(self, relative: str) -> Path:
        """Return a path of the config as an absolute path."""
        return (self.root / relative).resolve()

    def expand(self, entry: ExportFile) -> list[Path]:
        """Return the files an entry names (a glob expands, sorted)."""
        pattern = str(self.root / entry.path)
        if glob.has_magic(entry.path):
            return [Path(p).resolve() for p in sorted(glob.glob(pattern))]
        return [Path(pattern).resolve()]


def _empty(key: str) -> Any:
    """What a key left with nothing under it reads as.

    ``[]`` for a list, ``{}`` for a block of keys (the model's own types say which);
    ``None`` for any other key, as written.
    """
    field = Incident.model_fields.get(key)
    if field is None:
        return None
    if typing.get_origin(field.annotation) is list:
        return []
    return {} if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel) \
        else None


def _nearest(key: str, valid: list[str]) -> str:
    close = difflib.get_close_matches(key, valid, n=1, cutoff=0.5)
    return f"did you mean {close[0]!r}? " if close else ""


def _fields_of(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Walk ``loc`` through nested models to the field names valid at that place."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part)
        if field is None:
            break
        annotation = field.annotation
        args = getattr(annotation, "__args__", ()) or ()
        candidates = [annotation, *args]
        for candidate in candidates:
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                current = candidate
                break
    return sorted(name for name in current.model_fields if name != "root")


def load_incident(path: str | Path) -> Incident:
    """Read and validate an ``incident.yaml``.

    Raises
    ------
    ConfigError
        Naming the file, the key and the fix (every problem at once).
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(
            f"incident file {str(path)!r} does not exist",
            fix="pass the path of an incident.yaml (see data/samples/incident.yaml)",
        )
    try:
        raw = yamlio.safe_load(path.read_text(encoding="utf-8-sig"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}, line {mark.line + 1}, column {mark.column + 1}" if mark else str(path)
        raise ConfigError("incident file is not valid YAML", where, "fix the syntax there") from exc
    if not isinstance(raw, dict):
        raise ConfigError("incident file must be a mapping of keys", str(path))
    # A key left with nothing under it (`sales:` once its lines are deleted, as the file
    # `crisis-kit new` writes tells) is read as empty, not refused as "not a list".
    raw = {key: _empty(key) if value is None else value for key, value in raw.items()}
    try:
        return Incident(**raw, root=path.resolve().parent)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            dotted = ".".join(str(p) for p in loc)
            if error["type"] == "extra_forbidden":
                valid = _fields_of(Incident, loc)
                problems.append(
                    f"unknown key {dotted!r} ({_nearest(str(loc[-1]), valid)}"
                    f"valid keys here: {', '.join(valid)})"
                )
            else:
                problems.append(f"{dotted}: {error['msg']}")
        raise ConfigError(
            "incident file has invalid keys: " + "; ".join(problems),
            str(path),
            "correct the keys listed (docs/incident.md lists every key)",
        ) from None
