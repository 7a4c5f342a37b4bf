"""Recording API representations: schedules, status, segments, gaps, snapshots, timeline, evidence, triggers."""

from __future__ import annotations

import unicodedata

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from nvr.api.fields import ClampedIntegerField, RFC3339Field, StrictBooleanField, StrictCharField
from nvr.api.serializers import ModelSerializer
from recording import schedule as windows
from recording.models import (
    SNAPSHOT_INTERVAL_DEFAULT,
    SNAPSHOT_INTERVAL_MAX,
    SNAPSHOT_INTERVAL_MIN,
    CameraState,
    FillState,
    GapReason,
    RecordingGap,
    RecordSchedule,
    Segment,
    Snapshot,
    SnapshotSchedule,
)
from recording.services import status_view_for


def segment_url(segment: Segment) -> str:
    """The authenticated media URL of a segment (served by the playback app)."""
    return f"/api/v1/segments/{segment.pk}/media"


def snapshot_url(snapshot: Snapshot) -> str:
    """The authenticated image URL of a persisted snapshot."""
    return f"/api/v1/snapshots/{snapshot.pk}/image"


# --- schedule inputs -------------------------------------------------------------------------------

@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "integer", "minimum": 0, "maximum": 6},
        "minItems": 1,
        "maxItems": 7,
        "description": "Weekdays, 0 = Monday … 6 = Sunday (duplicates removed)",
    }
)
class WeekdaysField(serializers.Field):
    """A non-empty list of weekday integers 0..6; stored sorted without duplicates."""

    def to_internal_value(self, data):
        try:
            return windows.normalize_days(data)
        except windows.ScheduleError as exc:
            raise serializers.ValidationError(str(exc)) from None

    def to_representation(self, value):
        return list(value)


@extend_schema_field({"type": "string", "pattern": r"^[0-9]{1,2}:[0-9]{1,2}$", "example": "09:30"})
class ClockField(serializers.Field):
    """`HH:MM` 24-hour time (unpadded hour accepted, stored zero-padded); `24:00` only as an end."""

    def __init__(self, allow_end_of_day: bool = False, **kwargs):
        self.allow_end_of_day = allow_end_of_day
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) and len(data) > 5:
            raise serializers.ValidationError("must be a time HH:MM (24-hour)")
        try:
            return windows.normalize_clock(data, allow_end_of_day=self.allow_end_of_day)
        except windows.ScheduleError as exc:
            raise serializers.ValidationError(str(exc)) from None

    def to_representation(self, value):
        return value


