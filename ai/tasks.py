"""django-q2 task functions of the AI app: no arguments, idempotent, delegating to the app's modules."""

from __future__ import annotations

from ai import retention


def prune_history() -> dict:
    """Drop detections and zone events past their retention, and events past the audit horizon."""
    return retention.prune_history()
