"""Audit-log and session retention (reference §3.17 step 6)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.models import AuditLog

BATCH = 5000


def prune_audit_log(now: datetime | None = None) -> dict:
    """Audit rows older than NVR_AUDIT_RETENTION_DAYS (batched), and expired sessions."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.NVR_AUDIT_RETENTION_DAYS)
    audit_rows = 0
    while True:
        batch = list(AuditLog.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[:BATCH])
        if batch:
            audit_rows += AuditLog.objects.filter(pk__in=batch).delete()[0]
        if len(batch) < BATCH:
            break
    sessions = Session.objects.filter(expire_date__lt=now).delete()[0]
    return {"audit_rows": audit_rows, "sessions": sessions}
