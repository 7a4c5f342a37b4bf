"""AI tasks and leases, detections, zones with their events and stored state, and the event log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from nvr.ids import IdFactory

ID_LENGTH = 40
TASK_TYPE_LENGTH = 64
WORKER_ID_LENGTH = 128
TRACK_ID_LENGTH = 128
LABEL_LENGTH = 256
ZONE_NAME_LENGTH = 200
EVENT_TYPE_LENGTH = 64
CAMERA_ID_LENGTH = 64

AI_FPS_RANGE = (0.1, 30.0)
AI_WIDTH_RANGE = (160, 3840)


class StreamProfile(models.TextChoices):
    SUB = "sub"
    MAIN = "main"


class Severity(models.TextChoices):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class ZoneKind(models.TextChoices):
    REGION = "region"
    PRESENCE = "presence"
    LINE = "line"


class ZoneEventType(models.TextChoices):
    ENTER = "enter"
    EXIT = "exit"
    DWELL = "dwell"
    CROSS_AB = "cross_ab"
    CROSS_BA = "cross_ba"


def _default_ai_fps() -> float:
    return float(settings.NVR_DEFAULT_AI_FPS)


def _default_ai_width() -> int:
    return int(settings.NVR_DEFAULT_AI_WIDTH)


class AiTask(models.Model):
    """A unit of AI work on one camera stream; workers self-select on `task_type` (reference §2.11)."""

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=IdFactory("ai"), editable=False)
    camera = models.ForeignKey("cameras.Camera", on_delete=models.CASCADE, related_name="ai_tasks")
    task_type = models.CharField(max_length=TASK_TYPE_LENGTH, help_text="detection, anpr, tracking, …")
    enabled = models.BooleanField(default=True)
    stream_profile = models.CharField(max_length=4, choices=StreamProfile.choices, default=StreamProfile.SUB)
    fps = models.FloatField(default=_default_ai_fps, help_text="Requested rate; the global budget may lower it")
    width = models.PositiveIntegerField(default=_default_ai_width, help_text="Frame width; height keeps aspect")
    config = models.JSONField(default=dict, blank=True, help_text="Free-form worker configuration")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "AI task"
        constraints = [
            models.UniqueConstraint(fields=["camera", "task_type", "stream_profile"], name="ai_task_camera_type_profile"),
            models.CheckConstraint(
                condition=models.Q(fps__gte=AI_FPS_RANGE[0], fps__lte=AI_FPS_RANGE[1]), name="ai_task_fps_range"
            ),
            models.CheckConstraint(
                condition=models.Q(width__gte=AI_WIDTH_RANGE[0], width__lte=AI_WIDTH_RANGE[1]), name="ai_task_width_range"
            ),
        ]
        indexes = [
            models.Index(fields=["camera", "created_at"], name="ai_task_camera_created"),
            models.Index(fields=["enabled", "id"], name="ai_task_enabled"),
        ]

    def __str__(self):
        return f"{self.task_type}/{self.stream_profile} on {self.camera_id}"


class AiWorker(models.Model):
    """A worker's heartbeat and the credential it is bound to (shard registry, reference §3.9.2)."""

    worker_id = models.CharField(primary_key=True, max_length=WORKER_ID_LENGTH)
    api_key = models.ForeignKey(
        "accounts.ApiKey", on_delete=models.SET_NULL, null=True, blank=True, related_name="ai_workers",
        help_text="Credential the worker id is bound to; empty for sessions and legacy rows",
    )
    last_seen = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["worker_id"]
        verbose_name = "AI worker"

    def __str__(self):
        return self.worker_id


