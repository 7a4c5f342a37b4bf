"""A full disk, end to end: the recorder fills a small filesystem of the test's own, frees space at once
with an emergency retention pass and carries on; when nothing may be deleted (evidence locks) the hole is
recorded as `disk_full` and recording resumes by itself once space returns; no corrupt segment is ever
indexed. Real peers: the GStreamer camera, `manage.py record`, a tmpfs mount."""

from __future__ import annotations

import errno
import time
from datetime import datetime, timezone

import av
import pytest

from nvr.api.fields import parse_rfc3339
from tests.peers.recorder import recording_system, wait_until
from tests.peers.rtsp import GstCamera, require_gstreamer
from tests.peers.small_disk import small_filesystem

pytestmark = pytest.mark.slow


def decodes_completely(path) -> int:
    """Frames decoded from a whole file (raises on a corrupt one)."""
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def fill(path) -> None:
    """Write `path` until the filesystem has no space left."""
    with open(path, "wb", buffering=0) as handle:  # unbuffered: nothing left to flush (and fail) on close
        try:
            while True:
                handle.write(b"\0" * 65536)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC


def test_a_full_disk_is_freed_at_once_or_recorded_as_a_disk_full_gap(tmp_path):
    require_gstreamer()
    camera = GstCamera(size="640x480", kbps=1000).start()  # about 125 kB/s: the disk fills in about half a minute
    try:
        with small_filesystem(6) as disk, recording_system(tmp_path) as (server, api, recorder):
            (disk / "ballast").write_bytes(b"\0" * 2 * 2**20)
            camera_id = api.add_camera("Gate", camera.url("/h264"), segment_seconds=2)
            rec = recorder(NVR_RECORDINGS_DIR=str(disk), NVR_MIN_FREE_DISK_GB="0.001")

            # 1. The camera's own footage fills the disk: the oldest goes at once, recording carries on.
            def emergency_pass():
                events = api.get("/events?event_type=disk_pressure&limit=50")
                return [e for e in events if e["payload"].get("reason") == "disk_full" and e["payload"]["deleted"]]

            freed = wait_until(emergency_pass, 120, "an emergency retention pass", interval=1)
            offline = api.get(f"/events?camera_id={camera_id}&event_type=camera_offline&limit=50")
            assert offline and offline[-1]["payload"]["cause"] == "the recorder's disk is full"
            freed_at = parse_rfc3339(freed[-1]["timestamp"])
            wait_until(lambda: any(parse_rfc3339(s["start_time"]) > freed_at for s in api.segments(camera_id)), 30,
                       "recording after the emergency pass")

            # 2. Nothing may be deleted (evidence) and the disk is full: a disk_full hole until space returns.
            def lock_all():
                for segment in api.segments(camera_id):
                    if not segment["evidence_locked"]:
                        code = api.post(f"/segments/{segment['id']}/evidence-lock", {"incident_id": "inc-1"})[0]
                        assert code in (200, 404)  # 404: the emergency pass deleted it first

            lock_all()
            filled_at = datetime.now(timezone.utc)
            fill(disk / "ballast-2")
            for _ in range(8):  # what was written meanwhile is locked too, so the emergency pass finds nothing
                lock_all()
                time.sleep(1)
            wait_until(lambda: api.health(camera_id)["gap_reason"] == "disk_full", 30, "recording stopped: disk full")
            (disk / "ballast-2").unlink()
            freed_at = datetime.now(timezone.utc)
            try:
                gaps = wait_until(lambda: [g for g in api.gaps(camera_id) if g["reason"] == "disk_full"
                                           and parse_rfc3339(g["gap_end"]) > filled_at], 60,
                                  "a disk_full gap, once recording resumed by itself", interval=1)
                wait_until(lambda: any(parse_rfc3339(s["start_time"]) >= freed_at for s in api.segments(camera_id)),
                           60, "recording after space returned")
            except AssertionError as exc:
                raise AssertionError(f"{exc}; filled at {filled_at}; gaps {api.gaps(camera_id)}; "
                                     f"health {api.health(camera_id)}; log {rec.log()[-1500:]}") from None
            assert gaps[0]["fill_state"] == "pending" and gaps[0]["gap_seconds"] <= 45, gaps

            assert rec.terminate() == 0, rec.log()
            segments = api.segments(camera_id)
            files = sorted(disk.glob("**/*.mp4"))
            assert len(files) == len(segments) > 0  # the deleted went with their rows; nothing orphaned
            for path in files:
                assert decodes_completely(path) > 0, path  # nothing indexed is corrupt
            assert "emergency retention deleted" in rec.log()
    finally:
        camera.stop()
