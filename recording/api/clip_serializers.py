"""Clip API representations: the export request and the clip with its export job (never its file path)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from nvr.api.fields import RFC3339Field
from recording import clips
from recording.api.serializers import KeywordFieldsSerializer
from recording.models import Clip, ClipStatus


def clip_url(clip: Clip) -> str:
    """The authenticated download URL of a clip."""
    return f"/api/v1/clips/{clip.pk}/download"


class ClipRequestSerializer(KeywordFieldsSerializer):
    from_ = RFC3339Field(help_text="Start of the clip (RFC 3339); the clip begins at the keyframe at or before it")
    to = RFC3339Field(help_text=f"End of the clip (RFC 3339), after `from` and at most {clips.MAX_CLIP_SECONDS} s later")

    def validate(self, attrs):
        problem = clips.window_problem(attrs["from"], attrs["to"])
        if problem:
            raise serializers.ValidationError(problem)
        return attrs


class ClipGapSerializer(KeywordFieldsSerializer):
    # Stored as RFC 3339 strings already (Clip.gaps is JSON): DateTimeField passes strings through.
    from_ = serializers.DateTimeField()
    to = serializers.DateTimeField()


# Known only once the export completed: null before (and after a failure or a cancel).
RESULT_FIELDS = ("url", "covered_seconds", "gaps", "size_bytes", "segment_count")


class ClipSerializer(KeywordFieldsSerializer):
    """A clip and its export job; renders a Clip."""

    id = serializers.CharField()
    camera_id = serializers.CharField()
    status = serializers.ChoiceField(
        choices=ClipStatus.choices,
        help_text="`pending` (queued) → `running` → `completed` | `failed` | `cancelled`",
    )
    progress = serializers.FloatField(
        help_text="Fraction of the requested window copied so far, 0..1 (1 when completed)", min_value=0, max_value=1,
    )
    error = serializers.CharField(allow_null=True, help_text="Why the export failed (null unless `failed`)")
    cancel_requested = serializers.BooleanField(help_text="A cancel was asked; a running export stops at its next check")
    filename = serializers.SerializerMethodField(help_text="Suggested download file name")
    url = serializers.SerializerMethodField(help_text="Authenticated download URL (Range requests supported); null until completed")
    from_ = RFC3339Field(source="from_time", help_text="Requested start")
    to = RFC3339Field(source="to_time", help_text="Requested end")
    requested_seconds = serializers.FloatField()
    covered_seconds = serializers.FloatField(allow_null=True, help_text="Seconds of the window with footage in the clip; null until completed")
    gaps = ClipGapSerializer(
        many=True, allow_null=True,
        help_text="Holes of more than 1 s inside the window (closed up in the file); null until completed",
    )
    size_bytes = serializers.IntegerField(allow_null=True, help_text="Size of the MP4; null until completed")
    segment_count = serializers.IntegerField(allow_null=True, help_text="Recorded segments copied into the clip; null until completed")
    created_by = serializers.CharField(help_text="Name of the user or API key that exported it")
    created_at = RFC3339Field()
    started_at = RFC3339Field(allow_null=True, help_text="When a task worker began the export")
    finished_at = RFC3339Field(allow_null=True, help_text="When the export completed, failed or was cancelled")
    expires_at = RFC3339Field(help_text="The clip and its file are deleted then")

    def to_representation(self, clip):
        data = super().to_representation(clip)
        if clip.status != ClipStatus.COMPLETED:
            data.update(dict.fromkeys(RESULT_FIELDS))
        data["error"] = (clip.error or None) if clip.status == ClipStatus.FAILED else None
        return data

    @extend_schema_field(OpenApiTypes.STR)
    def get_filename(self, clip) -> str:
        return clips.clip_filename(clip)

    @extend_schema_field({"type": "string", "nullable": True})
    def get_url(self, clip) -> str | None:
        return clip_url(clip)
