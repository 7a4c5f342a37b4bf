"""Segment media, HLS init/fragments and camera playlists over the API (real segment files, real DB)."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import pytest
import time_machine
from django.test import AsyncRequestFactory
from django.urls import resolve

from recording import mp4
from recording.api.playback import segment_path
from recording.models import Segment
from recording.playback import epoch_ms
from recording.recorder.fmp4 import scan_bytes
from tests.recording.playback.media import FPS, T0, decoded_timestamps, place_segment

PLAYLIST = "/api/v1/cameras/cam1/playlist.m3u8"
S = timedelta(seconds=1)


def media_url(segment, part="media"):
    return f"/api/v1/segments/{segment.pk}/{part}"


def content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def run3(camera, recordings, blobs):
    """Three contiguous 2 s segments of cam1 starting at T0."""
    return [place_segment(recordings, camera, T0 + index * 2 * S, blob) for index, blob in enumerate(blobs)]


# --- media -----------------------------------------------------------------------------------------

def test_media_is_the_stored_file_byte_for_byte(viewer_client, run3, recordings):
    stored = (recordings / run3[0].path).read_bytes()
    response = viewer_client.get(media_url(run3[0]))
    assert response.status_code == 200 and content(response) == stored
    assert response["Content-Type"] == "video/mp4" and response["Accept-Ranges"] == "bytes"
    assert response["Content-Disposition"] == 'inline; filename="cam1_20260615T120000Z.mp4"'
    assert response["ETag"].startswith('"')


def test_media_range_and_download(viewer_client, run3, recordings):
    stored = (recordings / run3[1].path).read_bytes()
    response = viewer_client.get(media_url(run3[1]) + "?download=1", HTTP_RANGE="bytes=100-199")
    assert response.status_code == 206 and content(response) == stored[100:200]
    assert response["Content-Range"] == f"bytes 100-199/{len(stored)}"
    assert response["Content-Disposition"] == 'attachment; filename="cam1_20260615T120002Z.mp4"'


def test_media_etag_revalidates_and_changes_with_the_file(viewer_client, run3, recordings):
    etag = viewer_client.get(media_url(run3[0]))["ETag"]
    assert viewer_client.get(media_url(run3[0]), HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert viewer_client.get(media_url(run3[1]))["ETag"] != etag
    (recordings / run3[0].path).write_bytes(b"rewritten")
    assert viewer_client.get(media_url(run3[0]), HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_media_416_for_a_range_past_the_end(viewer_client, run3, recordings):
    size = (recordings / run3[0].path).stat().st_size
    response = viewer_client.get(media_url(run3[0]), HTTP_RANGE=f"bytes={size}-")
    assert response.status_code == 416 and response["Content-Range"] == f"bytes */{size}"
    assert response.json()["code"] == "range_not_satisfiable"


def test_head_answers_headers_only(viewer_client, run3):
    response = viewer_client.head(media_url(run3[0]))
    assert response.status_code == 200 and response.content == b"" and int(response["Content-Length"]) > 0


def test_bad_download_flag_is_a_400(viewer_client, run3):
    assert viewer_client.get(media_url(run3[0]) + "?download=maybe").status_code == 400


@pytest.mark.parametrize("part", ["media", "init.mp4", "fragments.m4s"])
def test_missing_file_is_a_404_envelope_never_a_500(viewer_client, run3, recordings, part):
    (recordings / run3[0].path).unlink()
    response = viewer_client.get(media_url(run3[0], part))
    assert response.status_code == 404
    assert response.json() == {"error": "media file missing", "code": "media_missing"}


@pytest.mark.parametrize("stored", ["../secret.mp4", "cam1/../../secret.mp4", "SECRET_ABSOLUTE", ".", ""])
@pytest.mark.parametrize("part", ["media", "init.mp4", "fragments.m4s"])
def test_a_stored_path_outside_the_recordings_folder_is_never_read(viewer_client, camera, recordings, blobs, part, settings, stored):
    secret = settings.NVR_DATA_DIR / "secret.mp4"
    secret.write_bytes(blobs[0].read())
    segment = place_segment(recordings, camera, T0, blobs[0])
    type(segment).objects.filter(pk=segment.pk).update(path=stored.replace("SECRET_ABSOLUTE", str(secret)))
    response = viewer_client.get(media_url(segment, part))
    assert response.status_code == 404 and "secret" not in response.content.decode(errors="replace")


@pytest.mark.parametrize("stored", ["cam1/x\x00.mp4", "/etc/passwd", "../x.mp4", "a/../../x.mp4", "", "."])
def test_segment_path_refuses_anything_outside_the_recordings_folder(settings, stored):
    assert segment_path(Segment(camera_id="cam1", path=stored)) is None
    assert segment_path(Segment(camera_id="cam1", path="cam1/2026/06/15/x.mp4")) == settings.NVR_RECORDINGS_DIR / "cam1/2026/06/15/x.mp4"


def test_media_accepts_any_accept_header(viewer_client, run3):
    assert viewer_client.get(media_url(run3[0]), HTTP_ACCEPT="video/mp4").status_code == 200
    assert viewer_client.get(PLAYLIST + "?from=2026-06-15T12:00:00Z", HTTP_ACCEPT="application/vnd.apple.mpegurl").status_code == 200


@pytest.mark.parametrize("part", ["media", "fragments.m4s"])
def test_under_asgi_bodies_stream_asynchronously(viewer_user, run3, part):
    """Django collects a sync iterator into one list under ASGI; file bodies must be async iterators there."""
    url = media_url(run3[0], part)
    request = AsyncRequestFactory().get(url)
    request.user = viewer_user  # session-style authentication, as the console's player does
    match = resolve(url)
    response = match.func(request, **match.kwargs)
    assert response.status_code == 200 and response.streaming and response.is_async

    async def collect():
        return b"".join([chunk async for chunk in response.streaming_content])

    body = asyncio.run(collect())
    assert len(body) == int(response["Content-Length"])


# --- init + fragments ---------------------------------------------------------------------------------

def test_init_is_ftyp_and_moov(viewer_client, run3, recordings):
    stored = (recordings / run3[0].path).read_bytes()
    response = viewer_client.get(media_url(run3[0], "init.mp4"))
    assert response.status_code == 200 and response["Content-Type"] == "video/mp4"
    assert [box.kind for box in scan_bytes(response.content)] == ["ftyp", "moov"]
    assert response.content == stored[:len(response.content)]
    assert viewer_client.get(media_url(run3[0], "init.mp4"), HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_fragments_decode_at_the_segments_wall_clock_time(viewer_client, run3, tmp_path):
    for segment in run3:
        init = viewer_client.get(media_url(segment, "init.mp4")).content
        response = viewer_client.get(media_url(segment, "fragments.m4s"))
        assert response.status_code == 200 and response.streaming
        body = content(response)
        assert int(response["Content-Length"]) == len(body)
        assert {box.kind for box in scan_bytes(body)} == {"moof", "mdat"}
        path = tmp_path / f"{segment.pk}.mp4"
        path.write_bytes(init + body)
        times = decoded_timestamps(path)
        assert times["video"][0] == pytest.approx(epoch_ms(segment.start_time) / 1000, abs=1e-6)
        assert times["audio"][0] == pytest.approx(epoch_ms(segment.start_time) / 1000, abs=0.03)
        assert len(times["video"]) == 2 * FPS


def test_fragments_support_ranges_and_etags(viewer_client, run3):
    url = media_url(run3[1], "fragments.m4s")
    whole = viewer_client.get(url)
    body = content(whole)
    part = viewer_client.get(url, HTTP_RANGE="bytes=200-5000")
    assert part.status_code == 206 and content(part) == body[200:5001]
    assert part["Content-Range"] == f"bytes 200-5000/{len(body)}"
    assert viewer_client.get(url, HTTP_IF_NONE_MATCH=whole["ETag"]).status_code == 304
    assert viewer_client.get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"old"').status_code == 200


def test_fragment_etag_follows_the_indexed_start(viewer_client, run3):
    url = media_url(run3[0], "fragments.m4s")
    etag = viewer_client.get(url)["ETag"]
    type(run3[0]).objects.filter(pk=run3[0].pk).update(start_time=T0 - S, end_time=T0 + S)
    assert viewer_client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


@pytest.mark.parametrize("part", ["init.mp4", "fragments.m4s"])
def test_a_file_that_is_not_fragmented_is_a_422_envelope(viewer_client, camera, recordings, blobs, part):
    segment = place_segment(recordings, camera, T0, blobs[0])
    (recordings / segment.path).write_bytes(b"\x00\x00\x00\x10ftypisom\x00\x00\x00\x00" + b"junk" * 10)
    response = viewer_client.get(media_url(segment, part))
    assert response.status_code == 422 and response.json()["code"] == "media_unplayable"
    # the media itself is still served as stored
    assert viewer_client.get(media_url(segment)).status_code == 200


def test_mp4_shift_matches_the_served_fragments(viewer_client, run3, recordings):
    data = (recordings / run3[2].path).read_bytes()
    read = lambda offset, length: data[offset:offset + length]  # noqa: E731
    layout = mp4.read_layout(read, len(data))
    pieces = mp4.fragment_pieces(read, layout, mp4.track_offsets(layout.timescales, epoch_ms(run3[2].start_time)))
    expected = b"".join(p if isinstance(p, bytes) else read(*p) for p in pieces)
    assert content(viewer_client.get(media_url(run3[2], "fragments.m4s"))) == expected


# --- playlist -------------------------------------------------------------------------------------------

def test_playlist_lists_the_range(viewer_client, run3):
    response = viewer_client.get(PLAYLIST + "?from=2026-06-15T12:00:01Z&to=2026-06-15T12:00:05Z")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.apple.mpegurl"
    assert response["Cache-Control"] == "private, no-cache"
    text = response.content.decode()
    uris = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert uris == [f"/api/v1/segments/{s.pk}/fragments.m4s" for s in run3]
    assert "#EXT-X-PROGRAM-DATE-TIME:2026-06-15T12:00:02.000Z" in text
    assert "#EXT-X-DISCONTINUITY" not in text and text.count("#EXTINF:2.000,") == 3
    assert "#EXT-X-START" not in text
    assert viewer_client.get(PLAYLIST + "?from=2026-06-15T12:00:01Z&to=2026-06-15T12:00:05Z",
                             HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_playlist_marks_gaps(viewer_client, camera, recordings, blobs):
    place_segment(recordings, camera, T0, blobs[0])
    place_segment(recordings, camera, T0 + 60 * S, blobs[1])
    text = viewer_client.get(PLAYLIST + "?from=2026-06-15T11:59:00Z&to=2026-06-15T12:05:00Z").content.decode()
    assert text.count("#EXT-X-DISCONTINUITY") == 1


def test_playlist_at_starts_precisely_and_runs_six_hours(viewer_client, camera, recordings, blobs, run3):
    late = place_segment(recordings, camera, T0 + 5 * 3600 * S, blobs[0])
    too_late = place_segment(recordings, camera, T0 + 7 * 3600 * S, blobs[1])
    with time_machine.travel(T0 + 48 * 3600 * S):
        text = viewer_client.get(PLAYLIST + "?at=2026-06-15T12:00:03.5Z").content.decode()
    assert "#EXT-X-START:TIME-OFFSET=1.500,PRECISE=YES" in text
    assert f"/{run3[0].pk}/" not in text and f"/{late.pk}/" in text and f"/{too_late.pk}/" not in text


def test_playlist_window_defaults_are_capped_at_now(viewer_client, camera, recordings, blobs, run3):
    future = place_segment(recordings, camera, T0 + 3600 * S, blobs[0])  # recorded "later" than now below
    with time_machine.travel(T0 + 30 * 60 * S):
        text = viewer_client.get(PLAYLIST + "?from=2026-06-15T12:00:00Z").content.decode()
    assert f"/{run3[2].pk}/" in text and f"/{future.pk}/" not in text


def test_playlist_404_without_footage(viewer_client, run3):
    response = viewer_client.get(PLAYLIST + "?from=2026-06-16T00:00:00Z&to=2026-06-16T01:00:00Z")
    assert response.status_code == 404 and response.json()["error"] == "no footage in that range"


@pytest.mark.parametrize("query, field", [
    ("", "from"),
    ("?from=yesterday", "from"),
    ("?at=2026-06-15", "at"),
    ("?from=2026-06-15T12:00:00", "from"),  # no offset
    ("?from=2026-06-15T12:00:00Z&to=2026-06-16T12:00:01Z", "to"),
    ("?from=2026-06-15T12:00:00Z&to=2026-06-15T11:00:00Z", "from"),
    ("?from=2026-06-15T12:00:00Z&at=2026-06-15T12:00:00Z", "at"),
    ("?at=2026-06-15T12:00:00Z&to=2026-06-15T11:00:00Z", "to"),
    ("?from=1969-12-31T23:59:59Z&to=1970-01-01T01:00:00Z", "from"),
    ("?at=9999-12-31T23:59:59Z", None),
])
def test_playlist_bad_parameters_are_400_envelopes(viewer_client, run3, query, field):
    response = viewer_client.get(PLAYLIST + query)
    if field is None:
        assert response.status_code == 404  # far future: valid, just nothing recorded
        return
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]


def test_playlist_costs_a_constant_number_of_queries(viewer_client, camera, recordings, blobs, django_assert_num_queries):
    url = PLAYLIST + "?from=2026-06-15T12:00:00Z&to=2026-06-15T14:00:00Z"
    place_segment(recordings, camera, T0, blobs[0])
    with django_assert_num_queries(2) as one:  # camera, segments
        assert viewer_client.get(url).status_code == 200
    for index in range(1, 60):
        place_segment(recordings, camera, T0 + index * 2 * S, blobs[index % 3])
    with django_assert_num_queries(len(one.captured_queries)):
        text = viewer_client.get(url).content.decode()
    assert text.count("#EXTINF") == 60


def test_playlist_of_an_unknown_camera_is_404(viewer_client, db):
    assert viewer_client.get("/api/v1/cameras/nope/playlist.m3u8?from=2026-06-15T12:00:00Z").status_code == 404


def test_playlist_uris_are_served(viewer_client, run3):
    text = viewer_client.get(PLAYLIST + "?from=2026-06-15T12:00:00Z&to=2026-06-15T12:00:06Z").content.decode()
    uris = re.findall(r'URI="([^"]+)"', text) + [line for line in text.splitlines() if line.startswith("/")]
    assert len(uris) == 6
    for uri in uris:
        assert viewer_client.get(uri).status_code == 200
