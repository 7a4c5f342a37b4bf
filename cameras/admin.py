"""Django admin for cameras: add, change and delete through the API's validation and services.

Secrets are write-only (never rendered back, blank keeps, a box clears), stream URLs are shown masked,
ONVIF profiles and PTZ presets are read-only.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.text import capfirst

from accounts.admin_base import ReadOnlyAdmin
from accounts.principal import SYSTEM, principal_of
from cameras.api.serializers import CameraCreateSerializer, CameraUpdateSerializer, CameraWriteSerializer, mirror_active
from cameras.models import Camera, CameraOnvif, PtzPreset
from cameras.services import create_camera, delete_camera, has_evidence_locked_segments, update_camera
from cameras.slugs import slugify_camera_id
from cameras.stream_urls import StreamSource, mask_credentials, masked_record_url
from nvr.api.exceptions import Conflict
from nvr.api.fields import ClampedIntegerField

SECRET_NAMES = ("password", "main_stream_url", "sub_stream_url", "anr_replay_url_template")
# Everything a caller may set through the API except the secrets, in the API's order.
EDITABLE_FIELDS = tuple(name for name in CameraWriteSerializer._declared_fields if name not in SECRET_NAMES)
READ_ONLY_FIELDS = (
    "has_password", "record_url_masked", "main_stream_url_masked", "sub_stream_url_masked",
    "anr_replay_url_template_masked", "mirror_in_effect", "codec", "resolution_main", "resolution_sub",
    "fps_main", "fps_sub", "created_at", "updated_at",
)
KEEP = "Leave blank to keep the stored value."


def _secret_input(label: str, *, password: bool = False) -> forms.CharField:
    widget = forms.PasswordInput(render_value=False) if password else forms.TextInput(attrs={"size": 80})
    # The password is taken byte for byte, URLs trimmed (as the API does).
    return forms.CharField(label=label, required=False, widget=widget, strip=not password)


def _clear_box(label: str) -> forms.BooleanField:
    return forms.BooleanField(label=label, required=False)


class CameraAdminForm(forms.ModelForm):
    """The API's CameraCreate/CameraUpdate as a form: validated by the API serializers, saved by the services."""

    id = forms.CharField(
        label="Id", max_length=200, required=False,
        help_text="Slugified like the API does (e.g. gate_a_01); defaults to the slug of the name. Cannot be changed later.",
    )
    new_password = _secret_input("new password", password=True)
    clear_password = _clear_box("clear password")
    new_main_stream_url = _secret_input("new main stream URL")
    clear_main_stream_url = _clear_box("clear main stream URL")
    new_sub_stream_url = _secret_input("new sub stream URL")
    clear_sub_stream_url = _clear_box("clear sub stream URL")
    new_anr_replay_url_template = _secret_input("new ANR replay URL template")
    clear_anr_replay_url_template = _clear_box("clear ANR replay URL template")

    class Meta:
        model = Camera
        fields = ("id", *EDITABLE_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.api_data: dict = {}
        for name in SECRET_NAMES:
            about = str(Camera._meta.get_field(name).help_text)
            self.fields[f"new_{name}"].help_text = " ".join(filter(None, (about, "" if self.adding else KEEP)))
        # The API's bounds as input hints (the serializer still decides, clamping like the API).
        for name, field in CameraWriteSerializer().fields.items():
            if name not in self.fields:
                continue
            low, high = (field.low, field.high) if isinstance(field, ClampedIntegerField) else (
                getattr(field, "min_value", None), getattr(field, "max_value", None))
            self.fields[name].widget.attrs.update({k: v for k, v in (("min", low), ("max", high)) if v is not None})

    @property
    def adding(self) -> bool:
        return self.instance._state.adding

    def clean(self):
        cleaned = super().clean()
        for name in SECRET_NAMES:
            if cleaned.get(f"new_{name}") and cleaned.get(f"clear_{name}"):
                self.add_error(f"clear_{name}", "Either enter a new value or clear it, not both.")
        if self.adding:
            self._derive_id(cleaned)
        serializer_class = CameraCreateSerializer if self.adding else CameraUpdateSerializer
        serializer = serializer_class(data=self._api_payload(cleaned), partial=not self.adding)
        if not serializer.is_valid():
            self._add_api_errors(serializer.errors)
            return cleaned
        self.api_data = dict(serializer.validated_data)
        # The instance shows what the service will store (clamped numbers, "generic" vendor, ...).
        for name, value in self.api_data.items():
            if name in self.fields and name != "id" and name in cleaned:
                cleaned[name] = value
        return cleaned

    def _api_payload(self, cleaned: dict) -> dict:
        """The API request body this form amounts to: every field on add, the changed ones on change."""
        if self.adding:
            payload = {name: cleaned[name] for name in EDITABLE_FIELDS if name in cleaned}
            payload["id"] = cleaned.get("id")
        else:
            payload = {name: cleaned[name] for name in EDITABLE_FIELDS if name in cleaned and name in self.changed_data}
        for name in SECRET_NAMES:
            if cleaned.get(f"new_{name}"):
                payload[name] = cleaned[f"new_{name}"]
            elif cleaned.get(f"clear_{name}") and not self.adding:
                payload[name] = None
        return payload

    def _add_api_errors(self, errors: dict) -> None:
        for name, messages_ in errors.items():
            field = f"new_{name}" if name in SECRET_NAMES else name
            if field not in self.fields:
                field = None
            elif field in self._errors:
                continue  # the form field's own error says it already
            items = messages_ if isinstance(messages_, list) else [messages_]
            self.add_error(field, [str(item) for item in items])

    def _derive_id(self, cleaned: dict) -> None:
        """The id create_camera will give the camera; a taken one is the API's 409, here a form error."""
        requested = cleaned.get("id") or cleaned.get("name")
        if not requested:
            cleaned.pop("id", None)  # the name's own error says what is missing
            return
        camera_id = slugify_camera_id(requested)
        if Camera.objects.filter(pk=camera_id).exists():
            self.add_error("id", f"camera id '{camera_id}' already exists")
        else:
            cleaned["id"] = camera_id


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


def _adopt(target: Camera, source: Camera) -> None:
    """Make the admin's object the row the service saved (the admin logs and redirects with it)."""
    for field in Camera._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    target._state.adding = False
    target._state.db = source._state.db


@admin.register(Camera)
class CameraAdmin(admin.ModelAdmin):
    form = CameraAdminForm
    list_display = ("id", "name", "vendor", "address", "record_url_masked", "record_mode", "enabled", "record_enabled")
    list_filter = ("vendor", "record_mode", "enabled", "record_enabled", "rtsp_transport", "mirror_enabled", "live_warm")
    search_fields = ("id", "name", "address")
    date_hierarchy = "created_at"
    inlines = (CameraOnvifInline, PtzPresetInline)
    readonly_fields = READ_ONLY_FIELDS

    def get_fieldsets(self, request, obj=None):
        def secret(name: str, masked: str | None) -> tuple[str, ...]:
            # On add there is nothing stored to show or clear.
            return (f"new_{name}",) if obj is None else (*((masked,) if masked else ()), f"new_{name}", f"clear_{name}")

        reported = (
            ("Reported by the camera", {"classes": ("collapse",), "fields": (
                "codec", "resolution_main", "resolution_sub", "fps_main", "fps_sub", "created_at", "updated_at",
            )}),
        ) if obj else ()
        return (
            (None, {"fields": ("id", "name", "vendor", "model", "enabled", "priority")}),
            ("Connection", {"fields": (
                "address", "rtsp_port", "rtsp_transport", "username", *(("has_password",) if obj else ()),
                *secret("password", None), *secret("main_stream_url", "main_stream_url_masked"),
                *secret("sub_stream_url", "sub_stream_url_masked"), "record_stream",
                *(("record_url_masked",) if obj else ()),
            )}),
            ("Recording", {"fields": (
                "record_enabled", "record_mode", "segment_seconds", "retention_hours", "storage_quota_bytes",
                "record_audio", "pre_roll_seconds", "post_roll_seconds", "mirror_enabled",
                *(("mirror_in_effect",) if obj else ()), "live_warm",
            )}),
            ("Camera-side features", {"fields": (
                "anr_enabled", *secret("anr_replay_url_template", "anr_replay_url_template_masked"),
                "native_events_enabled", "native_anpr_enabled", "capabilities",
            )}),
            *reported,
        )

    def get_readonly_fields(self, request, obj=None):
        # The id is a foreign key target everywhere: settable once, never renamed.
        return ("id", *self.readonly_fields) if obj else self.readonly_fields

    def get_inlines(self, request, obj):
        return self.inlines if obj else ()  # probe results exist only for a registered camera

    @admin.display(boolean=True)
    def has_password(self, camera):
        return bool(camera.password)

    @admin.display(description="record URL (masked)")
    def record_url_masked(self, camera):
        return masked_record_url(StreamSource.of(camera)) or "— (no address with a known vendor, and no stream URL)"

    @admin.display(description="main stream URL (masked)")
    def main_stream_url_masked(self, camera):
        return mask_credentials(camera.main_stream_url) or "—"

    @admin.display(description="sub stream URL (masked)")
    def sub_stream_url_masked(self, camera):
        return mask_credentials(camera.sub_stream_url) or "—"

    @admin.display(description="ANR replay URL template (masked)")
    def anr_replay_url_template_masked(self, camera):
        return mask_credentials(camera.anr_replay_url_template) or "—"

    @admin.display(boolean=True, description="mirror in effect")
    def mirror_in_effect(self, camera):
        return mirror_active(camera)

    def save_model(self, request, obj, form, change):
        # The API's services: the same defaults, audit rows and ingest-change rules as POST/PATCH.
        principal = principal_of(request) or SYSTEM
        if change:
            stored = Camera.objects.get(pk=obj.pk)  # update_camera diffs against the stored row
            camera, _ = update_camera(principal, stored, form.api_data, request)
        else:
            camera = create_camera(principal, form.api_data, request)
        _adopt(obj, camera)

    def get_deleted_objects(self, objs, request):
        """What deleting the cameras takes with them, as counts (a camera may own many thousand segments).

        The rows delete_camera removes with a camera (status, segments, gaps, ...) are written by the system
        and registered read-only, so no permission on them is asked for: whoever may delete the camera may
        delete what belongs to it, as with the API. Evidence-locked footage blocks the delete.
        """
        cameras = list(objs)
        counts = _dependent_counts(cameras)
        deleted, model_count = [], {}
        for camera in cameras:
            deleted.append(f"{capfirst(Camera._meta.verbose_name)}: {camera}")
            mine = [(label, per_camera[camera.pk]) for label, per_camera in counts.items() if per_camera.get(camera.pk)]
            if mine:
                deleted.append([f"{label}: {count}" for label, count in mine])
        model_count[Camera._meta.verbose_name_plural] = len(cameras)
        for label, per_camera in counts.items():
            if sum(per_camera.values()):
                model_count[label] = sum(per_camera.values())
        protected = [
            f"{camera}: evidence-locked segments (unlock them before deleting the camera)"
            for camera in cameras if has_evidence_locked_segments(camera)
        ]
        if protected:
            self.message_user(request, "Not deleted: " + "; ".join(protected), messages.ERROR)
        return deleted, model_count, set(), protected

    def delete_model(self, request, obj):
        try:
            delete_camera(principal_of(request) or SYSTEM, obj, request)
        except Conflict as exc:  # locked between the check and the delete
            request._camera_delete_refused = True
            self.message_user(request, str(exc.detail), messages.ERROR)

    def response_delete(self, request, obj_display, obj_id):
        if getattr(request, "_camera_delete_refused", False):
            return HttpResponseRedirect(reverse("admin:cameras_camera_change", args=[quote(obj_id)]))
        return super().response_delete(request, obj_display, obj_id)

    def delete_queryset(self, request, queryset):
        for camera in queryset:
            try:
                delete_camera(principal_of(request) or SYSTEM, camera, request)
            except Conflict as exc:
                self.message_user(request, str(exc.detail), messages.ERROR)


def _dependent_counts(cameras: list[Camera]) -> dict[str, dict[str, int]]:
    """{verbose name plural: {camera id: rows}} for every table that cascades from Camera (one query each)."""
    counts = {}
    for relation in Camera._meta.related_objects:
        if relation.many_to_many:
            continue
        rows = (
            relation.related_model._base_manager.filter(**{f"{relation.field.name}__in": cameras})
            .values_list(relation.field.attname).annotate(rows=Count("pk")).order_by()
        )
        counts[str(capfirst(relation.related_model._meta.verbose_name_plural))] = dict(rows)
    return counts


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
