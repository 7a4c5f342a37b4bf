"""The RTSP/1.0 server of the simulated camera: one asyncio task per connection, no threads.

Methods: OPTIONS, DESCRIBE, SETUP (RTP/AVP/TCP interleaved, or RTP/AVP unicast UDP to the RTSP
peer's own address), PLAY, PAUSE, TEARDOWN, GET_PARAMETER and SET_PARAMETER (keepalives).
Sessions belong to the connection that created them and end with it. Unparseable input gets a
400 and the connection is closed; an internal error answers 500 and never reaches the listener.
"""

from __future__ import annotations

import asyncio
import logging
import re

from cameras.simcam.auth import Authenticator
from cameras.simcam.media import Mount
from cameras.simcam.rtspmsg import (
    MAX_HEAD,
    METHODS,
    BadRequest,
    Request,
    content_length,
    parse_head,
    parse_transport,
    response,
)
from cameras.simcam.session import Session, TrackState

log = logging.getLogger(__name__)

SESSION_TIMEOUT = 60
PUBLIC = ", ".join(METHODS)
_TRACK = re.compile(r"^trackID=(\d{1,3})$")


class UdpPorts:
    """The server's RTP/RTCP socket pair (even/odd ports) used to send to every UDP client."""

    def __init__(self, rtp: asyncio.DatagramTransport, rtcp: asyncio.DatagramTransport):
        self.rtp, self.rtcp = rtp, rtcp
        self.ports = (rtp.get_extra_info("sockname")[1], rtcp.get_extra_info("sockname")[1])

    @classmethod
    async def open(cls, host: str) -> UdpPorts:
        loop = asyncio.get_running_loop()
        for _ in range(50):
            rtp, _ = await loop.create_datagram_endpoint(asyncio.DatagramProtocol, local_addr=(host, 0))
            port = rtp.get_extra_info("sockname")[1]
            if port % 2 == 0:
                try:
                    rtcp, _ = await loop.create_datagram_endpoint(asyncio.DatagramProtocol, local_addr=(host, port + 1))
                    return cls(rtp, rtcp)
                except OSError:
                    pass
            rtp.close()
        raise OSError("no free even/odd UDP port pair")

    def close(self) -> None:
        self.rtp.close()
        self.rtcp.close()


class RtspServer:
    """Serves ``mounts`` (path -> Mount) on host:port; port 0 picks a free one."""

    def __init__(self, mounts: dict[str, Mount], host: str = "127.0.0.1", port: int = 8554,
                 auth: Authenticator | None = None, udp: bool = True):
        self.mounts, self.host, self.port, self.auth, self.use_udp = mounts, host, port, auth, udp
        self.udp: UdpPorts | None = None
        self.connections: set[Connection] = set()
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, self.host, self.port, limit=MAX_HEAD)
        self.port = self._server.sockets[0].getsockname()[1]
        if self.use_udp:
            self.udp = await UdpPorts.open(self.host)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for connection in list(self.connections):
            connection.close()
        if self._server is not None:
            await self._server.wait_closed()
        if self.udp is not None:
            self.udp.close()

    @property
    def session_count(self) -> int:
        return sum(len(c.sessions) for c in self.connections)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = Connection(self, reader, writer)
        self.connections.add(connection)
        try:
            await connection.run()
        finally:
            self.connections.discard(connection)

    def resolve(self, path: str) -> tuple[Mount, str] | None:
        """The mount a request path names, and what follows it (a track control, or "")."""
        for mount_path in sorted(self.mounts, key=len, reverse=True):
            if path == mount_path or path.startswith(mount_path + "/"):
                return self.mounts[mount_path], path[len(mount_path) + 1:]
        return None


