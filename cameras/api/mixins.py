"""View mixins for camera-keyed routes: scope before existence (reference §1.5)."""

from __future__ import annotations

from rest_framework.exceptions import NotFound, PermissionDenied

from accounts import scoping
from accounts.permissions import describe_action
from accounts.principal import principal_of
from cameras.models import SECRET_FIELDS, Camera


class CameraNestedMixin:
    """For `/cameras/{camera_id}/...` routes.

    After authentication and capability checks, a camera-scoped key addressing another camera gets
    403 *before* the camera is looked up (no existence oracle); a missing camera is then a 404.
    `self.camera` is available to the view, and querysets are narrowed to that camera.
    """

    camera_url_kwarg = "camera_id"
    camera: Camera

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        camera_id = kwargs[self.camera_url_kwarg]
        principal = principal_of(request)
        if principal is not None:
            scoping.require_camera(principal, camera_id, describe_action(request, self))
        # Secrets stay encrypted unless the view really dials the camera (a deferred field loads on access).
        camera = Camera.objects.defer(*SECRET_FIELDS).filter(pk=camera_id).first()
        if camera is None:
            raise NotFound(f"camera {camera_id} not found")
        self.camera = camera

    def get_queryset(self):
        return super().get_queryset().filter(camera_id=self.camera.pk)


class ScopedChildMixin:
    """For routes addressed by a child id (`/schedules/{pk}`, `/zones/{pk}`, ...).

    For a camera-scoped key a missing row and a row of another camera give the same 403; for a
    fleet-wide caller a missing row is a plain 404 with `not_found_message`.
    """

    not_found_message = "{noun} {pk} not found"
    noun = "object"
    camera_field = "camera_id"

    def get_object(self):
        pk = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        obj = self.get_queryset().filter(pk=pk).first()
        principal = principal_of(self.request)
        if principal is not None and principal.is_scoped:
            if obj is None or not principal.in_scope(getattr(obj, self.camera_field)):
                raise PermissionDenied(
                    f"credential is not scoped to the camera of {self.noun} '{pk}' (cannot {describe_action(self.request, self)})"
                )
        if obj is None:
            raise NotFound(self.not_found_message.format(noun=self.noun, pk=pk))
        self.check_object_permissions(self.request, obj)
        return obj
