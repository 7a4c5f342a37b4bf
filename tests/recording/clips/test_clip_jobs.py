"""Clip export as a background job: queued with 202, claimed once by a task worker, progress and heartbeat while
it runs, cancel, failures with a scrubbed message, jobs whose worker died failed by the expiry task, and the
segment read locks a job takes released on every path."""

from __future__ import annotations

import pydoc
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.exceptions import TimeoutException
from django_q.signing import SignedPackage

from accounts.principal import SYSTEM
from nvr.api.fields import format_rfc3339
from recording import clip_mux, clips, media_jobs, pruning, tasks
from recording.api.clip_serializers import ClipSerializer
from recording.models import Clip, ClipStatus, Segment
from tests.recording.clips.footage import make_footage
from tests.recording.conftest import T0

pytestmark = pytest.mark.django_db

SECRET_URL = "rtsp://admin:hunter2@10.0.0.9/stream"


def at(seconds: float):
    return T0 + timedelta(seconds=seconds)


def window(start: float, end: float) -> dict:
    return {"from": format_rfc3339(at(start)), "to": format_rfc3339(at(end))}


def export(client, start: float = 1, end: float = 5, camera_id: str = "cam1"):
    return client.post(f"/api/v1/cameras/{camera_id}/clip", window(start, end), format="json")


@pytest.fixture
def queued(monkeypatch):
    """Tasks go to the real (ORM) broker instead of running inline: nobody runs them until the test does."""
    monkeypatch.setattr(Conf, "SYNC", False)


def run_queued_task() -> object:
    """What a cluster worker does with the next queued package: load it, call its function, acknowledge it."""
    broker = get_broker()
    [(ack_id, pack)] = broker.dequeue()
    task = SignedPackage.loads(pack)
    result = pydoc.locate(task["func"])(*task["args"], **task["kwargs"])
    broker.acknowledge(ack_id)
    return task, result


def files_under_clips() -> list[Path]:
    root = Path(settings.NVR_CLIPS_DIR)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def read_locks() -> list[int]:
    return list(Segment.objects.order_by("start_time").values_list("read_locks", flat=True))


def watch_heartbeats(monkeypatch, on_beat):
    """Call `on_beat(clip_id, count)` after each progress report the job writes (every one: no throttle)."""
    monkeypatch.setattr(clips, "PROGRESS_EVERY_S", 0.0)
    original = clips._Heartbeat.__call__
    count = {"n": 0}

    def watching(self, reached):
        original(self, reached)
        count["n"] += 1
        on_beat(self.clip.pk, count["n"])

    monkeypatch.setattr(clips._Heartbeat, "__call__", watching)


# --- queued, then run by a worker -------------------------------------------------------------------

def test_the_export_is_queued_pending_and_a_worker_completes_it(viewer_client, camera, queued):
    make_footage(camera, at(0), 10)
    response = export(viewer_client)
    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["progress"], body["url"], body["covered_seconds"], body["gaps"]) == ("pending", 0.0, None, None, None)
    assert viewer_client.get(f"/api/v1/clips/{body['id']}").json()["status"] == "pending"

    task, result = run_queued_task()
    assert (task["func"], task["args"], result) == (clips.EXPORT_TASK, (body["id"],), "completed")
    done = viewer_client.get(f"/api/v1/clips/{body['id']}").json()
    assert (done["status"], done["progress"], done["covered_seconds"], done["gaps"]) == ("completed", 1.0, 4.0, [])
    assert done["url"] == f"/api/v1/clips/{body['id']}/download"
    assert viewer_client.get(done["url"]).status_code == 200


def test_a_redelivered_task_does_nothing(camera):
    make_footage(camera, at(0), 10)
    clip = clips.export_clip(SYSTEM, camera, at(1), at(5))
    written = clips.clip_file(clip).stat().st_mtime_ns
    assert clips.run_export_job(clip.pk) == "completed"  # claimed only when pending: not exported twice
    assert clips.clip_file(clip).stat().st_mtime_ns == written
    assert clips.run_export_job("clip_gone") == "missing"