class RecordScheduleSerializer(ModelSerializer):
    camera_id = serializers.CharField(read_only=True)
    days = WeekdaysField()
    time_start = ClockField(help_text="HH:MM in the NVR time zone")
    time_end = ClockField(allow_end_of_day=True, help_text="HH:MM in the NVR time zone, exclusive; 24:00 allowed")
    enabled = StrictBooleanField(required=False, default=True)

    class Meta:
        model = RecordSchedule
        fields = ["id", "camera_id", "days", "time_start", "time_end", "enabled", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate(self, attrs):
        """Start and end must differ, judged on the merged result for PATCH."""
        start = attrs.get("time_start", getattr(self.instance, "time_start", None))
        end = attrs.get("time_end", getattr(self.instance, "time_end", None))
        if start is not None and end is not None:
            try:
                windows.check_window(start, end)
            except windows.ScheduleError as exc:
                raise serializers.ValidationError({"time_end": [str(exc)]}) from None
        return attrs


class SnapshotScheduleSerializer(ModelSerializer):
    camera_id = serializers.CharField(read_only=True)
    interval_seconds = ClampedIntegerField(
        SNAPSHOT_INTERVAL_MIN,
        SNAPSHOT_INTERVAL_MAX,
        required=False,
        default=SNAPSHOT_INTERVAL_DEFAULT,
        help_text=f"Seconds between snapshots, clamped to {SNAPSHOT_INTERVAL_MIN}..{SNAPSHOT_INTERVAL_MAX}",
    )
    enabled = StrictBooleanField(required=False, default=True)

    class Meta:
        model = SnapshotSchedule
        fields = ["id", "camera_id", "interval_seconds", "enabled", "last_fired_at", "created_at", "updated_at"]
        read_only_fields = ["id", "last_fired_at", "created_at", "updated_at"]


# --- read-only views -------------------------------------------------------------------------------

class CameraHealthSerializer(serializers.Serializer):
    """A camera's health: renders `status_view_for(camera)`; accepts a Camera."""

    camera_id = serializers.CharField()
    state = serializers.ChoiceField(choices=CameraState.choices)
    last_segment_at = RFC3339Field(allow_null=True)
    last_started_at = RFC3339Field(allow_null=True)
    reconnect_count = serializers.IntegerField()
    segments_written = serializers.IntegerField()
    fps_observed = serializers.FloatField(allow_null=True)
    bitrate_kbps = serializers.FloatField(allow_null=True)
    last_error = serializers.CharField(allow_null=True, help_text="Credentials masked")
    recorder_pid = serializers.IntegerField(allow_null=True)
    frames_per_second = serializers.FloatField(allow_null=True)
    last_packet_at = RFC3339Field(allow_null=True)
    lease_holder = serializers.CharField(allow_null=True)
    lease_expires_at = RFC3339Field(allow_null=True)
    clock_skew_seconds = serializers.FloatField(allow_null=True)
    status_note = serializers.CharField()
    gap_reason = serializers.ChoiceField(
        choices=GapReason.choices, allow_null=True, help_text="Why the camera is not recording now (the coming gap's reason)"
    )
    trigger_until = RFC3339Field(allow_null=True, help_text="End of the open event-trigger window")
    bytes_written = serializers.IntegerField(help_text="Bytes written by the current ingest run")
    updated_at = RFC3339Field(allow_null=True)

    def to_representation(self, instance):
        view = status_view_for(instance) if not isinstance(instance, dict) else instance
        return super().to_representation(view)


class SegmentSerializer(ModelSerializer):
    camera_id = serializers.CharField(read_only=True)
    locked = serializers.BooleanField(read_only=True, help_text="Held open by a reader (export, playback)")
    url = serializers.SerializerMethodField()

    class Meta:
        model = Segment
        fields = [
            "id", "camera_id", "start_time", "end_time", "duration_s", "size_bytes", "codec", "width",
            "height", "fps", "has_audio", "container", "locked", "evidence_locked", "incident_id",
            "source", "created_at", "url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_url(self, segment) -> str:
        return segment_url(segment)


class RecordingGapSerializer(ModelSerializer):
    camera_id = serializers.CharField(read_only=True)

    class Meta:
        model = RecordingGap
        fields = [
            "id", "camera_id", "gap_start", "gap_end", "gap_seconds", "reason", "fill_state",
            "fill_attempts", "last_attempt_at", "filled_at", "created_at",
        ]
        read_only_fields = fields


class SnapshotSerializer(ModelSerializer):
    camera_id = serializers.CharField(read_only=True)
    schedule_id = serializers.CharField(read_only=True, allow_null=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Snapshot
        fields = ["id", "camera_id", "schedule_id", "taken_at", "size_bytes", "url", "created_at"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_url(self, snapshot) -> str:
        return snapshot_url(snapshot)


# --- timeline and computed gaps --------------------------------------------------------------------

class KeywordFieldsSerializer(serializers.Serializer):
    # Fields declared with a trailing underscore (`from_`) appear under the Python keyword (`from`).
    # (A comment, not a docstring: drf-spectacular would show a docstring in every subclass' schema.)

    def get_fields(self):
        return {name[:-1] if name.endswith("_") else name: field for name, field in super().get_fields().items()}


class CoverageSpanSerializer(serializers.Serializer):
    start = RFC3339Field()
    end = RFC3339Field()
    seconds = serializers.FloatField(help_text="Length in seconds (millisecond precision)")


class TimelineGapSerializer(CoverageSpanSerializer):
    reason = serializers.ChoiceField(
        choices=GapReason.choices, allow_null=True,
        help_text="Why nothing was recorded: from the persisted gap, or for the hole the camera is in now from "
        "its current status; null when unknown",
    )
    fill_state = serializers.ChoiceField(choices=FillState.choices, allow_null=True, help_text="ANR state of the persisted gap")
    gap_id = serializers.CharField(allow_null=True, help_text="The persisted recording gap overlapping this hole most")


class CoverageWindowSerializer(KeywordFieldsSerializer):
    camera_id = serializers.CharField()
    from_ = RFC3339Field(help_text="Start of the window")
    to = RFC3339Field(help_text="End of the window")


class CameraTimelineSerializer(CoverageWindowSerializer):
    """A camera's recorded ranges and holes in a window."""

    ranges = CoverageSpanSerializer(
        many=True, help_text="Indexed (playable) recorded stretches, segments less than 2 s apart merged, clipped to the window"
    )
    recorded_seconds = serializers.FloatField(help_text="Length of `ranges` (not counting `in_progress`)")
    segment_count = serializers.IntegerField(help_text="Segments overlapping the window")
    not_recorded_yet = CoverageSpanSerializer(
        allow_null=True,
        help_text="The start of the window before the camera's footage begins (its oldest segment; for a camera "
        "without footage, when it was added if it is failing now, else up to `in_progress` or the end of the "
        "window): nothing was recorded there, which is not a gap. Footage removed by retention also ends up "
        "here. Null when the window starts inside the camera's history",
    )
    in_progress = CoverageSpanSerializer(
        allow_null=True,
        help_text="The live edge while the camera is recording: the segment being written is indexed (and "
        "playable) once it closes, so this stretch is recording, not a gap. At most the camera's segment length "
        "plus 30 s. Null unless the window reaches now, the camera's status is `recording` with packets in the "
        "last 30 s, and more than 2 s are not indexed yet",
    )
    gaps = TimelineGapSerializer(
        many=True,
        help_text="Holes of more than 2 s between `not_recorded_yet` and `in_progress` (or the window edges)",
    )


class CameraGapsSerializer(CoverageWindowSerializer):
    """The holes of a camera's recordings in a window, computed from its segments."""

    gaps = CoverageSpanSerializer(many=True, help_text="Holes of more than 2 s, window edges included")
    gap_count = serializers.IntegerField()
    total_gap_seconds = serializers.FloatField()


# --- evidence and incidents ------------------------------------------------------------------------

INCIDENT_ID_MAX_LENGTH = 200
# Control, format (e.g. bidi overrides) and surrogate code points never belong in a case tag.
FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})


def incident_id_problem(value: str) -> str | None:
    """Why a trimmed incident id is unacceptable, or None."""
    if not value:
        return "must not be blank"
    if len(value) > INCIDENT_ID_MAX_LENGTH:
        return f"must be at most {INCIDENT_ID_MAX_LENGTH} characters"
    if any(unicodedata.category(char) in FORBIDDEN_CATEGORIES for char in value):
        return "must not contain control characters"
    return None


class IncidentIdField(StrictCharField):
    """A free-form case tag: a string, trimmed, 1..200 characters, no control characters."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", INCIDENT_ID_MAX_LENGTH)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)  # trimmed; blank values never get here
        problem = incident_id_problem(value)
        if problem:
            raise serializers.ValidationError(problem)
        return value


class EvidenceLockSerializer(serializers.Serializer):
    incident_id = IncidentIdField(
        required=False, allow_null=True, allow_blank=True,
        help_text="Tag the segment with this incident; absent, null or blank keeps the current tag",
    )


class SegmentIncidentSerializer(serializers.Serializer):
    incident_id = IncidentIdField(allow_null=True, help_text="The incident tag; null clears it")


# drf-spectacular makes every PATCH body partial; this one has a required member.
SEGMENT_INCIDENT_SCHEMA = {
    "type": "object",
    "properties": {
        "incident_id": {
            "type": "string",
            "nullable": True,
            "minLength": 1,
            "maxLength": INCIDENT_ID_MAX_LENGTH,
            "description": "The incident tag (trimmed, no control characters); null clears it",
        }
    },
    "required": ["incident_id"],
}


class IncidentSerializer(serializers.Serializer):
    incident_id = serializers.CharField()
    segment_count = serializers.IntegerField()
    total_bytes = serializers.IntegerField()
    oldest_start = RFC3339Field()
    newest_end = RFC3339Field()


# --- record triggers -------------------------------------------------------------------------------

class RecordTriggerSerializer(serializers.Serializer):
    camera_id = serializers.CharField()
    triggered = serializers.BooleanField()
    window_end = RFC3339Field(help_text="The event window stays open until then (a later trigger only extends it)")
    pre_roll_seconds = serializers.IntegerField(help_text="Footage kept from before the trigger")
    post_roll_seconds = serializers.IntegerField()
