"""Tiny, tested parsers for environment settings (the `NVR_` prefix, `*_FILE` secrets, clamps)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

from django.core.exceptions import ImproperlyConfigured

PREFIX = "NVR_"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class Env:
    """Reads `NVR_*` variables from a mapping (os.environ by default) with typed defaults."""

    def __init__(self, environ: Mapping[str, str] | None = None):
        self.environ = os.environ if environ is None else environ

    def raw(self, name: str) -> str | None:
        key = name if name in ("DATABASE_URL", "REDIS_URL") else PREFIX + name
        value = self.environ.get(key)
        return None if value is None else value.strip()

    def str(self, name: str, default: str = "") -> str:
        value = self.raw(name)
        return default if value is None or value == "" else value

    def bool(self, name: str, default: bool = False) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ImproperlyConfigured(f"{PREFIX}{name} must be a boolean (true/false), got {value!r}")

    def int(self, name: str, default: int, minimum: int | None = None, maximum: int | None = None) -> int:
        value = self.raw(name)
        if value is None or value == "":
            number = default
        else:
            try:
                number = int(value)
            except ValueError:
                raise ImproperlyConfigured(f"{PREFIX}{name} must be an integer, got {value!r}") from None
        if minimum is not None:
            number = max(minimum, number)
        if maximum is not None:
            number = min(maximum, number)
        return number

    def float(self, name: str, default: float, minimum: float | None = None, maximum: float | None = None) -> float:
        value = self.raw(name)
        try:
            number = default if value is None or value == "" else float(value)
        except ValueError:
            raise ImproperlyConfigured(f"{PREFIX}{name} must be a number, got {value!r}") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise ImproperlyConfigured(f"{PREFIX}{name} must be a finite number, got {value!r}")
        if minimum is not None:
            number = max(minimum, number)
        if maximum is not None:
            number = min(maximum, number)
        return number

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.str(name, default).lower()
        if value not in choices:
            raise ImproperlyConfigured(f"{PREFIX}{name} must be one of {', '.join(choices)}, got {value!r}")
        return value

    def path(self, name: str, default: Path) -> Path:
        value = self.raw(name)
        return Path(value).expanduser().resolve() if value else default

    def secret(self, name: str) -> str | None:
        """A secret from `NVR_<name>` or from the file named by `NVR_<name>_FILE` (file wins)."""
        file_name = self.raw(name + "_FILE")
        if file_name:
            try:
                return Path(file_name).read_text().strip() or None
            except OSError as exc:
                raise ImproperlyConfigured(f"{PREFIX}{name}_FILE: cannot read {file_name}: {exc}") from None
        value = self.raw(name)
        return value or None


PLACEHOLDER_SECRETS = {"changeme", "change-me", "change_me", "secret", "insecure", "placeholder", "xxx", "todo"}


def is_placeholder_secret(value: str | None) -> bool:
    """True for empty, short, or well-known placeholder secret keys."""
    if not value:
        return True
    lowered = value.strip().lower()
    return lowered in PLACEHOLDER_SECRETS or lowered.startswith("django-insecure") or len(value) < 32


def read_or_create_secret_file(path: Path, generate) -> str:
    """Return the secret stored in `path`, generating it (mode 0600) on first run."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = generate()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race: use its secret
        return path.read_text().strip()
    try:
        os.write(fd, (value + "\n").encode())
    finally:
        os.close(fd)
    return value
