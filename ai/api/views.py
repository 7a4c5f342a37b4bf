"""AI API views: camera AI tasks and zones (CRUD), zone events, detections and the event log (read)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts import capabilities as caps
from accounts import scoping
from accounts.permissions import describe_action
from accounts.principal import principal_of
from ai import event_catalogue, services
from ai.api.serializers import (
    AiTaskSerializer,
    DetectionSerializer,
    EventSerializer,
    EventTypeSerializer,
    ZoneEventSerializer,
    ZoneSerializer,
)
from ai.models import AiTask, Detection, Event, Severity, Zone, ZoneEvent, ZoneEventType
from cameras.api.mixins import CameraNestedMixin, ScopedChildMixin
from nvr.api.fields import query_choice, query_time_range

QUERY_TEXT_MAX_LENGTH = 256

CAMERA_PATH = OpenApiParameter("camera_id", str, OpenApiParameter.PATH, description="Camera id (slug)")
FROM_QUERY = OpenApiParameter(
    "from", OpenApiTypes.DATETIME, OpenApiParameter.QUERY, description="RFC 3339; inclusive lower bound"
)
TO_QUERY = OpenApiParameter("to", OpenApiTypes.DATETIME, OpenApiParameter.QUERY, description="RFC 3339; inclusive upper bound")


def _query_param(name: str, description: str, enum=None) -> OpenApiParameter:
    return OpenApiParameter(name, str, OpenApiParameter.QUERY, description=description, enum=enum)


def query_text(request, name: str) -> str | None:
    """An optional free-text filter; bounded and NUL-free so it can reach any database."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if len(raw) > QUERY_TEXT_MAX_LENGTH or "\x00" in raw:
        raise ValidationError({name: [f"must be at most {QUERY_TEXT_MAX_LENGTH} characters without NUL"]})
    return raw


def filter_time(queryset, request, field: str = "timestamp"):
    start, end = query_time_range(request)
    if start is not None:
        queryset = queryset.filter(**{f"{field}__gte": start})
    if end is not None:
        queryset = queryset.filter(**{f"{field}__lte": end})
    return queryset


