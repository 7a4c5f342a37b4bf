"""Pre-roll ring buffer: whole GOPs of packets (video and audio), from a keyframe at least N seconds old."""

from __future__ import annotations

from collections import deque
from typing import Any

DEFAULT_MAX_BYTES = 32 * 1024 * 1024


class PrerollRing:
    """Keeps the packets an event recording needs from before its trigger, and no more.

    Packets are grouped by GOP (a video keyframe and everything after it until the next one). The
    oldest GOP is dropped as soon as the next one alone reaches back `seconds`, or when the ring holds
    more than `max_bytes` (a camera with very long GOPs); memory is therefore bounded by both.
    """

    def __init__(self, seconds: float, max_bytes: int = DEFAULT_MAX_BYTES):
        self.seconds = seconds
        self.max_bytes = max_bytes
        self._gops: deque[list[tuple[bool, Any]]] = deque()
        self._key_times: deque[float] = deque()
        self._gop_bytes: deque[int] = deque()
        self._bytes = 0
        self._last_t = 0.0

    @property
    def size_bytes(self) -> int:
        return self._bytes

    @property
    def span_s(self) -> float:
        """Media seconds from the oldest kept keyframe to the newest video packet."""
        return self._last_t - self._key_times[0] if self._key_times else 0.0

    def push_video(self, packet: Any, media_t: float, keyframe: bool, size: int) -> None:
        """Add a video packet; video before the first keyframe is useless and dropped."""
        if keyframe:
            self._gops.append([])
            self._key_times.append(media_t)
            self._gop_bytes.append(0)
            self._trim(media_t)
        elif not self._gops:
            return
        self._gops[-1].append((True, packet))
        self._gop_bytes[-1] += size
        self._bytes += size
        self._last_t = media_t
        if self._bytes > self.max_bytes:
            self._shed()

    def push_audio(self, packet: Any, size: int) -> None:
        """Add an audio packet to the current GOP (dropped while no keyframe has been seen)."""
        if self._gops:
            self._gops[-1].append((False, packet))
            self._gop_bytes[-1] += size
            self._bytes += size

    def take(self) -> list[tuple[bool, Any]]:
        """(is_video, packet) from the newest keyframe at least `seconds` before the newest packet; empties."""
        self._trim(self._last_t)
        packets = [entry for gop in self._gops for entry in gop]
        self.clear()
        return packets

    def clear(self) -> None:
        self._gops.clear()
        self._key_times.clear()
        self._gop_bytes.clear()
        self._bytes = 0

    def _drop_oldest(self) -> None:
        self._gops.popleft()
        self._key_times.popleft()
        self._bytes -= self._gop_bytes.popleft()

    def _trim(self, now_t: float) -> None:
        while len(self._key_times) > 1 and self._key_times[1] <= now_t - self.seconds:
            self._drop_oldest()

    def _shed(self) -> None:
        while self._bytes > self.max_bytes and len(self._gops) > 1:
            self._drop_oldest()
        if self._bytes > self.max_bytes:  # a single GOP larger than the cap: start again at the next keyframe
            self.clear()
