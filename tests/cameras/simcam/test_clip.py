"""The generated clip: cached atomically by its parameters, a keyframe every second, frame numbers drawn in."""

import av

from cameras.simcam.clip import ClipParams, ensure_clip, load_clip
from cameras.simcam.overlay import decode_timecode, read_text
from tests.cameras.simcam.conftest import reassemble, template_payloads

PARAMS = ClipParams(width=320, height=180, fps=10, bitrate=200_000, duration=2, audio=True)


def test_clip_is_generated_once_and_reused(tmp_path):
    path = ensure_clip(PARAMS, tmp_path)
    mtime = path.stat().st_mtime_ns
    assert ensure_clip(PARAMS, tmp_path) == path
    assert path.stat().st_mtime_ns == mtime
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind


def test_different_parameters_get_different_files(tmp_path):
    first = ensure_clip(PARAMS, tmp_path)
    second = ensure_clip(ClipParams(width=320, height=180, fps=10, bitrate=200_000, duration=2), tmp_path)
    assert first != second
    assert "320x180-10fps-200k-2s-aac" in first.name and "mute" in second.name


def test_clip_has_a_keyframe_every_second_and_audio_covering_the_loop(tmp_path):
    clip = load_clip(ensure_clip(PARAMS, tmp_path))
    video = [e for e in clip.events if e.track == 0]
    audio = [e for e in clip.events if e.track == 1]
    assert len(video) == 20
    assert [e.ts for e in video if e.key] == [0, 90000]
    assert [t.kind for t in clip.tracks] == ["video", "audio"]
    assert "sprop-parameter-sets=" in clip.tracks[0].fmtp and "config=1188" in clip.tracks[1].fmtp
    assert audio[0].ts == 0 and audio[-1].ts < 2 * 48000 <= audio[-1].ts + 1024
    assert [e.time for e in clip.events] == sorted(e.time for e in clip.events)


def test_frames_decode_and_show_their_number(tmp_path):
    clip = load_clip(ensure_clip(PARAMS, tmp_path))
    decoder = av.CodecContext.create("h264", "r")
    frames, numbers = [], []
    for event in (e for e in clip.events if e.track == 0):
        nals = reassemble(template_payloads(event.template))
        assert nals
        packet = av.Packet(b"".join(b"\x00\x00\x00\x01" + n for n in nals))
        frames += decoder.decode(packet)
    frames += decoder.decode(None)
    for frame in frames:
        luma = bytes(frame.planes[0])
        numbers.append((decode_timecode(luma, 320, 180), read_text(luma, 320, 180, "000000")))
    assert numbers == [(n, f"{n:06d}") for n in range(20)]
