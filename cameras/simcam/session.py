"""One client's RTSP session: its own RTP state per track and the per-access-unit send path."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Protocol

from cameras.simcam.media import AccessUnit, Mount
from cameras.simcam.rtp import datagrams, interleave, render, sender_report

SR_INTERVAL = 1.0
# Past this much unsent data on a TCP connection the client is not keeping up: drop frames until the
# next keyframe instead of buffering without bound.
MAX_BACKLOG = 8 * 1024 * 1024


class Link(Protocol):
    """How a session reaches its client: the RTSP connection and the server's UDP sockets."""

    peer_host: str

    def write(self, data) -> None: ...

    def backlog(self) -> int: ...

    def send_rtp(self, data, addr: tuple[str, int]) -> None: ...

    def send_rtcp(self, data, addr: tuple[str, int]) -> None: ...


@dataclass
class TrackState:
    """RTP state of one set-up track: random SSRC, sequence and timestamp origin, counters."""

    kind: str
    channel: int | None = None  # interleaved RTP channel (RTCP is channel + 1); None for UDP
    client_ports: tuple[int, int] | None = None
    ssrc: int = field(default_factory=lambda: secrets.randbits(32))
    seq: int = field(default_factory=lambda: secrets.randbits(16))
    base: int = field(default_factory=lambda: secrets.randbits(32))
    start: int | None = None  # the mount timestamp that maps to `base`
    packets: int = 0
    octets: int = 0
    last_sr: float = float("-inf")

    def rtp_time(self, mount_ts: int) -> int:
        """This client's RTP timestamp for a mount timestamp."""
        return (self.base + mount_ts - self.start) & 0xFFFFFFFF


class Session:
    """Created by the first SETUP; plays a mount's set-up tracks until TEARDOWN or disconnect."""

    def __init__(self, link: Link, mount: Mount):
        self.id = secrets.token_hex(8)
        self.link, self.mount = link, mount
        self.tracks: dict[int, TrackState] = {}
        self.playing = False
        self.synced = False  # has the first keyframe gone out (after PLAY or after dropping)?

    @property
    def has_video(self) -> bool:
        return any(t.kind == "video" for t in self.tracks.values())

    def play(self) -> list[str]:
        """Start (or resume) delivery; returns the RTP-Info entries (``url`` filled in by the caller)."""
        info = []
        for index, state in sorted(self.tracks.items()):
            now = self.mount.now_ts(index)
            if state.start is None:
                state.start = now
            info.append(f"trackID={index};seq={state.seq & 0xFFFF};rtptime={state.rtp_time(now)}")
        if not self.playing:
            self.playing, self.synced = True, False
            self.mount.subscribe(self)
        return info

    def pause(self) -> None:
        if self.playing:
            self.playing = False
            self.mount.unsubscribe(self)

    def close(self) -> None:
        self.pause()
        self.tracks.clear()

    def deliver(self, au: AccessUnit) -> None:
        """Send one access unit to this client (the hot path: a copy, a few header patches, one write)."""
        state = self.tracks.get(au.track)
        if state is None or au.ts < state.start:
            return
        if not self.synced:
            if state.kind == "video" and au.key:
                self.synced = True
            elif self.has_video:
                return
        if state.channel is not None and self.link.backlog() > MAX_BACKLOG:
            self.synced = False
            return
        ts = state.rtp_time(au.ts)
        if au.wall - state.last_sr >= SR_INTERVAL:
            state.last_sr = au.wall
            self._send_rtcp(state, sender_report(state.ssrc, au.wall, ts, state.packets, state.octets))
        template = au.template
        buf = render(template, state.channel or 0, state.seq, ts, state.ssrc)
        state.seq += len(template.offsets)
        state.packets += len(template.offsets)
        state.octets += template.payload_octets
        if state.channel is not None:
            self.link.write(buf)
        else:
            addr = (self.link.peer_host, state.client_ports[0])
            for packet in datagrams(buf, template):
                self.link.send_rtp(packet, addr)

    def _send_rtcp(self, state: TrackState, packet: bytes) -> None:
        if state.channel is not None:
            self.link.write(interleave(state.channel + 1, packet))
        else:
            self.link.send_rtcp(packet, (self.link.peer_host, state.client_ports[1]))
