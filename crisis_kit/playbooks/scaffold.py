"""``crisis-kit new``: an incident folder started from a scenario playbook.

:func:`create_incident` writes ``incident.yaml`` (the scenario's thresholds and
remedies, with comments), ``exports/`` to drop the seller's exports into,
``statement.md``, ``replies.md``, ``checklist.md`` and ``poa.md`` from the playbook's
skeletons, ``followups.csv`` with one row per corrective and preventive measure of the
POA skeleton, and an empty ``response_log.csv`` with its header. It refuses to touch an
existing folder. ``docs/playbooks.md`` explains the layout.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from ..config import marketplaces
from ..errors import ConfigError
from ..schemas import FOLLOWUPS
from .playbook import CHECKLIST_LANES, Playbook, PlaybookText, load_playbook

__all__ = ["ACTIONS_HEADER", "EXPORTS", "create_incident", "followups_csv", "incident_yaml",
           "poa_measures"]

ACTIONS_HEADER = "at,lane,action,channel,owner,ref,audience,sent,opened,clicked,replied,redeemed"
"""The header of the actions log (design.md section 4), with the optional counts of an
outreach campaign (docs/ingest.md, "Outreach campaigns")."""

EXPORTS = (
    ("complaints", "exports/reviews.csv", {},
     "reviews export (Helium 10, Amazon or any tool with date, rating, text)"),
    ("complaints", "exports/fba_returns.txt", {"format": "amazon-fba-returns"},
     "FBA customer returns report"),
    ("complaints", "exports/seller_feedback.txt", {}, "seller feedback report"),
    ("sales", "exports/orders.txt", {}, "all-orders report (flat file, by order date)"),
    ("sales", "exports/business/*.csv", {"date_pattern": r"'(?P<date>\d{4}-\d{2}-\d{2})'"},
     "daily Business Reports, one file a day, named BusinessReport-YYYY-MM-DD.csv"),
)
"""The exports ``new`` lists: (group, path, extra keys, what to save there).

