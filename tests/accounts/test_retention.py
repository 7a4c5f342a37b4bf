"""Audit-log retention: rows past NVR_AUDIT_RETENTION_DAYS go, and so do expired sessions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from django.contrib.sessions.models import Session

from accounts.models import AuditLog
from accounts.retention import prune_audit_log

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=timezone.utc)


def test_old_audit_rows_and_expired_sessions_are_pruned(db, settings):
    settings.NVR_AUDIT_RETENTION_DAYS = 365
    AuditLog.objects.create(action="old", created_at=NOW - timedelta(days=366))
    recent = AuditLog.objects.create(action="recent", created_at=NOW - timedelta(days=364))
    Session.objects.create(session_key="gone", session_data="", expire_date=NOW - timedelta(minutes=1))
    Session.objects.create(session_key="live", session_data="", expire_date=NOW + timedelta(hours=1))
    assert prune_audit_log(NOW) == {"audit_rows": 1, "sessions": 1}
    assert list(AuditLog.objects.values_list("pk", flat=True)) == [recent.pk]
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]
