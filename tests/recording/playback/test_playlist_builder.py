"""The pure HLS VOD builder: tags, discontinuities only where the recording breaks, precise start."""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recording import indexing
from recording.playback import (
    CONTIGUITY_TOLERANCE,
    GAP_THRESHOLD,
    PlaylistSegment,
    build_vod_playlist,
    epoch_ms,
    format_program_date_time,
    start_offset,
)

T0 = datetime(2026, 6, 15, 12, 0, tzinfo=timezone.utc)
S = timedelta(seconds=1)


def seg(n: int, start: datetime, seconds: float, **shape) -> PlaylistSegment:
    shape.setdefault("codec", "h264")
    return PlaylistSegment(f"seg_{n}", start, start + timedelta(seconds=seconds), **shape)


def run(start: datetime, count: int, seconds: float = 10, first: int = 0) -> list[PlaylistSegment]:
    return [seg(first + i, start + i * timedelta(seconds=seconds), seconds) for i in range(count)]


def entries(text: str) -> list[dict]:
    """Per media segment: its tags and URI."""
    result, current = [], {"tags": []}
    for line in text.splitlines():
        if line.startswith("#EXT-X-MAP") or line == "#EXT-X-DISCONTINUITY" or line.startswith(("#EXTINF", "#EXT-X-PROGRAM")):
            current["tags"].append(line)
        elif line and not line.startswith("#"):
            current["uri"] = line
            result.append(current)
            current = {"tags": []}
    return result


def test_a_continuous_run_plays_as_one_timeline():
    text = build_vod_playlist(run(T0, 3))
    lines = text.splitlines()
    assert lines[:6] == ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-INDEPENDENT-SEGMENTS",
                         "#EXT-X-TARGETDURATION:10", "#EXT-X-MEDIA-SEQUENCE:0"]
    assert lines[-1] == "#EXT-X-ENDLIST" and text.endswith("\n")
    assert "#EXT-X-DISCONTINUITY" not in text and "#EXT-X-START" not in text
    first = entries(text)[0]
    assert first == {"tags": ['#EXT-X-MAP:URI="/api/v1/segments/seg_0/init.mp4"',
                              "#EXT-X-PROGRAM-DATE-TIME:2026-06-15T12:00:00.000Z", "#EXTINF:10.000,"],
                     "uri": "/api/v1/segments/seg_0/fragments.m4s"}
    assert [e["uri"] for e in entries(text)] == [f"/api/v1/segments/seg_{i}/fragments.m4s" for i in range(3)]


def test_extinf_is_the_real_span_and_target_duration_its_ceiling():
    segments = [seg(0, T0, 9.96), seg(1, T0 + timedelta(seconds=9.96), 10.04), seg(2, T0 + 20 * S, 4.5)]
    text = build_vod_playlist(segments)
    assert re.findall(r"#EXTINF:([\d.]+),", text) == ["9.960", "10.040", "4.500"]
    assert "#EXT-X-TARGETDURATION:11" in text
    assert "#EXT-X-DISCONTINUITY" not in text


def test_program_date_time_keeps_milliseconds():
    assert format_program_date_time(T0 + timedelta(microseconds=123_999)) == "2026-06-15T12:00:00.123Z"
    other_zone = timezone(timedelta(hours=2))
    assert format_program_date_time(datetime(2026, 6, 15, 14, 0, tzinfo=other_zone)) == "2026-06-15T12:00:00.000Z"


def test_a_recording_gap_is_a_discontinuity():
    segments = run(T0, 2) + run(T0 + 20 * S + GAP_THRESHOLD + S, 2, first=2)
    tagged = [("#EXT-X-DISCONTINUITY" in e["tags"]) for e in entries(build_vod_playlist(segments))]
    assert tagged == [False, False, True, False]


def test_a_short_hole_is_a_new_run_and_a_discontinuity_too():
    segments = [seg(0, T0, 10), seg(1, T0 + 11 * S, 10)]  # 1 s: below the gap threshold, not contiguous
    assert "#EXT-X-DISCONTINUITY" in build_vod_playlist(segments)


