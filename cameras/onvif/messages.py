"""ONVIF notification messages (PullMessages) as plain events (pure: no I/O).

zeep hands a ``wsnt:NotificationMessage`` over as an object whose ``Message`` is a parsed ``tt:Message``
when the schema knows it, or a raw lxml element for vendor payloads; both are read here. Times are
moved onto our clock with the camera's measured offset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cameras.onvif.clock import to_our_time


@dataclass(frozen=True)
class OnvifEvent:
    """One notification: its topic as the camera wrote it, the Source and Data items, and when it happened."""

    topic: str  # e.g. "tns1:VideoSource/MotionAlarm"
    time: datetime  # UTC on our clock
    camera_time: datetime | None = None  # UtcTime as the camera stamped it
    operation: str | None = None  # Initialized | Changed | Deleted
    source: dict[str, str] = field(default_factory=dict)
    data: dict[str, str] = field(default_factory=dict)

    @property
    def topic_path(self) -> str:
        """The topic without namespace prefixes, for matching: ``VideoSource/MotionAlarm``."""
        return "/".join(part.rpartition(":")[2] for part in self.topic.split("/") if part)


def _items(container) -> dict[str, str]:
    if container is None:
        return {}
    items = getattr(container, "SimpleItem", None) or []
    return {str(item.Name): "" if item.Value is None else str(item.Value) for item in items
            if getattr(item, "Name", None) is not None}


def _element_items(element, name: str) -> dict[str, str]:
    found = {}
    for child in element:
        if not isinstance(child.tag, str) or child.tag.rpartition("}")[2] != name:
            continue
        for item in child:
            if isinstance(item.tag, str) and item.tag.rpartition("}")[2] == "SimpleItem" and item.get("Name"):
                found[item.get("Name")] = item.get("Value", "")
    return found


def _element_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def _topic(message) -> str:
    topic = getattr(message, "Topic", None)
    text = getattr(topic, "_value_1", topic)
    return str(text).strip().rstrip("/") if isinstance(text, str) else ""


def parse_notification(message, offset: timedelta, received_at: datetime) -> OnvifEvent | None:
    """An OnvifEvent from a zeep NotificationMessage, or None when it carries no topic."""
    topic = _topic(message)
    if not topic:
        return None
    holder = getattr(message, "Message", None)
    payload = getattr(holder, "_value_1", holder)
    if payload is None:
        return OnvifEvent(topic, received_at)
    if hasattr(payload, "tag"):  # a raw element: a vendor payload the schema does not describe
        camera_time = _element_time(payload.get("UtcTime"))
        operation = payload.get("PropertyOperation")
        source, data = _element_items(payload, "Source"), _element_items(payload, "Data")
    else:
        camera_time = getattr(payload, "UtcTime", None)
        camera_time = camera_time if isinstance(camera_time, datetime) else _element_time(camera_time)
        operation = getattr(payload, "PropertyOperation", None)
        source, data = _items(getattr(payload, "Source", None)), _items(getattr(payload, "Data", None))
    return OnvifEvent(topic, to_our_time(camera_time, offset, received_at), camera_time,
                      str(operation) if operation else None, source, data)
