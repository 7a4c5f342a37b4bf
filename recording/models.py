"""Recorder status, segments, recording gaps, record/snapshot schedules and snapshots (reference §2.2, §2.5–2.9)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from cameras.models import Camera
from cameras.stream_urls import mask_credentials
from nvr.ids import IdFactory
from recording import schedule

LAST_ERROR_MAX_CHARS = 800
PATH_MAX_LENGTH = 500
SNAPSHOT_INTERVAL_DEFAULT, SNAPSHOT_INTERVAL_MIN, SNAPSHOT_INTERVAL_MAX = 300, 5, 86_400
# Camera foreign keys below use db_index=False: each table has a composite index (or unique
# constraint) leading with the camera, which serves the same lookups without a second index.


def clip_error(text: str | None) -> str | None:
    """Mask credentials in a failure text and keep its last 800 characters (the useful tail)."""
    if not text:
        return None
    return mask_credentials(str(text))[-LAST_ERROR_MAX_CHARS:]


class GapReason(models.TextChoices):
    CAMERA_OFFLINE = "camera_offline"
    AUTH_FAILED = "auth_failed"
    STREAM_ERROR = "stream_error"
    RECORDER_DOWN = "recorder_down"
    DISK_FULL = "disk_full"
    SCHEDULE_OFF = "schedule_off"
    EVENT_IDLE = "event_idle"
    DISABLED = "disabled"


class CameraState(models.TextChoices):
    UNKNOWN = "unknown"
    DISABLED = "disabled"
    CONNECTING = "connecting"
    RECORDING = "recording"
    OFFLINE = "offline"
    ERROR = "error"
    IDLE_SCHEDULE = "idle_schedule"
    IDLE_EVENT = "idle_event"


class CameraStatus(models.Model):
    """What the recorder last reported about one camera (one row per camera)."""

    camera = models.OneToOneField(Camera, on_delete=models.CASCADE, primary_key=True, related_name="status")
    state = models.CharField(max_length=16, choices=CameraState.choices, default=CameraState.UNKNOWN)
    last_segment_at = models.DateTimeField(null=True, blank=True, help_text="End of the most recently indexed segment")
    last_started_at = models.DateTimeField(null=True, blank=True, help_text="When the current/last ingest run started")
    reconnect_count = models.PositiveBigIntegerField(default=0)
    segments_written = models.PositiveBigIntegerField(default=0)
    fps_observed = models.FloatField(null=True, blank=True, help_text="Frame rate of the latest segment")
    bitrate_kbps = models.FloatField(null=True, blank=True, help_text="Bit rate of the latest segment")
    last_error = models.CharField(
        max_length=LAST_ERROR_MAX_CHARS, null=True, blank=True, help_text="Credentials masked; last 800 characters"
    )
    recorder_pid = models.IntegerField(null=True, blank=True)
    frames_per_second = models.FloatField(null=True, blank=True, help_text="Live packet rate of the running ingest")
    last_packet_at = models.DateTimeField(null=True, blank=True)
    lease_holder = models.CharField(max_length=200, null=True, blank=True, help_text="Id of the recorder holding this camera")
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    clock_skew_seconds = models.FloatField(null=True, blank=True, help_text="Camera clock minus NVR clock")
    status_note = models.TextField(blank=True, default="", help_text='e.g. "audio codec opus dropped"')
    gap_reason = models.CharField(
        max_length=16, null=True, blank=True, choices=GapReason.choices,
        help_text="Why the camera is not recording now; given to the gap before its next segment",
    )
    trigger_until = models.DateTimeField(null=True, blank=True, help_text="End of the open event-trigger window")
    bytes_written = models.PositiveBigIntegerField(default=0)
    live_tap = models.CharField(
        max_length=255, blank=True, default="",
        help_text="host:port of the recorder worker's live tap serving this camera (empty when not connected)",
    )
    live_wanted_until = models.DateTimeField(
        null=True, blank=True,
        help_text="Somebody watches live until then (renewed by the web processes): the recorder connects on demand",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "camera status"
        verbose_name_plural = "camera statuses"
        indexes = [models.Index(fields=["state"], name="camera_status_state")]

    def __str__(self):
        return f"{self.camera_id}: {self.state}"

    def set_error(self, text: str | None) -> None:
        """Store a failure text masked and truncated (never a raw URL with credentials)."""
        self.last_error = clip_error(text)


class SegmentSource(models.TextChoices):
    RECORDER = "recorder"
    CAMERA_STORAGE = "camera_storage"


class Segment(models.Model):
    """One closed fragmented-MP4 file of a camera's recording; `path` is internal and never serialized."""

    id = models.CharField(primary_key=True, max_length=40, default=IdFactory("seg"), editable=False)
    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="segments", db_index=False)
    path = models.CharField(max_length=PATH_MAX_LENGTH, unique=True, help_text="Relative to NVR_RECORDINGS_DIR")
    start_time = models.DateTimeField()
    end_time = models.DateTimeField()
    duration_s = models.FloatField()
    size_bytes = models.BigIntegerField(default=0)
    codec = models.CharField(max_length=32, null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    fps = models.FloatField(null=True, blank=True)
    has_audio = models.BooleanField(default=False)
    container = models.CharField(max_length=8, default="mp4")
    read_locks = models.PositiveIntegerField(default=0, help_text="Readers holding the file open (export, playback)")
    evidence_locked = models.BooleanField(default=False, help_text="Never pruned by retention; blocks camera deletion")
    incident_id = models.CharField(max_length=200, null=True, blank=True)
    source = models.CharField(max_length=16, choices=SegmentSource.choices, default=SegmentSource.RECORDER)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["camera_id", "start_time"]
        indexes = [
            # On PostgreSQL this index also carries end_time (INCLUDE, migration 0009; not declared here because
            # SQLite has no INCLUDE and Django would warn about it there): a day's timeline is then an index-only
            # scan. Otherwise each of its ~9,000 rows (10 s segments) sits on a heap page of its own, the rows of
            # 100 cameras being interleaved: 75-110 ms of server time at 10 M rows (0.6 s cold) against 4-7 ms.
            models.Index(fields=["camera", "start_time"], name="segment_camera_start"),
            # Newest end first per camera: retention's oldest-first scan reads it forwards, and the indexer's
            # "latest end before this start" (MAX(end_time) WHERE start_time < ?) reads it backwards and stops at
            # the first row, start_time coming from the index itself. Without start_time here SQLite answers
            # that MAX by walking the camera's whole history through segment_camera_start, table row by row
            # (0.2-0.6 s per insert at 10 M rows, inside the write lock: bench/index_scale.py).
            models.Index(fields=["camera", "end_time", "start_time"], name="segment_camera_end_start"),
            models.Index(fields=["incident_id"], name="segment_incident"),
            models.Index(fields=["evidence_locked"], name="segment_evidence"),
        ]

    def __str__(self):
        return f"{self.camera_id} @ {self.start_time:%Y-%m-%d %H:%M:%S}"

    @property
    def locked(self) -> bool:
        return self.read_locks > 0


class FillState(models.TextChoices):
    PENDING = "pending"
    FILLED = "filled"
    FAILED = "failed"
    NOT_APPLICABLE = "not_applicable"
    EXPIRED = "expired"


# Holes the operator chose (schedule, event mode, camera off) are never replayed by ANR.
DELIBERATE_GAP_REASONS = frozenset({GapReason.SCHEDULE_OFF, GapReason.EVENT_IDLE, GapReason.DISABLED})


def initial_fill_state(reason: str) -> str:
    """`not_applicable` for deliberate holes, `pending` (ANR may refill) for involuntary ones."""
    return FillState.NOT_APPLICABLE if reason in DELIBERATE_GAP_REASONS else FillState.PENDING


class RecordingGap(models.Model):
    """A hole of more than 3 s between two consecutive segments of a camera, with why and ANR state."""

    id = models.CharField(primary_key=True, max_length=40, default=IdFactory("gap"), editable=False)
    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="recording_gaps", db_index=False)
    gap_start = models.DateTimeField(help_text="End of the segment before the hole")
    gap_end = models.DateTimeField(help_text="Start of the segment after the hole")
    gap_seconds = models.PositiveIntegerField(help_text="Whole seconds (truncated)")
    reason = models.CharField(max_length=16, choices=GapReason.choices)
    fill_state = models.CharField(max_length=16, choices=FillState.choices, default=FillState.PENDING)
    fill_attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    filled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["camera_id", "-gap_start"]
        # The unique constraint's index also serves the per-camera (camera, gap_start) listing.
        constraints = [models.UniqueConstraint(fields=["camera", "gap_start"], name="recording_gap_camera_start")]
        indexes = [models.Index(fields=["fill_state", "gap_start"], name="recording_gap_fill_start")]

    def __str__(self):
        return f"{self.camera_id} gap {self.gap_start:%Y-%m-%d %H:%M:%S} ({self.gap_seconds}s, {self.reason})"