def test_download_answers_409_until_the_clip_is_completed(viewer_client, camera, queued):
    make_footage(camera, at(0), 10)
    clip = export(viewer_client).json()
    download = f"/api/v1/clips/{clip['id']}/download"
    response = viewer_client.get(download, HTTP_ACCEPT="video/mp4")
    assert response.status_code == 409 and response.json()["code"] == "clip_not_ready"
    Clip.objects.filter(pk=clip["id"]).update(status=ClipStatus.RUNNING)
    assert viewer_client.get(download).status_code == 409
    Clip.objects.filter(pk=clip["id"]).update(status=ClipStatus.PENDING)
    run_queued_task()
    assert viewer_client.get(download).status_code == 200


def test_a_queue_that_cannot_take_the_job_is_503_and_the_clip_failed(viewer_client, camera, monkeypatch):
    make_footage(camera, at(0), 10)

    def broken(*args, **kwargs):
        raise ConnectionError("redis://:secret@queue:6379 refused")

    monkeypatch.setattr(clips, "async_task", broken)
    response = export(viewer_client)
    assert response.status_code == 503 and "secret" not in response.content.decode()
    assert list(Clip.objects.values_list("status", "error")) == [("failed", "the export could not be queued")]


# --- progress ------------------------------------------------------------------------------------------

def test_progress_and_the_heartbeat_are_visible_while_the_job_runs(camera, monkeypatch):
    for index in range(6):
        make_footage(camera, at(5 * index), 5)
    seen = []

    def look(clip_id, _count):  # what a client polling GET /clips/{id} sees, and what the job holds
        clip = Clip.objects.get(pk=clip_id)
        seen.append((ClipSerializer(clip).data, clip.heartbeat_at, clip.holds_read_locks, read_locks()))

    watch_heartbeats(monkeypatch, look)
    clip = clips.export_clip(SYSTEM, camera, at(0), at(30))
    assert (clip.status, clip.progress, clip.segment_count) == ("completed", 1.0, 6)
    assert [row["status"] for row, *_ in seen] == ["running"] * 7
    # before the first file, then before each of the six: the share of the 30 s window copied so far
    assert [row["progress"] for row, *_ in seen] == [0.0, 0.0, 0.167, 0.333, 0.5, 0.667, 0.833]
    assert all(row["url"] is None and row["covered_seconds"] is None for row, *_ in seen)
    beats = [beat for _, beat, _, _ in seen]
    assert beats == sorted(beats) and None not in beats
    assert all(holds and locks == [1] * 6 for _, _, holds, locks in seen[1:])
    assert read_locks() == [0] * 6


def test_progress_reports_are_throttled(camera, monkeypatch):
    for index in range(6):
        make_footage(camera, at(5 * index), 5)
    writes = []
    original = clips._Heartbeat.__call__

    def counting(self, reached):
        before = self.last
        original(self, reached)
        writes.append(self.last != before)

    monkeypatch.setattr(clips._Heartbeat, "__call__", counting)
    monkeypatch.setattr(clips, "PROGRESS_EVERY_S", 3600.0)
    assert clips.export_clip(SYSTEM, camera, at(0), at(30)).status == "completed"
    assert writes[0] and not any(writes[1:])  # one write, then none within the interval


def test_progress_fraction_is_the_share_of_the_window_reached():
    assert clips.progress_fraction(None, at(0), at(10)) == 0.0
    assert clips.progress_fraction(at(-5), at(0), at(10)) == 0.0
    assert clips.progress_fraction(at(2.5), at(0), at(10)) == 0.25
    assert clips.progress_fraction(at(12), at(0), at(10)) == 1.0


# --- cancel --------------------------------------------------------------------------------------------

