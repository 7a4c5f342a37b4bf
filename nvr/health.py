"""Unauthenticated probes: /healthz (process alive) and /readyz (database, recorder heartbeats, task cluster).

/readyz answers 200 `{ready: true, checks}` or 503 `{ready: false, reason, checks}`, never a 500:
* database — `SELECT 1` answers;
* recorders — with NVR_RECORDER_ENABLED and a camera that should record, at least one recorder
  heartbeat is fresher than 2 × NVR_RECORDER_LEASE_SECONDS;
* task_cluster — no enabled django-q2 schedule is overdue by more than 2 minutes (the cluster's
  scheduler advances `next_run` about every 30 s, so an overdue row means no cluster is running);
* shared_storage — every live recorder's token in the recordings folder reads back here (all hosts must
  mount the same folder; README "Several hosts");
* recording_percent — only when NVR_READYZ_MIN_RECORDING_PERCENT > 0: the share of cameras that
  should be recording now (deliberately idle ones excluded) that are in state `recording`.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from django_q.conf import Conf
from django_q.models import Schedule

from cameras.models import Camera
from recording.health import fresh_recorders, unshared_recorders
from recording.models import CameraState

log = logging.getLogger(__name__)
CLUSTER_GRACE = timedelta(minutes=2)
IDLE_BY_DESIGN = (CameraState.IDLE_SCHEDULE, CameraState.IDLE_EVENT)


class NotReady(Exception):
    """A failed readiness check: `reason` for the body, `extra` fields beside it."""

    def __init__(self, reason: str, **extra):
        super().__init__(reason)
        self.reason, self.extra = reason, extra


@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means "not ready", never a 500
        log.warning("readiness: database check failed: %s", exc)
        raise NotReady("database_unavailable") from exc
    return "ok"


def _recording_cameras():
    return Camera.objects.filter(enabled=True, record_enabled=True)


def check_recorders(now) -> str:
    if not settings.NVR_RECORDER_ENABLED or not _recording_cameras().exists():
        return "not_required"
    if not fresh_recorders(now).exists():
        raise NotReady("no_recorder_heartbeat")
    return "ok"


def check_shared_storage(now) -> str:
    unshared = unshared_recorders(now)
    if unshared:
        raise NotReady("recordings_not_shared", recorders=unshared)
    return "ok"


def check_task_cluster(now) -> str:
    ours = Q(cluster__isnull=True) | Q(cluster=Conf.CLUSTER_NAME)
    counts = Schedule.objects.filter(ours, next_run__isnull=False).exclude(repeats=0).aggregate(
        total=Count("id"), overdue=Count("id", filter=Q(next_run__lt=now - CLUSTER_GRACE))
    )
    if not counts["total"]:
        return "no_schedules"  # nothing to derive liveness from (schedules not synced yet)
    if counts["overdue"]:
        raise NotReady("task_cluster_down", overdue_schedules=counts["overdue"])
    return "ok"


def check_recording_percent() -> float | None:
    required = settings.NVR_READYZ_MIN_RECORDING_PERCENT
    if required <= 0:
        return None
    counts = _recording_cameras().exclude(status__state__in=IDLE_BY_DESIGN).aggregate(
        total=Count("id"), recording=Count("id", filter=Q(status__state=CameraState.RECORDING))
    )
    pct = round(100.0 * counts["recording"] / counts["total"], 1) if counts["total"] else 100.0
    if pct < required:
        raise NotReady("insufficient_recorders", recording_pct=pct, required_pct=required)
    return pct


def _run_checks(checks: dict) -> None:
    checks["database"] = check_database()
    now = timezone.now()
    checks["recorders"] = check_recorders(now)
    checks["shared_storage"] = check_shared_storage(now)
    checks["task_cluster"] = check_task_cluster(now)
    pct = check_recording_percent()
    if pct is not None:
        checks["recording_percent"] = pct


@require_GET
def readyz(request):
    checks: dict = {}
    try:
        _run_checks(checks)
    except NotReady as failed:
        return JsonResponse({"ready": False, "reason": failed.reason, **failed.extra, "checks": checks}, status=503)
    except Exception:  # a probe must answer: an unexpected failure is "not ready", never a 500
        log.exception("readiness check failed")
        return JsonResponse({"ready": False, "reason": "check_failed", "checks": checks}, status=503)
    return JsonResponse({"ready": True, "checks": checks})
