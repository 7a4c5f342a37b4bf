"""Backup endpoints (reference §4.7): destinations (fleet-only), policies and jobs (camera-scope aware)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from accounts import capabilities as caps
from accounts import scoping
from accounts.principal import principal_of
from backups import services
from backups.api import serializers as s
from backups.models import BackupDestination, BackupJob, BackupPolicy, JobKind, JobStatus
from nvr.api.fields import query_choice
from nvr.ids import ID_MAX_LENGTH

READ_WRITE = {
    "list": caps.SYSTEM_READ,
    "retrieve": caps.SYSTEM_READ,
    "create": caps.REGISTRY_MANAGE,
    "partial_update": caps.REGISTRY_MANAGE,
    "destroy": caps.REGISTRY_MANAGE,
}
HTTP_METHODS = ["get", "post", "patch", "delete", "head", "options"]


@extend_schema_view(
    list=extend_schema(summary="List backup destinations (secrets masked)", responses=s.BackupDestinationSerializer(many=True)),
    retrieve=extend_schema(summary="Get a backup destination", responses=s.BackupDestinationSerializer),
    create=extend_schema(summary="Create a backup destination", request=s.BackupDestinationCreateSerializer,
                         responses={201: s.BackupDestinationSerializer}),
    partial_update=extend_schema(summary="Update a backup destination", request=s.BackupDestinationUpdateSerializer,
                                 responses=s.BackupDestinationSerializer),
    destroy=extend_schema(summary="Delete a backup destination (and its policies)", responses={204: None}),
)
class DestinationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = BackupDestination.objects.all()
    serializer_class = s.BackupDestinationSerializer
    capabilities = READ_WRITE
    fleet_only = True
    http_method_names = HTTP_METHODS
    default_limit = 100
    max_limit = 1000

    def get_object(self):
        pk = self.kwargs["pk"]
        destination = self.get_queryset().filter(pk=pk).first()
        if destination is None:
            raise NotFound(f"backup destination {pk} not found")
        return destination

    def create(self, request):
        body = s.BackupDestinationCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        destination = services.create_destination(principal_of(request), request=request, **body.validated_data)
        return Response(s.BackupDestinationSerializer(destination).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        destination = self.get_object()
        body = s.BackupDestinationUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        destination = services.update_destination(principal_of(request), destination, body.validated_data, request)
        return Response(s.BackupDestinationSerializer(destination).data)

    def destroy(self, request, pk=None):
        services.delete_destination(principal_of(request), self.get_object(), request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CameraListScopeMixin:
    """Rows carrying a `camera_ids` list: a camera-scoped reader sees only rows whose non-empty
    list lies inside its scope (reference §4.7); any other row answers 404 like a missing one."""

    not_found_message = "{pk} not found"

    def _visible(self, principal, row) -> bool:
        cameras = row.camera_ids if isinstance(row.camera_ids, list) else []
        return scoping.covers(principal, cameras)

    def get_object(self):
        pk = self.kwargs["pk"]
        row = self.get_queryset().filter(pk=pk).first()
        if row is None or not self._visible(principal_of(self.request), row):
            raise NotFound(self.not_found_message.format(pk=pk))
        return row

    def list(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        principal = principal_of(request)
        if not principal.is_scoped:
            page = self.paginate_queryset(queryset)
        else:
            # A JSON-list containment test is not portable SQL: choose the ids from the two columns
            # in Python, then load only the page's rows.
            ids = [
                pk for pk, cameras in queryset.values_list("pk", "camera_ids")
                if scoping.covers(principal, cameras if isinstance(cameras, list) else [])
            ]
            page_ids = self.paginate_queryset(ids)
            rows = queryset.in_bulk(page_ids)
            page = [rows[pk] for pk in page_ids]
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema_view(
    list=extend_schema(summary="List backup policies", responses=s.BackupPolicySerializer(many=True)),
    retrieve=extend_schema(summary="Get a backup policy", responses=s.BackupPolicySerializer),
    create=extend_schema(summary="Create a backup policy", request=s.BackupPolicyCreateSerializer,
                         responses={201: s.BackupPolicySerializer}),
    partial_update=extend_schema(summary="Update a backup policy", request=s.BackupPolicyUpdateSerializer,
                                 responses=s.BackupPolicySerializer),
    destroy=extend_schema(summary="Delete a backup policy", responses={204: None}),
)
class PolicyViewSet(CameraListScopeMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = BackupPolicy.objects.all()
    serializer_class = s.BackupPolicySerializer
    capabilities = READ_WRITE
    http_method_names = HTTP_METHODS
    not_found_message = "backup policy {pk} not found"
    default_limit = 100
    max_limit = 1000

    def create(self, request):
        body = s.BackupPolicyCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        policy = services.create_policy(principal_of(request), request=request, **body.validated_data)
        return Response(s.BackupPolicySerializer(policy).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        policy = self.get_object()
        body = s.BackupPolicyUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        policy = services.update_policy(principal_of(request), policy, body.validated_data, request)
        return Response(s.BackupPolicySerializer(policy).data)

    def destroy(self, request, pk=None):
        services.delete_policy(principal_of(request), self.get_object(), request)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        summary="List backup jobs, newest first",
        parameters=[
            OpenApiParameter("policy_id", str, description="Only jobs of this policy"),
            OpenApiParameter("status", str, enum=JobStatus.values, description="Only jobs in this state"),
            OpenApiParameter("kind", str, enum=JobKind.values, description="Only jobs of this kind"),
        ],
        responses=s.BackupJobSerializer(many=True),
    ),
    retrieve=extend_schema(summary="Get a backup job", responses=s.BackupJobSerializer),
)
class JobViewSet(CameraListScopeMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = BackupJob.objects.all()
    serializer_class = s.BackupJobSerializer
    read_capability = caps.SYSTEM_READ
    not_found_message = "backup job {pk} not found"
    default_limit = 100
    max_limit = 2000

    def filter_queryset(self, queryset):
        params = self.request.query_params
        policy_id = params.get("policy_id")
        if policy_id:
            if len(policy_id) > ID_MAX_LENGTH:
                raise ValidationError({"policy_id": [f"must be at most {ID_MAX_LENGTH} characters"]})
            queryset = queryset.filter(policy_id=policy_id)
        job_status = query_choice(self.request, "status", JobStatus.values)
        if job_status:
            queryset = queryset.filter(status=job_status)
        kind = query_choice(self.request, "kind", JobKind.values)
        if kind:
            queryset = queryset.filter(kind=kind)
        return queryset