def test_cancelling_a_running_export_stops_it_and_removes_its_partial_file(camera, monkeypatch):
    for index in range(6):
        make_footage(camera, at(5 * index), 5)
    partial = []

    def cancel_midway(clip_id, count):
        if count == 3:  # two files copied: the operator presses Cancel
            clip = Clip.objects.get(pk=clip_id)
            partial.append(clips.temp_file(clips.clip_file(clip)).stat().st_size)
            assert clips.cancel_clip(SYSTEM, clip).status == "running"  # still stopping
            assert Clip.objects.get(pk=clip_id).cancel_requested

    watch_heartbeats(monkeypatch, cancel_midway)
    clip = clips.export_clip(SYSTEM, camera, at(0), at(30))
    assert partial and partial[0] > 0, "a partial file existed when the cancel came"
    assert (clip.status, clip.error, clip.holds_read_locks) == ("cancelled", "", False)
    assert clip.finished_at is not None and clip.progress < 1
    assert files_under_clips() == [] and read_locks() == [0] * 6


def test_cancelling_a_pending_export_cancels_it_at_once_and_the_task_then_does_nothing(viewer_client, camera, queued):
    make_footage(camera, at(0), 10)
    clip = export(viewer_client).json()
    response = viewer_client.post(f"/api/v1/clips/{clip['id']}/cancel")
    assert response.status_code == 202
    assert (response.json()["status"], response.json()["cancel_requested"]) == ("cancelled", True)
    _, result = run_queued_task()
    assert result == "cancelled" and files_under_clips() == []
    assert viewer_client.post(f"/api/v1/clips/{clip['id']}/cancel").status_code == 202  # again: nothing changes
    assert viewer_client.get(f"/api/v1/clips/{clip['id']}/download").status_code == 409


def test_the_cancel_endpoint_asks_a_running_export_to_stop(viewer_client, camera, queued):
    make_footage(camera, at(0), 10)
    clip = export(viewer_client).json()
    Clip.objects.filter(pk=clip["id"]).update(status=ClipStatus.RUNNING)  # a worker has it
    body = viewer_client.post(f"/api/v1/clips/{clip['id']}/cancel").json()
    assert (body["status"], body["cancel_requested"]) == ("running", True)


def test_delete_of_a_running_export_cancels_it_and_of_a_stopped_one_deletes_it(viewer_client, camera, queued,
                                                                                django_capture_on_commit_callbacks):
    make_footage(camera, at(0), 10)
    clip = export(viewer_client).json()
    Clip.objects.filter(pk=clip["id"]).update(status=ClipStatus.RUNNING)  # a worker has it
    response = viewer_client.delete(f"/api/v1/clips/{clip['id']}")
    assert response.status_code == 202
    assert (response.json()["status"], response.json()["cancel_requested"]) == ("running", True)
    Clip.objects.filter(pk=clip["id"]).update(status=ClipStatus.CANCELLED)  # the worker stopped
    with django_capture_on_commit_callbacks(execute=True):
        assert viewer_client.delete(f"/api/v1/clips/{clip['id']}").status_code == 204
    assert not Clip.objects.exists()


def test_delete_of_a_queued_export_deletes_it_and_the_task_then_does_nothing(viewer_client, camera, queued,
                                                                             django_capture_on_commit_callbacks):
    make_footage(camera, at(0), 10)
    clip = export(viewer_client).json()
    with django_capture_on_commit_callbacks(execute=True):
        assert viewer_client.delete(f"/api/v1/clips/{clip['id']}").status_code == 204
    _, result = run_queued_task()
    assert result == "missing" and files_under_clips() == [] and not Clip.objects.exists()


def test_a_finished_export_cannot_be_cancelled(viewer_client, camera):
    make_footage(camera, at(0), 10)
    clip = export(viewer_client).json()
    response = viewer_client.post(f"/api/v1/clips/{clip['id']}/cancel")
    assert response.status_code == 409 and response.json()["code"] == "clip_finished"


