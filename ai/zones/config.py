"""Zone engine tuning keys (reference §3.10, §6.2): validation with clamps, and effective values."""

from __future__ import annotations

import math
from dataclasses import dataclass

DIRECTIONS = ("any", "ab", "ba")
CONFIRM_FRAMES = (2, 1, 10)  # default, low, high
MIN_CONFIDENCE = (0.5, 0.0, 1.0)
STATIC_EPSILON = (0.02, 0.001, 0.5)
STATIC_AFTER_SECONDS = (120.0, 5.0, 86_400.0)


class ConfigError(ValueError):
    """A known config key with a value of the wrong type; `key` names it."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key


def _number(key: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(key, "must be a number")
    if isinstance(value, int):
        return float(min(max(value, -(2**63)), 2**63))
    if not math.isfinite(value):
        raise ConfigError(key, "must be a finite number")
    return value


def _clamp(value: float, bounds: tuple) -> float:
    return min(bounds[2], max(bounds[1], value))


def _confirm_frames(value) -> int:
    number = _number("confirm_frames", value)
    if not number.is_integer():
        raise ConfigError("confirm_frames", "must be an integer")
    return int(_clamp(number, CONFIRM_FRAMES))


def _static_suppression(value) -> bool:
    if not isinstance(value, bool):
        raise ConfigError("static_suppression", "must be true or false")
    return value


def _direction(value) -> str:
    if not isinstance(value, str) or value not in DIRECTIONS:
        raise ConfigError("direction", f"must be one of: {', '.join(DIRECTIONS)}")
    return value


_NORMALISERS = {
    "confirm_frames": _confirm_frames,
    "min_confidence": lambda v: _clamp(_number("min_confidence", v), MIN_CONFIDENCE),
    "static_suppression": _static_suppression,
    "static_epsilon": lambda v: _clamp(_number("static_epsilon", v), STATIC_EPSILON),
    "static_after_seconds": lambda v: _clamp(_number("static_after_seconds", v), STATIC_AFTER_SECONDS),
    "direction": _direction,
}
KNOWN_KEYS = tuple(_NORMALISERS)


def normalise_config(config: dict) -> dict:
    """Type-check and clamp the known keys; other keys are kept as given (free-form)."""
    out = dict(config)
    for key, normalise in _NORMALISERS.items():
        if key in out:
            out[key] = normalise(out[key])
    return out


@dataclass(frozen=True)
class ZoneSettings:
    """The engine's view of a zone's config, every key resolved to a valid value."""

    confirm_frames: int = CONFIRM_FRAMES[0]
    min_confidence: float = MIN_CONFIDENCE[0]
    static_suppression: bool = True
    static_epsilon: float = STATIC_EPSILON[0]
    static_after_seconds: float = STATIC_AFTER_SECONDS[0]
    direction: str = "any"


def effective_settings(config) -> ZoneSettings:
    """Resolve a stored config leniently: a bad or missing key falls back to its default."""
    values = {}
    for key, normalise in _NORMALISERS.items():
        if isinstance(config, dict) and key in config:
            try:
                values[key] = normalise(config[key])
            except ConfigError:
                continue
    return ZoneSettings(**values)
