"""Camera-native ONVIF motion in the recorder: one camera_motion event per motion start, and the event window.

The camera is the simulated one, a real ONVIF device on 127.0.0.1; the listeners are real threads with their
own event loops writing through the real services.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest
from django.utils import timezone as dj_timezone

from ai.models import Event
from cameras.models import CameraOnvif
from cameras.onvif.messages import OnvifEvent
from recording.models import CameraStatus
from recording.recorder.native_events import MOTION_HOLD_S, MotionTracker, NativeEvents, OnvifTarget, default_device_url
from tests.cameras.onvif.peer import PASSWORD, USER, onvif_camera, subscriptions
from tests.conftest import make_camera

FAST = {"wait_s": 0.5, "timeout_s": 1.0, "subscription_s": 10, "backoff_start_s": 0.1, "hold_every_s": 0.3}
T0 = datetime(2026, 6, 15, 12, 0, tzinfo=timezone.utc)


def wait_until(predicate, timeout: float = 15.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def camera_device(tmp_path_factory):
    cam = onvif_camera(tmp_path_factory.mktemp("native-events"), clock_offset=45, auth="wsse")
    yield cam
    cam.stop()


@pytest.fixture
def native_events():
    manager = NativeEvents(**FAST)
    yield manager
    manager.close()


def registered(cam, camera_id="cam1", **fields):
    fields = {"record_mode": "event", "post_roll_seconds": 5, **fields}
    camera = make_camera(camera_id, address="127.0.0.1", username=USER, password=PASSWORD,
                         native_events_enabled=True, **fields)
    CameraOnvif.objects.create(camera=camera, device_url=cam.cam.onvif_url)
    return camera


def motion_events(camera_id="cam1"):
    return list(Event.objects.filter(camera_id=camera_id, event_type="camera_motion").order_by("timestamp"))


def trigger_until(camera_id="cam1"):
    return CameraStatus.objects.filter(camera_id=camera_id).values_list("trigger_until", flat=True).first()


@pytest.mark.django_db(transaction=True)
def test_each_motion_start_logs_one_event_and_opens_the_event_window(camera_device, native_events):
    camera = registered(camera_device)
    assert native_events.sync([camera]) is True
    wait_until(lambda: subscriptions(camera_device) == 1, what="the subscription")
    assert motion_events() == []  # the alarm was off when it subscribed: nothing to log
    camera_device.trigger_motion(1.0)
    wait_until(motion_events, what="the first camera_motion")
    camera_device.trigger_motion(1.0)  # still moving: extended, not a new start
    wait_until(lambda: camera_device.call(lambda: not camera_device.cam.onvif.events.motion), what="motion end")
    time.sleep(0.8)  # a few PullMessages rounds after the end
    [event] = motion_events()
    assert event.severity == "warning"
    assert event.payload["source"] == "camera_native"
    assert event.payload["topic"] == "tns1:VideoSource/MotionAlarm"
    assert event.payload["video_source"] == "vs0"
    assert 44 <= event.payload["clock_offset_s"] <= 46  # the camera's clock is 45 s ahead
    assert abs((event.timestamp - dj_timezone.now()).total_seconds()) < 10  # …and its stamp was moved onto ours
    window = trigger_until()
    assert window is not None and window > dj_timezone.now()  # post-roll runs on after the end
    camera_device.trigger_motion(0.3)
    wait_until(lambda: len(motion_events()) == 2, what="the second camera_motion")


@pytest.mark.django_db(transaction=True)
def test_the_window_is_held_open_while_the_alarm_stays_on(camera_device, native_events):
    camera = registered(camera_device, post_roll_seconds=0)
    native_events.sync([camera])
    wait_until(lambda: subscriptions(camera_device) == 1, what="the subscription")
    camera_device.trigger_motion(3.0)
    first = wait_until(trigger_until, what="the window")
    assert first > dj_timezone.now() + timedelta(seconds=MOTION_HOLD_S - 3)
    later = wait_until(lambda: (w := trigger_until()) > first and w, what="the window moving on")
    assert later > first


@pytest.mark.django_db(transaction=True)
def test_a_continuously_recording_camera_logs_motion_without_a_trigger(camera_device, native_events):
    camera = registered(camera_device, record_mode="continuous")
    native_events.sync([camera])
    wait_until(lambda: subscriptions(camera_device) == 1, what="the subscription")
    camera_device.trigger_motion(0.3)
    wait_until(motion_events, what="camera_motion")
    assert trigger_until() is None


@pytest.mark.django_db(transaction=True)
def test_sync_follows_the_held_cameras_and_close_unsubscribes(camera_device, native_events):
    camera = registered(camera_device)
    native_events.sync([camera])
    wait_until(lambda: subscriptions(camera_device) == 1, what="the subscription")
    assert native_events.sync([camera]) is False  # nothing changed: no query, no restart
    camera.native_events_enabled = False
    camera.save()
    assert native_events.sync([camera]) is True
    assert native_events.listeners == {}
    wait_until(lambda: subscriptions(camera_device) == 0, what="the unsubscribe")
    camera.native_events_enabled = True
    camera.save()
    native_events.sync([camera])
    wait_until(lambda: subscriptions(camera_device) == 1, what="the new subscription")
    assert native_events.sync([]) is True  # the lease went to another recorder
    wait_until(lambda: subscriptions(camera_device) == 0, what="the unsubscribe")


@pytest.mark.django_db
def test_a_refused_device_url_idles_without_a_restart_loop(native_events, caplog):
    camera = make_camera("cam1", native_events_enabled=True)
    CameraOnvif.objects.create(camera=camera, device_url="http://169.254.169.254/onvif/device_service")
    assert native_events.sync([camera]) is True
    wait_until(lambda: "native events cannot start" in caplog.text, what="the warning")
    assert native_events.listeners["cam1"].is_alive()
    native_events.clock = lambda: time.monotonic() + 3600  # even at the periodic refresh: same target, kept
    assert native_events.sync([camera]) is False
    native_events.close()
    assert native_events.listeners == {}


@pytest.mark.django_db
def test_targets_prefer_the_probed_device_url_and_fall_back_to_the_address():
    probed = make_camera("probed", address="10.0.0.5", username="u", password="p")
    CameraOnvif.objects.create(camera=probed, device_url="http://10.0.0.5:8000/onvif/device_service")
    make_camera("plain", address="fd00::7")
    make_camera("nowhere")
    targets = NativeEvents.targets(["probed", "plain", "nowhere"])
    assert targets == {"probed": OnvifTarget("http://10.0.0.5:8000/onvif/device_service", "u", "p"),
                       "plain": OnvifTarget("http://[fd00::7]/onvif/device_service")}
    assert "p'" not in repr(targets["probed"])
    assert default_device_url(" ") is None


def motion(state: str, operation: str = "Changed", topic: str = "tns1:VideoSource/MotionAlarm", source: str = "vs0"):
    item = "IsMotion" if "CellMotion" in topic else "State"
    return OnvifEvent(topic, T0, operation=operation, source={"Source": source}, data={item: state})


def test_the_tracker_sees_one_start_per_motion():
    tracker = MotionTracker()
    changes = [tracker.feed(e) for e in (motion("false", "Initialized"), motion("true"), motion("true"),
                                         motion("true", "Initialized"), motion("false"), motion("false"))]
    assert changes == [None, "start", "continue", "continue", "end", None]
    assert not tracker.active


def test_the_tracker_keeps_sources_and_topics_apart_and_ignores_other_events():
    tracker = MotionTracker()
    assert tracker.feed(motion("true")) == "start"
    assert tracker.feed(motion("true", source="vs1")) == "start"
    assert tracker.feed(motion("1", topic="tns1:RuleEngine/CellMotionDetector/Motion")) == "start"
    assert tracker.feed(OnvifEvent("tns1:Device/Trigger/DigitalInput", T0, data={"LogicalState": "true"})) is None
    assert tracker.feed(motion("maybe")) is None
    assert tracker.feed(motion("true", "Deleted")) == "end"
    assert tracker.active
