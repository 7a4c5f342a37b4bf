"""Serializers of the AI API: tasks, zones, zone events, detections and the event log."""

from __future__ import annotations

from urllib.parse import quote

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ai.models import (
    AI_FPS_RANGE,
    AI_WIDTH_RANGE,
    LABEL_LENGTH,
    TASK_TYPE_LENGTH,
    ZONE_NAME_LENGTH,
    AiTask,
    Detection,
    Event,
    Severity,
    StreamProfile,
    Zone,
    ZoneEvent,
    ZoneKind,
)
from ai.zones import config as zone_config
from ai.zones import geometry
from nvr.api.fields import ClampedFloatField, ClampedIntegerField, JSONObjectField, StrictBooleanField, StrictCharField
from nvr.api.serializers import ModelSerializer

MAX_DWELL_SECONDS = 86_400.0
MAX_ZONE_LABELS = 256
TASK_CONFIG_MAX_BYTES = 65_536
ZONE_CONFIG_MAX_BYTES = 16_384
EVIDENCE_URL_PREFIX = "/media/snapshots/"


@extend_schema_field({
    "type": "array",
    "description": "[[x, y], …] normalized 0..1 (origin top-left); region/presence 3..512 points, line exactly 2",
    "items": {"type": "array", "items": {"type": "number", "minimum": 0, "maximum": 1}, "minItems": 2, "maxItems": 2},
    "minItems": 2,
    "maxItems": geometry.MAX_POLYGON_POINTS,
})
class PolygonField(serializers.Field):
    """An array of [x, y] points; the point count is checked against the kind by the serializer."""

    def to_internal_value(self, data):
        try:
            return geometry.parse_points(data)
        except geometry.GeometryError as exc:
            raise serializers.ValidationError(str(exc)) from None

    def to_representation(self, value):
        return value


@extend_schema_field({
    "type": "object",
    "description": "Engine tuning. Known keys are type-checked and clamped; other keys are kept.",
    "properties": {
        "confirm_frames": {"type": "integer", "minimum": 1, "maximum": 10, "default": 2},
        "min_confidence": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.5},
        "static_suppression": {"type": "boolean", "default": True},
        "static_epsilon": {"type": "number", "minimum": 0.001, "maximum": 0.5, "default": 0.02},
        "static_after_seconds": {"type": "number", "minimum": 5, "maximum": 86400, "default": 120},
        "direction": {"type": "string", "enum": list(zone_config.DIRECTIONS), "default": "any"},
    },
    "additionalProperties": True,
})
class ZoneConfigField(JSONObjectField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            return zone_config.normalise_config(value)
        except zone_config.ConfigError as exc:
            raise serializers.ValidationError({exc.key: [str(exc)]}) from None


class AiTaskSerializer(ModelSerializer):
    """An AI task; on create, absent fields take the reference defaults."""

    camera_id = serializers.CharField(read_only=True)
    task_type = StrictCharField(max_length=TASK_TYPE_LENGTH, help_text="Free-form: detection, anpr, tracking, …")
    enabled = StrictBooleanField(required=False)
    stream_profile = serializers.ChoiceField(choices=StreamProfile.choices, required=False)
    fps = ClampedFloatField(*AI_FPS_RANGE, required=False, help_text="Clamped to 0.1..30")
    width = ClampedIntegerField(*AI_WIDTH_RANGE, required=False, help_text="Clamped to 160..3840")
    config = JSONObjectField(max_bytes=TASK_CONFIG_MAX_BYTES, required=False)

    class Meta:
        model = AiTask
        fields = [
            "id", "camera_id", "task_type", "enabled", "stream_profile", "fps", "width", "config", "created_at", "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators: list = []


class ZoneSerializer(ModelSerializer):
    """A zone; the polygon is validated against the resulting kind on create and on update."""

    camera_id = serializers.CharField(read_only=True)
    name = StrictCharField(max_length=ZONE_NAME_LENGTH)
    kind = serializers.ChoiceField(choices=ZoneKind.choices, required=False)
    polygon = PolygonField()
    dwell_seconds = ClampedFloatField(0.0, MAX_DWELL_SECONDS, required=False, help_text="Negative → 0; at most 86400")
    labels = serializers.ListField(
        child=StrictCharField(max_length=LABEL_LENGTH), max_length=MAX_ZONE_LABELS, required=False,
        help_text="Labels that count (exact, case-sensitive); empty = every label",
    )
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    config = ZoneConfigField(max_bytes=ZONE_CONFIG_MAX_BYTES, required=False)
    enabled = StrictBooleanField(required=False)

    class Meta:
        model = Zone
        fields = [
            "id", "camera_id", "name", "kind", "polygon", "dwell_seconds", "labels", "severity", "config",
            "enabled", "created_at", "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators: list = []

    def validate(self, attrs):
        instance = self.instance
        kind = attrs.get("kind", instance.kind if instance else ZoneKind.REGION)
        polygon = attrs.get("polygon", instance.polygon if instance else None)
        if polygon is None:
            raise serializers.ValidationError({"polygon": ["This field is required."]})
        try:
            validated = geometry.validate_polygon(polygon, kind)
        except geometry.GeometryError as exc:
            raise serializers.ValidationError({"polygon": [str(exc)]}) from None
        if "polygon" in attrs:
            attrs["polygon"] = validated
        return attrs


class ZoneEventSerializer(ModelSerializer):
    """A zone event; evidence is offered as an authenticated media URL, never as a path."""

    camera_id = serializers.CharField(read_only=True)
    zone_id = serializers.CharField(read_only=True, allow_null=True)
    evidence_url = serializers.SerializerMethodField()

    class Meta:
        model = ZoneEvent
        fields = [
            "id", "camera_id", "zone_id", "zone_name", "track_id", "event_type", "label", "timestamp",
            "dwell_seconds", "evidence_url", "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_evidence_url(self, obj) -> str | None:
        if not obj.evidence:
            return None
        return EVIDENCE_URL_PREFIX + quote(obj.evidence.lstrip("/"))


class DetectionSerializer(ModelSerializer):
    camera_id = serializers.CharField(read_only=True)
    bbox = serializers.JSONField(read_only=True, allow_null=True)
    attributes = serializers.JSONField(read_only=True)

    class Meta:
        model = Detection
        fields = [
            "id", "camera_id", "task_type", "timestamp", "label", "confidence", "bbox", "track_id",
            "attributes", "frame_id", "provenance", "created_at",
        ]
        read_only_fields = fields


class EventSerializer(ModelSerializer):
    payload = serializers.JSONField(read_only=True)

    class Meta:
        model = Event
        fields = ["id", "camera_id", "event_type", "severity", "timestamp", "payload", "created_at"]
        read_only_fields = fields


class EventTypeSerializer(serializers.Serializer):
    event_type = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)

