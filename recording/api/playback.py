"""Playback API: a segment's file (Range/ETag), its HLS init and re-timed fragments, and camera VOD playlists.

Media is read through an open file descriptor, so retention unlinking a file mid-answer cannot cut
it short (POSIX keeps the bytes until the descriptor closes): no per-request read lock is needed.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation

from accounts import capabilities as caps
from cameras.api.mixins import CameraNestedMixin, ScopedChildMixin
from nvr.api.fields import format_rfc3339, query_choice, query_time, query_time_range
from recording import mp4, services
from recording.api.ranged import (
    bytes_response,
    file_response,
    make_etag,
    media_missing,
    not_modified,
    open_regular_file,
    spliced_response,
)
from recording.api.views import CAMERA_ID
from recording.models import Segment
from recording.playback import PlaylistSegment, build_vod_playlist, epoch_ms, playable

PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
AT_WINDOW = timedelta(hours=6)
MAX_WINDOW = timedelta(hours=24)
# Media timelines count milliseconds since the epoch: nothing can play from before it.
EARLIEST = datetime(1970, 1, 1, tzinfo=dt_timezone.utc)
ERROR = {"$ref": "#/components/schemas/Error"}

SEGMENT_ID = OpenApiParameter("segment_id", OpenApiTypes.STR, OpenApiParameter.PATH, description="Segment id (seg_…)")
RANGE_HEADERS = [
    OpenApiParameter("Range", OpenApiTypes.STR, OpenApiParameter.HEADER,
                     description="One byte range (`bytes=0-99`, `bytes=100-`, `bytes=-500`); several ranges get the whole body"),
    OpenApiParameter("If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, description="ETag(s) held: 304 when one matches"),
    OpenApiParameter("If-Range", OpenApiTypes.STR, OpenApiParameter.HEADER,
                     description="Honour `Range` only while the ETag is still this one; otherwise the whole body"),
]


class MediaUnplayable(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "the segment file cannot be split for streaming"
    default_code = "media_unplayable"


class MediaNegotiation(DefaultContentNegotiation):
    """Media views write their own bytes; errors are the JSON envelope whatever `Accept` says (a player
    asking for video/mp4 must get a 403 envelope, not a 406)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ERROR, description=description)


def _binary(media_type: str, description: str, *, unplayable: bool = False) -> dict:
    responses = {
        (200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description=description),
        (206, media_type): OpenApiResponse(OpenApiTypes.BINARY, description="The requested byte range (`Content-Range`)"),
        304: OpenApiResponse(description="Not modified (If-None-Match matched the ETag)"),
        (404, "application/json"): _error("Unknown segment (fleet-wide callers), or `media file missing`"),
        (416, "application/json"): _error("Range not satisfiable (`Content-Range: bytes */size`)"),
    }
    if unplayable:
        responses[(422, "application/json")] = _error("The file is not fragmented MP4 that can be re-timed (`media_unplayable`)")
    return responses


# --- segment files -----------------------------------------------------------------------------------

def segment_path(segment: Segment) -> Path | None:
    """The segment's file under NVR_RECORDINGS_DIR; None if its stored path would leave that folder."""
    root = os.path.normpath(settings.NVR_RECORDINGS_DIR)
    path = os.path.normpath(os.path.join(root, segment.path))
    if "\x00" in segment.path or os.path.isabs(segment.path) or os.path.commonpath([root, path]) != root or path == root:
        return None
    return Path(path)


def download_name(segment: Segment) -> str:
    """`{camera_id}_{YYYYMMDDTHHMMSS}Z.mp4` (UTC start)."""
    return f"{segment.camera_id}_{segment.start_time.astimezone(dt_timezone.utc):%Y%m%dT%H%M%S}Z.mp4"


def _open_segment(segment: Segment):
    """(open binary file, its stat) or None when the file is missing."""
    path = segment_path(segment)
    return open_regular_file(path) if path is not None else None


def _reader(handle):
    def read(offset: int, length: int) -> bytes:
        handle.seek(offset)
        return handle.read(length)

    return read


