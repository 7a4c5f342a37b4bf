"""Stream URL building, validation and credential masking (reference §3.1). Pure functions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

# Masking lives in project plumbing (the log filter uses it too); imported here for the URL builders and callers.
from nvr.masking import mask_credentials

ALLOWED_SCHEMES = ("rtsp", "rtsps", "http", "https")
_CONTROL_OR_SPACE = re.compile(r"[\s\x00-\x1f\x7f]")

VENDOR_PATHS = {
    "hikvision": {"main": "/Streaming/Channels/101", "sub": "/Streaming/Channels/102"},
    "dahua": {"main": "/cam/realmonitor?channel=1&subtype=0", "sub": "/cam/realmonitor?channel=1&subtype=1"},
}


def _encode(part: str) -> str:
    return quote(part, safe="-._~")


@dataclass(frozen=True)
class StreamSource:
    """What the URL builder needs of a camera (kept plain so this module stays pure)."""

    vendor: str = "generic"
    address: str | None = None
    rtsp_port: int = 554
    username: str | None = None
    password: str | None = None
    main_stream_url: str | None = None
    sub_stream_url: str | None = None
    record_stream: str = "main"

    @classmethod
    def of(cls, camera) -> "StreamSource":
        return cls(
            vendor=camera.vendor or "generic",
            address=camera.address,
            rtsp_port=camera.rtsp_port,
            username=camera.username,
            password=camera.password,
            main_stream_url=camera.main_stream_url,
            sub_stream_url=camera.sub_stream_url,
            record_stream=camera.record_stream,
        )


def _host_for_url(address: str) -> str:
    if ":" in address and not address.startswith("["):
        return f"[{address}]"  # bare IPv6 literal
    return address


def _userinfo(source: StreamSource) -> str:
    if not source.username:
        return ""
    return _encode(source.username) + (":" + _encode(source.password) if source.password else "") + "@"


def _with_credentials(url: str, source: StreamSource) -> str:
    """An explicit URL without userinfo gets the camera's user name and password (as a person typing the URL
    in one field and the credentials in the others expects); a URL that carries its own is left as it is."""
    if not source.username or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    authority = rest.split("/", 1)[0].split("?", 1)[0]
    if "@" in authority:
        return url
    return f"{scheme}://{_userinfo(source)}{rest}"


def effective_url(source: StreamSource, stream: str) -> str | None:
    """The URL to dial for `main` or `sub`: explicit override, else the vendor template, else None."""
    override = source.main_stream_url if stream == "main" else source.sub_stream_url
    if override and override.strip():
        return _with_credentials(override.strip(), source)
    if not source.address or not source.address.strip():
        return None
    paths = VENDOR_PATHS.get((source.vendor or "").strip().lower())
    if paths is None:
        return None
    return f"rtsp://{_userinfo(source)}{_host_for_url(source.address.strip())}:{source.rtsp_port}{paths[stream]}"


def record_url(source: StreamSource) -> str | None:
    return effective_url(source, source.record_stream)


def masked_record_url(source: StreamSource) -> str | None:
    return mask_credentials(record_url(source))


@dataclass(frozen=True)
class SecretView:
    """What may be shown of a camera's secrets; stored beside them so pages never decrypt (Camera columns)."""

    password_set: bool
    main_stream_url_set: bool
    sub_stream_url_set: bool
    masked_record_url: str | None
    masked_anr_replay_url_template: str | None

    @classmethod
    def of(cls, source: StreamSource, anr_replay_url_template: str | None) -> "SecretView":
        return cls(
            password_set=bool(source.password),
            main_stream_url_set=bool(source.main_stream_url and source.main_stream_url.strip()),
            sub_stream_url_set=bool(source.sub_stream_url and source.sub_stream_url.strip()),
            masked_record_url=masked_record_url(source),
            masked_anr_replay_url_template=mask_credentials(anr_replay_url_template),
        )


def validate_stream_url(value: str) -> str:
    """Trimmed URL if acceptable, else ValueError with the reason (reference §2.1 validation)."""
    url = value.strip()
    if _CONTROL_OR_SPACE.search(url):
        raise ValueError("must not contain whitespace or control characters")
    if "://" not in url:
        raise ValueError("must be a URL with a scheme, e.g. rtsp://host:554/stream")
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for a non-numeric or out-of-range port
    except ValueError:
        raise ValueError("is not a valid URL") from None
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise ValueError(f"scheme must be one of {', '.join(ALLOWED_SCHEMES)}")
    if not parts.hostname:
        raise ValueError("must name a host")
    del port
    return url


def url_host(url: str) -> str | None:
    try:
        return urlsplit(url.strip()).hostname
    except ValueError:
        return None


def validate_address(value: str) -> str:
    address = value.strip()
    if not address:
        raise ValueError("must not be blank")
    if _CONTROL_OR_SPACE.search(address):
        raise ValueError("must not contain whitespace or control characters")
    if "/" in address or "@" in address:
        raise ValueError("must be a host name or IP address, not a URL")
    return address
