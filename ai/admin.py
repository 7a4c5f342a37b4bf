"""Django admin for the AI app: tasks, workers, leases, zones and their state; read-only logs."""

from django.contrib import admin

from accounts.admin_base import AuditedAdmin, ReadOnlyAdmin

from ai.models import AiTask, AiTaskLease, AiWorker, Detection, Event, Zone, ZoneEvent, ZoneOccupancy, ZoneTrackState


class EngineStateAdmin(AuditedAdmin, ReadOnlyAdmin):
    """Engine state: inspected, or deleted to reset a zone, never edited."""

    def has_delete_permission(self, request, obj=None):
        return admin.ModelAdmin.has_delete_permission(self, request, obj)


@admin.register(AiTask)
class AiTaskAdmin(AuditedAdmin):
    list_display = ("id", "camera", "task_type", "stream_profile", "enabled", "fps", "width", "created_at")
    list_filter = ("enabled", "stream_profile", "task_type")
    search_fields = ("id", "camera__id", "camera__name", "task_type")
    list_select_related = ("camera",)
    raw_id_fields = ("camera",)
    readonly_fields = ("id", "created_at", "updated_at")
    date_hierarchy = "created_at"


@admin.register(AiWorker)
class AiWorkerAdmin(AuditedAdmin):
    list_display = ("worker_id", "api_key", "last_seen")
    search_fields = ("worker_id", "api_key__name", "api_key__key_prefix")
    list_select_related = ("api_key",)
    raw_id_fields = ("api_key",)
    date_hierarchy = "last_seen"


@admin.register(AiTaskLease)
class AiTaskLeaseAdmin(AuditedAdmin):
    list_display = ("task", "lease_id", "worker_id", "camera", "task_type", "api_key", "renewed_at", "expires_at")
    list_filter = ("task_type",)
    search_fields = ("lease_id", "worker_id", "task__id", "camera__id")
    list_select_related = ("task__camera", "camera", "api_key")
    raw_id_fields = ("task", "camera", "api_key")
    date_hierarchy = "expires_at"


@admin.register(Detection)
class DetectionAdmin(ReadOnlyAdmin):
    list_display = ("id", "camera_id", "task_type", "label", "confidence", "track_id", "provenance", "timestamp")
    list_filter = ("camera", "provenance", "task_type")
    search_fields = ("id", "camera__id", "label", "track_id", "frame_id")
    date_hierarchy = "timestamp"
    show_full_result_count = False


@admin.register(Zone)
class ZoneAdmin(AuditedAdmin):
    list_display = ("name", "camera", "kind", "severity", "dwell_seconds", "enabled", "created_at")
    list_filter = ("kind", "severity", "enabled")
    search_fields = ("id", "name", "camera__id", "camera__name")
    list_select_related = ("camera",)
    raw_id_fields = ("camera",)
    readonly_fields = ("id", "created_at", "updated_at")
    date_hierarchy = "created_at"


@admin.register(ZoneEvent)
class ZoneEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "camera_id", "zone_name", "event_type", "track_id", "label", "dwell_seconds", "timestamp")
    list_filter = ("camera", "event_type")
    search_fields = ("id", "camera__id", "zone_name", "track_id", "label")
    date_hierarchy = "timestamp"
    show_full_result_count = False


@admin.register(ZoneTrackState)
class ZoneTrackStateAdmin(EngineStateAdmin):
    list_display = ("zone", "camera_id", "track_id", "inside", "suppressed", "confirm_count", "last_seen")
    list_filter = ("inside", "suppressed")
    search_fields = ("track_id", "zone__name", "camera__id")
    list_select_related = ("zone",)
    date_hierarchy = "last_seen"


@admin.register(ZoneOccupancy)
class ZoneOccupancyAdmin(EngineStateAdmin):
    list_display = ("zone", "camera_id", "count", "updated_at")
    search_fields = ("zone__name", "camera__id")
    list_select_related = ("zone",)
    date_hierarchy = "updated_at"


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("id", "timestamp", "severity", "event_type", "camera_id")
    list_filter = ("severity", "event_type", "camera_id")
    search_fields = ("id", "event_type", "camera_id")
    date_hierarchy = "timestamp"
    show_full_result_count = False
