"""Auth (login/logout/me), users, API keys and the audit log."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import login, logout
from django.middleware.csrf import get_token
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import AuthenticationFailed, NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import capabilities as caps
from accounts import services
from accounts.api import serializers as s
from accounts.models import ApiKey, AuditLog, User
from accounts.principal import principal_of
from accounts.services import Grant, LoginFailed
from nvr.api.exceptions import Conflict
from nvr.api.fields import query_time_range


class LoginView(APIView):
    """Password login: starts a session (cookie) and returns the user."""

    public = True
    authentication_classes: list = []
    throttle_classes: list = []

    @extend_schema(request=s.LoginSerializer, responses={200: s.LoginResponseSerializer}, auth=[])
    def post(self, request):
        body = s.LoginSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            user = services.authenticate_login(body.validated_data["username"], body.validated_data["password"], request)
        except LoginFailed:
            raise AuthenticationFailed("invalid credentials") from None
        login(request._request, user, backend="django.contrib.auth.backends.ModelBackend")
        expires_at = timezone.now() + timedelta(seconds=request._request.session.get_expiry_age())
        return Response({
            "user": s.UserSerializer(user).data,
            "expires_at": s.RFC3339Field().to_representation(expires_at),
            "csrf_token": get_token(request._request),
        })

    def get_authenticate_header(self, request):
        return 'Session realm="nvr"'


class LogoutView(APIView):
    """Ends the session of the caller, if any. Always 204."""

    public = True
    authentication_classes: list = []

    @extend_schema(request=None, responses={204: None}, auth=[])
    def post(self, request):
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    """The calling principal: who, which role, what it may do, which cameras."""

    read_capability = None

    @extend_schema(responses=s.MeSerializer)
    def get(self, request):
        principal = principal_of(request)
        return Response({
            "id": principal.id,
            "name": principal.name,
            "role": principal.role,
            "kind": principal.kind,
            "capabilities": sorted(principal.capabilities),
            "camera_scope": sorted(principal.camera_scope) if principal.camera_scope is not None else None,
        })


@extend_schema_view(
    list=extend_schema(summary="List users"),
    retrieve=extend_schema(summary="Get a user"),
    create=extend_schema(request=s.UserCreateSerializer, responses={201: s.UserSerializer}),
    partial_update=extend_schema(request=s.UserUpdateSerializer, responses={200: s.UserSerializer}),
    destroy=extend_schema(responses={204: None}),
)
class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                  mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Users: admin only, refused to camera-scoped keys."""

    queryset = User.objects.order_by("username")
    serializer_class = s.UserSerializer
    read_capability = write_capability = caps.ADMIN
    fleet_only = True
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    default_limit, max_limit = 200, 1000

    def get_object(self):
        user = User.objects.filter(pk=self.kwargs["pk"]).first()
        if user is None:
            raise NotFound(f"user {self.kwargs['pk']} not found")
        return user

    def create(self, request, *args, **kwargs):
        body = s.UserCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if User.objects.filter(username=body.validated_data["username"]).exists():
            raise Conflict(f"user '{body.validated_data['username']}' already exists")
        user = services.create_user(principal_of(request), request=request, **body.validated_data)
        return Response(s.UserSerializer(user).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        user = self.get_object()
        body = s.UserUpdateSerializer(user, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        changes = dict(body.validated_data)
        changes.pop("username", None)
        if "active" in changes:
            changes["is_active"] = changes.pop("active")
        user = services.update_user(principal_of(request), user, changes, request)
        return Response(s.UserSerializer(user).data)

    def destroy(self, request, *args, **kwargs):
        services.delete_user(principal_of(request), self.get_object(), request)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=s.UserSerializer)
    @action(detail=True, methods=["post"])
    def unlock(self, request, pk=None):
        user = services.unlock_user(principal_of(request), self.get_object(), request)
        return Response(s.UserSerializer(user).data)


@extend_schema_view(
    create=extend_schema(request=s.ApiKeyCreateSerializer, responses={201: s.ApiKeyCreatedSerializer}),
    partial_update=extend_schema(request=s.ApiKeyUpdateSerializer, responses={200: s.ApiKeySerializer}),
    destroy=extend_schema(responses={204: None}),
)
class ApiKeyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """API keys: admin only, fleet-only; the key itself appears once, in the create response."""

    queryset = ApiKey.objects.order_by("-created_at", "id")
    serializer_class = s.ApiKeySerializer
    read_capability = write_capability = caps.ADMIN
    fleet_only = True
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    default_limit, max_limit = 200, 1000

    def get_object(self):
        key = ApiKey.objects.filter(pk=self.kwargs["pk"]).first()
        if key is None:
            raise NotFound(f"api key {self.kwargs['pk']} not found")
        return key

    def create(self, request, *args, **kwargs):
        body = s.ApiKeyCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        grant = Grant(data["role"], data.get("capabilities"), data["scope_kind"], data["scope_cameras"], data["confirm_privileged"])
        key, raw = services.create_api_key(principal_of(request), name=data["name"], grant=grant,
                                           expires_at=data.get("expires_at"), request=request)
        return Response(s.ApiKeyCreatedSerializer(key, context={"raw_key": raw}).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        key = self.get_object()
        body = s.ApiKeyUpdateSerializer(key, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        key = services.update_api_key(principal_of(request), key, dict(body.validated_data), request)
        return Response(s.ApiKeySerializer(key).data)

    def destroy(self, request, *args, **kwargs):
        services.delete_api_key(principal_of(request), self.get_object(), request)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("from", str, description="RFC 3339 lower bound (inclusive)"),
    OpenApiParameter("to", str, description="RFC 3339 upper bound (inclusive)"),
    OpenApiParameter("actor", str, description="Principal id"),
    OpenApiParameter("action", str, description="Action name, e.g. create_camera"),
    OpenApiParameter("camera_id", str, description="Rows about this camera"),
]))
class AuditLogViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The audit log, newest first. Read-only (append-only table)."""

    queryset = AuditLog.objects.all()  # for schema introspection; get_queryset narrows it
    serializer_class = s.AuditLogSerializer
    read_capability = caps.REGISTRY_MANAGE
    default_limit, max_limit = 200, 5000

    def get_queryset(self):
        rows = AuditLog.objects.order_by("-created_at", "-id")
        principal = principal_of(self.request)
        if principal.camera_scope is not None:
            # a scoped reader sees only rows about its own cameras
            rows = rows.filter(subject_camera_id__in=sorted(principal.camera_scope))
        if self.action != "list":
            return rows
        start, end = query_time_range(self.request)
        params = self.request.query_params
        if start:
            rows = rows.filter(created_at__gte=start)
        if end:
            rows = rows.filter(created_at__lte=end)
        for param, field in (("actor", "actor"), ("action", "action"), ("camera_id", "subject_camera_id")):
            if params.get(param):
                rows = rows.filter(**{field: params[param][:200]})
        return rows

    def get_object(self):
        row = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if row is None:
            raise NotFound(f"audit row {self.kwargs['pk']} not found")
        return row
