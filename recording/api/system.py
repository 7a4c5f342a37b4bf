"""System API: `GET /system` (overview and storage forecast) and `GET/PUT /system/retention` (cap and floor)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import capabilities as caps
from accounts.principal import principal_of
from nvr.api.fields import RFC3339Field
from recording import overview, storage

MAX_GB = 1_000_000  # 1 PiB: far above any disk, far below the 64-bit byte column
MIN_CAP_GB = 0.001  # as NVR_MAX_RECORDINGS_GB; anything smaller would round to a zero-byte cap


class GbField(serializers.FloatField):
    """A JSON number of GiB (no booleans, no numeric strings), finite and at most MAX_GB."""

    default_error_messages = {"invalid": "must be a number"}

    def __init__(self, **kwargs):
        super().__init__(max_value=MAX_GB, allow_null=True, required=False, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            self.fail("invalid")
        return super().to_internal_value(data)


class RecorderSerializer(serializers.Serializer):
    id = serializers.CharField()
    hostname = serializers.CharField()
    version = serializers.CharField()
    started_at = RFC3339Field()
    heartbeat_at = RFC3339Field()
    cameras_claimed = serializers.IntegerField()
    cameras_recording = serializers.IntegerField()


class StorageSerializer(serializers.Serializer):
    disk_total_bytes = serializers.IntegerField(allow_null=True, help_text="Null when disk figures are unreadable")
    disk_free_bytes = serializers.IntegerField(allow_null=True)
    footprint_bytes = serializers.IntegerField(help_text="Bytes of the caller's cameras' segments")
    segment_count = serializers.IntegerField()
    oldest_segment_start = RFC3339Field(allow_null=True)
    newest_segment_end = RFC3339Field(allow_null=True)
    write_rate_bytes_per_day_24h = serializers.FloatField(
        allow_null=True, help_text="Bytes started in the last 24 h (or since recording began), per day"
    )
    retention_capacity_bytes = serializers.IntegerField(
        help_text="min(cap, footprint + free disk − free-disk floor), fleet-wide"
    )
    projected_days_remaining = serializers.FloatField(
        allow_null=True,
        help_text="Days of footage the capacity holds at the fleet's 24 h write rate: "
        "(capacity − evidence-locked bytes) ÷ bytes per day; null without recent writes",
    )


class SystemSerializer(serializers.Serializer):
    name = serializers.CharField()
    version = serializers.CharField()
    uptime_seconds = serializers.IntegerField(help_text="Of the web process answering")
    recorder_enabled = serializers.BooleanField()
    cameras_total = serializers.IntegerField()
    cameras_recording = serializers.IntegerField()
    active_recorders = serializers.IntegerField(help_text="Recorders with a heartbeat fresher than 2 × the lease TTL")
    recorders = RecorderSerializer(many=True, allow_null=True, help_text="Null for camera-scoped callers")
    segments_total = serializers.IntegerField()
    recordings_bytes = serializers.IntegerField()
    recordings_gb = serializers.FloatField()
    max_recordings_gb = serializers.FloatField(help_text="Effective global cap (GiB)")
    storage = StorageSerializer()


class RetentionLimitsSerializer(serializers.Serializer):
    max_recordings_gb = serializers.FloatField()
    max_recordings_bytes = serializers.IntegerField()
    max_overridden = serializers.BooleanField(help_text="False: NVR_MAX_RECORDINGS_GB applies")
    min_free_disk_gb = serializers.FloatField()
    min_free_disk_bytes = serializers.IntegerField()
    min_free_overridden = serializers.BooleanField(help_text="False: NVR_MIN_FREE_DISK_GB applies")


class RetentionUpdateSerializer(serializers.Serializer):
    max_recordings_gb = GbField(help_text="Global cap in GiB (> 0); null = back to NVR_MAX_RECORDINGS_GB")
    min_free_disk_gb = GbField(min_value=0, help_text="Free-disk floor in GiB (≥ 0, 0 = off); null = back to NVR_MIN_FREE_DISK_GB")

    def validate_max_recordings_gb(self, value):
        if value is not None and value < MIN_CAP_GB:
            raise serializers.ValidationError(f"must be greater than 0 (at least {MIN_CAP_GB})")
        return value

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError("send max_recordings_gb and/or min_free_disk_gb")
        return attrs


class NamedActionView(APIView):
    """An APIView whose HTTP methods get action names, so capabilities and 403 texts work as on viewsets."""

    method_actions = {"GET": "read", "PUT": "update"}

    def initial(self, request, *args, **kwargs):
        self.action = self.method_actions.get(request.method)
        super().initial(request, *args, **kwargs)


class SystemView(NamedActionView):
    """Name, version, uptime, cameras, recorders, recordings and the storage forecast."""

    capabilities = {"read": caps.SYSTEM_READ}
    read_capability = caps.SYSTEM_READ
    action_phrases = {"read": "read system information"}

    @extend_schema(
        summary="System overview and storage forecast",
        description="Camera, segment and byte counts are narrowed to a camera-scoped key's cameras; "
        "disk figures and the forecast describe the whole box.",
        responses=SystemSerializer,
    )
    def get(self, request):
        return Response(SystemSerializer(overview.system_overview(principal_of(request))).data)


class RetentionLimitsView(NamedActionView):
    """The global recordings cap and free-disk floor; PUT overrides them at runtime (admin, fleet-wide keys only)."""

    capabilities = {"read": caps.SYSTEM_READ, "update": caps.ADMIN}
    read_capability, write_capability = caps.SYSTEM_READ, caps.ADMIN
    action_phrases = {"read": "read retention limits", "update": "change retention limits"}

    @property
    def fleet_only(self) -> bool:
        return self.action == "update"

    @extend_schema(summary="Effective retention cap and free-disk floor", responses=RetentionLimitsSerializer)
    def get(self, request):
        return Response(RetentionLimitsSerializer(storage.current_limits().as_dict()).data)

    @extend_schema(
        summary="Override the retention cap and/or free-disk floor",
        request=RetentionUpdateSerializer,
        responses=RetentionLimitsSerializer,
    )
    def put(self, request):
        body = RetentionUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        limits = storage.update_limits(principal_of(request), body.validated_data, request)
        return Response(RetentionLimitsSerializer(limits.as_dict()).data)