class AiTaskLease(models.Model):
    """Who currently works on a task, until when (one row per task, reference §3.9.3)."""

    task = models.OneToOneField(AiTask, on_delete=models.CASCADE, primary_key=True, related_name="lease")
    lease_id = models.CharField(
        max_length=ID_LENGTH, default=IdFactory("lse"), db_index=True, help_text="Fresh on every acquire/renew call"
    )
    api_key = models.ForeignKey("accounts.ApiKey", on_delete=models.SET_NULL, null=True, blank=True, related_name="ai_leases")
    worker_id = models.CharField(max_length=WORKER_ID_LENGTH)
    camera = models.ForeignKey("cameras.Camera", on_delete=models.CASCADE, related_name="ai_leases")
    task_type = models.CharField(max_length=TASK_TYPE_LENGTH)
    acquired_at = models.DateTimeField(default=timezone.now)
    renewed_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["expires_at"]
        verbose_name = "AI task lease"
        indexes = [models.Index(fields=["expires_at"], name="ai_lease_expires")]

    def __str__(self):
        return f"{self.lease_id} ({self.worker_id})"

    def is_active(self, now=None) -> bool:
        return self.expires_at > (now or timezone.now())


class Detection(models.Model):
    """One detected object of an ingested batch (reference §2.12)."""

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=IdFactory("det"), editable=False)
    camera = models.ForeignKey("cameras.Camera", on_delete=models.CASCADE, related_name="detections")
    task_type = models.CharField(max_length=TASK_TYPE_LENGTH)
    timestamp = models.DateTimeField(help_text="Batch timestamp, shared by every detection of the batch")
    label = models.CharField(max_length=LABEL_LENGTH, null=True, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    bbox = models.JSONField(null=True, blank=True, help_text="[x, y, w, h], normalized 0..1, origin top-left")
    track_id = models.CharField(max_length=TRACK_ID_LENGTH, null=True, blank=True)
    attributes = models.JSONField(default=dict, blank=True, help_text="Worker attributes plus server-set source and _prov")
    frame_id = models.CharField(
        max_length=300, null=True, blank=True, help_text="Namespaced idempotency key: w:… or k:<producer>:…"
    )
    provenance = models.CharField(max_length=64, default="worker", help_text="worker, kernel:<producer> or client")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-timestamp", "-id"]
        indexes = [
            models.Index(fields=["camera", "timestamp"], name="detection_camera_time"),
            models.Index(fields=["camera", "label", "timestamp"], name="detection_camera_label_time"),
            models.Index(fields=["timestamp"], name="detection_time"),
        ]

    def __str__(self):
        return f"{self.label or '?'} on {self.camera_id} at {self.timestamp:%Y-%m-%d %H:%M:%S}"


class Zone(models.Model):
    """A region, presence area or tripwire line on a camera's picture (reference §2.14)."""

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=IdFactory("zone"), editable=False)
    camera = models.ForeignKey("cameras.Camera", on_delete=models.CASCADE, related_name="zones")
    name = models.CharField(max_length=ZONE_NAME_LENGTH)
    kind = models.CharField(max_length=8, choices=ZoneKind.choices, default=ZoneKind.REGION)
    polygon = models.JSONField(help_text="[[x, y], …] normalized 0..1; a line has exactly two points A, B")
    dwell_seconds = models.FloatField(default=0.0, help_text="> 0 emits one dwell event per stay")
    labels = models.JSONField(default=list, blank=True, help_text="Labels that count; empty = all")
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.INFO)
    config = models.JSONField(
        default=dict, blank=True, help_text="Engine tuning: confirm_frames, min_confidence, static_*, direction"
    )
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["camera", "name"], name="zone_camera_name")]
        indexes = [models.Index(fields=["camera", "created_at"], name="zone_camera_created")]

    def __str__(self):
        return f"{self.name} ({self.camera_id})"


