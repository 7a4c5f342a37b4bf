"""Stills and clips on what the real recorder writes, from the simulated camera whose frames carry their
capture time (ms since the epoch) as a block time code: live JPEG from the recorder's own connection,
the recorded still at an instant, and a clip across segment boundaries."""

from __future__ import annotations

import urllib.request
from datetime import datetime
from pathlib import Path

import av
import pytest

from cameras.simcam import BackgroundSimCam, MountSpec, SimCamOptions
from nvr.api.fields import format_rfc3339, parse_rfc3339
from tests.peers.recorder import recording_system, wait_until
from tests.peers.rtsp import decode_check
from tests.peers.task_cluster import task_cluster
from tests.recording.clips.footage import epoch_ms, jpeg_ms, shown_ms

pytestmark = pytest.mark.slow


@pytest.fixture
def simcam(tmp_path):
    mount = MountSpec("/cam1", "clock", width=320, height=180, fps=10, bitrate=200_000)
    with BackgroundSimCam(SimCamOptions(mounts=[mount], cache_dir=tmp_path / "simcam", port=0)) as cam:
        yield cam


def fetch(api, path: str) -> tuple[dict, bytes]:
    request = urllib.request.Request(api.base + path, headers={"X-API-Key": api.key})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        return dict(response.headers), response.read()


def query_time(value: datetime) -> str:
    return format_rfc3339(value)


def sessions(cam: BackgroundSimCam) -> int:
    return cam.call(lambda: cam.cam.server.session_count)


def finished(api, clip_id: str, seen: list[dict]) -> dict | None:
    """The clip once its export job ended (every answer is kept in `seen`)."""
    clip = api.get(f"/clips/{clip_id}")
    seen.append(clip)
    return clip if clip["status"] not in ("pending", "running") else None


def test_stills_and_clips_from_recorded_footage(tmp_path, simcam):
    with recording_system(tmp_path) as (server, api, recorder):
        camera_id = api.add_camera("Porch", simcam.cam.url("/cam1"), segment_seconds=3)
        recorder()
        segments = wait_until(lambda: len(api.segments(camera_id)) >= 3 and api.segments(camera_id), 60,
                              "three closed segments")
        spans = [(parse_rfc3339(s["start_time"]), parse_rfc3339(s["end_time"])) for s in segments[:3]]

        # live: decoded from the keyframe the recorder keeps, without a second camera connection
        before = sessions(simcam)
        headers, jpeg = fetch(api, f"/cameras/{camera_id}/snapshot")
        assert headers["Content-Type"] == "image/jpeg" and headers["X-Snapshot-Source"] == "recorder"
        assert sessions(simcam) == before == 1
        assert abs(jpeg_ms(jpeg) - epoch_ms(parse_rfc3339(headers["X-Taken-At"]))) < 500

        # recorded still: the frame captured just before the instant asked for
        at = spans[1][0] + (spans[1][1] - spans[1][0]) * 0.37
        _, still = fetch(api, f"/cameras/{camera_id}/snapshot?at={query_time(at)}")
        assert -300 <= jpeg_ms(still) - epoch_ms(at) <= 50  # ≤ one frame (100 ms) plus camera→recorder latency

        # a clip from the middle of the first segment to the middle of the third
        clip_from = spans[0][0] + (spans[0][1] - spans[0][0]) / 2
        clip_to = spans[2][0] + (spans[2][1] - spans[2][0]) / 2
        # exported by a real task cluster (`manage.py qcluster`): 202, then the clip follows the job
        with task_cluster(server):
            status, clip = api.post(f"/cameras/{camera_id}/clip", {"from": format_rfc3339(clip_from), "to": format_rfc3339(clip_to)})
            assert status == 202 and clip["status"] in ("pending", "running"), clip
            seen: list[dict] = []
            clip = wait_until(lambda: finished(api, clip_id=clip["id"], seen=seen), 60, "the export job", interval=0.2)
        assert clip["status"] == "completed", clip
        assert [row["progress"] for row in seen] == sorted(row["progress"] for row in seen)
        assert clip["segment_count"] == 3 and clip["gaps"] == []
        assert abs(clip["covered_seconds"] - (clip_to - clip_from).total_seconds()) < 0.01
        _, body = fetch(api, clip["url"].removeprefix("/api/v1"))
        assert len(body) == clip["size_bytes"]
    path = Path(tmp_path) / "clip.mp4"
    path.write_bytes(body)
    frames, errors = decode_check(path)
    with av.open(str(path)) as container:
        shown = [(f.key_frame, shown_ms(f)) for f in container.decode(video=0)]
    assert errors == 0 and frames == len(shown)
    assert shown[0][0]  # the clip opens on a keyframe …
    assert epoch_ms(clip_from) - 1300 <= shown[0][1] <= epoch_ms(clip_from) + 50  # … at or before `from`
    assert epoch_ms(clip_to) - 400 <= shown[-1][1] <= epoch_ms(clip_to) + 50  # and ends at `to`
    codes = [ms for _, ms in shown]
    assert codes == sorted(codes) and all(b - a < 250 for a, b in zip(codes, codes[1:]))  # no lost stretch at the joins
