"""Camera API shapes: CameraView out, CameraCreate/CameraUpdate in (reference §2.1, SPEC §3–§4)."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cameras import egress
from cameras.models import Camera, RecordMode, RtspTransport, StreamChoice
from cameras.stream_urls import validate_address, validate_stream_url
from nvr import crypto
from nvr.api.fields import ClampedIntegerField, JSONObjectField, StrictBooleanField, StrictCharField, StrictIntegerField
from nvr.api.serializers import ModelSerializer

QUOTA_MAX_BYTES = 2**62
PRIORITY_LIMIT = 1_000_000
URL_MAX_LENGTH = 2048
CAPABILITIES_MAX_BYTES = 65536
CAPABILITIES_MAX_DEPTH = 32


VIEW_FIELDS = (
    "id", "name", "vendor", "model", "address", "rtsp_port", "rtsp_transport", "username", "has_password",
    "has_main_stream_url", "has_sub_stream_url", "record_url_masked", "record_stream", "codec", "resolution_main",
    "resolution_sub", "fps_main", "fps_sub", "capabilities", "record_enabled", "segment_seconds",
    "retention_hours", "storage_quota_bytes", "record_audio", "record_mode", "pre_roll_seconds",
    "post_roll_seconds", "mirror_enabled", "mirror_active", "anr_enabled", "anr_replay_url_template",
    "native_anpr_enabled", "native_events_enabled", "enabled", "priority", "live_warm", "created_at", "updated_at",
)
NATIVE_ANPR_UNAVAILABLE = (
    "no vendor ANPR integration exists yet, so this switch can only be false "
    "(read plates with an AI task of task_type 'anpr' instead)"
)


def model_help(name: str) -> str:
    """The model field's help text: the API schema and the admin describe a switch in the same words."""
    return str(Camera._meta.get_field(name).help_text)


def mirror_active(camera: Camera) -> bool:
    """Mirroring is in effect only when the camera asks for it and NVR_MIRROR_RECORDINGS_DIR is set."""
    return bool(camera.mirror_enabled and settings.NVR_MIRROR_RECORDINGS_DIR)


@extend_schema_field({"type": "object", "additionalProperties": True})
class CapabilitiesField(JSONObjectField):
    """Free-form camera capabilities: a JSON object (the device-control probe merges into it)."""


class CameraSerializer(ModelSerializer):
    """CameraView: every stored field except the secrets, plus has_* flags and the masked record URL.

    Flags and masked URLs come from the camera's stored secret view: the secrets may be deferred, never decrypted.
    """

    capabilities = CapabilitiesField(read_only=True)
    anr_replay_url_template = serializers.SerializerMethodField()
    has_password = serializers.SerializerMethodField()
    has_main_stream_url = serializers.SerializerMethodField()
    has_sub_stream_url = serializers.SerializerMethodField()
    record_url_masked = serializers.SerializerMethodField()
    mirror_active = serializers.SerializerMethodField(
        help_text="True when mirror_enabled is set and the server has NVR_MIRROR_RECORDINGS_DIR: a second copy of "
        "each segment is really written. mirror_enabled alone is a no-op while that setting is unset."
    )

    class Meta:
        model = Camera
        fields = VIEW_FIELDS
        read_only_fields = [f.name for f in Camera._meta.concrete_fields]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_anr_replay_url_template(self, camera) -> str | None:
        return camera.masked_anr_replay_url_template

    def get_mirror_active(self, camera) -> bool:
        return mirror_active(camera)

    def get_has_password(self, camera) -> bool:
        return camera.password_set

    def get_has_main_stream_url(self, camera) -> bool:
        return camera.main_stream_url_set

    def get_has_sub_stream_url(self, camera) -> bool:
        return camera.sub_stream_url_set

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_record_url_masked(self, camera) -> str | None:
        return camera.masked_record_url


def _optional_text(max_length: int, **kwargs) -> serializers.CharField:
    """A nullable, blankable string: blank and null both clear the value."""
    return StrictCharField(max_length=max_length, required=False, allow_null=True, allow_blank=True, **kwargs)


def _check_json_document(value, max_depth: int = CAPABILITIES_MAX_DEPTH) -> None:
    """Bounded nesting, and no NUL or lone surrogates (PostgreSQL's jsonb refuses them: a 500)."""
    stack = [(value, 0)]  # iterative: a recursive walk could itself exhaust the stack
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            raise serializers.ValidationError(f"must not be nested more than {max_depth} levels deep")
        if isinstance(item, str):
            if "\x00" in item or any("\ud800" <= ch <= "\udfff" for ch in item):
                raise serializers.ValidationError("must not contain NUL or unpaired surrogate characters")
        elif isinstance(item, dict):
            stack.extend((key, depth + 1) for key in item)
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)


