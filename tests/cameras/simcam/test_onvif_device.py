"""The simulated camera's ONVIF device, spoken to with raw HTTP and hand-written SOAP 1.2 (what a camera sees).

Tokens are built here with the stdlib, independently of the device's own checker and of any client library.
"""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

import pytest
import requests
from requests.auth import HTTPDigestAuth

from cameras.simcam import MountSpec, OnvifOptions

SMALL = {"width": 320, "height": 180, "bitrate": 300_000}
USER, PASSWORD = "admin", "pw-123"
NS = {"s": "http://www.w3.org/2003/05/soap-envelope", "tt": "http://www.onvif.org/ver10/schema",
      "tds": "http://www.onvif.org/ver10/device/wsdl", "trt": "http://www.onvif.org/ver10/media/wsdl",
      "tev": "http://www.onvif.org/ver10/events/wsdl", "wsnt": "http://docs.oasis-open.org/wsn/b-2",
      "wsa": "http://www.w3.org/2005/08/addressing"}
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"


def token(created: datetime, password: str = PASSWORD, nonce: bytes | None = None) -> str:
    nonce = nonce or os.urandom(16)
    stamp = created.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    digest = base64.b64encode(hashlib.sha1(nonce + stamp.encode() + password.encode()).digest()).decode()
    return (f'<wsse:Security xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}"><wsse:UsernameToken>'
            f"<wsse:Username>{USER}</wsse:Username><wsse:Password Type=\"{WSSE[:-4]}-username-token-profile-1.0"
            f'#PasswordDigest">{digest}</wsse:Password><wsse:Nonce>{base64.b64encode(nonce).decode()}</wsse:Nonce>'
            f"<wsu:Created>{stamp}</wsu:Created></wsse:UsernameToken></wsse:Security>")


def envelope(body: str, header: str = "") -> bytes:
    return (f'<?xml version="1.0"?><s:Envelope xmlns:s="{NS["s"]}" xmlns:tds="{NS["tds"]}" xmlns:trt="{NS["trt"]}" '
            f'xmlns:tev="{NS["tev"]}" xmlns:wsnt="{NS["wsnt"]}" xmlns:tt="{NS["tt"]}">'
            f"<s:Header>{header}</s:Header><s:Body>{body}</s:Body></s:Envelope>").encode()


def post(url: str, body: str, header: str = "", **kwargs) -> tuple[int, ET.Element | None, requests.Response]:
    response = requests.post(url, data=envelope(body, header), timeout=10,
                             headers={"Content-Type": "application/soap+xml; charset=utf-8"}, **kwargs)
    root = ET.fromstring(response.content) if response.content.startswith(b"<?xml") else None
    return response.status_code, root, response


def device_time(root: ET.Element) -> datetime:
    when = root.find(".//tt:UTCDateTime", NS)
    parts = [int(when.findtext(f".//tt:{name}", namespaces=NS)) for name in ("Year", "Month", "Day", "Hour", "Minute", "Second")]
    return datetime(*parts, tzinfo=timezone.utc)


def subcode(root: ET.Element) -> str:
    return root.findtext(".//s:Subcode/s:Value", namespaces=NS)


@pytest.fixture
def device(start_simcam):
    def start(**onvif):
        onvif.setdefault("port", 0)
        auth = {} if onvif.pop("anonymous", False) else {"user": USER, "password": PASSWORD}
        cam = start_simcam(MountSpec("/cam1", **SMALL), MountSpec("/cam2", **SMALL), onvif=OnvifOptions(**onvif), **auth)
        return cam, cam.cam.onvif_url
    return start


def test_the_clock_is_answered_without_credentials_and_carries_the_offset(device):
    cam, url = device(clock_offset=90)
    status, root, _ = post(url, "<tds:GetSystemDateAndTime/>")
    assert status == 200
    skew = (device_time(root) - datetime.now(timezone.utc)).total_seconds()
    assert 88 <= skew <= 91


