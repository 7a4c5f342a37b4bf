"""Serializers for login, users, API keys and the audit log. Hashes and secrets are never output."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils import timezone
from rest_framework import serializers

from accounts import capabilities as caps
from accounts.models import ApiKey, AuditLog, User
from accounts.principal import for_api_key
from nvr.api.fields import RFC3339Field, StrictBooleanField
from nvr.api.serializers import ModelSerializer

class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, trim_whitespace=True)
    password = serializers.CharField(max_length=1024, trim_whitespace=False)


class UserSerializer(ModelSerializer):
    """UserView: never the password hash, failure counter or lock time."""

    active = serializers.BooleanField(source="is_active", read_only=True)
    created_at = RFC3339Field(source="date_joined", read_only=True)
    locked = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "role", "display_name", "active", "locked", "created_at", "updated_at"]
        read_only_fields = fields

    def get_locked(self, user) -> bool:
        return user.is_locked()


class UserCreateSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
    password = serializers.CharField(min_length=8, max_length=1024, trim_whitespace=False)
    role = serializers.ChoiceField(choices=caps.ROLES, default="viewer")
    display_name = serializers.CharField(max_length=200, required=False, allow_null=True, allow_blank=True)
    active = StrictBooleanField(default=True)

    def validate_username(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("must not be blank")
        return value


class UserUpdateSerializer(serializers.Serializer):
    password = serializers.CharField(min_length=8, max_length=1024, trim_whitespace=False, required=False)
    role = serializers.ChoiceField(choices=caps.ROLES, required=False)
    display_name = serializers.CharField(max_length=200, required=False, allow_null=True, allow_blank=True)
    active = StrictBooleanField(required=False)
    username = serializers.CharField(max_length=150, required=False, help_text="Immutable: must equal the current username")

    def validate_username(self, value: str) -> str:
        if self.instance is not None and value.strip() != self.instance.username:
            raise serializers.ValidationError("username cannot be changed")
        return value


class MeSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    role = serializers.CharField()
    kind = serializers.ChoiceField(choices=["user", "api_key", "system"])
    capabilities = serializers.ListField(child=serializers.CharField())
    camera_scope = serializers.ListField(child=serializers.CharField(), allow_null=True)


class LoginResponseSerializer(serializers.Serializer):
    user = UserSerializer()
    expires_at = RFC3339Field()
    csrf_token = serializers.CharField(help_text="Send as X-CSRFToken on unsafe requests made with the session cookie")


def _capability():
    # unknown slugs are reported by the grant validation, which lists the valid ones
    return serializers.CharField(max_length=64)


def _camera_id():
    return serializers.CharField(max_length=64, allow_blank=True)


class ApiKeySerializer(ModelSerializer):
    """ApiKeyView: effective capabilities; never the key or its hash."""

    capabilities = serializers.SerializerMethodField()
    legacy_role_expansion = serializers.SerializerMethodField()
    unknown_capabilities = serializers.SerializerMethodField()

    class Meta:
        model = ApiKey
        fields = [
            "id", "name", "key_prefix", "role", "active", "last_used_at", "created_at", "capabilities",
            "legacy_role_expansion", "unknown_capabilities", "scope_kind", "scope_cameras", "expires_at",
            "revoked_at",
        ]
        read_only_fields = fields

    def get_capabilities(self, key) -> list[str]:
        return sorted(for_api_key(key, settings.NVR_MACHINE_AUTH).capabilities)

    def get_legacy_role_expansion(self, key) -> bool:
        return key.capabilities is None

    def get_unknown_capabilities(self, key) -> list[str]:
        if key.capabilities is None:
            return []
        if not isinstance(key.capabilities, list):
            return ["<unparseable>"]
        return caps.unknown_capabilities(key.capabilities)


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.SerializerMethodField(help_text="The key itself: shown once, never again")

    class Meta(ApiKeySerializer.Meta):
        fields = ApiKeySerializer.Meta.fields + ["key"]
        read_only_fields = fields

    def get_key(self, key) -> str:
        return self.context["raw_key"]


class _FutureTime(RFC3339Field):
    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if parsed <= timezone.now():
            raise serializers.ValidationError("must be in the future")
        return parsed


class ApiKeyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    role = serializers.ChoiceField(choices=caps.ROLES, default="integration")
    capabilities = serializers.ListField(child=_capability(), max_length=len(caps.ALL_CAPABILITIES) * 2, allow_null=True,
                                         required=False, help_text="Explicit grant; omit or null for the role expansion")
    scope_kind = serializers.ChoiceField(choices=[ApiKey.SCOPE_ALL, ApiKey.SCOPE_CAMERAS], default=ApiKey.SCOPE_ALL)
    scope_cameras = serializers.ListField(child=_camera_id(), max_length=500, default=list)
    expires_at = _FutureTime(required=False, allow_null=True)
    confirm_privileged = StrictBooleanField(default=False)

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("must not be blank")
        return value


class ApiKeyUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    active = StrictBooleanField(required=False)
    capabilities = serializers.ListField(child=_capability(), max_length=len(caps.ALL_CAPABILITIES) * 2, required=False)
    scope_kind = serializers.ChoiceField(choices=[ApiKey.SCOPE_ALL, ApiKey.SCOPE_CAMERAS], required=False)
    scope_cameras = serializers.ListField(child=_camera_id(), max_length=500, required=False)
    expires_at = _FutureTime(required=False, allow_null=True, help_text="null removes the expiry")
    revoked = StrictBooleanField(required=False, help_text="true revokes the key permanently")
    confirm_privileged = StrictBooleanField(default=False)

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("must not be blank")
        return value

    def validate_revoked(self, value: bool) -> bool:
        if value is False and self.instance is not None and self.instance.revoked_at is not None:
            raise serializers.ValidationError("revocation is permanent")
        return value


class AuditLogSerializer(ModelSerializer):
    class Meta:
        model = AuditLog
        fields = ["id", "actor", "actor_name", "actor_kind", "role", "action", "target_type", "target_id", "detail", "created_at"]
        read_only_fields = fields
