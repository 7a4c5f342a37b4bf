"""The pipeline against real RTSP cameras (gst-rtsp-server): segments, audio policy, reconnects, auth, pre-roll."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import av
import pytest

from recording.recorder.pipeline import PipelineConfig
from recording.recorder.segments import parse_segment_path, probe_segment_file, salvage_part, segment_relpath
from tests.peers.rtsp import decode_check, wait_for
from tests.recording.recorder.pipelines import running

SEGMENT_S = 10
RECORD_S = 60


def config(root: Path, camera_id: str, url: str, **fields) -> PipelineConfig:
    fields.setdefault("segment_seconds", SEGMENT_S)
    fields.setdefault("timeout_s", 5.0)
    return PipelineConfig(camera_id=camera_id, url=url, recordings_root=root, **fields)


def audio_codec(path: Path) -> str | None:
    with av.open(str(path)) as container:
        return container.streams.audio[0].codec_context.name if container.streams.audio else None


def video_tag(path: Path) -> str:
    with av.open(str(path)) as container:
        return container.streams.video[0].codec_context.codec_tag


def starts_with_keyframe(path: Path) -> bool:
    with av.open(str(path)) as container:
        return next(p for p in container.demux(container.streams.video[0]) if p.dts is not None).is_keyframe


def assert_run_is_sound(root: Path, camera_id: str, run, expect_audio: bool, codec: str) -> None:
    """The segments of one uninterrupted run: abut, named right, decode cleanly, add up to the time recorded."""
    segments = run.events.segments
    assert len(segments) >= RECORD_S // SEGMENT_S, segments
    for previous, following in zip(segments, segments[1:]):
        assert previous.end == following.start  # no overlap, no hole
    for segment in segments[1:-1]:  # cut on the first keyframe (1 s GOP) on/after each 10 s boundary
        assert segment.start.timestamp() % SEGMENT_S < 1.2
        assert segment.duration_s == pytest.approx(SEGMENT_S, abs=1.05)
    # The media in the files fills the wall-clock span they claim, which is the time that was recorded:
    # from the first keyframe (read while connecting, before on_connected) to stop().
    span = (segments[-1].end - segments[0].start).total_seconds()
    media = sum(probe_segment_file(root / s.relpath, root).duration_s for s in segments)
    assert media == pytest.approx(span, rel=0.01)
    connected_at = run.events.connected[0][0]
    assert connected_at - 1.5 < segments[0].start.timestamp() <= connected_at
    assert segments[-1].end.timestamp() == pytest.approx(run.stopped_at, abs=0.5)
    for segment in segments:
        assert_segment_file_is_sound(root, camera_id, segment, expect_audio, codec)
    assert not list(root.rglob("*.part"))


def assert_segment_file_is_sound(root: Path, camera_id: str, segment, expect_audio: bool, codec: str) -> None:
    """Named by its start in its day folder, decodes end to end, starts on a keyframe, right tracks and tags."""
    path = root / segment.relpath
    assert segment.relpath == segment_relpath(camera_id, segment.start)
    assert parse_segment_path(segment.relpath) == (camera_id, segment.start.replace(microsecond=0))
    assert segment.codec == codec
    if segment.duration_s >= 1:  # a last sliver of a segment may end before the first transcoded audio frame
        assert segment.has_audio is expect_audio
    assert probe_segment_file(path, root).duration_s == pytest.approx(segment.duration_s, abs=0.1)
    frames, errors = decode_check(path)
    assert errors == 0, segment.relpath
    assert frames == pytest.approx(25 * segment.duration_s, abs=3)
    assert starts_with_keyframe(path)
    assert audio_codec(path) == ("aac" if expect_audio else None)
    if codec == "hevc":
        assert video_tag(path) == "hvc1"


@pytest.mark.slow
def test_six_cameras_record_a_minute_concurrently(gst_camera, tmp_path):
    cases = {  # camera id: (url, transport, audio expected, codec)
        "h264": (gst_camera.url("/h264"), "tcp", False, "h264"),
        "h265": (gst_camera.url("/h265"), "tcp", False, "hevc"),
        "aac": (gst_camera.url("/h264aac"), "tcp", True, "h264"),
        "pcmu": (gst_camera.url("/h264pcmu"), "tcp", True, "h264"),
        "auth": (gst_camera.auth_url(), "tcp", False, "h264"),
        "udp": (gst_camera.url("/h264"), "udp", False, "h264"),
    }
    with ExitStack() as stack:
        runs = {
            camera_id: stack.enter_context(running(config(
                tmp_path, camera_id, url, transport=transport, record_audio=camera_id in ("aac", "pcmu"))))
            for camera_id, (url, transport, _audio, _codec) in cases.items()
        }
        assert wait_for(lambda: all(r.events.connected for r in runs.values()), 20)
        time.sleep(RECORD_S)
        for run in runs.values():
            run.stop()
    for camera_id, (_url, _transport, audio, codec) in cases.items():
        run = runs[camera_id]
        assert run.events.disconnects == [], camera_id
        assert run.stop_took < 2.0
        assert_run_is_sound(tmp_path, camera_id, run, audio, codec)
        rates = [fps for fps, _, _ in run.events.stats[1:]]
        assert sum(rates) / len(rates) == pytest.approx(25, abs=1)
    assert runs["pcmu"].events.connected[0][1].audio == "pcm_mulaw → aac"
    assert runs["aac"].events.connected[0][1].audio == "aac (copied)"
    assert runs["h265"].events.connected[0][1].video_codec == "hevc"


def test_other_audio_is_dropped_with_a_note_and_audio_off_records_none(gst_camera, tmp_path):
    if "/h264opus" not in gst_camera.mounts:
        pytest.skip("GStreamer Opus plugins are not installed")
    with running(config(tmp_path, "opus", gst_camera.url("/h264opus"), record_audio=True)) as opus, \
            running(config(tmp_path, "off", gst_camera.url("/h264aac"))) as off:
        assert wait_for(lambda: opus.events.connected and off.events.connected, 15)
        assert wait_for(lambda: time.time() - max(opus.events.connected[0][0], off.events.connected[0][0]) > 1.5, 5)
    assert opus.events.connected[0][1].audio is None
    assert opus.events.connected[0][1].note == "audio codec opus dropped"
    assert off.events.connected[0][1].note == "audio not recorded (record_audio off)"
    for segment in opus.events.segments + off.events.segments:
        assert not segment.has_audio
        assert audio_codec(tmp_path / segment.relpath) is None


@pytest.mark.slow
def test_the_pipeline_reconnects_by_itself_after_the_camera_goes_away(gst_camera, tmp_path):
    with running(config(tmp_path, "cam", gst_camera.url("/h264"))) as run:
        assert wait_for(lambda: run.events.connected, 15)
        time.sleep(4)
        gst_camera.stop()
        gone_at = time.time()
        assert wait_for(lambda: run.events.disconnects, 10)
        time.sleep(max(0.0, 10 - (time.time() - gone_at)))
        gst_camera.start()
        assert wait_for(lambda: len(run.events.connected) == 2, 30)
        time.sleep(3)
    _, reason, error, ran = run.events.disconnects[0]
    assert reason == "camera_offline" and 3 < ran < 6
    assert all(d[1] == "camera_offline" for d in run.events.disconnects)  # refused while it was down
    before = [s for s in run.events.segments if s.end.timestamp() <= gone_at + 0.5]
    after = [s for s in run.events.segments if s.start.timestamp() > gone_at]
    assert before and after
    hole = (after[0].start - before[-1].end).total_seconds()
    # 10 s down, then up to one backoff step (1+2+4+8 s schedule) plus the first keyframe
    assert 9.5 < hole < 10 + 8 + 3
    for segment in before + after:
        assert decode_check(tmp_path / segment.relpath)[1] == 0


@pytest.mark.slow
def test_a_stalled_camera_is_a_disconnect_after_the_socket_timeout(gst_camera, tmp_path):
    with running(config(tmp_path, "cam", gst_camera.url("/h264"), timeout_s=2.0, segment_seconds=3600)) as run:
        assert wait_for(lambda: run.events.connected, 15)
        time.sleep(2)
        gst_camera.process.send_signal(signal.SIGSTOP)  # a hung camera: connection open, nothing sent
        try:
            stalled = time.time()
            assert wait_for(lambda: run.events.disconnects, 10)
        finally:
            gst_camera.process.send_signal(signal.SIGCONT)
    noticed, reason, _error, _ran = run.events.disconnects[0]
    assert reason == "camera_offline"
    assert 1.5 < noticed - stalled < 5
    (segment,) = run.events.segments  # closed when the stall was noticed, with what had arrived
    assert segment.end.timestamp() == pytest.approx(stalled, abs=0.5)
    assert decode_check(tmp_path / segment.relpath)[1] == 0


def test_a_wrong_password_is_auth_failed_and_never_leaks(gst_camera, tmp_path):
    url = gst_camera.auth_url(password="hunter2-wrong")
    with running(config(tmp_path, "cam", url)) as run:
        assert wait_for(lambda: run.events.disconnects, 10)
    _, reason, error, ran = run.events.disconnects[0]
    assert reason == "auth_failed" and ran == 0.0
    assert "hunter2" not in error and "401" in error
    assert run.events.segments == [] and run.events.connected == []


def test_an_unknown_path_or_a_closed_port_is_camera_offline(gst_camera, tmp_path):
    with running(config(tmp_path, "a", gst_camera.url("/nope"))) as missing, \
            running(config(tmp_path, "b", "rtsp://127.0.0.1:9/h264")) as refused:
        assert wait_for(lambda: missing.events.disconnects and refused.events.disconnects, 10)
    assert missing.events.disconnects[0][1] == "camera_offline"
    assert refused.events.disconnects[0][1] == "camera_offline"


@pytest.mark.slow
def test_pre_roll_puts_the_seconds_before_the_trigger_in_the_recording(gst_camera, tmp_path):
    cfg = config(tmp_path, "cam", gst_camera.url("/h264aac"), pre_roll_seconds=3, record_audio=True)
    with running(cfg, recording=False) as run:
        assert wait_for(lambda: run.events.connected, 15)
        time.sleep(6)
        assert run.events.segments == [] and not list(tmp_path.rglob("*.mp4*"))  # armed: nothing written
        triggered = time.time()
        run.pipeline.set_recording(True)
        time.sleep(4)
        run.pipeline.set_recording(False)  # closes the segment now, stays connected
        stopped = time.time()
        assert wait_for(lambda: run.events.segments, 2)
        time.sleep(2)
        burst = list(run.events.segments)
        run.pipeline.set_recording(True)
        time.sleep(3)
    first, second = burst[0], run.events.segments[len(burst)]
    assert triggered - 3 - 1.2 < first.start.timestamp() <= triggered - 3
    assert burst[-1].end.timestamp() == pytest.approx(stopped, abs=0.5)
    assert second.start >= burst[-1].end  # packets already written are never written again
    assert run.events.disconnects == []
    for segment in run.events.segments:
        path = tmp_path / segment.relpath
        assert segment.has_audio and decode_check(path)[1] == 0
    for segment in (first, second):
        assert starts_with_keyframe(tmp_path / segment.relpath)


RECORDER = """
import sys
from pathlib import Path
from recording.recorder.pipeline import CameraPipeline, PipelineConfig

