"""Serializer fields and query parsers shared by every API: clamps, RFC 3339 times, JSON shapes."""

from __future__ import annotations

import math
from datetime import datetime, timezone

from rest_framework import serializers
from rest_framework.exceptions import ValidationError

# Bounds keep numbers inside 64-bit database columns whatever the client sends.
INT64_MAX = 2**63 - 1


class ClampedIntegerField(serializers.IntegerField):
    """An integer that is clamped into [low, high] rather than rejected (reference clamps)."""

    def __init__(self, low: int, high: int, **kwargs):
        self.low, self.high = low, high
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, float) and (not math.isfinite(data) or not data.is_integer()):
            self.fail("invalid")
        value = super().to_internal_value(data)
        return min(self.high, max(self.low, value))


class ClampedFloatField(serializers.FloatField):
    """A finite number clamped into [low, high]."""

    def __init__(self, low: float, high: float, **kwargs):
        self.low, self.high = low, high
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("invalid")
        return min(self.high, max(self.low, value))


class StrictIntegerField(serializers.IntegerField):
    """An integer that refuses booleans and fractional numbers (bounds via min_value/max_value)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or (isinstance(data, float) and not data.is_integer()):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(serializers.CharField):
    """A JSON string only (DRF's CharField would turn 5 or true into "5" / "True")."""

    default_error_messages = {"invalid": "must be a string"}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A JSON boolean only (DRF would also take "yes", 1, "on", ...)."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)


def parse_rfc3339(value: str) -> datetime:
    """Parse an RFC 3339 timestamp with an offset (or `Z`) into an aware UTC datetime."""
    if not isinstance(value, str) or not 10 <= len(value) <= 40:
        raise ValueError("not an RFC 3339 timestamp")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    if "T" not in text and "t" not in text and " " not in text:
        raise ValueError("not an RFC 3339 timestamp")
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError("timestamp needs a UTC offset or Z")
    return parsed.astimezone(timezone.utc)


class RFC3339Field(serializers.DateTimeField):
    """RFC 3339 in and out (UTC, `Z`); naive or unparseable input is a 400."""

    default_error_messages = {"invalid": "must be an RFC 3339 timestamp with a UTC offset, e.g. 2026-06-13T12:00:00Z"}

    def to_internal_value(self, value):
        if isinstance(value, datetime):
            if value.tzinfo is None:
                self.fail("invalid")
            return value.astimezone(timezone.utc)
        try:
            return parse_rfc3339(value)
        except (ValueError, TypeError, OverflowError):
            self.fail("invalid")

    def to_representation(self, value):
        return format_rfc3339(value)


def format_rfc3339(value: datetime | None) -> str | None:
    if value is None:
        return None
    value = value.astimezone(timezone.utc)
    if value.microsecond:
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


class JSONObjectField(serializers.JSONField):
    """A JSON object (dict) with a bounded encoded size."""

    default_error_messages = {"not_object": "must be a JSON object", "too_large": "must be at most {max} bytes of JSON"}

    def __init__(self, max_bytes: int = 65536, **kwargs):
        self.max_bytes = max_bytes
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not isinstance(value, dict):
            self.fail("not_object")
        import json

        if len(json.dumps(value)) > self.max_bytes:
            self.fail("too_large", max=self.max_bytes)
        return value


class StringListField(serializers.ListField):
    """A list of non-blank, trimmed strings."""

    def __init__(self, max_item_length: int = 200, **kwargs):
        kwargs.setdefault("child", serializers.CharField(max_length=max_item_length, allow_blank=False, trim_whitespace=True))
        kwargs.setdefault("max_length", 1000)
        super().__init__(**kwargs)


def query_time(request, name: str) -> datetime | None:
    """An optional RFC 3339 query parameter; a bad value is a 400 naming the parameter."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return parse_rfc3339(raw)
    except (ValueError, TypeError, OverflowError):
        raise ValidationError({name: [f"invalid '{name}': must be an RFC 3339 timestamp"]}) from None


def query_time_range(request) -> tuple[datetime | None, datetime | None]:
    start, end = query_time(request, "from"), query_time(request, "to")
    if start and end and start > end:
        raise ValidationError({"from": ["'from' must not be after 'to'"]})
    return start, end


def query_choice(request, name: str, choices) -> str | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if raw not in choices:
        raise ValidationError({name: [f"must be one of: {', '.join(choices)}"]})
    return raw