def test_cancelling_needs_video_export_and_the_camera_in_scope(viewer_client, key_client, camera, other_camera, queued):
    make_footage(other_camera, at(0), 10)
    clip = export(viewer_client, camera_id="cam2").json()
    assert key_client(["camera:read", "video:playback"]).post(f"/api/v1/clips/{clip['id']}/cancel").status_code == 403
    scoped = key_client(["camera:read", "video:export"], cameras=["cam1"])
    assert scoped.post(f"/api/v1/clips/{clip['id']}/cancel").status_code == 403
    assert Clip.objects.get(pk=clip["id"]).status == "pending"


# --- failures --------------------------------------------------------------------------------------------

def crash_in_the_second_file(monkeypatch):
    original = clip_mux.ClipMuxer._copy_packets

    def copy(self, container, piece, *streams):
        if self.result.used:
            raise RuntimeError(f"demuxer exploded reading {piece.path} from {SECRET_URL}")
        return original(self, container, piece, *streams)

    monkeypatch.setattr(clip_mux.ClipMuxer, "_copy_packets", copy)


def test_a_crash_inside_the_mux_fails_the_job_with_a_scrubbed_message_and_no_file(viewer_client, camera, monkeypatch):
    make_footage(camera, at(0), 5)
    make_footage(camera, at(5), 5)
    crash_in_the_second_file(monkeypatch)
    response = export(viewer_client, 1, 9)
    body = response.json()
    assert response.status_code == 202 and body["status"] == "failed"
    assert body["error"] == "the recordings could not be copied into a clip"
    text = response.content.decode()
    assert "hunter2" not in text and "10.0.0.9" not in text and str(settings.NVR_RECORDINGS_DIR) not in text
    assert body["url"] is None and body["finished_at"]
    assert files_under_clips() == [] and read_locks() == [0, 0]
    assert viewer_client.get(f"/api/v1/clips/{body['id']}/download").status_code == 409


def test_a_task_killed_by_the_cluster_timeout_fails_and_cleans_up(camera, queued, monkeypatch):
    make_footage(camera, at(0), 5)
    make_footage(camera, at(5), 5)

    def timeout(clip_id, count):
        if count == 3:
            raise TimeoutException("Task exceeded maximum timeout value (600 seconds)")  # django-q2's SIGALRM

    clip = clips.export_clip(SYSTEM, camera, at(1), at(9))
    watch_heartbeats(monkeypatch, timeout)
    with pytest.raises(TimeoutException):
        clips.run_export_job(clip.pk)
    clip.refresh_from_db()
    assert (clip.status, clip.error, clip.holds_read_locks) == ("failed", "the export was interrupted", False)
    assert files_under_clips() == [] and read_locks() == [0, 0]


@pytest.mark.parametrize("ending", ["completed", "crash", "cancel", "timeout", "files_gone", "media_busy"])
def test_read_locks_are_released_however_the_job_ends(camera, monkeypatch, settings, ending):
    make_footage(camera, at(0), 5, write=ending != "files_gone")
    make_footage(camera, at(5), 5, write=ending != "files_gone")
    if ending == "crash":
        crash_in_the_second_file(monkeypatch)
    elif ending == "cancel":
        watch_heartbeats(monkeypatch, lambda clip_id, n: n == 2 and clips.cancel_clip(SYSTEM, Clip.objects.get(pk=clip_id)))
    elif ending == "timeout":
        monkeypatch.setattr(clips, "EXPORT_TIMEOUT_S", 0.0)
    elif ending == "media_busy":
        settings.NVR_MEDIA_JOB_CONCURRENCY = 1
        monkeypatch.setattr(clips, "JOB_PERMIT_WAIT_S", 0.01)
    if ending == "media_busy":
        with media_jobs.media_permit():
            clip = clips.export_clip(SYSTEM, camera, at(1), at(9))
    else:
        clip = clips.export_clip(SYSTEM, camera, at(1), at(9))
    expected = {"completed": "completed", "cancel": "cancelled"}.get(ending, "failed")
    assert clip.status == expected, clip.error
    assert read_locks() == [0, 0] and not clip.holds_read_locks
    if ending != "completed":
        assert files_under_clips() == []


