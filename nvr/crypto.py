"""Field encryption at rest (Fernet): camera passwords, stream URLs and backup secrets.

Keys come from NVR_FIELD_KEY (comma-separated, primary first) or from the key file
(NVR_FIELD_KEY_PATH, default data/field.key, one key per line, primary first), which is
generated with mode 0600 on first use. Sealed values look like `enc:v1:<fernet token>`.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from nvr.env import read_or_create_secret_file

PREFIX = "enc:v1:"
log = logging.getLogger(__name__)
_lock = threading.Lock()
_cache: dict[str, MultiFernet] = {}


class UnsealError(Exception):
    """A sealed value could not be decrypted with any configured key."""


def _parse_keys(text: str) -> list[bytes]:
    keys = [k.strip() for k in text.replace(",", "\n").splitlines() if k.strip()]
    for key in keys:
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise ImproperlyConfigured("field key is not a valid Fernet key (32 url-safe base64 bytes)") from None
    return [k.encode() for k in keys]


def configured_keys() -> list[bytes]:
    """The field keys, primary first; generates the key file on first use when no key is set."""
    if settings.NVR_FIELD_KEY:
        return _parse_keys(settings.NVR_FIELD_KEY)
    path = Path(settings.NVR_FIELD_KEY_PATH)
    text = read_or_create_secret_file(path, lambda: Fernet.generate_key().decode())
    keys = _parse_keys(text)
    if not keys:
        raise ImproperlyConfigured(f"field key file {path} is empty")
    return keys


def _fernet() -> MultiFernet:
    source = settings.NVR_FIELD_KEY or str(settings.NVR_FIELD_KEY_PATH)
    with _lock:
        if source not in _cache:
            _cache[source] = MultiFernet([Fernet(k) for k in configured_keys()])
        return _cache[source]


def forget_keys() -> None:
    """Drop cached keys (after a rotation, or when tests change the key settings)."""
    with _lock:
        _cache.clear()


def is_sealed(value: str | None) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def seal(plaintext: str) -> str:
    # Always encrypt, even text that happens to start with the prefix: values in memory are plaintext.
    return PREFIX + _fernet().encrypt(plaintext.encode()).decode()


def unseal(value: str) -> str:
    if not is_sealed(value):
        return value  # legacy plaintext rows read as-is and are sealed on their next save
    token = value[len(PREFIX):].encode()
    try:
        return _fernet().decrypt(token).decode()
    except InvalidToken:
        pass
    # Another process may have rotated the key file since we cached it: reload once and retry.
    forget_keys()
    try:
        return _fernet().decrypt(token).decode()
    except InvalidToken:
        raise UnsealError("sealed value cannot be decrypted with the configured field keys") from None


def reseal(value: str) -> str:
    """Re-encrypt a sealed value under the primary key (key rotation)."""
    if not is_sealed(value):
        return seal(value)
    return PREFIX + _fernet().rotate(value[len(PREFIX):].encode()).decode()


def write_key_file(path: Path, keys: list[bytes]) -> None:
    """Atomically replace the key file (mode 0600)."""
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, b"\n".join(keys) + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
