"""Fixtures of the AI tests: factories for tasks, zones, zone events, detections and events."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from rest_framework.test import APIClient

from accounts.principal import Principal
from ai.models import AiTask, Detection, Event, Zone, ZoneEvent

T0 = datetime(2026, 6, 13, 12, 0, tzinfo=timezone.utc)
SQUARE = [[0.1, 0.1], [0.9, 0.1], [0.9, 0.9], [0.1, 0.9]]
LINE = [[0.5, 0.0], [0.5, 1.0]]


def make_task(camera, task_type="detection", **fields) -> AiTask:
    return AiTask.objects.create(camera=camera, task_type=task_type, **fields)


def make_zone(camera, name="door", **fields) -> Zone:
    fields.setdefault("polygon", SQUARE)
    return Zone.objects.create(camera=camera, name=name, **fields)


def make_zone_event(zone, minutes=0, **fields) -> ZoneEvent:
    fields.setdefault("track_id", "t1")
    fields.setdefault("event_type", "enter")
    fields.setdefault("label", "person")
    return ZoneEvent.objects.create(
        camera_id=zone.camera_id, zone=zone, zone_name=zone.name, timestamp=T0 + timedelta(minutes=minutes), **fields
    )


def make_detection(camera, minutes=0, **fields) -> Detection:
    fields.setdefault("task_type", "detection")
    fields.setdefault("label", "person")
    return Detection.objects.create(camera=camera, timestamp=T0 + timedelta(minutes=minutes), **fields)


def make_event(camera_id, event_type="camera_offline", minutes=0, severity="warning", **fields) -> Event:
    stamp = T0 + timedelta(minutes=minutes)
    return Event.objects.create(
        camera_id=camera_id, event_type=event_type, severity=severity, timestamp=stamp, created_at=stamp, **fields
    )


def client_for_principal(principal: Principal) -> APIClient:
    """A client authenticated as an arbitrary principal (e.g. a scope no real key can hold)."""
    client = APIClient()
    client.force_authenticate(user=principal)
    return client


@pytest.fixture
def scoped_events_reader(camera, other_camera):
    """A principal with events:read confined to cam1 — impossible for minted keys, used to prove filtering."""
    principal = Principal(
        kind="api_key", id="key_test", name="scoped reader", role="integration",
        capabilities=frozenset({"events:read", "ai:tasks", "registry:manage"}), camera_scope=frozenset({"cam1"}),
    )
    return client_for_principal(principal)
