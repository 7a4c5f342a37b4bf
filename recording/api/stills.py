"""Stills API: live and recorded JPEGs of a camera, taking persisted snapshots, their images, deletion."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response

from accounts import capabilities as caps
from accounts.principal import principal_of
from cameras.api.mixins import CameraNestedMixin, ScopedChildMixin
from nvr.api.fields import format_rfc3339, query_time
from recording import snapshots
from recording.api.ranged import bytes_response, file_response, make_etag
from recording.api.serializers import SnapshotSerializer
from recording.api.views import CAMERA_ID, SnapshotListViewSet
from recording.models import Snapshot

SNAPSHOT_ID = OpenApiParameter("snapshot_id", OpenApiTypes.STR, OpenApiParameter.PATH, description="Snapshot id (snap_…)")
AT = OpenApiParameter(
    "at", OpenApiTypes.DATETIME,
    description="RFC 3339 instant: the recorded frame on screen then (needs `video:playback`); without it, a live picture",
)
ERROR = {"$ref": "#/components/schemas/Error"}


def error_response(description: str) -> OpenApiResponse:
    return OpenApiResponse(ERROR, description=description)


def binary_responses(media_type: str, description: str, *, ranged: bool = False) -> dict:
    """Responses of an endpoint answering with bytes (plus Range/conditional answers when `ranged`)."""
    responses = {(200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description=description)}
    if ranged:
        responses[(206, media_type)] = OpenApiResponse(OpenApiTypes.BINARY, description="The requested byte range")
        responses[304] = OpenApiResponse(description="Not modified (If-None-Match matched the ETag)")
        responses[(416, "application/json")] = error_response("Range not satisfiable (`Content-Range: bytes */size`)")
    return responses


CAMERA_ERRORS = {
    (502, "application/json"): error_response("The camera cannot be reached or refused the connection"),
    (504, "application/json"): error_response("The camera (or decoding) did not answer in time"),
}


class MediaNegotiation(DefaultContentNegotiation):
    """Media views write their bytes themselves; errors are the JSON envelope whatever `Accept` says
    (an `<img>` or a player asking for `image/jpeg` must get a 403 envelope, not a 406)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class CameraStillViewSet(CameraNestedMixin, viewsets.GenericViewSet):
    queryset = Snapshot.objects.all()
    content_negotiation_class = MediaNegotiation
    capabilities = {"snapshot": caps.VIDEO_LIVE, "recorded_snapshot": caps.VIDEO_PLAYBACK}
    action_phrases = {"snapshot": "take live snapshots", "recorded_snapshot": "view recorded stills"}

    def initialize_request(self, request, *args, **kwargs):
        request = super().initialize_request(request, *args, **kwargs)
        # `?at=` makes the same URL a recorded still, which needs a different capability.
        if self.action == "snapshot" and request.GET.get("at"):
            self.action = "recorded_snapshot"
        return request

    @extend_schema(
        summary="A JPEG of the camera: live now, or the recorded frame at `at`",
        description=(
            "Live (no `at`, `video:live`): the latest keyframe of the recorder's own connection when the camera is "
            "being recorded, else a short connection to the sub stream (or the record stream); `Cache-Control: "
            "no-store`; 400 `camera has no stream URL`, 502/504 when the camera cannot be reached. A camera that "
            "just failed is not dialled again for 15 s. Recorded (`at`, `video:playback`): the frame on screen at "
            "that instant in the latest segment covering it; 404 `no footage at that timestamp`."
        ),
        parameters=[CAMERA_ID, AT],
        responses={**binary_responses("image/jpeg", "The JPEG", ranged=True), **CAMERA_ERRORS},
    )
    def snapshot(self, request, *args, **kwargs):
        at = query_time(request, "at")
        if at is None:
            return self._live()
        jpeg, segment = snapshots.recorded_still(self.camera, at)
        stamp = format_rfc3339(at).replace(":", "").replace("-", "")
        return bytes_response(
            request, jpeg, content_type="image/jpeg", etag=make_etag("still", segment.pk, segment.size_bytes, at.isoformat()),
            filename=f"{self.camera.pk}_{stamp}.jpg",
        )

    def _live(self) -> HttpResponse:
        still = snapshots.live_still(self.camera)
        response = HttpResponse(still.jpeg, content_type="image/jpeg")
        response["Cache-Control"] = "no-store"
        response["X-Content-Type-Options"] = "nosniff"
        response["X-Taken-At"] = format_rfc3339(still.taken_at)
        response["X-Snapshot-Source"] = still.source  # "recorder" (its own connection) or "camera"
        return response


@extend_schema_view(
    list=extend_schema(
        summary="A camera's persisted snapshots, newest first",
        parameters=[
            CAMERA_ID,
            OpenApiParameter("from", OpenApiTypes.DATETIME, description="RFC 3339 lower bound (inclusive, on taken_at)"),
            OpenApiParameter("to", OpenApiTypes.DATETIME, description="RFC 3339 upper bound (inclusive, on taken_at)"),
        ],
    ),
    create=extend_schema(
        summary="Take a live JPEG now and keep it as a snapshot",
        description="Same source and errors as the live `GET cameras/{camera_id}/snapshot`; the image is then "
        "served at the snapshot's `url` and pruned with the other snapshots.",
        parameters=[CAMERA_ID],
        request=None,
        responses={201: SnapshotSerializer, **CAMERA_ERRORS},
    ),
)
class CameraSnapshotViewSet(SnapshotListViewSet):
    capabilities = {"list": caps.VIDEO_PLAYBACK, "create": caps.VIDEO_LIVE}
    action_phrases = {"list": "list snapshots", "create": "take snapshots"}

    def create(self, request, *args, **kwargs):
        snapshot = snapshots.take_snapshot(principal_of(request), self.camera, request)
        return Response(SnapshotSerializer(snapshot).data, status=status.HTTP_201_CREATED)


class SnapshotViewSet(ScopedChildMixin, viewsets.GenericViewSet):
    queryset = Snapshot.objects.all()
    serializer_class = SnapshotSerializer
    content_negotiation_class = MediaNegotiation
    lookup_url_kwarg = "snapshot_id"
    noun = "snapshot"
    capabilities = {"image": caps.VIDEO_PLAYBACK, "destroy": caps.REGISTRY_MANAGE}
    action_phrases = {"image": "view snapshots", "destroy": "delete snapshots"}

    @extend_schema(
        summary="The JPEG of a persisted snapshot",
        parameters=[SNAPSHOT_ID],
        responses=binary_responses("image/jpeg", "The JPEG (ETag, Range)", ranged=True),
    )
    def image(self, request, *args, **kwargs):
        snapshot = self.get_object()
        path = snapshots.snapshot_file(snapshot)
        if path is None:
            raise NotFound("media file missing")
        name = snapshot.path.rsplit("/", 1)[-1]
        return file_response(
            request, path, content_type="image/jpeg", etag=make_etag("snapshot", snapshot.pk, snapshot.size_bytes),
            filename=f"{snapshot.camera_id}_{name}", cache_control="private, max-age=86400",
        )

    @extend_schema(summary="Delete a snapshot and its image", parameters=[SNAPSHOT_ID], responses={204: None})
    def destroy(self, request, *args, **kwargs):
        snapshots.delete_snapshot(principal_of(request), self.get_object(), request)
        return Response(status=status.HTTP_204_NO_CONTENT)
