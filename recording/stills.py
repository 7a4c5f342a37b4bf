"""One picture with PyAV: a JPEG from a keyframe, from a camera's RTSP stream, or from a recorded segment.

Every function here is about media only (no database, no settings): the services in
`recording/snapshots.py` choose the source, hold the permits and locks and map failures to API errors.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from fractions import Fraction
from pathlib import Path
from urllib.parse import urlsplit

import av

from cameras import egress

# MJPEG quantiser 3 (ffmpeg's `-q:v 3`): visually clean, ~5x smaller than lossless-looking q=1.
JPEG_QSCALE = 3
RTSP_SOCKET_TIMEOUT_S = 10.0
RTSP_OVERALL_TIMEOUT_S = 20.0
RECORDED_TIMEOUT_S = 20.0


def _reason(exc: BaseException) -> str:
    """An FFmpeg/OS error without the URL it carries (`[Errno 113] No route to host: 'rtsp://…'`)."""
    return getattr(exc, "strerror", None) or str(exc)


class StillFailed(Exception):
    """No picture could be made; `timed_out` tells a slow source from a failing one."""

    def __init__(self, message: str, *, timed_out: bool = False):
        super().__init__(message)
        self.timed_out = timed_out


# --- encoding ---------------------------------------------------------------------------------------

def encode_jpeg(frame: av.VideoFrame) -> bytes:
    """A baseline JPEG of a decoded frame (full-range 4:2:0, fixed quantiser)."""
    context = av.CodecContext.create("mjpeg", "w")
    context.width, context.height = frame.width, frame.height
    context.pix_fmt = "yuvj420p"
    context.time_base = Fraction(1, 25)
    # qmin = qmax pins the quantiser: the encoder's rate control cannot drift away from it.
    context.options = {"qmin": str(JPEG_QSCALE), "qmax": str(JPEG_QSCALE)}
    picture = frame.reformat(format="yuvj420p")
    picture.pts = 0
    packets = context.encode(picture) + context.encode(None)
    return b"".join(bytes(packet) for packet in packets)


def _first_frame(context: av.CodecContext, packet: av.Packet) -> av.VideoFrame | None:
    """Decode one access unit, flushing the decoder so a frame held back for reordering comes out too."""
    frames = list(context.decode(packet)) + list(context.decode(None))
    return frames[0] if frames else None


def jpeg_from_keyframe(codec: str, extradata: bytes | None, data: bytes) -> bytes:
    """Decode a lone keyframe access unit (as a demuxer gave it) and encode it as a JPEG."""
    try:
        context = av.CodecContext.create(codec, "r")
        if extradata:
            context.extradata = extradata
        context.thread_count = 1
        frame = _first_frame(context, av.Packet(data))
    except (av.FFmpegError, ValueError) as exc:
        raise StillFailed(f"the keyframe could not be decoded: {exc}") from exc
    if frame is None:
        raise StillFailed("the keyframe decoded to no picture")
    return encode_jpeg(frame)


# --- live, straight from the camera -----------------------------------------------------------------

def check_egress(url: str) -> None:
    """Refuse URLs whose host is, or resolves to, an address the server must never dial (SPEC §4)."""
    egress.check_url(url)
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        ipaddress.ip_address(host)
        return  # a literal address was checked by check_url
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, parts.port or 554, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise StillFailed(f"the camera host '{host}' cannot be resolved: {_reason(exc)}") from exc
    for info in infos:
        egress.check_ip(info[4][0])


def _deadline_check(deadline: float, what: str) -> None:
    if time.monotonic() > deadline:
        raise StillFailed(f"{what} took longer than {RTSP_OVERALL_TIMEOUT_S:.0f} s", timed_out=True)


def _open_rtsp(url: str, transport: str, socket_timeout: float) -> av.container.InputContainer:
    options = {"rtsp_transport": transport, "timeout": str(int(socket_timeout * 1_000_000))}
    try:
        return av.open(url, "r", options=options, timeout=(socket_timeout, socket_timeout))
    except (TimeoutError, av.error.ExitError) as exc:
        raise StillFailed(f"the camera did not answer within {socket_timeout:.0f} s", timed_out=True) from exc
    except (av.error.HTTPUnauthorizedError, av.error.HTTPForbiddenError) as exc:
        raise StillFailed("the camera refused the credentials") from exc
    except (OSError, av.FFmpegError) as exc:
        raise StillFailed(f"the camera cannot be reached: {_reason(exc)}") from exc


def grab_rtsp_jpeg(
    url: str,
    *,
    transport: str = "tcp",
    socket_timeout: float = RTSP_SOCKET_TIMEOUT_S,
    overall_timeout: float = RTSP_OVERALL_TIMEOUT_S,
) -> bytes:
    """Connect, wait for the first keyframe, decode it and hang up: the JPEG bytes.

    Raises `egress.EgressRefused` for a forbidden address, `StillFailed` for everything else. The
    error messages may contain the URL as FFmpeg printed it: callers mask credentials.
    """
    deadline = time.monotonic() + overall_timeout
    check_egress(url)
    container = _open_rtsp(url, transport, min(socket_timeout, overall_timeout))
    try:
        if not container.streams.video:
            raise StillFailed("the camera stream has no video")
        stream = container.streams.video[0]
        stream.codec_context.thread_count = 1  # no frame-thread delay: the keyframe comes out at once
        started = False
        for packet in container.demux(stream):
            _deadline_check(deadline, "waiting for a keyframe")
            if packet.dts is None or not (started or packet.is_keyframe):
                continue
            started = True  # from the keyframe on, feed everything (a reordering decoder may want more)
            for frame in stream.codec_context.decode(packet):
                return encode_jpeg(frame)
        raise StillFailed("the camera ended the stream before sending a keyframe")
    except (TimeoutError, av.error.ExitError) as exc:
        raise StillFailed(f"the camera stopped sending within {socket_timeout:.0f} s", timed_out=True) from exc
    except (OSError, av.FFmpegError) as exc:
        raise StillFailed(f"reading the camera stream failed: {_reason(exc)}") from exc
    finally:
        container.close()


# --- recorded ---------------------------------------------------------------------------------------

def _frame_at(container: av.container.InputContainer, offset_s: float, deadline: float) -> av.VideoFrame | None:
    """The frame on screen `offset_s` after the file's first frame: seek to the keyframe before, decode forward."""
    stream = container.streams.video[0]
    stream.codec_context.thread_count = 1
    time_base = stream.time_base
    origin = stream.start_time or 0
    target = origin + int(Fraction(offset_s).limit_denominator(1_000_000) / time_base)
    container.seek(max(origin, target), stream=stream, backward=True, any_frame=False)
    shown = first = None
    for frame in container.decode(stream):
        if time.monotonic() > deadline:
            raise StillFailed(f"decoding the recording took longer than {RECORDED_TIMEOUT_S:.0f} s", timed_out=True)
        if frame.pts is None:
            continue
        if first is None:
            first = frame
        if frame.pts > target:
            break
        shown = frame
    return shown or first


def jpeg_from_recording(path: Path, offset_s: float, *, timeout: float = RECORDED_TIMEOUT_S) -> bytes:
    """The JPEG of the frame shown `offset_s` seconds into a recorded file (FileNotFoundError if it is gone)."""
    deadline = time.monotonic() + timeout
    if not Path(path).is_file():
        raise FileNotFoundError(path)
    try:
        with av.open(str(path), "r") as container:
            if not container.streams.video:
                raise StillFailed("the recording has no video")
            frame = _frame_at(container, max(0.0, offset_s), deadline)
    except (OSError, av.FFmpegError) as exc:
        raise StillFailed(f"the recording cannot be decoded: {exc.__class__.__name__}") from exc
    if frame is None:
        raise StillFailed("the recording holds no decodable frame")
    return encode_jpeg(frame)
