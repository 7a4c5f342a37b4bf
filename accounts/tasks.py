"""django-q2 task functions of the accounts app: no arguments, idempotent."""

from __future__ import annotations

from accounts import retention


def prune_audit_log() -> dict:
    """Drop audit rows past NVR_AUDIT_RETENTION_DAYS and expired sessions."""
    return retention.prune_audit_log()
