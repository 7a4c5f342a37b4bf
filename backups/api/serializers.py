"""Backup API shapes: request validation and views that never carry a secret or a filesystem path."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.principal import principal_of
from backups.destination_config import KINDS, allowed_keys
from backups.masking import is_secret_key, mask_backup_config
from backups.models import (
    CAMERA_ID_MAX_LENGTH,
    MIN_SCHEDULE_INTERVAL_S,
    NAME_MAX_LENGTH,
    BackupDestination,
    BackupJob,
    BackupPolicy,
    CreatorKind,
    DestinationKind,
    JobKind,
    JobStatus,
)
from nvr.api.fields import JSONObjectField, StrictBooleanField, StrictCharField, StrictIntegerField
from nvr.api.serializers import ModelSerializer
from nvr.ids import ID_MAX_LENGTH

CONFIG_MAX_BYTES = 32_768
MAX_POLICY_CAMERAS = 500
# Upper bounds keep values inside the database's 32-bit unsigned columns: ten years in each unit.
MAX_SCHEDULE_INTERVAL_S = 315_360_000
MAX_LOOKBACK_HOURS = 87_600

CONFIG_HELP = (
    "Kind-specific settings (local: path; sftp/ftp: host, port, user, pass, path, sftp also private_key, "
    "passphrase; s3: bucket, prefix, access_key, secret_key, endpoint, region; webdav: url, user, pass). "
    "Secrets are answered as \"***\"; sending \"***\" or omitting a secret keeps the stored value, null or \"\" clears it."
)


class KindChoiceField(serializers.ChoiceField):
    """A choice whose error lists the choices instead of echoing the input (which may not be encodable)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.error_messages["invalid_choice"] = f"must be one of: {', '.join(str(c) for c in self.choices)}"


def _config_schema() -> dict:
    """The union of every kind's keys (which keys apply, and which are required, depends on `kind`)."""
    properties = {}
    for key in sorted(set().union(*(allowed_keys(kind) for kind in KINDS))):
        schema = {"type": "integer", "minimum": 1, "maximum": 65535} if key == "port" else {"type": "string"}
        if is_secret_key(key):
            schema["description"] = 'secret: answered as "***"'
        properties[key] = {**schema, "nullable": True}
    return {"type": "object", "properties": properties, "additionalProperties": False, "description": CONFIG_HELP}


@extend_schema_field(_config_schema())
class DestinationConfigField(JSONObjectField):
    """The `config` object of a destination request (validated per kind by the service)."""


# --- destinations -------------------------------------------------------------------------------

class BackupDestinationCreateSerializer(serializers.Serializer):
    name = StrictCharField(max_length=NAME_MAX_LENGTH, trim_whitespace=True)
    kind = KindChoiceField(choices=DestinationKind.choices)
    config = DestinationConfigField(max_bytes=CONFIG_MAX_BYTES, required=False, default=dict)
    enabled = StrictBooleanField(required=False, default=True)


class BackupDestinationUpdateSerializer(serializers.Serializer):
    name = StrictCharField(
        max_length=NAME_MAX_LENGTH, trim_whitespace=True, required=False, allow_blank=True,
        help_text="Blank keeps the current name",
    )
    kind = KindChoiceField(choices=DestinationKind.choices, required=False)
    config = DestinationConfigField(max_bytes=CONFIG_MAX_BYTES, required=False)
    enabled = StrictBooleanField(required=False)


