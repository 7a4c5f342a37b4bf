"""Recording API: schedules (CRUD), camera health, and read-only segments, gaps and snapshots."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accounts import capabilities as caps
from accounts import scoping
from accounts.permissions import describe_action
from accounts.principal import principal_of
from cameras.api.mixins import CameraNestedMixin, ScopedChildMixin
from cameras.models import Camera
from nvr.api.fields import query_choice, query_time_range
from recording import services
from recording.api.serializers import (
    CameraHealthSerializer,
    RecordingGapSerializer,
    RecordScheduleSerializer,
    SegmentSerializer,
    SnapshotScheduleSerializer,
    SnapshotSerializer,
)
from recording.models import FillState, GapReason, RecordingGap, RecordSchedule, Segment, Snapshot, SnapshotSchedule

CAMERA_ID = OpenApiParameter("camera_id", OpenApiTypes.STR, OpenApiParameter.PATH, description="Camera id (slug)")
SCHEDULE_ID = OpenApiParameter("schedule_id", OpenApiTypes.STR, OpenApiParameter.PATH, description="Schedule id")


def _time_params(what: str) -> list[OpenApiParameter]:
    return [
        OpenApiParameter("from", OpenApiTypes.DATETIME, description=f"RFC 3339 lower bound ({what})"),
        OpenApiParameter("to", OpenApiTypes.DATETIME, description=f"RFC 3339 upper bound ({what}); not before `from`"),
    ]


# --- record schedules ------------------------------------------------------------------------------

@extend_schema_view(
    list=extend_schema(summary="List a camera's record schedules", parameters=[CAMERA_ID]),
    create=extend_schema(summary="Add a record schedule to a camera", parameters=[CAMERA_ID]),
)
class CameraRecordScheduleViewSet(CameraNestedMixin, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    queryset = RecordSchedule.objects.order_by("created_at", "id")
    serializer_class = RecordScheduleSerializer
    capabilities = {"list": caps.CAMERA_READ, "create": caps.REGISTRY_MANAGE}
    action_phrases = {"list": "list record schedules", "create": "create record schedules"}
    default_limit, max_limit = 100, 1000

    def perform_create(self, serializer):
        serializer.instance = services.create_record_schedule(
            principal_of(self.request), self.camera, serializer.validated_data, self.request
        )


@extend_schema_view(
    partial_update=extend_schema(summary="Change a record schedule", parameters=[SCHEDULE_ID]),
    destroy=extend_schema(summary="Delete a record schedule", parameters=[SCHEDULE_ID]),
)
class RecordScheduleViewSet(ScopedChildMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    queryset = RecordSchedule.objects.all()
    serializer_class = RecordScheduleSerializer
    lookup_url_kwarg = "schedule_id"
    capabilities = {"partial_update": caps.REGISTRY_MANAGE, "destroy": caps.REGISTRY_MANAGE}
    action_phrases = {"partial_update": "update record schedules", "destroy": "delete record schedules"}
    noun = "recording schedule"

    def perform_update(self, serializer):
        serializer.instance = services.update_record_schedule(
            principal_of(self.request), serializer.instance, serializer.validated_data, self.request
        )

    def perform_destroy(self, instance):
        services.delete_record_schedule(principal_of(self.request), instance, self.request)


# --- snapshot schedules ----------------------------------------------------------------------------

@extend_schema_view(
    list=extend_schema(summary="List a camera's snapshot schedules", parameters=[CAMERA_ID]),
    create=extend_schema(summary="Add a snapshot schedule to a camera", parameters=[CAMERA_ID]),
)
class CameraSnapshotScheduleViewSet(CameraNestedMixin, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    queryset = SnapshotSchedule.objects.order_by("created_at", "id")
    serializer_class = SnapshotScheduleSerializer
    capabilities = {"list": caps.CAMERA_READ, "create": caps.REGISTRY_MANAGE}
    action_phrases = {"list": "list snapshot schedules", "create": "create snapshot schedules"}
    default_limit, max_limit = 100, 1000

    def perform_create(self, serializer):
        serializer.instance = services.create_snapshot_schedule(
            principal_of(self.request), self.camera, serializer.validated_data, self.request
        )


@extend_schema_view(
    partial_update=extend_schema(summary="Change a snapshot schedule", parameters=[SCHEDULE_ID]),
    destroy=extend_schema(summary="Delete a snapshot schedule", parameters=[SCHEDULE_ID]),
)
class SnapshotScheduleViewSet(ScopedChildMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    queryset = SnapshotSchedule.objects.all()
    serializer_class = SnapshotScheduleSerializer
    lookup_url_kwarg = "schedule_id"
    capabilities = {"partial_update": caps.REGISTRY_MANAGE, "destroy": caps.REGISTRY_MANAGE}
    action_phrases = {"partial_update": "update snapshot schedules", "destroy": "delete snapshot schedules"}
    noun = "snapshot schedule"

    def perform_update(self, serializer):
        serializer.instance = services.update_snapshot_schedule(
            principal_of(self.request), serializer.instance, serializer.validated_data, self.request
        )

    def perform_destroy(self, instance):
        services.delete_snapshot_schedule(principal_of(self.request), instance, self.request)


# --- health ----------------------------------------------------------------------------------------

@extend_schema_view(list=extend_schema(summary="Recorder status of every camera the caller may see"))
class CameraHealthListViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Camera.objects.all()
    serializer_class = CameraHealthSerializer
    capabilities = {"list": caps.CAMERA_READ}
    action_phrases = {"list": "read camera health"}
    default_limit, max_limit = 500, 5000

    def get_queryset(self):
        cameras = services.cameras_with_status().order_by("id")
        return scoping.filter_queryset(cameras, principal_of(self.request), "id")


class CameraHealthViewSet(viewsets.GenericViewSet):
    """Not a CameraNestedMixin view: that mixin reads the whole camera, secrets included, and health needs none."""

    queryset = Camera.objects.all()
    serializer_class = CameraHealthSerializer
    capabilities = {"retrieve": caps.CAMERA_READ}
    action_phrases = {"retrieve": "read camera health"}

    @extend_schema(summary="Recorder status of one camera", parameters=[CAMERA_ID], responses=CameraHealthSerializer)
    def retrieve(self, request, camera_id: str):
        # Scope before existence, as CameraNestedMixin: a scoped key learns nothing about other cameras.
        scoping.require_camera(principal_of(request), camera_id, describe_action(request, self))
        camera = services.cameras_with_status().filter(pk=camera_id).first()
        if camera is None:
            raise NotFound(f"camera {camera_id} not found")
        return Response(CameraHealthSerializer(camera).data)


# --- read-only media indexes -----------------------------------------------------------------------

class CameraListViewSet(CameraNestedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Base for `/cameras/{camera_id}/<media>` lists (video:playback)."""

    capabilities = {"list": caps.VIDEO_PLAYBACK}
    default_limit, max_limit = 500, 5000