def test_slivers_within_the_tolerance_are_continuous():
    sliver = CONTIGUITY_TOLERANCE - timedelta(milliseconds=1)
    segments = [seg(0, T0, 10), PlaylistSegment("seg_1", T0 + 10 * S + sliver, T0 + 20 * S, codec="h264"),
                PlaylistSegment("seg_2", T0 + 20 * S - sliver, T0 + 30 * S, codec="h264")]
    assert "#EXT-X-DISCONTINUITY" not in build_vod_playlist(segments)


@pytest.mark.parametrize("change", [{"codec": "hevc"}, {"width": 1920}, {"has_audio": True}, {"source": "camera_storage"}])
def test_a_change_of_stream_is_a_discontinuity(change):
    segments = [seg(0, T0, 10), seg(1, T0 + 10 * S, 10, **change)]
    assert "#EXT-X-DISCONTINUITY" in build_vod_playlist(segments)


def test_hevc_segments_are_listed_like_h264_ones():
    text = build_vod_playlist([seg(0, T0, 10, codec="hevc"), seg(1, T0 + 10 * S, 10, codec="hevc")])
    assert len(entries(text)) == 2 and "#EXT-X-DISCONTINUITY" not in text


def test_at_starts_precisely_inside_its_segment():
    text = build_vod_playlist(run(T0, 3), at=T0 + timedelta(seconds=12.25))
    assert "#EXT-X-START:TIME-OFFSET=12.250,PRECISE=YES" in text.splitlines()


def test_at_in_a_hole_starts_at_the_next_segment_on_the_collapsed_timeline():
    segments = run(T0, 1) + run(T0 + 60 * S, 1, first=1)
    assert start_offset(segments, T0 + 30 * S) == 10.0
    assert start_offset(segments, T0 - 5 * S) == 0.0
    text = build_vod_playlist(segments, at=T0 + 999 * S)
    assert "#EXT-X-START:TIME-OFFSET=19.999,PRECISE=YES" in text  # clamped inside the playlist


def test_empty_and_zero_length_segments():
    with pytest.raises(ValueError):
        build_vod_playlist([])
    text = build_vod_playlist([seg(0, T0, 0), seg(1, T0, 5)])
    assert [e["uri"] for e in entries(text)] == ["/api/v1/segments/seg_1/fragments.m4s"]


def test_thresholds_match_the_indexer():
    assert GAP_THRESHOLD == indexing.GAP_THRESHOLD


def test_epoch_ms_is_exact():
    assert epoch_ms(datetime(1970, 1, 1, tzinfo=timezone.utc)) == 0
    assert epoch_ms(T0 + timedelta(milliseconds=7)) == 1_781_524_800_007
    assert epoch_ms(datetime(2286, 11, 20, 17, 46, 39, 999000, tzinfo=timezone.utc)) == 9_999_999_999_999


spans = st.lists(st.tuples(st.integers(-200, 10_000), st.integers(1, 60_000)), min_size=1, max_size=40)


@given(spans)
def test_playlist_invariants(pairs):
    """Holes (ms) and durations (ms) → EXTINF sums to the spans, discontinuity exactly at breaks."""
    segments, cursor = [], T0
    for index, (hole_ms, length_ms) in enumerate(pairs):
        start = cursor + timedelta(milliseconds=hole_ms if index else 0)
        start = max(start, segments[-1].end if segments else start)  # the index never overlaps
        segments.append(PlaylistSegment(f"seg_{index}", start, start + timedelta(milliseconds=length_ms), codec="h264"))
        cursor = segments[-1].end
    text = build_vod_playlist(segments)
    durations = [float(d) for d in re.findall(r"#EXTINF:([\d.]+),", text)]
    assert durations == [round(s.seconds, 3) for s in segments]
    target = int(re.search(r"#EXT-X-TARGETDURATION:(\d+)", text).group(1))
    assert target == max(1, math.ceil(max(durations))) and all(round(d) <= target for d in durations)
    breaks = [b.start - a.end > CONTIGUITY_TOLERANCE for a, b in zip(segments, segments[1:])]
    assert text.count("#EXT-X-DISCONTINUITY") == sum(breaks)
    assert text.count("#EXT-X-MAP") == text.count("#EXT-X-PROGRAM-DATE-TIME") == len(segments)