class RecordSchedule(models.Model):
    """A weekly recording window for cameras in `scheduled` / `scheduled_event` mode."""

    id = models.CharField(primary_key=True, max_length=40, default=IdFactory("recsch"), editable=False)
    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="record_schedules", db_index=False)
    days = models.JSONField(help_text="Weekdays, 0 = Monday … 6 = Sunday")
    time_start = models.CharField(max_length=5, help_text="HH:MM in NVR_TIME_ZONE")
    time_end = models.CharField(max_length=5, help_text="HH:MM in NVR_TIME_ZONE (exclusive; 24:00 allowed)")
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["camera_id", "created_at", "id"]
        indexes = [models.Index(fields=["camera", "created_at"], name="record_schedule_camera")]

    def __str__(self):
        return f"{self.camera_id} {self.days} {self.time_start}-{self.time_end}"

    def clean(self):
        errors = {}
        try:
            self.days = schedule.normalize_days(self.days)
        except schedule.ScheduleError as exc:
            errors["days"] = [str(exc)]
        for name, allow_end in (("time_start", False), ("time_end", True)):
            try:
                setattr(self, name, schedule.normalize_clock(getattr(self, name), allow_end_of_day=allow_end))
            except schedule.ScheduleError as exc:
                errors[name] = [str(exc)]
        if not errors:
            try:
                schedule.check_window(self.time_start, self.time_end)
            except schedule.ScheduleError as exc:
                errors["time_end"] = [str(exc)]
        if errors:
            raise ValidationError(errors)


