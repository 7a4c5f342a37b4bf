"""HLS VOD playlists of recorded segments (pure: plain dataclasses in, playlist text out; no database).

One media segment per recorded file: `EXT-X-MAP` points at the file's own ftyp+moov, the URI at its
moof+mdat fragments whose decode times sit on the camera's absolute timeline (ms since the epoch ×
timescale / 1000, see `recording.mp4`). So segments of one recording run follow each other with no
discontinuity. `EXT-X-DISCONTINUITY` marks where they do not: a hole (more than
`CONTIGUITY_TOLERANCE` between one end and the next start, which covers every recording gap the
indexer records, > `GAP_THRESHOLD`) or a change of stream (codec, size, audio, source) — the player
then lays the next segment right after the previous one, and `EXT-X-PROGRAM-DATE-TIME` on every
segment keeps the wall clock.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

# Same threshold as the indexer (recording.indexing.GAP_THRESHOLD): holes above it are recording gaps.
GAP_THRESHOLD = timedelta(seconds=3)
# Segments of one run abut exactly (end_ms == next start_ms). A hole or overlap above this is another
# run; below it, MSE players bridge the sliver (hls.js nudges over holes up to 0.1 s by default).
CONTIGUITY_TOLERANCE = timedelta(milliseconds=100)
MEDIA_URL_PREFIX = "/api/v1/segments"
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class PlaylistSegment:
    """What the playlist needs of one indexed segment."""

    id: str
    start: datetime
    end: datetime
    codec: str | None = None
    width: int | None = None
    height: int | None = None
    has_audio: bool = False
    source: str = "recorder"

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    @property
    def shape(self) -> tuple:
        """What decides whether the decoder can go on with the next segment as one stream."""
        return (self.codec, self.width, self.height, self.has_audio, self.source)


def epoch_ms(value: datetime) -> int:
    """Milliseconds since the Unix epoch, exactly (no float rounding of a 13-digit number)."""
    delta = value - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + round(delta.microseconds / 1000)


def format_program_date_time(value: datetime) -> str:
    """RFC 3339 UTC with milliseconds, as EXT-X-PROGRAM-DATE-TIME wants."""
    value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def is_discontinuous(previous: PlaylistSegment, segment: PlaylistSegment) -> bool:
    """True where the player must not expect `segment`'s timestamps to follow `previous`'s."""
    hole = segment.start - previous.end
    if hole > GAP_THRESHOLD:
        return True  # a recording gap
    return abs(hole) > CONTIGUITY_TOLERANCE or segment.shape != previous.shape


def playable(segments: Sequence[PlaylistSegment]) -> list[PlaylistSegment]:
    """Segments with a positive span, ordered by start (the index never overlaps one camera's segments)."""
    return sorted((s for s in segments if s.end > s.start), key=lambda s: (s.start, s.id))


def start_offset(segments: Sequence[PlaylistSegment], at: datetime) -> float:
    """Playlist seconds where wall-clock `at` is shown: inside its segment, else the next segment's start."""
    elapsed = 0.0
    for segment in segments:
        if at < segment.end:
            return round(elapsed + max(0.0, (at - segment.start).total_seconds()), 3)
        elapsed += round(segment.seconds, 3)
    return round(elapsed, 3)


def build_vod_playlist(
    segments: Sequence[PlaylistSegment], *, at: datetime | None = None, url_prefix: str = MEDIA_URL_PREFIX
) -> str:
    """The HLS VOD playlist of `segments` (already chosen for the window); `at` adds a precise start."""
    segments = playable(segments)
    if not segments:
        raise ValueError("a playlist needs at least one segment")
    durations = [round(segment.seconds, 3) for segment in segments]
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:7",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        "#EXT-X-INDEPENDENT-SEGMENTS",
        f"#EXT-X-TARGETDURATION:{max(1, math.ceil(max(durations)))}",
        "#EXT-X-MEDIA-SEQUENCE:0",
    ]
    if at is not None:
        offset = min(start_offset(segments, at), max(0.0, round(sum(durations) - 0.001, 3)))
        lines.append(f"#EXT-X-START:TIME-OFFSET={offset:.3f},PRECISE=YES")
    previous = None
    for segment, duration in zip(segments, durations):
        if previous is not None and is_discontinuous(previous, segment):
            lines.append("#EXT-X-DISCONTINUITY")
        lines.append(f'#EXT-X-MAP:URI="{url_prefix}/{segment.id}/init.mp4"')
        lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{format_program_date_time(segment.start)}")
        lines.append(f"#EXTINF:{duration:.3f},")
        lines.append(f"{url_prefix}/{segment.id}/fragments.m4s")
        previous = segment
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"