# --- jobs whose worker died ---------------------------------------------------------------------------------

def died_mid_export(viewer_client, camera) -> tuple[Clip, Path]:
    """A job a worker claimed, read-locked its segments for, wrote part of, and then died (SIGKILL, OOM)."""
    clip = Clip.objects.get(pk=export(viewer_client, 1, 9).json()["id"])
    Clip.objects.filter(pk=clip.pk).update(status=ClipStatus.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now())
    clips._take_read_locks(clip, list(Segment.objects.all()))
    temp = clips.temp_file(clips.clip_file(clip))
    temp.write_bytes(b"\x00\x00\x00\x18ftypisom half a clip")
    return clip, temp


def test_a_job_whose_worker_died_is_failed_by_the_expiry_task_which_cleans_up(viewer_client, camera, queued):
    make_footage(camera, at(0), 5)
    make_footage(camera, at(5), 5)
    clip, temp = died_mid_export(viewer_client, camera)
    assert read_locks() == [1, 1] and not Segment.objects.filter(pruning.DELETABLE).exists()  # retention must wait
    with time_machine.travel(timezone.now() + clips.STALE_AFTER - timedelta(seconds=5), tick=False):
        assert tasks.prune_clips()["stale"] == 0
    assert Clip.objects.get(pk=clip.pk).status == "running" and temp.exists()
    with time_machine.travel(timezone.now() + clips.STALE_AFTER + timedelta(seconds=5), tick=False):
        assert tasks.prune_clips() == {"expired": 0, "orphans": 0, "stale": 1}
    clip.refresh_from_db()
    assert (clip.status, clip.error, clip.holds_read_locks) == ("failed", clips.JOB_DIED, False)
    assert clip.finished_at is not None
    assert files_under_clips() == [] and read_locks() == [0, 0]
    assert Segment.objects.filter(pruning.DELETABLE).count() == 2  # retention may prune them again
    run_queued_task()  # the task, re-delivered after the worker died, leaves the failed clip alone
    assert Clip.objects.get(pk=clip.pk).status == "failed" and read_locks() == [0, 0]


def test_a_dead_job_that_was_being_cancelled_ends_cancelled(viewer_client, camera, queued):
    make_footage(camera, at(0), 10)
    clip, _ = died_mid_export(viewer_client, camera)
    Clip.objects.filter(pk=clip.pk).update(cancel_requested=True)
    with time_machine.travel(timezone.now() + clips.STALE_AFTER + timedelta(seconds=5), tick=False):
        assert tasks.prune_clips()["stale"] == 1
    assert Clip.objects.filter(pk=clip.pk, status="cancelled", error="").exists() and read_locks() == [0]


def test_read_locks_left_by_a_job_that_died_after_it_stopped_running_are_released(viewer_client, camera, queued):
    make_footage(camera, at(0), 10)
    clip, _ = died_mid_export(viewer_client, camera)
    Clip.objects.filter(pk=clip.pk).update(status=ClipStatus.FAILED)  # ended, but died before its release
    assert read_locks() == [1]
    tasks.prune_clips()
    assert read_locks() == [0] and not Clip.objects.get(pk=clip.pk).holds_read_locks


def test_releasing_a_jobs_read_locks_twice_releases_them_once(camera):
    first = make_footage(camera, at(0), 10)
    clip = Clip.objects.create(camera=camera, path="cam1/clip_x.mp4", from_time=at(0), to_time=at(5), requested_seconds=5,
                               expires_at=timezone.now() + timedelta(hours=1), status=ClipStatus.RUNNING)
    Segment.objects.filter(pk=first.pk).update(read_locks=1)  # another reader (a still) holds it too
    clips._take_read_locks(clip, [first])
    assert read_locks() == [2]
    assert clips.release_read_locks(clip.pk) and not clips.release_read_locks(clip.pk)
    assert read_locks() == [1]  # the other reader's lock stays