class Report:
    def on_connected(self, camera_id, info):
        print("CONNECTED", flush=True)

    def __getattr__(self, name):
        return lambda *args: None

CameraPipeline(PipelineConfig(camera_id="cam", url=sys.argv[1], segment_seconds=3600,
                              recordings_root=Path(sys.argv[2])), Report()).run()
"""


@pytest.mark.slow
def test_a_recorder_killed_mid_segment_loses_at_most_the_open_fragment(gst_camera, tmp_path):
    repo = Path(__file__).resolve().parents[3]
    recorder = subprocess.Popen([sys.executable, "-c", RECORDER, gst_camera.url("/h264aac"), str(tmp_path)],
                                cwd=repo, stdout=subprocess.PIPE, text=True)
    try:
        assert recorder.stdout.readline().strip() == "CONNECTED"
        connected = time.time()
        time.sleep(4.5)
        recorder.send_signal(signal.SIGKILL)
        killed = time.time()
        recorder.wait(5)
    finally:
        recorder.kill()
        recorder.stdout.close()
    (part,) = tmp_path.rglob("*.mp4.part")
    segment = salvage_part(part, tmp_path)
    assert not part.exists() and (tmp_path / segment.relpath).is_file()
    # at most the open GOP (1 s) is lost; the first keyframe may precede on_connected by the probing burst
    assert killed - connected - 1.3 < segment.duration_s < killed - connected + 1.5
    frames, errors = decode_check(tmp_path / segment.relpath)
    assert errors == 0 and frames == pytest.approx(25 * segment.duration_s, abs=2)
