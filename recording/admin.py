"""Admin for recorder output (read-only: segments, gaps, status, snapshots, clips, recorder heartbeats), schedules, storage limits."""

from django import forms
from django.contrib import admin, messages

from accounts.admin_base import AuditedAdmin, ReadOnlyAdmin
from accounts.principal import SYSTEM, principal_of
from recording.clips import delete_clip
from recording.models import (
    CameraStatus,
    Clip,
    ProcessLock,
    RecorderProcess,
    RecordingGap,
    RecordSchedule,
    Segment,
    Snapshot,
    SnapshotSchedule,
    StorageSettings,
)


@admin.register(CameraStatus)
class CameraStatusAdmin(ReadOnlyAdmin):
    list_display = ("camera", "state", "last_segment_at", "reconnect_count", "segments_written", "lease_holder", "updated_at")
    list_filter = ("state",)
    search_fields = ("camera__id", "camera__name", "lease_holder")
    list_select_related = ("camera",)


@admin.register(Segment)
class SegmentAdmin(ReadOnlyAdmin):
    list_display = ("camera", "start_time", "duration_s", "size_bytes", "evidence_locked", "source")
    list_filter = ("camera", "evidence_locked", "source", "codec")
    search_fields = ("id", "camera__id", "incident_id")
    date_hierarchy = "start_time"
    list_select_related = ("camera",)


@admin.register(RecordingGap)
class RecordingGapAdmin(ReadOnlyAdmin):
    list_display = ("camera", "gap_start", "gap_end", "gap_seconds", "reason", "fill_state", "fill_attempts")
    list_filter = ("reason", "fill_state", "camera")
    search_fields = ("id", "camera__id")
    date_hierarchy = "gap_start"
    list_select_related = ("camera",)


@admin.register(RecordSchedule)
class RecordScheduleAdmin(AuditedAdmin):
    list_display = ("camera", "days", "time_start", "time_end", "enabled", "updated_at")
    list_filter = ("enabled", "camera")
    search_fields = ("id", "camera__id")
    date_hierarchy = "created_at"
    readonly_fields = ("id", "created_at", "updated_at")
    list_select_related = ("camera",)


@admin.register(SnapshotSchedule)
class SnapshotScheduleAdmin(AuditedAdmin):
    list_display = ("camera", "interval_seconds", "enabled", "last_fired_at", "updated_at")
    list_filter = ("enabled", "camera")
    search_fields = ("id", "camera__id")
    date_hierarchy = "created_at"
    readonly_fields = ("id", "last_fired_at", "created_at", "updated_at")
    list_select_related = ("camera",)


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnlyAdmin):
    list_display = ("camera", "taken_at", "size_bytes", "schedule")
    list_filter = ("camera",)
    search_fields = ("id", "camera__id")
    date_hierarchy = "taken_at"
    list_select_related = ("camera", "schedule")


@admin.register(Clip)
class ClipAdmin(ReadOnlyAdmin):
    """Exported clips: read-only, deletable (row and file, audited) like `DELETE /api/v1/clips/{id}`."""

    list_display = ("id", "camera", "status", "progress", "from_time", "to_time", "covered_seconds", "size_bytes",
                    "created_by", "expires_at")
    list_filter = ("status", "camera", "created_by")
    search_fields = ("id", "camera__id", "created_by")
    date_hierarchy = "created_at"
    list_select_related = ("camera",)

    def has_delete_permission(self, request, obj=None):
        return admin.ModelAdmin.has_delete_permission(self, request, obj)

    def delete_model(self, request, obj):
        if delete_clip(principal_of(request) or SYSTEM, obj, request) is not None:
            messages.warning(request, f"clip {obj.pk} was still being exported: it was cancelled, not deleted; "
                             "delete it once it has stopped")

    def delete_queryset(self, request, queryset):
        cancelled = [clip.pk for clip in queryset if delete_clip(principal_of(request) or SYSTEM, clip, request)]
        if cancelled:
            messages.warning(request, f"{len(cancelled)} clip(s) still being exported were cancelled, not deleted: "
                             + ", ".join(cancelled))


@admin.register(RecorderProcess)
class RecorderProcessAdmin(ReadOnlyAdmin):
    list_display = ("id", "hostname", "pid", "version", "heartbeat_at", "stopped_at", "cameras_claimed", "cameras_recording")
    list_filter = ("hostname",)
    search_fields = ("id", "hostname")
    date_hierarchy = "heartbeat_at"


@admin.register(ProcessLock)
class ProcessLockAdmin(ReadOnlyAdmin):
    list_display = ("name", "holder", "expires_at")


class StorageSettingsForm(forms.ModelForm):
    class Meta:
        model = StorageSettings
        fields = ("max_recordings_bytes", "min_free_disk_bytes")

    def clean_max_recordings_bytes(self):
        value = self.cleaned_data["max_recordings_bytes"]
        if value is not None and value <= 0:
            raise forms.ValidationError("must be greater than 0 (leave empty to use NVR_MAX_RECORDINGS_GB)")
        return value

    def clean_min_free_disk_bytes(self):
        value = self.cleaned_data["min_free_disk_bytes"]
        if value is not None and value < 0:
            raise forms.ValidationError("must be 0 or more (leave empty to use NVR_MIN_FREE_DISK_GB)")
        return value


@admin.register(StorageSettings)
class StorageSettingsAdmin(AuditedAdmin):
    """The one row of runtime storage overrides (empty field = the NVR_* setting applies)."""

    form = StorageSettingsForm
    list_display = ("__str__", "max_recordings_bytes", "min_free_disk_bytes", "updated_at")
    readonly_fields = ("updated_at",)

    def has_add_permission(self, request):
        return not StorageSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
