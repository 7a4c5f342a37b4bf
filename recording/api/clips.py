"""Clips API: export a camera's footage between two instants as one MP4 (a background job: 202, then follow
`GET /clips/{id}`), list (per camera and overall, every status), read, cancel, download, delete."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from accounts import capabilities as caps
from accounts import scoping
from accounts.permissions import describe_action
from accounts.principal import principal_of
from cameras.api.mixins import CameraNestedMixin, ScopedChildMixin
from cameras.models import CAMERA_ID_MAX_LENGTH
from recording import clips
from recording.api.clip_serializers import ClipRequestSerializer, ClipSerializer
from recording.api.ranged import file_response, make_etag
from nvr.api.fields import query_time_range
from recording.api.stills import MediaNegotiation, binary_responses, error_response
from recording.api.views import CAMERA_ID
from recording.models import Clip, ClipStatus

CLIP_ID = OpenApiParameter("clip_id", OpenApiTypes.STR, OpenApiParameter.PATH, description="Clip id (clip_…)")


def live_clips():
    """Clips not yet expired (an expired clip is gone for the API even before the prune task runs)."""
    return Clip.objects.filter(expires_at__gt=timezone.now())


@extend_schema_view(
    list=extend_schema(
        summary="A camera's clips (not yet expired, every status: queued, running, finished), newest first",
        parameters=[CAMERA_ID],
    ),
)
class CameraClipViewSet(CameraNestedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ClipSerializer
    capabilities = {"list": caps.VIDEO_EXPORT, "export": caps.VIDEO_EXPORT}
    action_phrases = {"list": "list clips", "export": "export clips"}
    default_limit, max_limit = 100, 1000

    def get_queryset(self):
        return live_clips().filter(camera_id=self.camera.pk).order_by("-created_at", "-id")

    @extend_schema(
        summary="Export the camera's footage between two instants as one MP4 (a background job)",
        description=(
            "Queues the export and answers 202 with the clip in status `pending` (`Location`: the clip). A task worker "
            "then copies (no re-encode) the recorded segments overlapping the window, starting at the keyframe at or "
            "before `from` (so the first frame decodes) and ending at `to`: the clip goes `running` with `progress` "
            "0..1, then `completed` (with `covered_seconds`, `gaps`, `size_bytes` and the download `url`), `failed` "
            "(with `error`) or `cancelled` (`POST /clips/{id}/cancel`). Holes of more than 1 s are listed in `gaps` "
            "and closed up in the file (footage follows footage). Audio is copied when recorded. The clip is "
            f"deleted after {int(clips.CLIP_RETENTION.total_seconds() // 3600)} h. Refused at once: 404 `no footage in "
            "that range`, 507 when the clip cannot fit on the disk, 503 when the task queue is not available."
        ),
        parameters=[CAMERA_ID],
        request=ClipRequestSerializer,
        responses={
            202: OpenApiResponse(ClipSerializer, description="Queued: follow the clip at `GET /api/v1/clips/{id}`"),
            (507, "application/json"): error_response("Not enough free disk space for the clip"),
        },
    )
    def export(self, request, *args, **kwargs):
        body = ClipRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        window = body.validated_data
        clip = clips.export_clip(principal_of(request), self.camera, window["from"], window["to"], request)
        return accepted(clip)


def accepted(clip) -> Response:
    """202 with the clip and where to follow it."""
    return Response(ClipSerializer(clip).data, status=status.HTTP_202_ACCEPTED, headers={"Location": f"/api/v1/clips/{clip.pk}"})


def query_camera_id(request) -> str | None:
    """The optional `camera_id` filter: bounded and NUL-free so it can reach any database."""
    raw = request.query_params.get("camera_id")
    if not raw:
        return None
    if len(raw) > CAMERA_ID_MAX_LENGTH or "\x00" in raw:
        raise ValidationError({"camera_id": [f"must be at most {CAMERA_ID_MAX_LENGTH} characters without NUL"]})
    return raw


@extend_schema_view(
    list=extend_schema(
        summary="Every clip the caller may see (not yet expired, every status), newest first",
        description=(
            "Clips of the cameras in the caller's scope. `camera_id` narrows to one camera (403 for a camera-scoped "
            "credential naming another camera); `from`/`to` keep the clips whose footage window overlaps that range."
        ),
        parameters=[
            OpenApiParameter("camera_id", OpenApiTypes.STR, description="Only clips of this camera"),
            OpenApiParameter("from", OpenApiTypes.DATETIME, description="RFC 3339: only clips whose window ends at or after it"),
            OpenApiParameter("to", OpenApiTypes.DATETIME, description="RFC 3339: only clips whose window starts at or before it"),
        ],
    ),
)
class ClipListViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ClipSerializer
    capabilities = {"list": caps.VIDEO_EXPORT}
    action_phrases = {"list": "list clips"}
    default_limit, max_limit = 100, 1000

    def get_queryset(self):
        request = self.request
        principal = principal_of(request)
        clips_seen = scoping.filter_queryset(live_clips(), principal)
        camera_id = query_camera_id(request)
        if camera_id:
            scoping.require_camera(principal, camera_id, describe_action(request, self))
            clips_seen = clips_seen.filter(camera_id=camera_id)
        start, end = query_time_range(request)
        if start is not None:
            clips_seen = clips_seen.filter(to_time__gte=start)
        if end is not None:
            clips_seen = clips_seen.filter(from_time__lte=end)
        return clips_seen.order_by("-created_at", "-id")


NOT_READY = {(409, "application/json"): error_response("The export has not completed (`clip_not_ready`)")}


@extend_schema_view(
    retrieve=extend_schema(summary="A clip and the status of its export", parameters=[CLIP_ID]),
    destroy=extend_schema(
        summary="Delete a clip and its file (a running export is cancelled instead: 202)",
        parameters=[CLIP_ID],
        responses={204: None, 202: OpenApiResponse(ClipSerializer, description="The export was running: it stops (`cancel_requested`)")},
    ),
)
class ClipViewSet(ScopedChildMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ClipSerializer
    content_negotiation_class = MediaNegotiation
    lookup_url_kwarg = "clip_id"
    noun = "clip"
    capabilities = {"retrieve": caps.VIDEO_EXPORT, "download": caps.VIDEO_EXPORT, "destroy": caps.VIDEO_EXPORT,
                    "cancel": caps.VIDEO_EXPORT}
    action_phrases = {"retrieve": "read clips", "download": "download clips", "destroy": "delete clips",
                      "cancel": "cancel clip exports"}

    def get_queryset(self):
        return live_clips()

    @extend_schema(
        summary="Download a clip's MP4 (once its export completed)",
        parameters=[CLIP_ID],
        responses={**binary_responses("video/mp4", "The MP4 (attachment; ETag, Range)", ranged=True), **NOT_READY},
    )
    def download(self, request, *args, **kwargs):
        clip = self.get_object()
        if clip.status != ClipStatus.COMPLETED:
            raise clips.ClipNotReady(f"the clip is {clip.status}, not completed: nothing to download")
        path = clips.clip_file(clip)
        if path is None:
            raise NotFound("media file missing")
        return file_response(
            request, path, content_type="video/mp4", etag=make_etag("clip", clip.pk, clip.size_bytes),
            filename=clips.clip_filename(clip), attachment=True,
        )

    @extend_schema(
        summary="Cancel a clip export",
        description=(
            "A `pending` export is `cancelled` at once; a `running` one stops at its next check (between segments, "
            "at most about a second later), removes its partial file and becomes `cancelled`: follow the clip. "
            "409 `clip_finished` when the export already completed or failed; cancelling a cancelled clip is a no-op."
        ),
        parameters=[CLIP_ID],
        request=None,
        responses={202: OpenApiResponse(ClipSerializer, description="The clip, `cancelled` or still stopping (`cancel_requested`)")},
    )
    def cancel(self, request, *args, **kwargs):
        return accepted(clips.cancel_clip(principal_of(request), self.get_object(), request))

    def destroy(self, request, *args, **kwargs):
        cancelled = clips.delete_clip(principal_of(request), self.get_object(), request)
        if cancelled is not None:
            return accepted(cancelled)
        return Response(status=status.HTTP_204_NO_CONTENT)
