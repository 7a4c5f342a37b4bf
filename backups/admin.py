"""Django admin for backups: destination secrets are only ever shown masked; jobs and copies are read-only."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin
from django.utils.html import format_html

from accounts.admin_base import AuditedAdmin, ReadOnlyAdmin
from accounts.principal import SYSTEM, principal_of
from backups import services
from backups.destination_config import ConfigError
from backups.masking import mask_backup_config
from backups.models import BackupCopy, BackupDestination, BackupJob, BackupPolicy


class BackupDestinationForm(forms.ModelForm):
    """Edits name/kind/enabled plus a write-only config that accepts the `***` round-trip."""

    new_config = forms.JSONField(
        required=False,
        label="Config",
        widget=forms.Textarea(attrs={"rows": 8, "cols": 80}),
        help_text='JSON object. Leave empty to keep the current config. A secret sent as "***" or left out '
        "keeps its stored value; null clears it.",
    )

    class Meta:
        model = BackupDestination
        fields = ["name", "kind", "enabled"]

    def clean(self):
        cleaned = super().clean()
        new = cleaned.get("new_config")
        kind = cleaned.get("kind")
        if new is not None and not isinstance(new, dict):
            self.add_error("new_config", "must be a JSON object")
            return cleaned
        if kind is None:
            return cleaned
        stored = self.instance.config if self.instance.pk else {}
        if new is None and not self.instance.pk:
            new = {}
        try:
            services.prepare_config(kind, stored, new)
        except ConfigError as exc:
            self.add_error("new_config", "; ".join(f"{key}: {' '.join(msgs)}" for key, msgs in exc.errors.items()))
        return cleaned


@admin.register(BackupDestination)
class BackupDestinationAdmin(admin.ModelAdmin):
    form = BackupDestinationForm
    list_display = ("name", "kind", "enabled", "has_credentials", "created_at", "updated_at")
    list_filter = ("kind", "enabled")
    search_fields = ("id", "name")
    date_hierarchy = "created_at"
    readonly_fields = ("id", "masked_config", "created_at", "updated_at")
    fields = ("id", "name", "kind", "enabled", "masked_config", "new_config", "created_at", "updated_at")

    @admin.display(boolean=True, description="credentials")
    def has_credentials(self, obj):
        return mask_backup_config(obj.config)[1]

    @admin.display(description="current config (secrets masked)")
    def masked_config(self, obj):
        masked, _ = mask_backup_config(obj.config if obj and isinstance(obj.config, dict) else {})
        return format_html("<pre>{}</pre>", json.dumps(masked, indent=2, sort_keys=True))

    def save_model(self, request, obj, form, change):
        # Through the services so the config is merged and validated the same way as the API, and audited.
        principal = principal_of(request) or SYSTEM
        data = form.cleaned_data
        if change:
            current = BackupDestination.objects.get(pk=obj.pk)
            changes = {"name": data["name"], "kind": data["kind"], "enabled": data["enabled"]}
            if data.get("new_config") is not None:
                changes["config"] = data["new_config"]
            saved = services.update_destination(principal, current, changes, request)
        else:
            saved = services.create_destination(
                principal, name=data["name"], kind=data["kind"], config=data.get("new_config") or {},
                enabled=data["enabled"], request=request,
            )
        obj.pk, obj.config, obj.created_at, obj.updated_at = saved.pk, saved.config, saved.created_at, saved.updated_at

    def delete_model(self, request, obj):
        services.delete_destination(principal_of(request) or SYSTEM, obj, request)

    def delete_queryset(self, request, queryset):
        for destination in queryset:
            self.delete_model(request, destination)


class BackupPolicyForm(forms.ModelForm):
    class Meta:
        model = BackupPolicy
        fields = ["name", "destination", "camera_ids", "incident_lock_only", "schedule_interval_s", "lookback_hours", "enabled"]

    def clean_camera_ids(self):
        value = self.cleaned_data.get("camera_ids")
        if value in (None, ""):
            return []
        if not isinstance(value, list) or not all(isinstance(c, str) and c.strip() for c in value):
            raise forms.ValidationError("must be a JSON array of camera ids")
        return [c.strip() for c in value]


@admin.register(BackupPolicy)
class BackupPolicyAdmin(AuditedAdmin):
    form = BackupPolicyForm
    list_display = ("name", "destination", "camera_list", "schedule_interval_s", "lookback_hours", "enabled", "last_run_at")
    list_filter = ("enabled", "incident_lock_only", "destination__kind")
    search_fields = ("id", "name", "destination__name")
    date_hierarchy = "created_at"
    list_select_related = ("destination",)
    readonly_fields = ("id", "last_run_at", "last_job", "created_at", "updated_at")

    @admin.display(description="cameras")
    def camera_list(self, obj):
        return ", ".join(obj.camera_ids) if obj.camera_ids else "all"


@admin.register(BackupJob)
class BackupJobAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "status", "policy", "destination", "files_copied", "files_total", "bytes_copied", "created_at", "finished_at")
    list_filter = ("status", "kind")
    search_fields = ("id", "policy__name", "destination__name", "created_by")
    date_hierarchy = "created_at"
    list_select_related = ("policy", "destination")
    exclude = ("output",)


@admin.register(BackupCopy)
class BackupCopyAdmin(ReadOnlyAdmin):
    list_display = ("segment_id", "camera_id", "destination", "size_bytes", "copied_at", "verified_at")
    list_filter = ("destination",)
    search_fields = ("segment_id", "camera_id", "sha256", "remote_path")
    date_hierarchy = "copied_at"
    list_select_related = ("destination",)
