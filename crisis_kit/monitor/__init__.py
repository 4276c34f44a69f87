"""The scheduled check (``check``) and the chat webhooks (``webhook``)."""

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

__all__ = [
    "ACTIVE_DAYS", "RECENT_DAYS", "LABELS", "NOTEBOOK", "WEBHOOK_FORMATS", "MonitorState",
    "check", "notebook_parameters", "post_webhook", "redact_url", "webhook_payload",
]
