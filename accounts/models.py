"""Users (with a role), API keys (hashed, scoped) and the append-only audit log."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone

from accounts.capabilities import ROLES
from nvr.ids import IdFactory

ROLE_CHOICES = [(r, r) for r in ROLES]


class User(AbstractUser):
    """A person who logs in. Role drives capabilities; admins, and only admins, are Django superusers."""

    id = models.CharField(primary_key=True, max_length=40, default=IdFactory("usr"), editable=False)
    role = models.CharField(max_length=16, choices=ROLE_CHOICES, default="viewer")
    display_name = models.CharField(max_length=200, null=True, blank=True)
    failed_login_count = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserManager()

    class Meta:
        ordering = ["username"]

    @classmethod
    def from_db(cls, db, field_names, values):
        user = super().from_db(db, field_names, values)
        user._stored_superuser = user.__dict__.get("is_superuser")  # None when the column was deferred
        return user

    def save(self, *args, **kwargs):
        self.align_role_and_superuser()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"role", "is_staff", "is_superuser"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "role", "is_staff", "is_superuser"}
        super().save(*args, **kwargs)
        self._stored_superuser = self.is_superuser

    def align_role_and_superuser(self) -> None:
        """The role decides, and Django admin access follows it: only admins may use /admin/.

        Asking for a superuser (`createsuperuser`, or the flag set on a user who was not one) makes the role
        `admin`, so a superuser never silently holds a weaker role; changing an admin's role demotes them.
        """
        stored = getattr(self, "_stored_superuser", None)
        if stored is None:
            stored = False if self._state.adding else self.is_superuser
        if self.is_superuser and not stored:
            self.role = "admin"
        self.is_staff = self.is_superuser = self.role == "admin"

    @property
    def created_at(self):
        return self.date_joined

    def is_locked(self, now=None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or timezone.now())


class ApiKey(models.Model):
    """A machine credential. Only the SHA-256 of the key is stored; the key is shown once."""

    SCOPE_ALL, SCOPE_CAMERAS = "all", "cameras"

    id = models.CharField(primary_key=True, max_length=40, default=IdFactory("key"), editable=False)
    name = models.CharField(max_length=200)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(max_length=12, editable=False)
    role = models.CharField(max_length=16, choices=ROLE_CHOICES, default="integration")
    active = models.BooleanField(default=True)
    capabilities = models.JSONField(null=True, blank=True, help_text="Explicit capability list; empty = role expansion")
    scope_kind = models.CharField(max_length=8, choices=[(SCOPE_ALL, SCOPE_ALL), (SCOPE_CAMERAS, SCOPE_CAMERAS)], default=SCOPE_ALL)
    scope_cameras = models.JSONField(default=list, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.CharField(max_length=40, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self):
        return f"{self.name} ({self.key_prefix}…)"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.active and self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class AuditLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("the audit log is append-only")


class AuditLog(models.Model):
    """One row per mutation or login. Append-only: rows are never updated."""

    id = models.CharField(primary_key=True, max_length=40, default=IdFactory("aud"), editable=False)
    actor = models.CharField(max_length=40, help_text="Principal id (user or API key), or 'system'")
    actor_name = models.CharField(max_length=200, blank=True, default="")
    actor_kind = models.CharField(max_length=16, default="user")
    role = models.CharField(max_length=16, blank=True, default="")
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=64, blank=True, default="")
    target_id = models.CharField(max_length=200, blank=True, default="")
    detail = models.JSONField(default=dict, blank=True)
    subject_camera_id = models.CharField(max_length=64, null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["-created_at"], name="audit_created"),
            models.Index(fields=["action", "-created_at"], name="audit_action_created"),
            models.Index(fields=["actor", "-created_at"], name="audit_actor_created"),
            models.Index(fields=["subject_camera_id", "-created_at"], name="audit_camera_created"),
        ]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("the audit log is append-only")
        super().save(*args, **kwargs)

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_name or self.actor} {self.action}"
