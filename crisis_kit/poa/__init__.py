"""Plan of Action (POA) draft: root cause, actions taken, prevention, each backed by data.

Amazon asks a seller for three parts: the root cause, the actions taken to resolve
the issue, and the steps that prevent it from recurring. :func:`draft` fills each from
the incident's evidence: the complaint topics that define the root cause (counts and
verbatim quotes), the corrective actions of the actions log with their times, and
before/after figures around each corrective action day (:mod:`crisis_kit.analysis.effects`),
each with its windows and the counts behind it; then an evidence appendix. The result
is a frozen :class:`PlanOfAction` that renders to editable Markdown and to an escaped,
self-contained HTML fragment. The method is documented in ``docs/poa.md``.

- :mod:`.measures`: corrective actions, root-cause topics, the figures (pure, on tables)
- :mod:`.draft`: the recipe that fills the three parts and the appendix
- :mod:`.document`: the frozen document and its Markdown and HTML renderings
- :mod:`.words`: the words of each language (``crisis_kit/data/poa_strings.yaml``)
"""

from ..analysis.effects import before_after
from .document import Item, Part, PlanOfAction, Quote, Section, Table
from .draft import EVIDENCE_COLUMNS, draft
from .measures import (
    CORRECTIVE_LANES,
    ENGINEERING_LANE,
    POA_FIGURE_COLUMNS,
    corrective_actions,
    figures,
    load_orders,
    root_cause_topics,
)
from .words import LANGUAGES

__all__ = [
    "CORRECTIVE_LANES", "ENGINEERING_LANE", "EVIDENCE_COLUMNS", "LANGUAGES",
    "POA_FIGURE_COLUMNS", "Item", "Part", "PlanOfAction", "Quote", "Section", "Table",
    "before_after", "corrective_actions", "draft", "figures", "load_orders", "root_cause_topics",
]
