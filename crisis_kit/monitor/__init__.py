"""The scheduled check, the chat messages, when to post them, and the webhooks.

``check`` (the verdict), ``notice`` and ``payloads`` (the message and its shape per
platform), ``notify`` (one message per change, not per run), ``scan_notify`` (the same
rule per ASIN for the portfolio scan), ``webhook`` (delivery).
"""

from .check import (
    ACTIVE_DAYS,
    LABELS,
    NOTEBOOK,
    RECENT_DAYS,
    WEBHOOK_FORMATS,
    MonitorState,
    check,
    notebook_parameters,
    post_webhook,
    redact_url,
    webhook_payload,
)
from .notice import ChatMessage, compose
from .notify import STATE_FILE, decide, notify

__all__ = [
    "ACTIVE_DAYS", "RECENT_DAYS", "LABELS", "NOTEBOOK", "WEBHOOK_FORMATS", "MonitorState",
    "check", "notebook_parameters", "post_webhook", "redact_url", "webhook_payload",
    "ChatMessage", "STATE_FILE", "compose", "decide", "notify",
]
