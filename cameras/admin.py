"""Django admin for cameras: secrets are write-only, ONVIF profiles and PTZ presets read-only."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator

from accounts import audit
from accounts.admin_base import ReadOnlyAdmin
from accounts.principal import for_user
from cameras import egress
from cameras.models import Camera, CameraOnvif, PtzPreset
from cameras.services import delete_camera, has_evidence_locked_segments
from cameras.slugs import is_valid_camera_id
from cameras.stream_urls import StreamSource, mask_credentials, masked_record_url, validate_address, validate_stream_url
from nvr.api.exceptions import Conflict

# (model field, label, widget) of each secret: it is never rendered, only replaced or cleared.
SECRETS = (
    ("password", "new password", forms.PasswordInput(render_value=False)),
    ("main_stream_url", "new main stream URL", forms.TextInput(attrs={"size": 80})),
    ("sub_stream_url", "new sub stream URL", forms.TextInput(attrs={"size": 80})),
    ("anr_replay_url_template", "new ANR replay URL template", forms.TextInput(attrs={"size": 80})),
)
SECRET_NAMES = tuple(name for name, _, _ in SECRETS)
# The API's bounds (cameras.api.serializers clamps them; here they are validation errors).
BOUNDS = {
    "rtsp_port": (1, 65535),
    "segment_seconds": (2, 3600),
    "retention_hours": (1, 43800),
    "pre_roll_seconds": (0, 300),
    "post_roll_seconds": (0, 3600),
    "storage_quota_bytes": (1, 2**62),
    "priority": (-1_000_000, 1_000_000),
}
MODEL_FIELDS = frozenset(f.name for f in Camera._meta.concrete_fields)


class CameraAdminForm(forms.ModelForm):
    """Secrets as write-only `new_<field>` inputs (blank keeps) with a `clear_<field>` box each."""

    class Meta:
        model = Camera
        exclude = SECRET_NAMES

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, (low, high) in BOUNDS.items():
            if name in self.fields:
                self.fields[name].validators += [MinValueValidator(low), MaxValueValidator(high)]
                self.fields[name].widget.attrs.update(min=low, max=high)
        for name, label, widget in SECRETS:
            self.fields[f"new_{name}"] = forms.CharField(
                label=label, required=False, widget=widget, strip=name != "password",
                help_text="Leave blank to keep the stored value.",
            )
            self.fields[f"clear_{name}"] = forms.BooleanField(label=f"clear {name.replace('_', ' ')}", required=False)

    def clean_id(self):
        value = self.cleaned_data["id"]
        if not is_valid_camera_id(value):
            raise ValidationError("Use lower-case ASCII letters and digits separated by single '_' (e.g. gate_a_01).")
        return value

    def clean_address(self):
        value = self.cleaned_data.get("address")
        if not value:
            return None
        try:
            address = validate_address(value)
            egress.check_host(address)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        return address

    def clean(self):
        cleaned = super().clean()
        for name in SECRET_NAMES:
            new, clear = cleaned.get(f"new_{name}"), cleaned.get(f"clear_{name}")
            if new and clear:
                self.add_error(f"clear_{name}", "Either enter a new value or clear it, not both.")
            elif new and name != "password":
                try:
                    cleaned[f"new_{name}"] = validate_stream_url(new)
                    egress.check_url(cleaned[f"new_{name}"])
                except ValueError as exc:
                    self.add_error(f"new_{name}", str(exc))
        return cleaned

    def changed_secrets(self) -> list[str]:
        return [n for n in SECRET_NAMES if self.cleaned_data.get(f"new_{n}") or self.cleaned_data.get(f"clear_{n}")]

    def save(self, commit=True):
        camera = super().save(commit=False)
        for name in SECRET_NAMES:
            if self.cleaned_data.get(f"clear_{name}"):
                setattr(camera, name, None)
            elif self.cleaned_data.get(f"new_{name}"):
                setattr(camera, name, self.cleaned_data[f"new_{name}"])
        if commit:
            camera.save()
            self.save_m2m()
        return camera


class ReadOnlyInline:
    can_delete = False
    extra = 0
    max_num = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CameraOnvifInline(ReadOnlyInline, admin.StackedInline):
    model = CameraOnvif
    fields = ("manufacturer", "model", "firmware_version", "serial_number", "ptz_enabled", "probed_at")
    readonly_fields = fields


class PtzPresetInline(ReadOnlyInline, admin.TabularInline):
    model = PtzPreset
    fields = ("token", "name", "fetched_at")
    readonly_fields = fields


@admin.register(Camera)
class CameraAdmin(admin.ModelAdmin):
    form = CameraAdminForm
    list_display = ("id", "name", "vendor", "address", "record_mode", "enabled", "record_enabled")
    list_filter = ("vendor", "record_mode", "enabled", "record_enabled")
    search_fields = ("id", "name", "address")
    date_hierarchy = "created_at"
    inlines = (CameraOnvifInline, PtzPresetInline)
    readonly_fields = ("has_password", "record_url_masked", "created_at", "updated_at")

    def get_readonly_fields(self, request, obj=None):
        # The id is a foreign key target everywhere: settable once, never renamed.
        return ("id", *self.readonly_fields) if obj else self.readonly_fields

    @admin.display(boolean=True)
    def has_password(self, camera):
        return bool(camera.password)

    @admin.display(description="record URL (masked)")
    def record_url_masked(self, camera):
        return masked_record_url(StreamSource.of(camera)) or "—"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        principal = for_user(request.user)
        if change:
            changed = sorted({*(f for f in form.changed_data if f in MODEL_FIELDS), *form.changed_secrets()})
            audit.record(principal, "update_camera", "camera", obj.pk, {"changed": changed}, request)
        else:
            audit.record(principal, "create_camera", "camera", obj.pk, {"name": obj.name, "vendor": obj.vendor}, request)

    def has_delete_permission(self, request, obj=None):
        # Evidence must outlive the camera registry entry: refuse while any segment is locked.
        if obj is not None and has_evidence_locked_segments(obj):
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        delete_camera(for_user(request.user), obj, request)

    def delete_queryset(self, request, queryset):
        for camera in queryset:
            try:
                delete_camera(for_user(request.user), camera, request)
            except Conflict as exc:
                self.message_user(request, str(exc.detail), messages.WARNING)


@admin.register(CameraOnvif)
class CameraOnvifAdmin(ReadOnlyAdmin):
    list_display = ("camera", "manufacturer", "model", "firmware_version", "ptz_enabled", "probed_at")
    list_filter = ("ptz_enabled", "manufacturer")
    search_fields = ("camera__id", "camera__name", "manufacturer", "model", "serial_number")
    date_hierarchy = "probed_at"
    list_select_related = ("camera",)
    exclude = ("device_url", "media_url", "ptz_url", "replay_url")
    readonly_fields = (
        "camera", "manufacturer", "model", "firmware_version", "serial_number", "hardware_id", "scopes",
        "profile_token", "ptz_node_token", "ptz_enabled", "probed_at",
        "device_url_masked", "media_url_masked", "ptz_url_masked", "replay_url_masked",
    )

    # Service addresses are written by probes; mask them in case a device embedded credentials.
    @admin.display(description="device URL")
    def device_url_masked(self, onvif):
        return mask_credentials(onvif.device_url)

    @admin.display(description="media URL")
    def media_url_masked(self, onvif):
        return mask_credentials(onvif.media_url)

    @admin.display(description="PTZ URL")
    def ptz_url_masked(self, onvif):
        return mask_credentials(onvif.ptz_url)

    @admin.display(description="replay URL")
    def replay_url_masked(self, onvif):
        return mask_credentials(onvif.replay_url)


@admin.register(PtzPreset)
class PtzPresetAdmin(ReadOnlyAdmin):
    list_display = ("camera", "token", "name", "fetched_at")
    search_fields = ("camera__id", "token", "name")
    date_hierarchy = "fetched_at"
    list_select_related = ("camera",)
    readonly_fields = ("camera", "token", "name", "fetched_at")