class SnapshotSchedule(models.Model):
    """Take a JPEG of a camera every `interval_seconds`."""

    id = models.CharField(primary_key=True, max_length=40, default=IdFactory("snsch"), editable=False)
    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="snapshot_schedules", db_index=False)
    interval_seconds = models.PositiveIntegerField(default=SNAPSHOT_INTERVAL_DEFAULT)
    enabled = models.BooleanField(default=True)
    last_fired_at = models.DateTimeField(null=True, blank=True, help_text="Last capture attempt (success or failure)")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["camera_id", "created_at", "id"]
        indexes = [models.Index(fields=["camera", "created_at"], name="snapshot_schedule_camera")]

    def __str__(self):
        return f"{self.camera_id} every {self.interval_seconds}s"

    def clean(self):
        if not SNAPSHOT_INTERVAL_MIN <= (self.interval_seconds or 0) <= SNAPSHOT_INTERVAL_MAX:
            raise ValidationError(
                {"interval_seconds": [f"must be between {SNAPSHOT_INTERVAL_MIN} and {SNAPSHOT_INTERVAL_MAX}"]}
            )


class Snapshot(models.Model):
    """A JPEG taken by a snapshot schedule; `path` is internal and never serialized."""

    id = models.CharField(primary_key=True, max_length=40, default=IdFactory("snap"), editable=False)
    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="snapshots", db_index=False)
    schedule = models.ForeignKey(
        SnapshotSchedule, on_delete=models.SET_NULL, null=True, blank=True, related_name="snapshots"
    )
    path = models.CharField(max_length=PATH_MAX_LENGTH, unique=True, help_text="Relative to NVR_SNAPSHOTS_DIR")
    taken_at = models.DateTimeField()
    size_bytes = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["camera_id", "-taken_at"]
        indexes = [
            models.Index(fields=["camera", "taken_at"], name="snapshot_camera_taken"),
            # Retention prunes by age across every camera.
            models.Index(fields=["taken_at"], name="snapshot_taken"),
        ]

    def __str__(self):
        return f"{self.camera_id} @ {self.taken_at:%Y-%m-%d %H:%M:%S}"