def test_a_device_with_only_local_time_reports_its_zone(device):
    _, url = device(time_zone="CET-1", report_utc=False)
    _, root, _ = post(url, "<tds:GetSystemDateAndTime/>")
    assert root.find(".//tt:UTCDateTime", NS) is None
    assert root.findtext(".//tt:TZ", namespaces=NS) == "CET-1"
    assert int(root.findtext(".//tt:LocalDateTime/tt:Time/tt:Hour", namespaces=NS)) == (datetime.now(timezone.utc).hour + 1) % 24


def test_other_operations_need_credentials_and_get_a_digest_challenge(device):
    _, url = device()
    status, root, response = post(url, "<tds:GetDeviceInformation/>")
    assert status == 401
    assert response.headers["WWW-Authenticate"].startswith("Digest ")
    assert subcode(root) == "ter:NotAuthorized"


def test_http_digest_is_accepted(device):
    _, url = device(auth="digest")
    status, root, _ = post(url, "<tds:GetDeviceInformation/>", auth=HTTPDigestAuth(USER, PASSWORD))
    assert status == 200
    assert root.findtext(".//tds:Model", namespaces=NS) == "SimCam"


def test_a_username_token_is_checked_against_the_devices_own_clock(device):
    _, url = device(clock_offset=90, auth="wsse")
    real_now = datetime.now(timezone.utc)
    status, root, _ = post(url, "<tds:GetDeviceInformation/>", token(real_now))
    assert (status, subcode(root)) == (400, "ter:NotAuthorized")  # 90 s off the device's clock
    assert post(url, "<tds:GetDeviceInformation/>", token(real_now + timedelta(seconds=90)))[0] == 200
    assert post(url, "<tds:GetDeviceInformation/>", token(real_now + timedelta(seconds=90), "wrong"))[0] == 400


def test_a_replayed_nonce_is_refused(device):
    _, url = device()
    header = token(datetime.now(timezone.utc), nonce=b"0123456789abcdef")
    assert post(url, "<tds:GetDeviceInformation/>", header)[0] == 200
    assert post(url, "<tds:GetDeviceInformation/>", header)[0] == 401


def test_services_and_stream_uris_point_at_the_advertised_host_and_the_rtsp_mounts(device):
    cam, url = device(anonymous=True, advertised_host="127.0.0.2")
    _, root, _ = post(url, "<tds:GetServices><tds:IncludeCapability>false</tds:IncludeCapability></tds:GetServices>")
    xaddrs = [x.text for x in root.iterfind(".//tds:XAddr", NS)]
    assert xaddrs == [f"http://127.0.0.2:{cam.cam.onvif.port}/onvif/{name}_service" for name in ("device", "media", "events")]
    body = ("<trt:GetStreamUri><trt:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream><tt:Transport><tt:Protocol>RTSP"
            "</tt:Protocol></tt:Transport></trt:StreamSetup><trt:ProfileToken>sub</trt:ProfileToken></trt:GetStreamUri>")
    _, root, _ = post(url.replace("device_service", "media_service"), body)
    assert root.findtext(".//tt:Uri", namespaces=NS) == f"rtsp://127.0.0.2:{cam.cam.port}/cam2"


def test_garbage_gets_a_fault_and_the_device_keeps_serving(device):
    _, url = device(anonymous=True)
    response = requests.post(url, data=b"<not-xml", timeout=10)
    assert response.status_code == 400 and b"ter:WellFormed" in response.content
    with socket.create_connection(("127.0.0.1", int(url.split(":")[2].split("/")[0])), timeout=5) as sock:
        sock.sendall(b"\x00\x01garbage\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 400")
    assert post(url, "<tds:GetSystemDateAndTime/>")[0] == 200


def test_an_unknown_operation_is_not_supported(device):
    _, url = device(anonymous=True)
    status, root, _ = post(url, "<tds:SystemReboot/>")
    assert status == 400 and subcode(root) == "ter:ActionNotSupported"