class CameraWriteSerializer(serializers.Serializer):
    """Fields shared by CameraCreate and CameraUpdate. Unknown keys are ignored."""

    name = StrictCharField(
        max_length=200, required=False, error_messages={"blank": "'name' must not be blank", "required": "'name' is required"}
    )
    vendor = StrictCharField(max_length=64, required=False, allow_blank=True)
    model = _optional_text(200)
    address = _optional_text(255)
    rtsp_port = StrictIntegerField(required=False, min_value=1, max_value=65535)
    rtsp_transport = serializers.ChoiceField(choices=RtspTransport.choices, required=False)
    username = _optional_text(200, trim_whitespace=False)
    password = _optional_text(1024, trim_whitespace=False, write_only=True)
    main_stream_url = _optional_text(URL_MAX_LENGTH, write_only=True)
    sub_stream_url = _optional_text(URL_MAX_LENGTH, write_only=True)
    record_stream = serializers.ChoiceField(choices=StreamChoice.choices, required=False)
    capabilities = CapabilitiesField(max_bytes=CAPABILITIES_MAX_BYTES, required=False)
    record_enabled = StrictBooleanField(required=False)
    segment_seconds = ClampedIntegerField(2, 3600, required=False)
    retention_hours = ClampedIntegerField(1, 43800, required=False)
    storage_quota_bytes = ClampedIntegerField(0, QUOTA_MAX_BYTES, required=False, allow_null=True)
    record_audio = StrictBooleanField(required=False)
    record_mode = serializers.ChoiceField(choices=RecordMode.choices, required=False)
    pre_roll_seconds = ClampedIntegerField(0, 300, required=False)
    post_roll_seconds = ClampedIntegerField(0, 3600, required=False)
    mirror_enabled = StrictBooleanField(required=False, help_text=model_help("mirror_enabled"))
    anr_enabled = StrictBooleanField(required=False, help_text=model_help("anr_enabled"))
    anr_replay_url_template = _optional_text(URL_MAX_LENGTH, write_only=True, help_text=model_help("anr_replay_url_template"))
    native_anpr_enabled = StrictBooleanField(required=False, help_text=model_help("native_anpr_enabled"))
    native_events_enabled = StrictBooleanField(required=False, help_text=model_help("native_events_enabled"))
    enabled = StrictBooleanField(required=False)
    priority = ClampedIntegerField(-PRIORITY_LIMIT, PRIORITY_LIMIT, required=False)
    live_warm = StrictBooleanField(required=False, help_text=model_help("live_warm"))

    def validate_vendor(self, value: str) -> str:
        return value.strip() or "generic"

    def validate_model(self, value: str | None) -> str | None:
        return value or None

    def validate_address(self, value: str | None) -> str | None:
        if not value:
            return None
        try:
            address = validate_address(value)
            egress.check_host(address)
        except ValueError as exc:  # EgressRefused is a ValueError too
            raise serializers.ValidationError(str(exc)) from None
        return address

    def validate_username(self, value: str | None) -> str | None:
        return value or None

    def validate_password(self, value: str | None) -> str | None:
        if not value:
            return None
        if crypto.is_sealed(value):
            # A value that already looks sealed would be stored as-is and unreadable later.
            raise serializers.ValidationError(f"must not start with '{crypto.PREFIX}'")
        return value

    def _stream_url(self, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            url = validate_stream_url(value)
            egress.check_url(url)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None
        return url

    validate_main_stream_url = _stream_url
    validate_sub_stream_url = _stream_url
    validate_anr_replay_url_template = _stream_url

    def validate_native_anpr_enabled(self, value: bool) -> bool:
        if value:
            raise serializers.ValidationError(NATIVE_ANPR_UNAVAILABLE, code="not_available")
        return value

    def validate_capabilities(self, value: dict) -> dict:
        _check_json_document(value)
        return value

    def validate_storage_quota_bytes(self, value: int | None) -> int | None:
        return value if value else None  # ≤0 (clamped to 0) means "no per-camera cap"


class CameraCreateSerializer(CameraWriteSerializer):
    """CameraCreate: `name` required; `id` optional (slugified, else derived from the name)."""

    id = StrictCharField(
        max_length=200, required=False, allow_null=True, allow_blank=True,
        help_text="Desired id; slugified. Defaults to the slug of the name.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = True

    def validate_id(self, value: str | None) -> str | None:
        return value or None


class CameraUpdateSerializer(CameraWriteSerializer):
    """CameraUpdate: every field optional; absent keeps, `null` clears a nullable field."""