def created_or_existing(serializer_class, instance, created: bool) -> Response:
    return Response(serializer_class(instance).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class PartialUpdateDestroyMixin:
    """PATCH and DELETE of a child row through the app's services (audited)."""

    # Set by subclasses to the service functions (wrapped in staticmethod).
    update_service: staticmethod
    delete_service: staticmethod
    lookup_value_regex = r"[^/.\x00]{1,64}"

    def partial_update(self, request, *args, **kwargs):
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        instance = self.update_service(principal_of(request), instance, serializer.validated_data, request)
        return Response(self.get_serializer(instance).data)

    def destroy(self, request, *args, **kwargs):
        self.delete_service(principal_of(request), self.get_object(), request)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- AI tasks ------------------------------------------------------------------------------------

@extend_schema_view(
    list=extend_schema(summary="List a camera's AI tasks (incl. disabled), oldest first", parameters=[CAMERA_PATH]),
    create=extend_schema(
        summary="Create an AI task (idempotent on camera + task_type + stream_profile)",
        parameters=[CAMERA_PATH],
        request=AiTaskSerializer,
        responses={201: AiTaskSerializer, 200: AiTaskSerializer},
    ),
)
class CameraAiTaskViewSet(CameraNestedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = AiTask.objects.all()
    serializer_class = AiTaskSerializer
    capabilities = {"list": caps.AI_TASKS, "create": caps.REGISTRY_MANAGE}
    default_limit, max_limit = 200, 1000

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        task, created = services.create_ai_task(principal_of(request), self.camera, serializer.validated_data, request)
        return created_or_existing(AiTaskSerializer, task, created)


@extend_schema_view(
    partial_update=extend_schema(summary="Update an AI task", request=AiTaskSerializer, responses=AiTaskSerializer),
    destroy=extend_schema(summary="Delete an AI task", responses={204: None}),
)
class AiTaskViewSet(ScopedChildMixin, PartialUpdateDestroyMixin, viewsets.GenericViewSet):
    queryset = AiTask.objects.all()
    serializer_class = AiTaskSerializer
    capabilities = {"partial_update": caps.REGISTRY_MANAGE, "destroy": caps.REGISTRY_MANAGE}
    noun = "ai task"
    update_service = staticmethod(services.update_ai_task)
    delete_service = staticmethod(services.delete_ai_task)


# --- zones ---------------------------------------------------------------------------------------

@extend_schema_view(
    list=extend_schema(summary="List a camera's zones, oldest first", parameters=[CAMERA_PATH]),
    create=extend_schema(
        summary="Create a zone (a same-name zone of the camera is returned unchanged with 200)",
        parameters=[CAMERA_PATH],
        request=ZoneSerializer,
        responses={201: ZoneSerializer, 200: ZoneSerializer},
    ),
)
class CameraZoneViewSet(CameraNestedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Zone.objects.all()
    serializer_class = ZoneSerializer
    capabilities = {"list": caps.EVENTS_READ, "create": caps.REGISTRY_MANAGE}
    default_limit, max_limit = 200, 1000

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        zone, created = services.create_zone(principal_of(request), self.camera, serializer.validated_data, request)
        return created_or_existing(ZoneSerializer, zone, created)


@extend_schema_view(
    partial_update=extend_schema(
        summary="Update a zone (geometry re-validated against the resulting kind)", request=ZoneSerializer, responses=ZoneSerializer
    ),
    destroy=extend_schema(summary="Delete a zone", responses={204: None}),
)
class ZoneViewSet(ScopedChildMixin, PartialUpdateDestroyMixin, viewsets.GenericViewSet):
    queryset = Zone.objects.all()
    serializer_class = ZoneSerializer
    capabilities = {"partial_update": caps.REGISTRY_MANAGE, "destroy": caps.REGISTRY_MANAGE}
    noun = "zone"
    update_service = staticmethod(services.update_zone)
    delete_service = staticmethod(services.delete_zone)


# --- read-only lists -----------------------------------------------------------------------------

@extend_schema_view(
    list=extend_schema(
        summary="List a camera's zone events, newest first",
        parameters=[
            CAMERA_PATH, FROM_QUERY, TO_QUERY,
            _query_param("zone_id", "Only events of this zone"),
            _query_param("event_type", "Only this kind of zone event", enum=ZoneEventType.values),
            _query_param("track_id", "Only events of this track"),
        ],
    ),
)
class CameraZoneEventViewSet(CameraNestedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = ZoneEvent.objects.all()
    serializer_class = ZoneEventSerializer
    capabilities = {"list": caps.EVENTS_READ}
    default_limit, max_limit = 200, 5000

    def get_queryset(self):
        queryset = filter_time(super().get_queryset(), self.request)
        request = self.request
        zone_id, track_id = query_text(request, "zone_id"), query_text(request, "track_id")
        event_type = query_choice(request, "event_type", ZoneEventType.values)
        if zone_id:
            queryset = queryset.filter(zone_id=zone_id)
        if track_id:
            queryset = queryset.filter(track_id=track_id)
        if event_type:
            queryset = queryset.filter(event_type=event_type)
        return queryset


@extend_schema_view(
    list=extend_schema(
        summary="List a camera's detections, newest first",
        parameters=[CAMERA_PATH, FROM_QUERY, TO_QUERY, _query_param("label", "Only this label (exact)")],
    ),
)
class CameraDetectionViewSet(CameraNestedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Detection.objects.all()
    serializer_class = DetectionSerializer
    capabilities = {"list": caps.EVENTS_READ}
    default_limit, max_limit = 200, 5000

    def get_queryset(self):
        queryset = filter_time(super().get_queryset(), self.request)
        label = query_text(self.request, "label")
        return queryset.filter(label=label) if label else queryset


@extend_schema_view(
    list=extend_schema(
        summary="The event log, newest first (box-level events are hidden from camera-scoped keys)",
        parameters=[
            FROM_QUERY, TO_QUERY,
            _query_param("camera_id", "Only events of this camera"),
            _query_param("event_type", "Only this event type"),
            _query_param("severity", "Only this severity", enum=Severity.values),
        ],
    ),
    types=extend_schema(
        summary="Event-type catalogue: built-in types plus every observed type", responses=EventTypeSerializer(many=True)
    ),
)
class EventViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Event.objects.all()
    serializer_class = EventSerializer
    capabilities = {"list": caps.EVENTS_READ, "types": caps.EVENTS_READ}
    default_limit, max_limit = 200, 2000

    def get_queryset(self):
        request = self.request
        principal = principal_of(request)
        queryset = scoping.filter_queryset(filter_time(super().get_queryset(), request), principal)
        camera_id, event_type = query_text(request, "camera_id"), query_text(request, "event_type")
        severity = query_choice(request, "severity", Severity.values)
        if camera_id:
            scoping.require_camera(principal, camera_id, describe_action(request, self))
            queryset = queryset.filter(camera_id=camera_id)
        if event_type:
            queryset = queryset.filter(event_type=event_type)
        if severity:
            queryset = queryset.filter(severity=severity)
        return queryset

    @action(detail=False, methods=["get"], url_path="types", serializer_class=EventTypeSerializer, pagination_class=None)
    def types(self, request):
        observed = scoping.filter_queryset(Event.objects.all(), principal_of(request))
        names = observed.order_by("event_type").values_list("event_type", flat=True).distinct()
        rows = event_catalogue.catalogue(names[: event_catalogue.MAX_OBSERVED_TYPES])
        return Response(EventTypeSerializer(rows, many=True).data)