@extend_schema_view(
    list=extend_schema(
        summary="A camera's recorded segments",
        description=(
            "With `from`/`to`: segments overlapping the range (`start < to`, `end > from`), oldest first. "
            "Without either: the newest `limit` segments, oldest first (`offset` counts back from the newest)."
        ),
        parameters=[CAMERA_ID, *_time_params("overlap")],
    )
)
class SegmentListViewSet(CameraListViewSet):
    queryset = Segment.objects.all()
    serializer_class = SegmentSerializer
    action_phrases = {"list": "list segments"}

    def get_queryset(self):
        start, end = query_time_range(self.request)
        segments = services.overlapping_segments(super().get_queryset(), start, end)
        self.newest_window = start is None and end is None
        return segments.order_by("-start_time", "-id") if self.newest_window else segments.order_by("start_time", "id")

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None and self.newest_window:
            page.reverse()
        return page


@extend_schema_view(
    list=extend_schema(
        summary="A camera's persisted recording gaps, newest first",
        parameters=[
            CAMERA_ID,
            OpenApiParameter("state", OpenApiTypes.STR, enum=FillState.values, description="Only gaps in this fill state"),
            OpenApiParameter("reason", OpenApiTypes.STR, enum=GapReason.values, description="Only gaps with this reason"),
            *_time_params("overlap with the gap"),
        ],
    )
)
class RecordingGapListViewSet(CameraListViewSet):
    queryset = RecordingGap.objects.all()
    serializer_class = RecordingGapSerializer
    action_phrases = {"list": "list recording gaps"}

    def get_queryset(self):
        fill_state = query_choice(self.request, "state", FillState.values)
        reason = query_choice(self.request, "reason", GapReason.values)
        start, end = query_time_range(self.request)
        gaps = super().get_queryset()
        if fill_state:
            gaps = gaps.filter(fill_state=fill_state)
        if reason:
            gaps = gaps.filter(reason=reason)
        if start is not None:
            gaps = gaps.filter(gap_end__gt=start)
        if end is not None:
            gaps = gaps.filter(gap_start__lt=end)
        return gaps.order_by("-gap_start", "-id")


@extend_schema_view(
    list=extend_schema(
        summary="A camera's persisted snapshots, newest first",
        parameters=[CAMERA_ID, *_time_params("inclusive, on taken_at")],
    )
)
class SnapshotListViewSet(CameraListViewSet):
    queryset = Snapshot.objects.all()
    serializer_class = SnapshotSerializer
    action_phrases = {"list": "list snapshots"}

    def get_queryset(self):
        start, end = query_time_range(self.request)
        snapshots = super().get_queryset()
        if start is not None:
            snapshots = snapshots.filter(taken_at__gte=start)
        if end is not None:
            snapshots = snapshots.filter(taken_at__lte=end)
        return snapshots.order_by("-taken_at", "-id")

