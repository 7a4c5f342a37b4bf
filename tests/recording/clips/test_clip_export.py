"""Clip export service: real segment files in, one MP4 out, checked by decoding it with PyAV (the export job runs
inline: `export_clip` returns the clip as the job left it)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import av
import pytest
from django.conf import settings
from rest_framework.exceptions import NotFound, ValidationError

from accounts.principal import SYSTEM
from recording import clips
from recording.models import Clip, Segment
from tests.peers.rtsp import decode_check
from tests.recording.clips.footage import epoch_ms, make_footage, shown_ms
from tests.recording.conftest import T0

pytestmark = pytest.mark.django_db


def at(seconds: float):
    return T0 + timedelta(seconds=seconds)


def frames_of(path: Path) -> list[tuple[float, int | None, bool]]:
    """(clip seconds, wall-clock ms shown, keyframe) of every decoded video frame."""
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        return [(float(f.pts * video.time_base), shown_ms(f), f.key_frame) for f in container.decode(video)]


def packets_of(path: Path, kind: str) -> list[int]:
    with av.open(str(path)) as container:
        stream = getattr(container.streams, kind)[0]
        return [p.dts for p in container.demux(stream) if p.dts is not None]


def test_clip_starts_at_the_keyframe_before_from_and_ends_before_to(camera):
    make_footage(camera, at(0), 10, gop=10)  # a keyframe every second
    make_footage(camera, at(10), 10, gop=10)
    clip = clips.export_clip(SYSTEM, camera, at(3.45), at(14.3))
    frames = frames_of(clips.clip_file(clip))
    first_time, first_ms, first_key = frames[0]
    assert first_key and first_time == 0.0
    assert first_ms == epoch_ms(at(3.0))  # the keyframe at or before `from`
    assert frames[-1][1] == epoch_ms(at(14.2))  # the last frame before `to`
    assert len(frames) == 113
    times = [t for t, _, _ in frames]
    assert times == sorted(times) and len(set(times)) == len(times)
    shown = [ms for _, ms, _ in frames]
    assert shown == [epoch_ms(at(3.0 + i / 10)) for i in range(113)]  # nothing lost or repeated across the cut
    assert abs(times[-1] - 11.2) < 0.01  # real timing kept: 3.0 → 14.2
    assert (clip.segment_count, clip.covered_seconds, clip.gaps) == (2, 10.85, [])
    assert decode_check(clips.clip_file(clip)) == (113, 0)


def test_a_window_straddling_a_hole_reports_covered_seconds_and_gaps(camera):
    make_footage(camera, at(0), 10)
    make_footage(camera, at(10), 10)
    make_footage(camera, at(40), 10)  # 20 s hole from 20 to 40
    clip = clips.export_clip(SYSTEM, camera, at(15), at(45))
    assert clip.covered_seconds == 10.0 and clip.requested_seconds == 30.0
    assert clip.gaps == [{"from": "2026-06-15T12:00:20Z", "to": "2026-06-15T12:00:40Z"}]
    frames = frames_of(clips.clip_file(clip))
    assert [ms for _, ms, _ in frames] == (
        [epoch_ms(at(15 + i / 10)) for i in range(50)] + [epoch_ms(at(40 + i / 10)) for i in range(50)]
    )
    assert abs(frames[-1][0] - 9.9) < 0.01  # the hole is closed: footage follows footage
    dts = packets_of(clips.clip_file(clip), "video")
    assert all(b > a for a, b in zip(dts, dts[1:]))


def test_holes_at_the_window_edges_are_gaps_too(camera):
    make_footage(camera, at(10), 10)
    clip = clips.export_clip(SYSTEM, camera, at(5), at(30))
    assert clip.covered_seconds == 10.0
    assert clip.gaps == [
        {"from": "2026-06-15T12:00:05Z", "to": "2026-06-15T12:00:10Z"},
        {"from": "2026-06-15T12:00:20Z", "to": "2026-06-15T12:00:30Z"},
    ]
    assert frames_of(clips.clip_file(clip))[0][1] == epoch_ms(at(10))


def test_short_holes_are_neither_gaps_nor_closed(camera):
    make_footage(camera, at(0), 10)
    make_footage(camera, at(10.5), 9.5)  # half a second missing
    clip = clips.export_clip(SYSTEM, camera, at(5), at(15))
    assert clip.gaps == [] and clip.covered_seconds == 9.5
    frames = frames_of(clips.clip_file(clip))
    seconds_of = dict((ms, t) for t, ms, _ in frames)
    assert abs(seconds_of[epoch_ms(at(10.5))] - 5.5) < 0.01  # still at its real offset


def test_audio_is_copied_and_stays_inside_the_window(camera):
    make_footage(camera, at(0), 10, audio=True)
    make_footage(camera, at(10), 10, audio=True)
    clip = clips.export_clip(SYSTEM, camera, at(4), at(16))
    path = clips.clip_file(clip)
    with av.open(str(path)) as container:
        assert [s.type for s in container.streams] == ["video", "audio"]
        audio = container.streams.audio[0]
        times = [float(p.pts * audio.time_base) for p in container.demux(audio) if p.pts is not None]
    assert times == sorted(times) and 0 <= times[0] < 0.1 and 11.9 < times[-1] < 12.0
    assert decode_check(path)[1] == 0


def test_no_footage_in_range_is_404_and_leaves_nothing(camera):
    make_footage(camera, at(0), 10)
    with pytest.raises(NotFound):
        clips.export_clip(SYSTEM, camera, at(60), at(70))
    assert not Clip.objects.exists()


def test_segments_whose_files_are_gone_are_no_footage(camera):
    make_footage(camera, at(0), 10, write=False)
    clip = clips.export_clip(SYSTEM, camera, at(1), at(5))
    assert (clip.status, clip.error) == ("failed", "no footage in that range")
    assert not [p for p in Path(settings.NVR_CLIPS_DIR).rglob("*") if p.is_file()]


def test_a_corrupt_segment_is_left_out_and_reported_as_a_gap(camera):
    make_footage(camera, at(0), 10)
    broken = make_footage(camera, at(10), 10)
    (Path(settings.NVR_RECORDINGS_DIR) / broken.path).write_bytes(b"not an mp4 at all" * 10)
    make_footage(camera, at(20), 10)
    clip = clips.export_clip(SYSTEM, camera, at(5), at(25))
    assert clip.segment_count == 2 and clip.covered_seconds == 10.0
    assert clip.gaps == [{"from": "2026-06-15T12:00:10Z", "to": "2026-06-15T12:00:20Z"}]


def test_an_export_over_time_fails_cleanly_and_releases_its_read_locks(camera, monkeypatch):
    segment = make_footage(camera, at(0), 10)
    monkeypatch.setattr(clips, "EXPORT_TIMEOUT_S", 0.0)
    clip = clips.export_clip(SYSTEM, camera, at(1), at(5))
    assert (clip.status, clip.error) == ("failed", "the clip export took longer than 0 s")
    assert Segment.objects.get(pk=segment.pk).read_locks == 0 and not clip.holds_read_locks
    assert not [p for p in Path(settings.NVR_CLIPS_DIR).rglob("*") if p.is_file()]


def test_the_file_is_renamed_into_place_and_no_temp_file_remains(camera):
    make_footage(camera, at(0), 10)
    clip = clips.export_clip(SYSTEM, camera, at(1), at(5))
    assert clip.status == "completed"
    folder = Path(settings.NVR_CLIPS_DIR) / "cam1"
    assert [p.name for p in folder.iterdir()] == [f"{clip.pk}.mp4"]
    assert clip.size_bytes == (folder / f"{clip.pk}.mp4").stat().st_size
    assert clip.expires_at - clip.created_at == timedelta(hours=48)


@pytest.mark.parametrize(("start", "end"), [(10, 10), (10, 5), (0, 3600.001)])
def test_bad_windows_are_refused(camera, start, end):
    with pytest.raises(ValidationError):
        clips.export_clip(SYSTEM, camera, at(start), at(end))


def test_a_full_hour_is_allowed():
    assert clips.window_problem(at(0), at(3600)) is None


def test_an_overlapping_segment_joins_at_its_first_keyframe_after_the_overlap(camera):
    make_footage(camera, at(0), 10)
    make_footage(camera, at(8), 10)  # e.g. a refill written over the end of the recording
    clip = clips.export_clip(SYSTEM, camera, at(5), at(15))
    shown = [ms for _, ms, _ in frames_of(clips.clip_file(clip))]
    assert shown == [epoch_ms(at(5 + i / 10)) for i in range(100)]  # 10.0 comes from the second file's keyframe
    assert clip.segment_count == 2 and clip.gaps == []
    dts = packets_of(clips.clip_file(clip), "video")
    assert all(b > a for a, b in zip(dts, dts[1:]))


def test_h265_footage_is_copied_with_the_hvc1_tag_players_want(camera):
    make_footage(camera, at(0), 4, codec="hevc")
    make_footage(camera, at(4), 4, codec="hevc")
    clip = clips.export_clip(SYSTEM, camera, at(1), at(7))
    path = clips.clip_file(clip)
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        assert (video.codec_context.name, video.codec_tag) == ("hevc", "hvc1")
    frames = frames_of(path)
    assert frames[0][2] and frames[0][1] == epoch_ms(at(1)) and frames[-1][1] == epoch_ms(at(6.9))
    assert decode_check(path)[1] == 0