class SegmentMediaViewSet(ScopedChildMixin, viewsets.GenericViewSet):
    """A segment's bytes: the stored file, or its HLS parts (video:playback, scoped through its camera)."""

    queryset = Segment.objects.only("id", "camera_id", "path", "start_time")
    lookup_url_kwarg = "segment_id"
    noun = "segment"
    content_negotiation_class = MediaNegotiation
    capabilities = {"media": caps.VIDEO_PLAYBACK, "init_segment": caps.VIDEO_PLAYBACK, "fragments": caps.VIDEO_PLAYBACK}
    action_phrases = {"media": "play recordings", "init_segment": "play recordings", "fragments": "play recordings"}

    @extend_schema(
        operation_id="segments_media",
        summary="The stored fragmented-MP4 file of a segment, byte for byte",
        description=(
            "Range (one range; 206 + `Content-Range`, 416 with `Content-Range: bytes */size`), strong `ETag` with "
            "`If-None-Match` (304) and `If-Range`, `Accept-Ranges: bytes`. `Content-Disposition` is `inline` unless "
            "`download=1` (`attachment`), file name `{camera_id}_{YYYYMMDDTHHMMSS}Z.mp4`. 404 `media file missing` "
            "when the indexed file is gone."
        ),
        parameters=[
            SEGMENT_ID, *RANGE_HEADERS,
            OpenApiParameter("download", OpenApiTypes.STR, enum=["0", "1", "true", "false"], description="`1`: as an attachment"),
        ],
        responses=_binary("video/mp4", "The segment file"),
    )
    def media(self, request, *args, **kwargs):
        segment = self.get_object()
        download = query_choice(request, "download", ("0", "1", "true", "false")) in ("1", "true")
        path = segment_path(segment)
        try:
            info = os.stat(path) if path is not None else None
        except OSError:
            info = None
        if info is None:
            return media_missing()
        etag = make_etag("media", segment.pk, info.st_size, info.st_mtime_ns)
        return file_response(request, path, content_type="video/mp4", etag=etag, filename=download_name(segment), attachment=download)

    @extend_schema(
        operation_id="segments_init",
        summary="HLS initialization section of a segment (its ftyp + moov)",
        description="The `EXT-X-MAP` of the segment in playlists. ETag, Range; 422 when the file is not fragmented MP4.",
        parameters=[SEGMENT_ID, *RANGE_HEADERS],
        responses=_binary("video/mp4", "ftyp + moov", unplayable=True),
    )
    def init_segment(self, request, *args, **kwargs):
        segment = self.get_object()
        opened = _open_segment(segment)
        if opened is None:
            return media_missing()
        handle, info = opened
        with handle:
            etag = make_etag("init", segment.pk, info.st_size, info.st_mtime_ns)
            if (cached := not_modified(request, etag)) is not None:
                return cached
            read = _reader(handle)
            try:
                data = mp4.init_bytes(read, mp4.read_layout(read, info.st_size))
            except mp4.Mp4Error as exc:
                raise MediaUnplayable(f"segment {segment.pk}: {exc}") from None
        return bytes_response(request, data, content_type="video/mp4", etag=etag)

    @extend_schema(
        operation_id="segments_fragments",
        summary="HLS media segment: every moof+mdat of a segment on the camera's absolute timeline",
        description=(
            "Each track's `tfdt` is moved so that the file's time 0 lands at the segment's start: milliseconds "
            "since the Unix epoch × the track's timescale / 1000. Consecutive segments of one recording run "
            "therefore continue each other exactly. The mdat payloads are copied from the file unchanged."
        ),
        parameters=[SEGMENT_ID, *RANGE_HEADERS],
        responses=_binary("video/mp4", "moof + mdat fragments", unplayable=True),
    )
    def fragments(self, request, *args, **kwargs):
        segment = self.get_object()
        opened = _open_segment(segment)
        if opened is None:
            return media_missing()
        handle, info = opened
        start_ms = epoch_ms(segment.start_time)
        try:
            etag = make_etag("fragments", segment.pk, info.st_size, info.st_mtime_ns, start_ms)
            if (cached := not_modified(request, etag)) is not None:
                handle.close()
                return cached
            pieces = self._fragment_pieces(segment, handle, info.st_size, start_ms)
        except BaseException:
            handle.close()
            raise
        return spliced_response(request, handle, pieces, content_type="video/mp4", etag=etag)

    @staticmethod
    def _fragment_pieces(segment: Segment, handle, size: int, start_ms: int) -> list:
        read = _reader(handle)
        try:
            layout = mp4.read_layout(read, size)
            pieces = mp4.fragment_pieces(read, layout, mp4.track_offsets(layout.timescales, start_ms))
        except mp4.Mp4Error as exc:
            raise MediaUnplayable(f"segment {segment.pk}: {exc}") from None
        if not pieces:
            raise MediaUnplayable(f"segment {segment.pk}: no complete fragment")
        return pieces