The names are the convention of ``data/samples/exports``: save each export under its
name (or edit the path), and delete the lines of exports the team does not have.
"""

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def _export_lines(group: str) -> list[str]:
    lines = []
    for owner, path, extra, what in EXPORTS:
        if owner != group:
            continue
        lines.append(f"  - path: {path}".ljust(40) + f"# {what}")
        lines += [f"    {key}: {value}" for key, value in extra.items()]
    return lines


def incident_yaml(slug: str, playbook: Playbook, language: str, marketplace: str,
                  title: str = "") -> str:
    """The text of a new ``incident.yaml``: the scenario's defaults, with comments.

    Parameters
    ----------
    slug : str
        The incident's name, ``[a-z0-9-]``.
    playbook : Playbook
        The scenario; its thresholds and remedies become the incident's.
    language : {"en", "zh"}
        The report language.
    marketplace : str
        A marketplace code (US, UK, DE, JP, ...).
    title : str, optional
        Default: the playbook's title in ``language``.

    Returns
    -------
    str
        YAML that :func:`crisis_kit.config.load_incident` reads.
    """
    text = playbook.text(language)
    t = playbook.thresholds
    remedies = [f"  - {{name: {r.name}, unit_cost: {r.unit_cost:g}, offered_from: null}}"
                f"   # {r.cost_basis}" for r in playbook.remedies]
    lines = [
        f"# Incident started from the {playbook.name!r} playbook "
        f"(reviewed {playbook.reviewed.isoformat()}).",
        "# Keys: docs/incident.md. Paths are relative to this file.",
        f"incident: {slug}",
        f"title: {_quoted(title or text.title)}",
        f"marketplace: {marketplace}",
        f"language: {language}                          # report language: en | zh",
        "asins: []                             # e.g. [B0EXAMPLE1]; empty = every ASIN in the exports",
        "# Save each export under exports/ with the name below, or edit the path; delete the",
        "# lines of exports you do not have (`crisis-kit ingest` names any file still missing).",
        "complaints:",
        *_export_lines("complaints"),
        "# - path: exports/social.csv           # social-media mentions (docs/ingest.md): uncomment",
        "#   source: social                     # and name your export's columns",
        "#   mapping: {platform: Platform, occurred_at: Date, url: URL, text: Text, author: Author}",
        "sales:",
        *_export_lines("sales"),
        f"actions: response_log.csv              # {ACTIONS_HEADER}; lanes cs pr tech platform "
        "marketing exec",
        "statement: statement.md               # from the playbook's STAR skeleton: fill the [BRACKETS]",
        "reply_templates: replies.md           # one template per `## ` section; replies are checked "
        "against them",
        "followups: followups.csv              # the POA's measures: fill owner, due, status, topic, "
        "effective (docs/poa.md)",
        "remedies:                             # unit_cost: the playbook's starting figure; "
        "replace it, set offered_from",
        *remedies,
        "onset: null                           # override the detected onset (a time with its offset)",
        f"thresholds:                           # the {playbook.name!r} playbook's suggestions",
        f"  negative_growth: {t.negative_growth:g}",
        f"  min_negative_per_day: {t.min_negative_per_day}",
        f"  golden_hours: {t.golden_hours:g}",
        f"  rating_window_days: {t.rating_window_days}",
        f"  target_rating: {t.target_rating:g}",
        f"  baseline_days: {t.baseline_days}",
        f"  sales_target: {t.sales_target:g}",
        f"# Topics to watch in this scenario: {', '.join(playbook.topics)}.",
        f"playbook: {playbook.name}                 # the monitor's messages quote its first "
        "golden-hour steps",
        "report_url: null                      # where the team reads the report (a URL or a path)",
        "notifications:                        # `crisis-kit monitor --webhook` (docs/scheduling.md)",
        "  format: null                        # slack | feishu | dingtalk | wecom (default slack)",
        "  digest: daily                       # daily | off: a digest each day the alert lasts",
        "  secret_env: CRISIS_KIT_WEBHOOK_SECRET   # variable holding a Feishu/DingTalk signing secret",
        "  owners: {}                          # e.g. {cs: {name: Wang Fang, mobile: '13800000001'}}",
    ]
    return "\n".join(lines) + "\n"


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


_PART = {"corrective": re.compile(r"corrective|纠正", re.I),
         "preventive": re.compile(r"preventive|prevention|预防", re.I)}
_ITEM = re.compile(r"^\s*\d+[.)、]\s*(?P<measure>\S.*)$")


def poa_measures(poa: str) -> list[tuple[str, str]]:
    r"""The numbered measures of a POA skeleton's corrective and preventive parts.

    Parameters
    ----------
    poa : str
        The POA in Markdown: ``## `` headings, each part a numbered list.

    Returns
    -------
    list of (kind, measure)
        ``kind`` is ``corrective`` or ``preventive`` (from the heading's words, en or zh);
        ``measure`` the item's text as written, placeholders included. Items under other
        headings (the root cause) are left out.

    Examples
    --------
    >>> poa_measures("## Root cause\n\n1. x\n\n## Corrective actions\n\n1. Remove batch [B].\n")
    [('corrective', 'Remove batch [B].')]
    """
    kind, found = None, []
    for line in poa.splitlines():
        if line.startswith("## "):
            kind = next((k for k, rule in _PART.items() if rule.search(line)), None)
            continue
        item = _ITEM.match(line)
        if kind and item:
            found.append((kind, item.group("measure").strip()))
    return found


def followups_csv(text: PlaybookText) -> str:
    """``followups.csv``: the POA skeleton's measures, open, to fill in (docs/poa.md)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(FOLLOWUPS.names)
    for kind, measure in poa_measures(text.poa):
        row = dict.fromkeys(FOLLOWUPS.names, "")
        row.update(kind=kind, measure=measure, status="open")
        writer.writerow(row.values())
    return buffer.getvalue()


def _replies_md(text: PlaybookText) -> str:
    parts = [f"# {text.title}: reply templates", ""]
    for reply in text.replies:
        parts += [f"## {reply.name}", "", f"Subject: {reply.subject}", "", reply.text.strip(), ""]
    return "\n".join(parts)


def _checklist_md(text: PlaybookText, language: str) -> str:
    head = ("# 黄金4小时清单" if language == "zh" else "# Golden 4 hours checklist")
    note = ("完成后把每项按原文写入 response_log.csv（at,lane,action,channel,owner,ref）。"
            if language == "zh" else
            "Log each item, as written, in response_log.csv (at,lane,action,channel,owner,ref) "
            "when it is done.")
    lines = [head, "", note, ""]
    for lane in CHECKLIST_LANES:
        lines += [f"## {lane}", ""]
        lines += [f"- [ ] {item.action} (≤ {item.within_hours:g} h)"
                  for item in text.checklist if item.lane == lane]
        lines.append("")
    return "\n".join(lines)


def create_incident(workspace: str | Path, slug: str, scenario: str, language: str = "en",
                    marketplace: str = "US", title: str = "") -> Path:
    """Create ``workspace/slug/`` from the ``scenario`` playbook and return its path.

    Parameters
    ----------
    workspace : str or Path
        The folder that holds the team's incidents (created if missing).
    slug : str
        The incident's name and folder, ``[a-z0-9-]``.
    scenario : str
        A playbook name (:func:`crisis_kit.playbooks.playbook.playbook_names`).
    language : {"en", "zh"}
        Language of the report and of the texts written.
    marketplace : str
        Marketplace code, default US.
    title : str, optional
        The incident's title (default the playbook's).

    Returns
    -------
    Path
        The new folder, holding ``incident.yaml``.

    Raises
    ------
    ConfigError
        For a bad slug, an unknown scenario, language or marketplace, or when the
        folder exists already (nothing is overwritten).
    """
    if not _SLUG.match(slug):
        raise ConfigError(f"{slug!r} is not a valid incident name",
                          fix="use lower-case letters, digits and hyphens, e.g. bottle-valve-2")
    playbook = load_playbook(scenario)
    text = playbook.text(language)
    code = marketplaces.get(marketplace).code
    folder = Path(workspace) / slug
    if folder.exists():
        raise ConfigError(f"the folder {str(folder)!r} exists already; nothing was written",
                          fix="choose another name, or remove the folder yourself")
    (folder / "exports" / "business").mkdir(parents=True)
    files = {
        "incident.yaml": incident_yaml(slug, playbook, language, code, title),
        "statement.md": text.statement,
        "replies.md": _replies_md(text),
        "checklist.md": _checklist_md(text, language),
        "poa.md": text.poa,
        "followups.csv": followups_csv(text),
        "response_log.csv": ACTIONS_HEADER + "\n",
    }
    for name, content in files.items():
        (folder / name).write_text(content, encoding="utf-8")
    return folder
