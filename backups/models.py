"""Backup destinations, policies, jobs and the replication catalogue (reference §2.18–2.21, SPEC §9)."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from nvr.fields import EncryptedJSONField
from nvr.ids import ID_MAX_LENGTH, IdFactory

NAME_MAX_LENGTH = 200
CAMERA_ID_MAX_LENGTH = 64
MIN_SCHEDULE_INTERVAL_S = 60
DEFAULT_SCHEDULE_INTERVAL_S = 86_400
DEFAULT_LOOKBACK_HOURS = 24


class DestinationKind(models.TextChoices):
    LOCAL = "local"
    S3 = "s3"
    SFTP = "sftp"
    FTP = "ftp"
    WEBDAV = "webdav"


class BackupDestination(models.Model):
    """Where backups go. The whole config object is sealed at rest; secrets are shown as `***`."""

    id = models.CharField(primary_key=True, max_length=ID_MAX_LENGTH, default=IdFactory("bkd"), editable=False)
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    kind = models.CharField(max_length=16, choices=DestinationKind.choices)
    config = EncryptedJSONField(default=dict, help_text="Kind-specific settings, encrypted at rest")
    enabled = models.BooleanField(default=True, help_text="A disabled destination makes its jobs fail")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.name} ({self.kind})"


class BackupPolicy(models.Model):
    """A recurring, incremental copy of some cameras' segments to one destination."""

    id = models.CharField(primary_key=True, max_length=ID_MAX_LENGTH, default=IdFactory("bkp"), editable=False)
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    destination = models.ForeignKey(BackupDestination, on_delete=models.CASCADE, related_name="policies")
    camera_ids = models.JSONField(default=list, blank=True, help_text="Camera ids; empty = all cameras")
    incident_lock_only = models.BooleanField(default=False, help_text="Ship only evidence-locked segments")
    schedule_interval_s = models.PositiveIntegerField(
        default=DEFAULT_SCHEDULE_INTERVAL_S, validators=[MinValueValidator(MIN_SCHEDULE_INTERVAL_S)]
    )
    lookback_hours = models.PositiveIntegerField(
        default=DEFAULT_LOOKBACK_HOURS,
        help_text="How far back the first run reaches (0 = all history); later runs are incremental",
    )
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_job = models.ForeignKey(
        "BackupJob", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    enabled = models.BooleanField(default=True, help_text="Only enabled policies are scheduled")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "backup policies"

    def __str__(self):
        return self.name


class JobKind(models.TextChoices):
    POLICY = "policy"
    ON_DEMAND_ARCHIVE = "on_demand_archive"


class JobStatus(models.TextChoices):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class CreatorKind(models.TextChoices):
    USER = "user"
    API_KEY = "api_key"
    SYSTEM = "system"


class BackupJob(models.Model):
    """One run of a policy or one archive export, with progress counters and a scrubbed error."""

    id = models.CharField(primary_key=True, max_length=ID_MAX_LENGTH, default=IdFactory("bkj"), editable=False)
    policy = models.ForeignKey(BackupPolicy, on_delete=models.SET_NULL, null=True, blank=True, related_name="jobs")
    destination = models.ForeignKey(
        BackupDestination, on_delete=models.SET_NULL, null=True, blank=True, related_name="jobs"
    )
    kind = models.CharField(max_length=32, choices=JobKind.choices, default=JobKind.POLICY)
    camera_ids = models.JSONField(default=list, blank=True, help_text="Camera ids; empty = all cameras")
    from_time = models.DateTimeField(null=True, blank=True)
    to_time = models.DateTimeField(null=True, blank=True)
    incident_lock_only = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING)
    files_total = models.PositiveIntegerField(default=0)
    files_copied = models.PositiveIntegerField(default=0)
    files_skipped = models.PositiveIntegerField(default=0, help_text="Already in the replication catalogue")
    files_failed = models.PositiveIntegerField(default=0)
    bytes_total = models.PositiveBigIntegerField(default=0)
    bytes_copied = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True, default="", help_text="Failure message with secrets scrubbed")
    output = models.CharField(
        max_length=500, blank=True, default="", help_text="Produced file, relative to the exports directory"
    )
    cancel_requested = models.BooleanField(default=False)
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="Last progress report of the runner")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=ID_MAX_LENGTH, null=True, blank=True)
    created_by_kind = models.CharField(max_length=16, choices=CreatorKind.choices, null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="backup_job_status_created"),
            models.Index(fields=["policy", "created_at"], name="backup_job_policy_created"),
        ]

    def __str__(self):
        return f"{self.id} ({self.kind}, {self.status})"

    def output_url(self) -> str | None:
        """The authenticated download URL of the produced file (the path itself is never exposed)."""
        return f"/api/v1/backup/jobs/{self.id}/download" if self.output else None

    @property
    def progress(self) -> float:
        """Fraction of files handled (copied, skipped or failed), 0..1."""
        if self.files_total <= 0:
            return 1.0 if self.status == JobStatus.COMPLETED else 0.0
        done = self.files_copied + self.files_skipped + self.files_failed
        return min(1.0, done / self.files_total)


class BackupCopy(models.Model):
    """Replication catalogue: one verified copy of a segment on a destination (copied once, never re-sent)."""

    destination = models.ForeignKey(BackupDestination, on_delete=models.CASCADE, related_name="copies")
    # Plain text, not a foreign key: backups sits above recording and a copy outlives its segment.
    segment_id = models.CharField(max_length=ID_MAX_LENGTH, db_index=True)
    camera_id = models.CharField(max_length=CAMERA_ID_MAX_LENGTH, db_index=True)
    job = models.ForeignKey(BackupJob, on_delete=models.SET_NULL, null=True, blank=True, related_name="copies")
    remote_path = models.CharField(max_length=1024)
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    copied_at = models.DateTimeField(default=timezone.now)
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-copied_at", "-id"]
        verbose_name_plural = "backup copies"
        constraints = [
            models.UniqueConstraint(fields=["destination", "segment_id"], name="backup_copy_unique_segment"),
        ]

    def __str__(self):
        return f"{self.segment_id} → {self.destination_id}"
