"""Base classes for every app's admin: read-only history tables, and audited edits."""

from __future__ import annotations

from django.contrib import admin

from accounts import audit
from accounts.principal import principal_of


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the system (segments, events, jobs, ...): viewable, never edited by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedAdmin(admin.ModelAdmin):
    """Admin edits are mutations like any other: every save and delete writes an audit row."""

    def _audit(self, request, verb: str, obj, detail: dict) -> None:
        name = obj._meta.model_name
        camera_id = getattr(obj, "camera_id", None)
        if camera_id:
            detail = {**detail, "camera_id": camera_id}
        audit.record(principal_of(request), f"{verb}_{name}", name, str(obj.pk), {**detail, "via": "admin"}, request)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # field names only: values may be secrets
        self._audit(request, "update" if change else "create", obj, {"changed": sorted(form.changed_data)})

    def delete_model(self, request, obj):
        self._audit(request, "delete", obj, {})
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self._audit(request, "delete", obj, {})
        super().delete_queryset(request, queryset)
