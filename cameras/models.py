"""Cameras and what ONVIF tells us about them (reference §2.1, §2.3, §2.4)."""

from __future__ import annotations

from dataclasses import fields

from django.conf import settings
from django.db import models
from django.utils import timezone

from cameras.stream_urls import SecretView, StreamSource
from nvr.fields import EncryptedTextField
from nvr.ids import IdFactory

CAMERA_ID_MAX_LENGTH = 64
# The encrypted columns: pages defer them (`Camera.objects.defer(*SECRET_FIELDS)`) and read the secret view.
SECRET_FIELDS = ("password", "main_stream_url", "sub_stream_url", "anr_replay_url_template")
# What the stored secret view is derived from, and the columns that hold it.
SECRET_VIEW_SOURCES = frozenset({*SECRET_FIELDS, "vendor", "address", "rtsp_port", "username", "record_stream"})
SECRET_VIEW_COLUMNS = tuple(f.name for f in fields(SecretView))


class RecordMode(models.TextChoices):
    CONTINUOUS = "continuous"
    SCHEDULED = "scheduled"
    EVENT = "event"
    SCHEDULED_EVENT = "scheduled_event"


class StreamChoice(models.TextChoices):
    MAIN = "main"
    SUB = "sub"


class RtspTransport(models.TextChoices):
    TCP = "tcp"
    UDP = "udp"


def _default_segment_seconds():
    return settings.NVR_DEFAULT_SEGMENT_SECONDS


def _default_retention_hours():
    return settings.NVR_DEFAULT_RETENTION_HOURS


def _default_quota():
    gb = settings.NVR_DEFAULT_CAMERA_QUOTA_GB
    return gb * 2**30 if gb > 0 else None


def _default_record_audio():
    return settings.NVR_DEFAULT_RECORD_AUDIO


def _default_pre_roll():
    return settings.NVR_DEFAULT_PRE_ROLL_SECONDS


def _default_post_roll():
    return settings.NVR_DEFAULT_POST_ROLL_SECONDS


