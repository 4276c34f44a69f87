"""docs/incident.md lists every key of incident.yaml that the kit reads, and no other."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crisis_kit.config.incident import ExportFile, Incident, Notifications, Thresholds
from crisis_kit.config.marketplaces import MARKETPLACES

DOC = Path(__file__).resolve().parents[1] / "docs" / "incident.md"


def _keys(section: str) -> list[str]:
    """The first column's `key` of each row of the table under ``## section``."""
    text = DOC.read_text(encoding="utf-8")
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([a-z_]+)` \|", body, flags=re.M)


@pytest.mark.parametrize(("section", "model", "hidden"), [
    ("The incident", Incident, {"root"}),
    ("Each file of `complaints`, `sales` and `messages`", ExportFile, set()),
    ("`thresholds`", Thresholds, set()),
    ("`notifications`", Notifications, set()),
])
def test_the_doc_lists_each_key_the_model_reads(section, model, hidden):
    assert _keys(section) == [k for k in model.model_fields if k not in hidden]


def test_the_doc_defaults_are_the_models():
    text = DOC.read_text(encoding="utf-8")
    for name, field in Thresholds.model_fields.items():
        assert re.search(rf"^\| `{name}` \| {field.default:g} \|", text, flags=re.M), name
    listed = re.search(r"\| `marketplace` \| `US` \| [^|]*?: ([A-Z, ]+) \(", text).group(1)
    assert listed.split(", ") == list(MARKETPLACES)
