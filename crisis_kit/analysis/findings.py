"""The measured findings of one incident: the frozen tables the POA, the remedies and the report read.

:class:`Findings` sits below everything that reads it (``poa``, ``pipeline``, ``report``)
and above the modules that make its parts, so no import points back up.
:class:`crisis_kit.pipeline.Analysis` extends it with the statement review, the Plan of
Action and the remedy prices, which are computed from these findings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from ..config import Incident
from .amazon_topics import AmazonTopics
from .detection.rules import Detection
from .health import Health
from .messages import MessageResponse
from .ratings import RatingSummary
from .response import Response
from .sales import SalesSummary

__all__ = ["Findings"]


@dataclass(frozen=True, eq=False)
class Findings:
    """Every measured number of one incident, from the evidence store and the onset.

    Tables say what a row is in the module that makes them: ``events`` (one complaint
    signal, with its ``topic``; without ``title`` and ``text``, which stay in the store:
    the quoted ones are in ``representatives``), ``files`` (one ingested file),
    ``topic_shares`` (one local day of one topic), ``topic_drivers`` (one topic: share
    during the crisis window against before), ``representatives`` (one quoted complaint),
    ``voc`` (one ASIN of Amazon's Voice of the Customer on one `Last updated` day),
    ``health`` (the calm product's figures on the last day, onset or not), ``phrases``
    (one phrase distinctive of the recent negatives that no topic names), ``messages``
    (the buyer messages' response times; None without a messages export),
    ``amazon_topics`` (Amazon's Customer Feedback topics beside the kit's; None without
    them), ``voc_beside`` (one ASIN on one Voice of the Customer day beside the kit's
    figures for the same days: :func:`crisis_kit.analysis.voice.beside`), and
    the tables inside ``detection``, ``rating``, ``sales`` and ``response`` (None where
    there is no onset to measure from).
    """

    incident: Incident
    as_of: dt.date | None
    tz: str
    events: pd.DataFrame
    files: pd.DataFrame
    detection: Detection
    rating: RatingSummary | None
    topic_shares: pd.DataFrame
    topic_drivers: pd.DataFrame
    representatives: pd.DataFrame
    sales: SalesSummary | None
    response: Response | None
    voc: pd.DataFrame
    health: Health | None
    phrases: pd.DataFrame
    messages: MessageResponse | None = None
    amazon_topics: AmazonTopics | None = None
    voc_beside: pd.DataFrame = field(default_factory=pd.DataFrame)
    rejections: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Each ingested file's most frequent reasons for a rejected row (``Evidence.rejections``)."""

    @property
    def onset_day(self) -> dt.date | None:
        """The onset's marketplace-local day."""
        onset = self.detection.onset
        return None if onset is None else onset.tz_convert(self.tz).date()

    @property
    def crisis_window_days(self) -> int:
        """Length of the crisis window from the onset (``thresholds.crisis_window_days``)."""
        return self.incident.thresholds.crisis_window_days
