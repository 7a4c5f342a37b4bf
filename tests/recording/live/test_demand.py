"""Live view on demand (recording.live.demand): the wish a web process stamps, and what viewers are told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from recording.live.demand import WANTED_S, live_state, want_live
from recording.models import CameraState, CameraStatus
from tests.conftest import make_camera

pytestmark = pytest.mark.django_db


def test_a_viewer_stamps_the_wish_without_pushing_a_status_change():
    camera = make_camera("cam1")
    status = CameraStatus.objects.create(camera=camera, state=CameraState.IDLE_SCHEDULE)
    now = timezone.now()
    assert want_live("cam1", now)
    row = CameraStatus.objects.get(pk="cam1")
    assert row.live_wanted_until == now + timedelta(seconds=WANTED_S)
    assert row.updated_at == status.updated_at  # the status feed polls updated_at: a renewal is no news
    assert not want_live("nope", now)


def test_a_wished_idle_camera_is_connecting_and_a_failing_one_says_why():
    camera = make_camera("cam1")
    now = timezone.now()
    CameraStatus.objects.create(camera=camera, state=CameraState.IDLE_SCHEDULE, gap_reason="schedule_off",
                                live_wanted_until=now + timedelta(seconds=5))
    assert live_state("cam1", now).reason == "connecting"
    assert live_state("cam1", now + timedelta(seconds=6)).reason == "schedule_off"
    CameraStatus.objects.filter(pk="cam1").update(state=CameraState.ERROR, gap_reason="stream_error",
                                                  last_error="the stream could not be read")
    assert live_state("cam1", now).message == "the stream could not be read"


def test_a_disabled_camera_is_never_connected_for_live():
    camera = make_camera("cam1", enabled=False)
    CameraStatus.objects.create(camera=camera, live_wanted_until=timezone.now() + timedelta(seconds=5))
    assert live_state("cam1").reason == "disabled"
