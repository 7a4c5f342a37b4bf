"""Camera registry endpoints: `/api/v1/cameras` and `/api/v1/cameras/{id}` (reference §4.1)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accounts import capabilities as caps
from accounts import scoping
from accounts.permissions import describe_action
from accounts.principal import principal_of
from cameras import services
from cameras.api.serializers import CameraCreateSerializer, CameraSerializer, CameraUpdateSerializer
from cameras.models import CAMERA_ID_MAX_LENGTH, SECRET_FIELDS, Camera, RecordMode
from nvr.api.fields import query_choice

ACTION_DESCRIPTIONS = {
    "list": "list cameras",
    "retrieve": "read camera",
    "create": "create camera",
    "partial_update": "update camera",
    "destroy": "delete camera",
}


@extend_schema_view(
    list=extend_schema(
        summary="List cameras",
        parameters=[
            OpenApiParameter("enabled", OpenApiTypes.STR, enum=["true", "false"], description="Only enabled / disabled cameras"),
            OpenApiParameter("record_mode", OpenApiTypes.STR, enum=RecordMode.values, description="Only cameras with this record mode"),
        ],
        responses=CameraSerializer(many=True),
    ),
    retrieve=extend_schema(summary="Get a camera", responses=CameraSerializer),
    create=extend_schema(summary="Register a camera", request=CameraCreateSerializer, responses={201: CameraSerializer}),
    partial_update=extend_schema(
        summary="Update a camera (absent keeps, null clears)", request=CameraUpdateSerializer, responses=CameraSerializer
    ),
    destroy=extend_schema(summary="Delete a camera and its media", responses={204: None}),
)
class CameraViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Cameras. Scoped keys see only their cameras and get 403 (before any lookup) for others."""

    # The view shows the stored secret view: the encrypted columns are not even read.
    queryset = Camera.objects.defer(*SECRET_FIELDS).order_by("id")
    serializer_class = CameraSerializer
    capabilities = {
        "list": caps.CAMERA_READ,
        "retrieve": caps.CAMERA_READ,
        "create": caps.REGISTRY_MANAGE,
        "partial_update": caps.REGISTRY_MANAGE,
        "destroy": caps.ADMIN,
    }
    action_phrases = ACTION_DESCRIPTIONS
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = "[^/]+"
    default_limit = 500
    max_limit = 5000

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action != "list":
            return queryset
        queryset = scoping.filter_queryset(queryset, principal_of(self.request), field="id")
        enabled = query_choice(self.request, "enabled", ("true", "false"))
        if enabled is not None:
            queryset = queryset.filter(enabled=enabled == "true")
        record_mode = query_choice(self.request, "record_mode", RecordMode.values)
        if record_mode is not None:
            queryset = queryset.filter(record_mode=record_mode)
        return queryset

    def get_object(self) -> Camera:
        camera_id = self.kwargs["pk"]
        scoping.require_camera(principal_of(self.request), camera_id, describe_action(self.request, self))
        camera = None
        if len(camera_id) <= CAMERA_ID_MAX_LENGTH and "\x00" not in camera_id:
            # An update compares the new values with the stored secrets; nothing else needs them.
            cameras = Camera.objects if self.action == "partial_update" else Camera.objects.defer(*SECRET_FIELDS)
            camera = cameras.filter(pk=camera_id).first()
        if camera is None:
            raise NotFound(f"camera {camera_id} not found")
        return camera

    def create(self, request, *args, **kwargs):
        serializer = CameraCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        camera = services.create_camera(principal_of(request), serializer.validated_data, request)
        return Response(CameraSerializer(camera).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        camera = self.get_object()
        serializer = CameraUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        camera, _ = services.update_camera(principal_of(request), camera, serializer.validated_data, request)
        return Response(CameraSerializer(camera).data)

    def destroy(self, request, *args, **kwargs):
        services.delete_camera(principal_of(request), self.get_object(), request)
        return Response(status=status.HTTP_204_NO_CONTENT)