class Connection:
    """One client's RTSP connection: reads requests, answers them, carries interleaved RTP."""

    def __init__(self, server: RtspServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.server, self.reader, self.writer = server, reader, writer
        peer = writer.get_extra_info("peername") or ("127.0.0.1", 0)
        self.peer_host = peer[0]
        self.sessions: dict[str, Session] = {}

    # ---- Link (what sessions send through) ----
    def write(self, data) -> None:
        if not self.writer.is_closing():
            self.writer.write(data)

    def backlog(self) -> int:
        return self.writer.transport.get_write_buffer_size()

    def send_rtp(self, data, addr: tuple[str, int]) -> None:
        self.server.udp.rtp.sendto(data, addr)

    def send_rtcp(self, data, addr: tuple[str, int]) -> None:
        self.server.udp.rtcp.sendto(data, addr)

    # ---- request loop ----
    async def run(self) -> None:
        try:
            while (request := await self._read()) is not None:
                self.write(self._answer(request))
        except BadRequest as exc:
            log.debug("bad RTSP request from %s: %s", self.peer_host, exc)
            self.write(response(400, None))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.close()

    def close(self) -> None:
        for session in self.sessions.values():
            session.close()
        self.sessions.clear()
        if not self.writer.is_closing():
            self.writer.close()

    async def _read(self) -> Request | None:
        """The next request; interleaved packets from the client (RTCP receiver reports) are skipped."""
        while True:
            first = await self.reader.read(1)
            if not first:
                return None
            if first in b"\r\n":
                continue
            if first == b"$":
                header = await self.reader.readexactly(3)
                await self.reader.readexactly(int.from_bytes(header[1:], "big"))
                continue
            try:
                head = first + await self.reader.readuntil(b"\r\n\r\n")
            except asyncio.LimitOverrunError as exc:
                raise BadRequest("request head too long") from exc
            request = parse_head(head)
            request.body = await self.reader.readexactly(content_length(request))
            return request

    def _answer(self, request: Request) -> bytes:
        cseq = request.header("cseq")
        if cseq is None or not cseq.strip().isdigit():
            return response(400, None)
        if request.version != "RTSP/1.0":
            return response(505, cseq)
        if request.method not in METHODS:
            return response(501, cseq, [("Public", PUBLIC)])
        if request.header("require"):
            return response(551, cseq, [("Unsupported", request.header("require"))])
        if request.method != "OPTIONS" and self.server.auth is not None:
            verdict = self.server.auth.verify(request.method, request.header("authorization"))
            if verdict != "ok":
                return response(401, cseq, self.server.auth.challenge(stale=verdict == "stale"))
        try:
            return getattr(self, "_" + request.method.lower())(request, cseq)
        except ValueError:
            return response(400, cseq)
        except Exception:
            log.exception("simcam failed to answer %s %s", request.method, request.url)
            return response(500, cseq)

    def _session(self, request: Request) -> Session | None:
        raw = request.header("session")
        return self.sessions.get(raw.split(";")[0].strip()) if raw else None

    def _session_header(self, session: Session) -> tuple[str, str]:
        return "Session", f"{session.id};timeout={SESSION_TIMEOUT}"

    # ---- methods ----
    def _options(self, request: Request, cseq: str) -> bytes:
        return response(200, cseq, [("Public", PUBLIC)])

    def _describe(self, request: Request, cseq: str) -> bytes:
        mount = self.server.mounts.get(request.path)
        if mount is None:
            return response(404, cseq)
        body = mount.sdp().encode()
        base = request.url.rstrip("/") + "/"
        return response(200, cseq, [("Content-Type", "application/sdp"), ("Content-Base", base)], body)

    def _setup(self, request: Request, cseq: str) -> bytes:
        found = self.server.resolve(request.path)
        if found is None:
            return response(404, cseq)
        mount, control = found
        track = self._track_index(mount, control)
        if track is None:
            return response(404 if control else 459, cseq)
        spec = parse_transport(request.header("transport", ""))
        if spec is None or (not spec.tcp and self.server.udp is None):
            return response(461, cseq)
        session = self._session(request)
        if request.header("session") and session is None:
            return response(454, cseq)
        if session is not None and (session.mount is not mount):
            return response(459, cseq)
        if session is not None and session.playing:
            return response(455, cseq)
        if session is None:
            session = Session(self, mount)
            self.sessions[session.id] = session
        state = self._track_state(session, track, spec)
        return response(200, cseq, [self._session_header(session), ("Transport", self._transport(state))])

    @staticmethod
    def _track_index(mount: Mount, control: str) -> int | None:
        if not control:
            return 0 if len(mount.tracks) == 1 else None
        match = _TRACK.match(control)
        index = int(match.group(1)) if match else -1
        return index if 0 <= index < len(mount.tracks) else None

    def _track_state(self, session: Session, track: int, spec) -> TrackState:
        kind = session.mount.tracks[track].kind
        if spec.tcp:
            taken = {s.channel for i, s in session.tracks.items() if i != track and s.channel is not None}
            channel = spec.interleaved[0] if spec.interleaved else 2 * track
            if channel in taken or channel + 1 in taken or channel > 254:
                channel = next(c for c in range(0, 254, 2) if c not in taken and c + 1 not in taken)
            state = TrackState(kind, channel=channel)
        else:
            state = TrackState(kind, client_ports=spec.client_port)
        session.tracks[track] = state
        return state

    def _transport(self, state: TrackState) -> str:
        if state.channel is not None:
            return f"RTP/AVP/TCP;unicast;interleaved={state.channel}-{state.channel + 1};ssrc={state.ssrc:08X}"
        a, b = state.client_ports
        s1, s2 = self.server.udp.ports
        return f"RTP/AVP;unicast;client_port={a}-{b};server_port={s1}-{s2};ssrc={state.ssrc:08X}"

    def _play(self, request: Request, cseq: str) -> bytes:
        session = self._session(request)
        if session is None:
            return response(454, cseq)
        if not session.tracks:
            return response(455, cseq)
        base = request.url.rstrip("/")
        found = self.server.resolve(request.path)
        if found is not None and found[1]:
            base = base[: -len(found[1]) - 1]
        info = ",".join(f"url={base}/{entry}" for entry in session.play())
        headers = [self._session_header(session), ("Range", "npt=now-"), ("RTP-Info", info)]
        return response(200, cseq, headers)

    def _pause(self, request: Request, cseq: str) -> bytes:
        session = self._session(request)
        if session is None:
            return response(454, cseq)
        session.pause()
        return response(200, cseq, [self._session_header(session)])

    def _teardown(self, request: Request, cseq: str) -> bytes:
        session = self._session(request)
        if session is None:
            return response(454, cseq)
        session.close()
        del self.sessions[session.id]
        return response(200, cseq)

    def _get_parameter(self, request: Request, cseq: str) -> bytes:
        if request.header("session") and self._session(request) is None:
            return response(454, cseq)
        return response(200, cseq)

    _set_parameter = _get_parameter
