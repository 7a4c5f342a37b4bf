"""Unauthenticated probes: /healthz (process alive) and /readyz (database answers)."""

import logging

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET

log = logging.getLogger(__name__)


@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means "not ready", never a 500
        log.warning("readiness: database check failed: %s", exc)
        return JsonResponse({"ready": False, "reason": "database_unavailable"}, status=503)
    return JsonResponse({"ready": True, "checks": {"database": "ok"}})
