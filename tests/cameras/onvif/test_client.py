"""The ONVIF client against the simulated camera's device over real HTTP on 127.0.0.1."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from cameras.egress import EgressRefused
from cameras.onvif.client import DEVICE_NS, EVENTS_NS, MEDIA_NS, OnvifClient, OnvifError, _GuardedResolver
from cameras.onvif.clock import ClockReading
from tests.cameras.onvif.peer import PASSWORD, USER, free_port, run


async def probe(url, user=USER, password=PASSWORD, **kwargs):
    async with OnvifClient(url, user, password, **kwargs) as client:
        return await client.probe()


async def failure(url, user=USER, password=PASSWORD, **kwargs) -> OnvifError:
    with pytest.raises(OnvifError) as caught:
        async with OnvifClient(url, user, password, **kwargs) as client:
            await client.device_info()
    return caught.value


def test_a_probe_reads_info_services_scopes_and_profiles_with_stream_uris(start_onvif_camera):
    # The device advertises another host (a NATed camera); every address comes back on the dialled one.
    cam = start_onvif_camera(advertised_host="127.0.0.2")
    result = run(probe(cam.cam.onvif_url))
    assert (result.info.manufacturer, result.info.model, result.info.serial_number) == ("NVR project", "SimCam", "SIMCAM-0001")
    base = cam.cam.onvif_url.rsplit("/onvif/", 1)[0]
    assert result.services == {DEVICE_NS: f"{base}/onvif/device_service", MEDIA_NS: f"{base}/onvif/media_service",
                               EVENTS_NS: f"{base}/onvif/events_service"}
    assert "onvif://www.onvif.org/Profile/Streaming" in result.scopes
    assert "onvif://www.onvif.org/name/SimCam" in result.scopes
    assert [(p.token, p.name, p.encoding, p.width, p.height, p.fps) for p in result.profiles] == [
        ("main", "MainStream", "H264", 320, 180, 25), ("sub", "SubStream", "H264", 320, 180, 25)]
    assert [p.stream_uri for p in result.profiles] == [cam.cam.url("/cam1"), cam.cam.url("/cam2")]
    assert abs(result.clock.offset_seconds) <= 1 and result.clock.source == "utc"


def test_a_device_without_get_services_is_read_through_get_capabilities(start_onvif_camera):
    cam = start_onvif_camera(get_services=False, advertised_host="127.0.0.2")
    result = run(probe(cam.cam.onvif_url))
    base = cam.cam.onvif_url.rsplit("/onvif/", 1)[0]
    assert result.services == {DEVICE_NS: f"{base}/onvif/device_service", MEDIA_NS: f"{base}/onvif/media_service",
                               EVENTS_NS: f"{base}/onvif/events_service"}
    assert [p.stream_uri for p in result.profiles] == [cam.cam.url("/cam1"), cam.cam.url("/cam2")]


def test_a_camera_clock_90_s_ahead_still_accepts_the_username_token(start_onvif_camera):
    cam = start_onvif_camera(clock_offset=90, auth="wsse")  # no HTTP Digest to fall back on
    result = run(probe(cam.cam.onvif_url))
    assert result.info.model == "SimCam"
    assert 89 <= result.clock.offset_seconds <= 91


def test_without_the_offset_the_skewed_camera_refuses_the_token(start_onvif_camera):
    """The control for the test above: the device really checks Created against its own clock."""
    cam = start_onvif_camera(clock_offset=90, auth="wsse")

    async def unadjusted():
        async with OnvifClient(cam.cam.onvif_url, USER, PASSWORD) as client:
            client.clock = ClockReading(timedelta(0), "utc")
            client._services.clear()
            await client.device_info()

    with pytest.raises(OnvifError) as caught:
        run(unadjusted())
    assert caught.value.kind == "auth"


def test_a_camera_that_only_gives_local_time_is_read_through_its_zone(start_onvif_camera):
    cam = start_onvif_camera(clock_offset=-30, time_zone="CET-1", report_utc=False, auth="wsse")
    result = run(probe(cam.cam.onvif_url))
    assert result.clock.source == "local" and result.clock.time_zone == "CET-1"
    assert -31 <= result.clock.offset_seconds <= -29


def test_http_digest_works(start_onvif_camera):
    cam = start_onvif_camera(auth="digest")  # the device ignores WS-Security entirely
    assert run(probe(cam.cam.onvif_url)).info.model == "SimCam"


def test_a_camera_without_credentials_is_spoken_to_without_any(start_onvif_camera):
    cam = start_onvif_camera(credentials=False)
    assert run(probe(cam.cam.onvif_url, user=None, password=None)).info.model == "SimCam"


@pytest.mark.parametrize("auth", ["any", "wsse", "digest"])
def test_a_wrong_password_is_one_clear_error_without_the_secret(start_onvif_camera, auth):
    cam = start_onvif_camera(auth=auth)
    error = run(failure(cam.cam.onvif_url, password="Wr0ng-Secret"))
    assert error.kind == "auth"
    assert str(error) == "the camera refused the ONVIF credentials (wrong username or password, or no ONVIF rights)"
    assert "Wr0ng-Secret" not in str(error) and PASSWORD not in str(error)


def test_a_hanging_camera_times_out_instead_of_hanging(start_onvif_camera):
    cam = start_onvif_camera()
    cam.set_onvif_fault("stall")
    started = time.monotonic()
    error = run(failure(cam.cam.onvif_url, timeout=0.5), timeout=20)
    assert error.kind == "timeout"
    assert "did not answer GetSystemDateAndTime within 0.5 s" in str(error)
    assert time.monotonic() - started < 5


def test_malformed_xml_is_an_error_not_a_crash(start_onvif_camera):
    cam = start_onvif_camera()
    cam.set_onvif_fault("malformed")
    error = run(failure(cam.cam.onvif_url))
    assert error.kind == "malformed"
    assert str(error).startswith("the camera sent a malformed answer to GetSystemDateAndTime")
    cam.set_onvif_fault(None)
    assert run(probe(cam.cam.onvif_url)).info.model == "SimCam"  # the same device, behaving again


def test_an_unreachable_camera_says_so(start_onvif_camera):
    port = free_port()
    error = run(failure(f"http://127.0.0.1:{port}/onvif/device_service"))
    assert error.kind == "unreachable"
    assert f"cannot reach the camera at 127.0.0.1:{port}" in str(error)


def test_a_device_fault_keeps_its_text(start_onvif_camera):
    cam = start_onvif_camera()

    async def bad_profile():
        async with OnvifClient(cam.cam.onvif_url, USER, PASSWORD) as client:
            await client.stream_uri("nope")

    with pytest.raises(OnvifError) as caught:
        run(bad_profile())
    assert caught.value.kind == "fault"
    assert str(caught.value) == "the camera refused GetStreamUri: no profile with token 'nope' (InvalidArgVal)"


@pytest.mark.parametrize("url", ["http://169.254.169.254/onvif/device_service", "http://metadata/onvif/device_service",
                                 "http://0.0.0.0:8000/onvif/device_service", "ftp://127.0.0.1/onvif"])
def test_the_egress_guard_refuses_before_anything_is_sent(url):
    with pytest.raises(OnvifError) as caught:
        OnvifClient(url, USER, PASSWORD)
    assert caught.value.kind == "refused"


def test_names_that_resolve_to_refused_addresses_are_not_dialled():
    async def resolve(name):
        return await _GuardedResolver().resolve(name, 80)

    with pytest.raises(EgressRefused):
        run(resolve("0.0.0.0"))
    assert run(resolve("localhost"))[0]["host"] in ("127.0.0.1", "::1")


def test_reported_addresses_move_to_the_dialled_host_and_pass_the_guard():
    client = OnvifClient("http://127.0.0.1:8080/onvif/device_service", USER, PASSWORD)
    assert client.dialled("http://192.168.1.64/onvif/media") == "http://127.0.0.1:8080/onvif/media"
    assert client.dialled("http://127.0.0.1:8999/onvif/media") == "http://127.0.0.1:8999/onvif/media"
    assert client.dialled("rtsp://user:pw@10.1.2.3:554/live", keep_port=True) == "rtsp://127.0.0.1:554/live"
    assert client.dialled("http://192.168.1.64:8080:8080/onvif/events") == "http://127.0.0.1:8080/onvif/events"
    with pytest.raises(OnvifError) as caught:
        client.dialled("not a url")
    assert caught.value.kind == "malformed"


def test_the_client_never_shows_the_password():
    client = OnvifClient("http://127.0.0.1/onvif/device_service", USER, PASSWORD)
    assert PASSWORD not in repr(client)