class ClipStatus(models.TextChoices):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Clip(models.Model):
    """An MP4 of one camera's footage between two instants (stream copy), exported by a background job.

    The row is the job's status model: `pending → running → completed | failed | cancelled`, with `progress`, a
    heartbeat (a `running` row whose heartbeat stops is failed by the expiry task) and a scrubbed `error`.
    Deleted after 48 h.
    """

    id = models.CharField(primary_key=True, max_length=40, default=IdFactory("clip"), editable=False)
    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="clips", db_index=False)
    path = models.CharField(max_length=PATH_MAX_LENGTH, unique=True, help_text="Relative to NVR_CLIPS_DIR")
    from_time = models.DateTimeField()
    to_time = models.DateTimeField()
    requested_seconds = models.FloatField()
    status = models.CharField(max_length=16, choices=ClipStatus.choices, default=ClipStatus.PENDING)
    progress = models.FloatField(default=0, help_text="Fraction of the requested window copied so far, 0..1")
    error = models.CharField(max_length=200, blank=True, default="", help_text="Why the export failed (no path, no secret)")
    cancel_requested = models.BooleanField(default=False)
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="Last progress report of the export job")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The segments whose `read_locks` this job incremented, and whether it still holds them: whoever flips
    # `holds_read_locks` to False (the job itself, or the expiry task for a job that died) decrements them.
    read_locked_segments = models.JSONField(default=list, blank=True)
    holds_read_locks = models.BooleanField(default=False)
    covered_seconds = models.FloatField(default=0)
    gaps = models.JSONField(default=list, blank=True, help_text='Holes over 1 s inside the window: [{"from", "to"}]')
    size_bytes = models.BigIntegerField(default=0)
    segment_count = models.PositiveIntegerField(default=0)
    created_by = models.CharField(max_length=200, blank=True, default="", help_text="Principal that exported it")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["camera_id", "-created_at"]
        indexes = [
            models.Index(fields=["camera", "created_at"], name="clip_camera_created"),
            models.Index(fields=["expires_at"], name="clip_expires"),
            models.Index(fields=["status", "heartbeat_at"], name="clip_status_heartbeat"),
        ]

    def __str__(self):
        return f"{self.camera_id} {self.from_time:%Y-%m-%d %H:%M:%S}–{self.to_time:%H:%M:%S} ({self.status})"


class RecorderProcess(models.Model):
    """A running (or lately running) `manage.py record` process and its heartbeat."""

    id = models.CharField(primary_key=True, max_length=200, help_text="NVR_RECORDER_ID, or <hostname>-<hash of the data dir>")
    hostname = models.CharField(max_length=255)
    pid = models.IntegerField()
    version = models.CharField(max_length=32, default="")
    started_at = models.DateTimeField(default=timezone.now)
    heartbeat_at = models.DateTimeField(default=timezone.now)
    stopped_at = models.DateTimeField(null=True, blank=True, help_text="Set on a clean shutdown")
    cameras_claimed = models.PositiveIntegerField(default=0)
    cameras_recording = models.PositiveIntegerField(default=0)
    storage_token = models.CharField(
        max_length=32, blank=True, default="",
        help_text="Written into the recordings folder by this recorder: every host must read it back (shared storage)",
    )

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["heartbeat_at"], name="recorder_heartbeat")]

    def __str__(self):
        return self.id


class StorageSettings(models.Model):
    """Runtime overrides of the retention cap and free-disk floor (one row, id 1; NULL = use NVR_* setting)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    max_recordings_bytes = models.BigIntegerField(null=True, blank=True)
    min_free_disk_bytes = models.BigIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "storage settings"

    def __str__(self):
        return "storage settings"

    @classmethod
    def load(cls) -> "StorageSettings":
        return cls.objects.get_or_create(id=1)[0]


class ProcessLock(models.Model):
    """A named lock shared by every process on every host (a file lock would bind them to one filesystem).

    Taken with a conditional UPDATE (free, expired, or already ours) and given back when done; a holder
    that dies loses it when `expires_at` passes. See `recording.locks`.
    """

    name = models.CharField(primary_key=True, max_length=64)
    holder = models.CharField(max_length=200, null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "process lock"

    def __str__(self):
        return f"{self.name}: {self.holder or 'free'}"