class ZoneEvent(models.Model):
    """An enter/exit/dwell/crossing emitted by the zone engine (reference §2.15).

    `evidence` is a path relative to NVR_SNAPSHOTS_DIR and is never serialized; the API exposes a URL.
    """

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=IdFactory("zev"), editable=False)
    camera = models.ForeignKey("cameras.Camera", on_delete=models.CASCADE, related_name="zone_events")
    zone = models.ForeignKey(Zone, on_delete=models.SET_NULL, null=True, blank=True, related_name="events")
    zone_name = models.CharField(max_length=ZONE_NAME_LENGTH, help_text="Copied at emit time")
    track_id = models.CharField(max_length=TRACK_ID_LENGTH)
    event_type = models.CharField(max_length=8, choices=ZoneEventType.choices)
    label = models.CharField(max_length=LABEL_LENGTH, blank=True, default="", help_text="Empty for an exit synthesized at expiry")
    timestamp = models.DateTimeField(default=timezone.now, help_text="Server time of evaluation")
    dwell_seconds = models.FloatField(null=True, blank=True)
    evidence = models.CharField(max_length=500, null=True, blank=True, help_text="Frame path relative to the snapshots directory")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-timestamp", "-id"]
        indexes = [
            models.Index(fields=["camera", "timestamp"], name="zone_event_camera_time"),
            models.Index(fields=["zone", "timestamp"], name="zone_event_zone_time"),
            models.Index(fields=["camera", "event_type", "timestamp"], name="zone_event_camera_type_time"),
            models.Index(fields=["timestamp"], name="zone_event_time"),
        ]

    def __str__(self):
        return f"{self.event_type} {self.zone_name} track {self.track_id}"


class ZoneTrackState(models.Model):
    """The engine's memory of one track in one zone, stored so it survives a restart (SPEC §8)."""

    camera = models.ForeignKey("cameras.Camera", on_delete=models.CASCADE, related_name="zone_track_states")
    zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="track_states")
    track_id = models.CharField(max_length=TRACK_ID_LENGTH)
    inside = models.BooleanField(default=False)
    suppressed = models.BooleanField(default=False, help_text="Static object: tracked silently")
    confirm_count = models.PositiveSmallIntegerField(default=0, help_text="Consecutive observations of the opposite state")
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
    entered_at = models.DateTimeField(null=True, blank=True)
    origin_x = models.FloatField()
    origin_y = models.FloatField()
    # The previous tested point: a line zone needs it to detect a crossing on the next batch.
    last_x = models.FloatField(null=True, blank=True)
    last_y = models.FloatField(null=True, blank=True)
    max_displacement = models.FloatField(default=0.0)
    dwell_emitted = models.BooleanField(default=False)

    class Meta:
        ordering = ["camera_id", "zone_id", "track_id"]
        constraints = [models.UniqueConstraint(fields=["zone", "track_id"], name="zone_state_zone_track")]
        indexes = [models.Index(fields=["camera", "last_seen"], name="zone_state_camera_seen")]

    def __str__(self):
        return f"track {self.track_id} in {self.zone_id}"


class ZoneOccupancy(models.Model):
    """How many live, unsuppressed tracks are inside a zone right now."""

    zone = models.OneToOneField(Zone, on_delete=models.CASCADE, primary_key=True, related_name="occupancy")
    camera = models.ForeignKey("cameras.Camera", on_delete=models.CASCADE, related_name="zone_occupancy")
    count = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["camera_id", "zone_id"]
        verbose_name_plural = "zone occupancy"

    def __str__(self):
        return f"{self.zone_id}: {self.count}"


class Event(models.Model):
    """One entry of the event log (reference §2.10). Append-only; outlives deleted cameras."""

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=IdFactory("evt"), editable=False)
    # A plain column, not a foreign key: the log keeps events of cameras that were deleted.
    camera_id = models.CharField(max_length=CAMERA_ID_LENGTH, null=True, blank=True, help_text="Empty for box-level events")
    event_type = models.CharField(max_length=EVENT_TYPE_LENGTH)
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.INFO)
    timestamp = models.DateTimeField(default=timezone.now)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-timestamp", "-id"]
        indexes = [
            models.Index(fields=["timestamp"], name="event_time"),
            models.Index(fields=["camera_id", "timestamp"], name="event_camera_time"),
            models.Index(fields=["event_type", "timestamp"], name="event_type_time"),
        ]

    def __str__(self):
        return f"{self.event_type} ({self.severity}) {self.camera_id or 'box'}"
