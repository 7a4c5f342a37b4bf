"""Kind-specific validation of backup destination configs (reference §3.12 key table). Pure.

`validate_config(kind, config)` returns the normalised config or raises `ConfigError` with
per-key messages. Apart from naming a host the egress guard (cameras.egress) refuses, messages
never repeat a submitted value, so a misplaced secret cannot leak through an error answer.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from cameras import egress

KINDS: tuple[str, ...] = ("local", "s3", "sftp", "ftp", "webdav")

MAX_PATH = 1024
MAX_TEXT = 255
MAX_SECRET = 1024
MAX_PRIVATE_KEY = 16384
MAX_HOST = 253

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# JSON may carry lone surrogates (\\ud800); they cannot be encoded as UTF-8 in any answer or file.
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_CONTROL_OR_SPACE = re.compile(r"[\s\x00-\x1f\x7f]")
_HOSTNAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_\-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_\-]{0,61}[A-Za-z0-9_])?)*\.?$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")
_REGION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-.]{0,63}$")


class ConfigError(Exception):
    """Invalid destination config: `errors` maps a config key (or `config`) to messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("invalid backup destination config")
        self.errors = errors


# --- value checks: each returns the normalised value or raises ValueError(message) ---------------

def _string(value, max_length: int, *, blank: bool = False) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    if len(value) > max_length:
        raise ValueError(f"must be at most {max_length} characters")
    if _SURROGATE.search(value):
        raise ValueError("must not contain unpaired surrogate characters")
    if not blank and not value.strip():
        raise ValueError("must not be blank")
    return value


def _text(value) -> str:
    value = _string(value, MAX_TEXT).strip()
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


def _secret(value) -> str:
    value = _string(value, MAX_SECRET)
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _private_key(value) -> str:
    value = _string(value, MAX_PRIVATE_KEY)
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _has_dotdot(path: str) -> bool:
    return any(part == ".." for part in re.split(r"[/\\]", path))


def _remote_path(value) -> str:
    value = _string(value, MAX_PATH, blank=True).strip()
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    if _has_dotdot(value):
        raise ValueError("must not contain '..' segments")
    return value


def _local_path(value) -> str:
    value = _remote_path(value)
    if not value.startswith("/"):
        raise ValueError("must be an absolute path")
    return value


def check_egress_host(value) -> str:
    """A host name or IP literal that passes the egress guard (LAN and loopback are allowed)."""
    host = _string(value, MAX_HOST + 2).strip()
    if _CONTROL_OR_SPACE.search(host):
        raise ValueError("must not contain whitespace or control characters")
    literal = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        ipaddress.ip_address(literal)
    except ValueError:
        if not _HOSTNAME.match(host):
            raise ValueError("must be a host name or IP address") from None
    else:
        host = literal
    try:
        egress.check_host(f"[{host}]" if ":" in host else host)
    except egress.EgressRefused as exc:
        raise ValueError(str(exc)) from None
    return host


def _port(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be an integer")
    if not 1 <= value <= 65535:
        raise ValueError("must be between 1 and 65535")
    return value


def _http_url(value) -> str:
    url = _string(value, 2048).strip()
    if _CONTROL_OR_SPACE.search(url):
        raise ValueError("must not contain whitespace or control characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise ValueError("must be a valid http or https URL") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http or https URL with a host")
    if parts.username is not None or parts.password is not None:
        # credentials inside a URL would be shown unmasked: they belong in user/pass
        raise ValueError("must not contain credentials (use the user and pass keys)")
    try:
        egress.check_url(url)
    except egress.EgressRefused as exc:
        raise ValueError(str(exc)) from None
    return url


def _bucket(value) -> str:
    bucket = _string(value, 63).strip()
    if not _BUCKET.match(bucket) or ".." in bucket or ".-" in bucket or "-." in bucket:
        raise ValueError("must be 3-63 lowercase letters, digits, dots or hyphens, starting and ending with a letter or digit")
    try:
        ipaddress.IPv4Address(bucket)
    except ValueError:
        pass
    else:
        raise ValueError("must not be formatted as an IP address")
    if bucket.startswith(("xn--", "sthree-")) or bucket.endswith(("-s3alias", "--ol-s3")):
        raise ValueError("uses a prefix or suffix reserved by S3")
    return bucket


def _prefix(value) -> str:
    return _remote_path(value).strip("/")


def _region(value) -> str:
    region = _string(value, 64).strip()
    if not _REGION.match(region):
        raise ValueError("must be a region name such as us-east-1")
    return region


@dataclass(frozen=True)
class KindSpec:
    required: tuple[str, ...]
    checks: dict


_REMOTE = {"host": check_egress_host, "port": _port, "user": _text, "pass": _secret, "path": _remote_path}

KIND_SPECS: dict[str, KindSpec] = {
    "local": KindSpec(("path",), {"path": _local_path}),
    "sftp": KindSpec(("host",), {**_REMOTE, "private_key": _private_key, "passphrase": _secret}),
    "ftp": KindSpec(("host",), dict(_REMOTE)),
    "s3": KindSpec(
        ("bucket",),
        {"bucket": _bucket, "prefix": _prefix, "access_key": _secret, "secret_key": _secret,
         "endpoint": _http_url, "region": _region},
    ),
    "webdav": KindSpec(("url",), {"url": _http_url, "user": _text, "pass": _secret}),
}


def allowed_keys(kind: str) -> frozenset[str]:
    spec = KIND_SPECS.get(kind)
    return frozenset(spec.checks) if spec else frozenset()


def _printable_key(key: str) -> str:
    """An unknown key as it may appear in an error answer: UTF-8 encodable and bounded."""
    return _SURROGATE.sub("\ufffd", str(key))[:64]


def validate_config(kind: str, config) -> dict:
    """The normalised config for `kind`, or ConfigError. `null` on an optional key means absent."""
    spec = KIND_SPECS.get(kind)
    if spec is None:
        raise ConfigError({"kind": [f"must be one of: {', '.join(KINDS)}"]})
    if not isinstance(config, dict):
        raise ConfigError({"config": ["must be a JSON object"]})
    errors: dict[str, list[str]] = {}
    result: dict = {}
    for key, value in config.items():
        check = spec.checks.get(key)
        if check is None:
            errors[_printable_key(key)] = [f"unknown key for kind '{kind}'"]
        elif value is None:
            continue
        else:
            try:
                result[key] = check(value)
            except ValueError as exc:
                errors[key] = [str(exc)]
    for key in spec.required:
        if key not in result and key not in errors:
            errors[key] = [f"is required for kind '{kind}'"]
    if errors:
        raise ConfigError(errors)
    return result
