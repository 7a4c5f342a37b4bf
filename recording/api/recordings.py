"""Recordings API: timeline and computed gaps, gap retry, evidence locks and incidents, record triggers."""

from __future__ import annotations

from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.db.models import Count, Max, Min, Sum
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from accounts import capabilities as caps
from accounts import scoping
from accounts.principal import principal_of
from cameras.api.mixins import CameraNestedMixin, ScopedChildMixin
from cameras.models import Camera
from nvr.api.fields import format_rfc3339, query_time_range
from recording import services
from recording.api.serializers import (
    SEGMENT_INCIDENT_SCHEMA,
    CameraGapsSerializer,
    CameraTimelineSerializer,
    EvidenceLockSerializer,
    IncidentSerializer,
    RecordingGapSerializer,
    RecordTriggerSerializer,
    SegmentIncidentSerializer,
    SegmentSerializer,
    incident_id_problem,
)
from recording.api.views import CAMERA_ID
from recording.models import RecordingGap, Segment

WINDOW_DEFAULT = timedelta(hours=24)
WINDOW_MAX = timedelta(days=31)
# Windows reach back at most to the epoch: keeps every date subtraction far from datetime.min.
EARLIEST = datetime(1970, 1, 1, tzinfo=dt_timezone.utc)

WINDOW_PARAMS = [
    OpenApiParameter("from", OpenApiTypes.DATETIME, description="RFC 3339 start of the window (default: `to` minus 24 h)"),
    OpenApiParameter(
        "to", OpenApiTypes.DATETIME, description="RFC 3339 end of the window (default: now); at most 31 days after `from`"
    ),
]
GAP_ID = OpenApiParameter("gap_id", OpenApiTypes.STR, OpenApiParameter.PATH, description="Recording gap id (gap_…)")
SEGMENT_ID = OpenApiParameter("segment_id", OpenApiTypes.STR, OpenApiParameter.PATH, description="Segment id (seg_…)")
INCIDENT_ID = OpenApiParameter(
    "incident_id", OpenApiTypes.STR, OpenApiParameter.PATH, description="Incident tag (1..200 characters, no control characters)"
)


def coverage_window(request, now: datetime) -> tuple[datetime, datetime]:
    """The `from`/`to` of a coverage query: by default the last 24 h up to now; at most 31 days."""
    start, end = query_time_range(request)
    end = end or now
    for name, value in (("from", start), ("to", end)):
        if value is not None and value < EARLIEST:
            raise ValidationError({name: [f"must not be before {format_rfc3339(EARLIEST)}"]})
    start = start or end - WINDOW_DEFAULT
    if start > end:
        raise ValidationError({"from": ["'from' must not be after 'to' (which defaults to now)"]})
    if end - start > WINDOW_MAX:
        raise ValidationError({"to": [f"the window must be at most {WINDOW_MAX.days} days long"]})
    return start, end


# --- timeline and computed gaps --------------------------------------------------------------------

class CameraCoverageViewSet(CameraNestedMixin, viewsets.GenericViewSet):
    """Base for the per-camera coverage reads (video:playback)."""

    queryset = Segment.objects.all()
    capabilities = {"retrieve": caps.VIDEO_PLAYBACK}


class CameraTimelineViewSet(CameraCoverageViewSet):
    serializer_class = CameraTimelineSerializer
    action_phrases = {"retrieve": "read the recording timeline"}

    @extend_schema(
        summary="A camera's recorded ranges and gaps (with reasons) in a window",
        description=(
            "Segments less than 2 s apart are one range. Two unrecorded stretches are not gaps: "
            "`not_recorded_yet`, the start of the window before the camera's footage begins (e.g. before it "
            "was added), and `in_progress`, the live edge while the camera is recording (the segment being "
            "written is indexed when it closes). `gaps` are the other holes of more than 2 s, each with the "
            "persisted recording gap overlapping it most (`reason`, `fill_state`, `gap_id`); the hole the "
            "camera is in right now takes the reason from its current status."
        ),
        parameters=[CAMERA_ID, *WINDOW_PARAMS],
        responses=CameraTimelineSerializer,
    )
    def retrieve(self, request, *args, **kwargs):
        now = timezone.now()
        start, end = coverage_window(request, now)
        return Response(CameraTimelineSerializer(services.camera_timeline(self.camera, start, end, now)).data)


class CameraGapsViewSet(CameraCoverageViewSet):
    serializer_class = CameraGapsSerializer
    action_phrases = {"retrieve": "read recording gaps"}

    @extend_schema(
        summary="Holes of more than 2 s in a camera's recordings, computed from its segments",
        parameters=[CAMERA_ID, *WINDOW_PARAMS],
        responses=CameraGapsSerializer,
    )
    def retrieve(self, request, *args, **kwargs):
        start, end = coverage_window(request, timezone.now())
        return Response(CameraGapsSerializer(services.camera_gaps(self.camera, start, end)).data)


# --- recording gap retry ---------------------------------------------------------------------------

