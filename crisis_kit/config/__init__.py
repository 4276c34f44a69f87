"""What an incident is and the reference data every layer reads.

``incident`` (incident.yaml -> :class:`Incident`), ``marketplaces`` (time zone, currency,
date order per marketplace), ``taxonomy`` (the complaint topics), ``yamlio`` (one YAML reader).
"""

from .incident import (
           CRISIS_WINDOW_DAYS,
           SAMPLE_INCIDENT,
           ExportFile,
           Incident,
           LaneOwner,
           Notifications,
           Remedy,
           Thresholds,
           load_incident,
)

__all__ = ["CRISIS_WINDOW_DAYS", "SAMPLE_INCIDENT", "Incident", "ExportFile", "LaneOwner",
           "Notifications", "Thresholds", "Remedy", "load_incident"]
