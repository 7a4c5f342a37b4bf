"""Tracks, access units and mounts: what a source publishes and how it fans out to playing sessions."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Protocol

from cameras.simcam.rtp import Template

log = logging.getLogger(__name__)

VIDEO_PT = 96
AUDIO_PT = 97


@dataclass(frozen=True)
class Track:
    """One RTP stream of a mount, as announced in the SDP."""

    kind: str  # "video" or "audio"
    payload_type: int
    clock_rate: int
    rtpmap: str
    fmtp: str
    extra: tuple[str, ...] = ()

    def sdp(self, index: int) -> list[str]:
        return [
            f"m={self.kind} 0 RTP/AVP {self.payload_type}",
            f"a=rtpmap:{self.payload_type} {self.rtpmap}",
            f"a=fmtp:{self.payload_type} {self.fmtp}",
            *self.extra,
            f"a=control:trackID={index}",
        ]


@dataclass(frozen=True)
class AccessUnit:
    """One encoded frame on a mount's timeline: ``ts`` in the track's clock, ``wall`` its capture time."""

    track: int
    ts: int
    key: bool
    wall: float
    template: Template


class Subscriber(Protocol):
    """A playing session."""

    def deliver(self, au: AccessUnit) -> None: ...


class Source(Protocol):
    """What a mount needs from a media source (the looped clip or the live clock)."""

    tracks: list[Track]

    def attach(self, mount: Mount) -> None:
        """Start publishing to ``mount`` (called once, on the event loop)."""

    def set_active(self, active: bool) -> None:
        """Someone is (or nobody is any longer) playing: sources only work while active."""

    def media_time(self) -> float:
        """Seconds on the source's continuous timeline, now."""

    async def aclose(self) -> None:
        """Stop for good."""


class Mount:
    """A path on the server serving one source to any number of playing sessions."""

    def __init__(self, path: str, source: Source):
        self.path = path
        self.source = source
        self.subscribers: set[Subscriber] = set()
        self.published = 0
        source.attach(self)

    @property
    def tracks(self) -> list[Track]:
        return self.source.tracks

    def sdp(self) -> str:
        """The session description for DESCRIBE."""
        session_id = int(time.time())
        lines = [
            "v=0",
            f"o=- {session_id} 1 IN IP4 0.0.0.0",
            "s=simcam",
            "c=IN IP4 0.0.0.0",
            "t=0 0",
            "a=control:*",
            "a=range:npt=now-",
        ]
        for index, track in enumerate(self.tracks):
            lines += track.sdp(index)
        return "\r\n".join(lines) + "\r\n"

    def now_ts(self, track: int) -> int:
        """The source's current position in ``track``'s clock units (where a new player starts)."""
        return round(self.source.media_time() * self.tracks[track].clock_rate)

    def subscribe(self, subscriber: Subscriber) -> None:
        self.subscribers.add(subscriber)
        self.source.set_active(True)

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)
        if not self.subscribers:
            self.source.set_active(False)

    def publish(self, au: AccessUnit) -> None:
        """Hand one access unit to every playing session (called on the event loop)."""
        self.published += 1
        for subscriber in list(self.subscribers):
            try:
                subscriber.deliver(au)
            except Exception:
                # One broken client must not stop the source or the other clients.
                log.exception("simcam dropped a subscriber of %s", self.path)
                self.unsubscribe(subscriber)

    async def aclose(self) -> None:
        self.subscribers.clear()
        await self.source.aclose()