class BackupDestinationSerializer(ModelSerializer):
    config = serializers.SerializerMethodField(help_text="The config with every secret replaced by \"***\"")
    has_credentials = serializers.SerializerMethodField()

    class Meta:
        model = BackupDestination
        fields = ["id", "name", "kind", "config", "has_credentials", "enabled", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_config(self, obj) -> dict:
        return mask_backup_config(obj.config if isinstance(obj.config, dict) else {})[0]

    def get_has_credentials(self, obj) -> bool:
        return mask_backup_config(obj.config)[1]


# --- policies -----------------------------------------------------------------------------------

def _camera_list(required: bool = False) -> serializers.ListField:
    return serializers.ListField(
        child=StrictCharField(max_length=CAMERA_ID_MAX_LENGTH, trim_whitespace=True),
        max_length=MAX_POLICY_CAMERAS,
        required=required,
        help_text="Camera ids; empty = all cameras (for a camera-scoped key: its own cameras)",
    )


class BackupPolicyCreateSerializer(serializers.Serializer):
    name = StrictCharField(max_length=NAME_MAX_LENGTH, trim_whitespace=True)
    destination_id = StrictCharField(max_length=ID_MAX_LENGTH)
    camera_ids = _camera_list()
    incident_lock_only = StrictBooleanField(required=False, default=False)
    schedule_interval_s = StrictIntegerField(
        min_value=MIN_SCHEDULE_INTERVAL_S, max_value=MAX_SCHEDULE_INTERVAL_S, required=False
    )
    lookback_hours = StrictIntegerField(
        min_value=0, max_value=MAX_LOOKBACK_HOURS, required=False,
        help_text="How far back the first run reaches (0 = all history); later runs are incremental",
    )
    enabled = StrictBooleanField(required=False, default=True)

    def validate_camera_ids(self, value):
        return list(dict.fromkeys(value))


class BackupPolicyUpdateSerializer(BackupPolicyCreateSerializer):
    name = StrictCharField(
        max_length=NAME_MAX_LENGTH, trim_whitespace=True, required=False, allow_blank=True,
        help_text="Blank keeps the current name",
    )
    destination_id = StrictCharField(max_length=ID_MAX_LENGTH, required=False)
    incident_lock_only = StrictBooleanField(required=False)
    enabled = StrictBooleanField(required=False)


class BackupPolicySerializer(ModelSerializer):
    destination_id = serializers.CharField(read_only=True)
    last_job_id = serializers.CharField(read_only=True, allow_null=True)
    camera_ids = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = BackupPolicy
        fields = [
            "id", "name", "destination_id", "camera_ids", "incident_lock_only", "schedule_interval_s",
            "lookback_hours", "last_run_at", "last_job_id", "enabled", "created_at", "updated_at",
        ]
        read_only_fields = fields


# --- jobs ---------------------------------------------------------------------------------------

class BackupJobSerializer(ModelSerializer):
    policy_id = serializers.CharField(read_only=True, allow_null=True)
    destination_id = serializers.CharField(read_only=True, allow_null=True)
    camera_ids = serializers.ListField(child=serializers.CharField(), read_only=True)
    kind = serializers.ChoiceField(choices=JobKind.choices, read_only=True)
    status = serializers.ChoiceField(choices=JobStatus.choices, read_only=True)
    progress = serializers.FloatField(read_only=True, help_text="Fraction of files handled, 0..1")
    error = serializers.SerializerMethodField(help_text="Failure message (secrets scrubbed)")
    output_url = serializers.SerializerMethodField(help_text="Authenticated download URL of the produced file")
    created_by = serializers.SerializerMethodField(help_text="Ordering principal; null for camera-scoped readers")
    created_by_kind = serializers.SerializerMethodField()

    class Meta:
        model = BackupJob
        fields = [
            "id", "policy_id", "destination_id", "kind", "camera_ids", "from_time", "to_time",
            "incident_lock_only", "status", "files_total", "files_copied", "files_skipped", "files_failed",
            "bytes_total", "bytes_copied", "progress", "error", "output_url", "cancel_requested",
            "started_at", "finished_at", "created_at", "created_by", "created_by_kind",
        ]
        read_only_fields = fields

    def _reader_is_scoped(self) -> bool:
        request = self.context.get("request")
        principal = principal_of(request) if request is not None else None
        return principal is None or principal.is_scoped

    def get_error(self, obj) -> str | None:
        return obj.error or None

    def get_output_url(self, obj) -> str | None:
        return obj.output_url()

    def get_created_by(self, obj) -> str | None:
        return None if self._reader_is_scoped() else obj.created_by

    @extend_schema_field(serializers.ChoiceField(choices=CreatorKind.choices, allow_null=True))
    def get_created_by_kind(self, obj) -> str | None:
        return None if self._reader_is_scoped() else obj.created_by_kind