class Camera(models.Model):
    """An IP camera. The id is a slug of the name; secrets are encrypted and never serialized."""

    id = models.CharField(primary_key=True, max_length=CAMERA_ID_MAX_LENGTH)
    name = models.CharField(max_length=200)
    vendor = models.CharField(max_length=64, default="generic")
    model = models.CharField(max_length=200, null=True, blank=True)
    address = models.CharField(max_length=255, null=True, blank=True)
    rtsp_port = models.PositiveIntegerField(default=554)
    rtsp_transport = models.CharField(max_length=3, choices=RtspTransport.choices, default=RtspTransport.TCP)
    username = models.CharField(max_length=200, null=True, blank=True)
    password = EncryptedTextField(null=True, blank=True)
    main_stream_url = EncryptedTextField(null=True, blank=True)
    sub_stream_url = EncryptedTextField(null=True, blank=True)
    record_stream = models.CharField(max_length=4, choices=StreamChoice.choices, default=StreamChoice.MAIN)
    codec = models.CharField(max_length=32, null=True, blank=True)
    resolution_main = models.CharField(max_length=32, null=True, blank=True)
    resolution_sub = models.CharField(max_length=32, null=True, blank=True)
    fps_main = models.PositiveIntegerField(null=True, blank=True)
    fps_sub = models.PositiveIntegerField(null=True, blank=True)
    capabilities = models.JSONField(default=dict, blank=True)
    record_enabled = models.BooleanField(default=True)
    segment_seconds = models.PositiveIntegerField(default=_default_segment_seconds)
    retention_hours = models.PositiveIntegerField(default=_default_retention_hours)
    storage_quota_bytes = models.BigIntegerField(null=True, blank=True, default=_default_quota)
    record_audio = models.BooleanField(default=_default_record_audio)
    record_mode = models.CharField(max_length=16, choices=RecordMode.choices, default=RecordMode.CONTINUOUS)
    pre_roll_seconds = models.PositiveIntegerField(default=_default_pre_roll)
    post_roll_seconds = models.PositiveIntegerField(default=_default_post_roll)
    mirror_enabled = models.BooleanField(
        default=False,
        help_text="Write a second, identical copy of every segment under NVR_MIRROR_RECORDINGS_DIR. "
        "A no-op while NVR_MIRROR_RECORDINGS_DIR is unset (`mirror_active` says whether it is in effect).",
    )
    anr_enabled = models.BooleanField(
        default=False,
        help_text="Refill recording gaps from the camera's own storage (ANR). Not built yet: currently has no "
        "effect, gaps stay pending until they expire; refill arrives with the ONVIF/ANR work.",
    )
    anr_replay_url_template = EncryptedTextField(
        null=True, blank=True,
        help_text="Replay URL for ANR refill, with {start} and {end} placeholders (stored encrypted, shown masked). "
        "Unused until ANR refill is built.",
    )
    native_anpr_enabled = models.BooleanField(
        default=False,
        help_text="Use the camera's own licence-plate recognition. No vendor ANPR integration exists yet, "
        "so it cannot be switched on.",
    )
    native_events_enabled = models.BooleanField(
        default=False,
        help_text="Consume the camera's own ONVIF events through a PullPoint subscription, on the recorder that "
        "holds the camera: each motion alarm logs one camera_motion event and, in an event recording mode, opens "
        "the event window (pre-roll and post-roll apply). The device is the probed ONVIF device URL, else "
        "http://{address}/onvif/device_service, with the camera's credentials. Other topics (line crossing, "
        "intrusion) are not used yet.",
    )
    enabled = models.BooleanField(default=True)
    priority = models.IntegerField(default=100)
    live_warm = models.BooleanField(
        default=False,
        help_text="Keep the camera connection up permanently so live view starts instantly, "
        "even outside the recording schedule.",
    )
    # The secret view (`SecretView`): kept in plain columns by save() so lists and pages never decrypt.
    password_set = models.BooleanField(default=False, editable=False)
    main_stream_url_set = models.BooleanField(default=False, editable=False)
    sub_stream_url_set = models.BooleanField(default=False, editable=False)
    masked_record_url = models.TextField(null=True, blank=True, editable=False)
    masked_anr_replay_url_template = models.TextField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["enabled", "record_enabled"], name="camera_should_record")]

    def __str__(self):
        return f"{self.name} ({self.id})"

    def save(self, *args, **kwargs):
        # Every save that writes a source of the secret view rewrites the view with it. Only a queryset
        # update()/bulk_create() of those sources bypasses this: call refresh_secret_view() there.
        update_fields = kwargs.get("update_fields")
        written = (
            set(update_fields) if update_fields is not None
            else {f.attname for f in self._meta.concrete_fields} - self.get_deferred_fields()
        )
        if not SECRET_VIEW_SOURCES.isdisjoint(written):
            self.refresh_secret_view()
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, *SECRET_VIEW_COLUMNS}
        super().save(*args, **kwargs)

    def refresh_secret_view(self) -> None:
        """Recompute the stored flags and masked URLs from the secrets (decrypting any deferred one)."""
        view = SecretView.of(StreamSource.of(self), self.anr_replay_url_template)
        for name in SECRET_VIEW_COLUMNS:
            setattr(self, name, getattr(view, name))

    @property
    def should_record(self) -> bool:
        return self.enabled and self.record_enabled

    @property
    def is_event_capable(self) -> bool:
        return self.record_mode in (RecordMode.EVENT, RecordMode.SCHEDULED_EVENT)


class CameraOnvif(models.Model):
    """The last successful ONVIF probe of a camera (reference §2.3)."""

    camera = models.OneToOneField(Camera, on_delete=models.CASCADE, primary_key=True, related_name="onvif")
    device_url = models.CharField(max_length=500)
    manufacturer = models.CharField(max_length=200, null=True, blank=True)
    model = models.CharField(max_length=200, null=True, blank=True)
    firmware_version = models.CharField(max_length=200, null=True, blank=True)
    serial_number = models.CharField(max_length=200, null=True, blank=True)
    hardware_id = models.CharField(max_length=200, null=True, blank=True)
    scopes = models.JSONField(default=list, blank=True)
    media_url = models.CharField(max_length=500, null=True, blank=True)
    ptz_url = models.CharField(max_length=500, null=True, blank=True)
    profile_token = models.CharField(max_length=200, null=True, blank=True)
    ptz_node_token = models.CharField(max_length=200, null=True, blank=True)
    ptz_enabled = models.BooleanField(default=False)
    replay_url = models.CharField(max_length=500, null=True, blank=True, help_text="ONVIF Profile G replay service XAddr")
    probed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "camera ONVIF profile"


class PtzPreset(models.Model):
    """One PTZ preset of a camera, as last read from the device (reference §2.4)."""

    id = models.CharField(primary_key=True, max_length=40, default=IdFactory("ptz"), editable=False)
    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="ptz_presets")
    token = models.CharField(max_length=200)
    name = models.CharField(max_length=200, null=True, blank=True)
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["camera_id", "token"]
        constraints = [models.UniqueConstraint(fields=["camera", "token"], name="ptz_preset_camera_token")]
        verbose_name = "PTZ preset"