def _subscribe(url: str, seconds: int = 60) -> str:
    events = url.replace("device_service", "events_service")
    body = f"<tev:CreatePullPointSubscription><tev:InitialTerminationTime>PT{seconds}S</tev:InitialTerminationTime></tev:CreatePullPointSubscription>"
    status, root, _ = post(events, body)
    assert status == 200
    return root.findtext(".//wsa:Address", namespaces=NS)


def _pull(address: str, wait: str = "PT1S") -> list[tuple[str, str, str]]:
    body = f"<tev:PullMessages><tev:Timeout>{wait}</tev:Timeout><tev:MessageLimit>10</tev:MessageLimit></tev:PullMessages>"
    status, root, _ = post(address, body)
    assert status == 200, ET.tostring(root)
    return [(m.findtext("wsnt:Topic", namespaces=NS), m.find(".//tt:Message", NS).get("PropertyOperation"),
             m.find(".//tt:Data/tt:SimpleItem", NS).get("Value")) for m in root.iterfind(".//wsnt:NotificationMessage", NS)]


def test_a_pull_point_delivers_the_motion_alarm_in_order(device):
    cam, url = device(anonymous=True)
    address = _subscribe(url)
    topic = "tns1:VideoSource/MotionAlarm"
    assert _pull(address) == [(topic, "Initialized", "false")]
    started = time.monotonic()
    assert _pull(address, "PT0.5S") == []  # nothing happened: the device waited the timeout out
    assert 0.4 <= time.monotonic() - started < 3
    cam.trigger_motion(0.3)
    time.sleep(0.6)
    assert _pull(address) == [(topic, "Changed", "true"), (topic, "Changed", "false")]


def test_motion_comes_on_its_own_cadence(device):
    _, url = device(anonymous=True, motion_every=0.5, motion_seconds=0.2)
    address = _subscribe(url)
    seen, deadline = [], time.monotonic() + 10
    while len(seen) < 3 and time.monotonic() < deadline:
        seen += [value for _, operation, value in _pull(address) if operation == "Changed"]
    assert seen[:3] == ["true", "false", "true"]


def test_renew_unsubscribe_and_expiry(device):
    _, url = device(anonymous=True)
    address = _subscribe(url, seconds=1)
    status, root, _ = post(address, "<wsnt:Renew><wsnt:TerminationTime>PT30S</wsnt:TerminationTime></wsnt:Renew>")
    assert status == 200 and root.find(".//wsnt:TerminationTime", NS) is not None
    assert post(address, "<wsnt:Unsubscribe/>")[0] == 200
    status, root, _ = post(address, "<tev:PullMessages><tev:Timeout>PT1S</tev:Timeout><tev:MessageLimit>1</tev:MessageLimit></tev:PullMessages>")
    assert (status, subcode(root)) == (400, "wsrf-rw:ResourceUnknownFault")
    expiring = _subscribe(url, seconds=1)
    time.sleep(1.2)
    assert post(expiring, "<wsnt:Renew><wsnt:TerminationTime>PT30S</wsnt:TerminationTime></wsnt:Renew>")[0] == 400


def test_the_motion_hook_and_the_snapshot_need_the_cameras_credentials(device):
    cam, url = device()
    base = url.rsplit("/onvif/", 1)[0]
    assert requests.post(f"{base}/simcam/motion?seconds=1", timeout=10).status_code == 401
    assert requests.post(f"{base}/simcam/motion?seconds=1", auth=HTTPDigestAuth(USER, PASSWORD), timeout=10).status_code == 204
    assert cam.call(lambda: cam.cam.onvif.events.motion) is True
    snapshot = requests.get(f"{base}/onvif/snapshot.jpg?profile=main", auth=HTTPDigestAuth(USER, PASSWORD), timeout=10)
    assert snapshot.status_code == 200 and snapshot.headers["Content-Type"] == "image/jpeg"
    assert snapshot.content[:3] == b"\xff\xd8\xff"


def test_options_that_cannot_work_are_refused():
    with pytest.raises(ValueError, match="auth"):
        OnvifOptions(auth="basic")
    with pytest.raises(ValueError, match="before the next one"):
        OnvifOptions(motion_every=2, motion_seconds=3)
