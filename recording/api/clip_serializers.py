"""Clip API representations: the export request and the exported clip (never its file path)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from nvr.api.fields import RFC3339Field
from recording import clips
from recording.api.serializers import KeywordFieldsSerializer
from recording.models import Clip


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


class ClipSerializer(KeywordFieldsSerializer):
    """An exported clip; renders a Clip."""

    id = serializers.CharField()
    camera_id = serializers.CharField()
    filename = serializers.SerializerMethodField(help_text="Suggested download file name")
    url = serializers.SerializerMethodField(help_text="Authenticated download URL (Range requests supported)")
    from_ = RFC3339Field(source="from_time", help_text="Requested start")
    to = RFC3339Field(source="to_time", help_text="Requested end")
    requested_seconds = serializers.FloatField()
    covered_seconds = serializers.FloatField(help_text="Seconds of the window with footage in the clip")
    gaps = ClipGapSerializer(many=True, help_text="Holes of more than 1 s inside the window (closed up in the file)")
    size_bytes = serializers.IntegerField()
    segment_count = serializers.IntegerField(help_text="Recorded segments copied into the clip")
    created_by = serializers.CharField(help_text="Name of the user or API key that exported it")
    created_at = RFC3339Field()
    expires_at = RFC3339Field(help_text="The clip and its file are deleted then")

    @extend_schema_field(OpenApiTypes.STR)
    def get_filename(self, clip) -> str:
        return clips.clip_filename(clip)

    @extend_schema_field(OpenApiTypes.STR)
    def get_url(self, clip) -> str:
        return clip_url(clip)
