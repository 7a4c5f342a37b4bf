"""Admin for users, API keys (hash never shown, minted only through the API/CLI) and the audit log (read-only)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.admin_base import AuditedAdmin, ReadOnlyAdmin
from accounts.models import ApiKey, AuditLog, User


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    list_display = ("username", "display_name", "role", "is_active", "locked_until", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("username", "display_name", "email")
    ordering = ("username",)
    readonly_fields = ("id", "last_login", "date_joined", "updated_at", "failed_login_count", "is_staff", "is_superuser")
    fieldsets = (
        (None, {"fields": ("id", "username", "password")}),
        ("Profile", {"fields": ("display_name", "email", "role", "is_active")}),
        ("Lockout", {"fields": ("failed_login_count", "locked_until")}),
        ("Dates", {"fields": ("last_login", "date_joined", "updated_at")}),
        ("Derived from role", {"fields": ("is_staff", "is_superuser")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "role", "password1", "password2")}),)
    filter_horizontal = ()


@admin.register(ApiKey)
class ApiKeyAdmin(AuditedAdmin):
    list_display = ("name", "key_prefix", "role", "scope_kind", "active", "expires_at", "revoked_at", "last_used_at")
    list_filter = ("role", "scope_kind", "active")
    search_fields = ("name", "key_prefix", "id")
    date_hierarchy = "created_at"
    fields = ("id", "name", "key_prefix", "role", "capabilities", "scope_kind", "scope_cameras", "active",
              "expires_at", "revoked_at", "last_used_at", "created_by", "created_at")
    readonly_fields = ("id", "key_prefix", "role", "capabilities", "scope_kind", "scope_cameras", "last_used_at",
                       "created_by", "created_at")

    def has_add_permission(self, request):
        # a key must be shown exactly once to its creator: mint through the API, console or CLI
        return False


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor_name", "actor_kind", "role", "action", "target_type", "target_id", "subject_camera_id")
    list_filter = ("action", "actor_kind", "role", "target_type")
    search_fields = ("actor", "actor_name", "action", "target_id", "subject_camera_id")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AuditLog._meta.fields]