class RecordingGapRetryViewSet(CameraNestedMixin, viewsets.GenericViewSet):
    queryset = RecordingGap.objects.all()
    serializer_class = RecordingGapSerializer
    capabilities = {"retry": caps.REGISTRY_MANAGE}
    action_phrases = {"retry": "retry recording gaps"}

    @extend_schema(
        summary="Queue a failed or expired recording gap for refilling again",
        description="Resets the gap to `pending` with no attempts. 409 for deliberate (`not_applicable`) and `filled` gaps.",
        parameters=[CAMERA_ID, GAP_ID],
        request=None,
        responses=RecordingGapSerializer,
    )
    def retry(self, request, *args, **kwargs):
        gap_id = kwargs["gap_id"]
        gap = self.get_queryset().filter(pk=gap_id).first()  # narrowed to the camera of the path
        if gap is None:
            raise NotFound(f"recording gap {gap_id} not found")
        return Response(RecordingGapSerializer(services.retry_recording_gap(principal_of(request), gap, request)).data)


# --- evidence locks and incident tags --------------------------------------------------------------

class SegmentEvidenceViewSet(ScopedChildMixin, viewsets.GenericViewSet):
    """Evidence holds and incident tags of one segment (manager+, scoped through its camera)."""

    queryset = Segment.objects.all()
    serializer_class = SegmentSerializer
    lookup_url_kwarg = "segment_id"
    noun = "segment"
    capabilities = {"lock": caps.REGISTRY_MANAGE, "unlock": caps.REGISTRY_MANAGE, "tag": caps.REGISTRY_MANAGE}
    action_phrases = {"lock": "lock evidence", "unlock": "unlock evidence", "tag": "tag segments with incidents"}

    @extend_schema(
        summary="Hold a segment as evidence (never pruned by retention)",
        parameters=[SEGMENT_ID],
        request=EvidenceLockSerializer,
        responses=SegmentSerializer,
    )
    def lock(self, request, *args, **kwargs):
        segment = self.get_object()
        body = EvidenceLockSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        incident_id = body.validated_data.get("incident_id") or None
        segment = services.lock_segment_evidence(principal_of(request), segment, incident_id, request)
        return Response(SegmentSerializer(segment).data)

    @extend_schema(
        summary="Release a segment's evidence hold (keeps its incident tag)", parameters=[SEGMENT_ID], responses={200: SegmentSerializer}
    )
    def unlock(self, request, *args, **kwargs):
        segment = services.unlock_segment_evidence(principal_of(request), self.get_object(), request)
        return Response(SegmentSerializer(segment).data)

    @extend_schema(
        summary="Set or clear (null) a segment's incident tag",
        parameters=[SEGMENT_ID],
        request={"application/json": SEGMENT_INCIDENT_SCHEMA},
        responses=SegmentSerializer,
    )
    def tag(self, request, *args, **kwargs):
        segment = self.get_object()
        body = SegmentIncidentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        segment = services.tag_segment_incident(principal_of(request), segment, body.validated_data["incident_id"], request)
        return Response(SegmentSerializer(segment).data)


@extend_schema_view(list=extend_schema(summary="Incidents: tagged segments rolled up per incident id, newest first"))
class IncidentListViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Segment.objects.all()
    serializer_class = IncidentSerializer
    capabilities = {"list": caps.EVENTS_READ}
    action_phrases = {"list": "list incidents"}
    default_limit = max_limit = 1000

    def get_queryset(self):
        tagged = scoping.filter_queryset(Segment.objects.filter(incident_id__isnull=False), principal_of(self.request))
        return (
            tagged.values("incident_id")
            .annotate(
                segment_count=Count("id"),
                total_bytes=Sum("size_bytes"),
                oldest_start=Min("start_time"),
                newest_end=Max("end_time"),
            )
            .order_by("-newest_end", "incident_id")
        )


@extend_schema_view(list=extend_schema(summary="The segments tagged with an incident, oldest first", parameters=[INCIDENT_ID]))
class IncidentSegmentListViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Segment.objects.all()
    serializer_class = SegmentSerializer
    capabilities = {"list": caps.VIDEO_PLAYBACK}
    action_phrases = {"list": "list incident segments"}
    default_limit = max_limit = 5000

    def get_queryset(self):
        incident_id = self.kwargs["incident_id"].strip()
        problem = incident_id_problem(incident_id)
        if problem:
            raise ValidationError({"incident_id": [problem]})
        segments = scoping.filter_queryset(Segment.objects.filter(incident_id=incident_id), principal_of(self.request))
        return segments.order_by("start_time", "id")


# --- record triggers -------------------------------------------------------------------------------

class RecordTriggerViewSet(CameraNestedMixin, viewsets.GenericViewSet):
    queryset = Camera.objects.all()
    serializer_class = RecordTriggerSerializer
    capabilities = {"trigger": caps.REGISTRY_MANAGE}
    action_phrases = {"trigger": "trigger recording"}

    @extend_schema(
        summary="Open or extend an event-recording window (now + post-roll)",
        description=(
            "For cameras in `event` or `scheduled_event` mode that should record; 400 otherwise or when the "
            "recorder is disabled. A trigger never shortens a window that is already open."
        ),
        parameters=[CAMERA_ID],
        request=None,
        responses=RecordTriggerSerializer,
    )
    def trigger(self, request, *args, **kwargs):
        result = services.trigger_recording(self.camera, principal=principal_of(request), request=request)
        return Response(RecordTriggerSerializer(result).data)