# --- playlists ---------------------------------------------------------------------------------------

def playlist_window(request, now: datetime) -> tuple[datetime, datetime, datetime | None]:
    """(start, end, at) of a playlist request: `from`/`to`, or `at` (+ optional `to`); at most 24 h."""
    at = query_time(request, "at")
    start, end = query_time_range(request)
    if at is not None and start is not None:
        raise ValidationError({"at": ["give either 'at' or 'from', not both"]})
    if at is None and start is None:
        raise ValidationError({"from": ["'from' (or 'at') is required"]})
    start = at or start
    for name, value in (("at" if at else "from", start), ("to", end)):
        if value is not None and value < EARLIEST:
            raise ValidationError({name: [f"must not be before {format_rfc3339(EARLIEST)}"]})
    if end is None:
        # min(start + span, now) without overflowing for a start near datetime.max
        span = AT_WINDOW if at else MAX_WINDOW
        end = max(start, now) if start >= now - span else start + span  # a future start: empty, so 404
    if end < start:
        raise ValidationError({"to": ["'to' must not be before 'at'"]})
    if end - start > MAX_WINDOW:
        raise ValidationError({"to": [f"the range must be at most {int(MAX_WINDOW.total_seconds() // 3600)} hours"]})
    return start, end, at


PLAYLIST_COLUMNS = ("id", "start_time", "end_time", "codec", "width", "height", "has_audio", "source")


class CameraPlaylistViewSet(CameraNestedMixin, viewsets.GenericViewSet):
    queryset = Segment.objects.all()
    content_negotiation_class = MediaNegotiation
    capabilities = {"retrieve": caps.VIDEO_PLAYBACK}
    action_phrases = {"retrieve": "play recordings"}

    @extend_schema(
        operation_id="cameras_playlist",
        summary="HLS VOD playlist (fMP4) of a camera's recordings in a range, or from an instant",
        description=(
            "`from`/`to` (at most 24 h; `to` defaults to `from` + 24 h capped at now) or `at` (plays from that "
            "instant: `EXT-X-START` with `PRECISE=YES`; the range runs to `to`, default `at` + 6 h capped at now). "
            "One media segment per recorded segment (`EXT-X-MAP` = its init.mp4, URI = its fragments.m4s), "
            "`EXT-X-PROGRAM-DATE-TIME` on each, `EXT-X-DISCONTINUITY` where the recording has a hole or the "
            "stream changes. H.265 segments are listed like H.264 ones (see each segment's `codec`). 404 `no "
            "footage in that range`."
        ),
        parameters=[
            CAMERA_ID,
            OpenApiParameter("from", OpenApiTypes.DATETIME, description="RFC 3339 start of the range"),
            OpenApiParameter("to", OpenApiTypes.DATETIME, description="RFC 3339 end of the range (at most 24 h after the start)"),
            OpenApiParameter("at", OpenApiTypes.DATETIME, description="RFC 3339 instant to start playing at (instead of `from`)"),
            OpenApiParameter("If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, description="ETag held: 304 when it matches"),
        ],
        responses={
            (200, PLAYLIST_TYPE): OpenApiResponse(OpenApiTypes.STR, description="The M3U8 playlist"),
            304: OpenApiResponse(description="Not modified (If-None-Match matched the ETag)"),
            (404, "application/json"): _error("Unknown camera, or `no footage in that range`"),
        },
    )
    def retrieve(self, request, *args, **kwargs):
        start, end, at = playlist_window(request, timezone.now())
        rows = services.overlapping_segments(self.get_queryset(), start, end)
        segments = playable([PlaylistSegment(*row) for row in rows.order_by("start_time", "id").values_list(*PLAYLIST_COLUMNS)])
        if not segments:
            raise NotFound("no footage in that range")
        text = build_vod_playlist(segments, at=at).encode()
        return bytes_response(request, text, content_type=PLAYLIST_TYPE, etag=make_etag("playlist", text),
                              cache_control="private, no-cache")
