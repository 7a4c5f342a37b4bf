"""Playback through the real ASGI server (daphne): streamed bodies, ranges and playlists over HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from recording.recorder.fmp4 import scan_bytes
from tests.peers.live_server import live_server
from tests.recording.playback.media import T0

pytestmark = pytest.mark.slow

SETUP = """
import json, shutil, sys
from datetime import datetime, timedelta
from cameras.models import Camera
from recording.models import Segment
from recording.recorder.segments import segment_relpath
from django.conf import settings
spec = json.loads(sys.stdin.read())
camera = Camera.objects.create(id="cam1", name="Cam 1")
start = datetime.fromisoformat(spec["start"])
ids = []
for index, source in enumerate(spec["files"]):
    begin = start + timedelta(seconds=2 * index)
    relpath = segment_relpath("cam1", begin)
    target = settings.NVR_RECORDINGS_DIR / relpath
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    ids.append(Segment.objects.create(camera=camera, path=relpath, start_time=begin, end_time=begin + timedelta(seconds=2),
                                      duration_s=2, size_bytes=target.stat().st_size, codec="h264", has_audio=True).pk)
print(json.dumps(ids))
"""


def fetch(server, path: str, key: str, method: str = "GET", **headers):
    request = urllib.request.Request(server.base_url + path, method=method, headers={"X-API-Key": key, **headers})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_daphne_streams_media_fragments_and_playlists(tmp_path, blobs):
    with live_server(tmp_path) as server:
        spec = {"start": T0.isoformat(), "files": [str(blob.path) for blob in blobs]}
        setup = server.manage("shell", "-c", SETUP, stdin=json.dumps(spec))
        ids = json.loads(setup.strip().splitlines()[-1])
        key = server.manage("mintkey", "player", "--role", "viewer").strip().splitlines()[-1]

        stored = blobs[0].read()
        status, headers, body = fetch(server, f"/api/v1/segments/{ids[0]}/media", key)
        assert (status, body, headers["Content-Length"]) == (200, stored, str(len(stored)))
        status, headers, body = fetch(server, f"/api/v1/segments/{ids[0]}/media", key, Range="bytes=-1000")
        assert (status, body, headers["Content-Range"]) == (206, stored[-1000:], f"bytes {len(stored) - 1000}-{len(stored) - 1}/{len(stored)}")
        status, headers, body = fetch(server, f"/api/v1/segments/{ids[0]}/media", key, method="HEAD")
        assert (status, body, headers["Content-Length"]) == (200, b"", str(len(stored)))

        status, headers, fragments = fetch(server, f"/api/v1/segments/{ids[1]}/fragments.m4s", key)
        assert status == 200 and int(headers["Content-Length"]) == len(fragments)
        assert [box.kind for box in scan_bytes(fragments)][:2] == ["moof", "mdat"]
        status, _, part = fetch(server, f"/api/v1/segments/{ids[1]}/fragments.m4s", key, Range="bytes=100-")
        assert (status, part) == (206, fragments[100:])
        status, _, _ = fetch(server, f"/api/v1/segments/{ids[1]}/fragments.m4s", key, **{"If-None-Match": headers["ETag"]})
        assert status == 304

        playlist_url = "/api/v1/cameras/cam1/playlist.m3u8?from=2026-06-15T12:00:00Z&to=2026-06-15T12:00:06Z"
        status, headers, playlist = fetch(server, playlist_url, key)
        assert status == 200 and headers["Content-Type"] == "application/vnd.apple.mpegurl"
        assert playlist.decode().count("#EXTINF:2.000,") == 3

        status, _, body = fetch(server, f"/api/v1/segments/{ids[0]}/media", "nvr_wrong")
        assert status == 401 and json.loads(body)["code"]
        log = server.log_path.read_text()
    assert "Traceback" not in log
