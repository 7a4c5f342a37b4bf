"""Why a camera is not streaming, in words an operator understands (pure: no Django, no I/O).

The recorder sees failures as FFmpeg/OS texts such as ``[Errno 1094995529] Invalid data found when
processing input: 'rtsp://***@cam/...'``. `describe_failure` turns one into a sentence that the home page,
the live tile, the camera page, the status API and the event log all show alike; the raw (masked) text
stays in the event payload's `detail` for whoever debugs the camera.
"""

from __future__ import annotations

import re

# (pattern over the raw text, sentence); the first match wins. Errno numbers are FFmpeg's AVERROR codes
# (negated FOURCCs) or OS errno values, which is what PyAV prints in brackets.
_PATTERNS: tuple[tuple[re.Pattern, str], ...] = tuple((re.compile(pattern, re.IGNORECASE), text) for pattern, text in (
    (r"no space left|errno 28\]|disk quota", "the recorder's disk is full"),
    (r"writing segment failed", "the recorder could not write its files"),
    (r"invalid data found|errno 1094995529\]",
     "the stream could not be read: the camera sent data that is not valid video"),
    (r"no keyframe received", "the stream could not be read: the camera sent no keyframe (check its I-frame interval)"),
    (r"video codec (\S+) is not supported", "the stream could not be read: video codec {0} is not supported "
                                              "(H.264 and H.265 are)"),
    (r"has no video", "the stream has no video track"),
    (r"errno 111\]|connection refused", "the camera could not be reached: the connection was refused "
                                        "(nothing listens on the RTSP port)"),
    (r"\b401\b|unauthori[sz]ed", "the camera refused the user name or password"),
    (r"\b403\b|forbidden", "the camera refused access to this stream (forbidden)"),
    (r"\b404\b|not found", "the camera has no stream at this address (404 Not Found): check the stream URL or path"),
    (r"errno 110\]|timed out|timeout", "the camera could not be reached: it did not answer in time"),
    (r"errno 11[23]\]|no route to host|host is unreachable", "the camera could not be reached: no route to the host"),
    (r"errno 101\]|network is unreachable", "the camera could not be reached: the network is unreachable"),
    (r"name or service not known|name resolution|errno -[23]\]|nodename nor servname",
     "the camera could not be reached: its host name does not resolve"),
    (r"errno 104\]|connection reset", "the camera dropped the connection"),
    (r"end of stream|end of file|errno 541478725\]", "the camera closed the connection"),
    (r"\b5\d[\dx]\b|server error|internal error", "the camera reported an internal error"),
    (r"recorder bug", "the recorder failed on this stream (see the recorder log)"),
    (r"worker process died", "the recorder's worker process stopped unexpectedly; it was restarted"),
    (r"no rtsp url", "no stream address: set the camera's address and credentials, or an explicit stream URL"),
))

_BY_REASON = {
    "camera_offline": "the camera could not be reached",
    "auth_failed": "the camera refused the user name or password",
    "stream_error": "the stream could not be read",
    "recorder_down": "the recorder is not running",
    "disk_full": "the recorder's disk is full",
    "schedule_off": "outside the recording schedule",
    "event_idle": "waiting for an event",
    "disabled": "the camera is disabled",
}


_URL = re.compile(r"'?[a-z][a-z0-9+.-]*://[^'\s]*'?", re.IGNORECASE)


def describe_failure(reason: str | None, detail: str | None = None) -> str:
    """One sentence for why a camera stopped (`reason` is a gap reason, `detail` the raw masked error)."""
    text = _URL.sub("", detail or "")  # a port or path in the URL must not read as an HTTP status
    for pattern, sentence in _PATTERNS:
        match = pattern.search(text)
        if match:
            return sentence.format(*match.groups())
    return _BY_REASON.get(reason or "", "the camera stopped streaming")
