"""Auth as clients expect it: anonymous -> 401 with a Digest challenge, then Digest (or Basic) credentials."""

import base64

import av
import pytest

from cameras.simcam.auth import digest_params, digest_response
from tests.cameras.simcam.conftest import clip, read_stream

USER, PASSWORD = "admin", "s3cr:et@x"


@pytest.fixture
def cam(start_simcam):
    return start_simcam(clip(), user=USER, password=PASSWORD)


def test_anonymous_describe_is_challenged_then_digest_is_accepted(cam, raw_client):
    client = raw_client(cam.cam.port)
    url = cam.cam.url("/clip")
    status, headers, _ = client.request("DESCRIBE", url)
    assert status == 401
    challenges = headers["www-authenticate"]
    assert challenges[0].startswith("Digest ") and challenges[1].startswith("Basic ")
    params = digest_params(challenges[0])
    answer = digest_response(USER, params["realm"], PASSWORD, "DESCRIBE", url, params["nonce"])
    authorization = (f'Digest username="{USER}", realm="{params["realm"]}", nonce="{params["nonce"]}", '
                     f'uri="{url}", response="{answer}"')
    status, _, body = client.request("DESCRIBE", url, {"Authorization": authorization})
    assert status == 200 and body.startswith(b"v=0")
    wrong = digest_response(USER, params["realm"], "guess", "DESCRIBE", url, params["nonce"])
    assert client.request("DESCRIBE", url, {"Authorization": authorization.replace(answer, wrong)})[0] == 401


def test_basic_credentials_work_and_options_needs_none(cam, raw_client):
    client = raw_client(cam.cam.port)
    url = cam.cam.url("/clip")
    assert client.request("OPTIONS", url)[0] == 200
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    assert client.request("DESCRIBE", url, {"Authorization": f"Basic {token}"})[0] == 200


def test_unknown_mount_is_challenged_before_it_is_revealed(cam, raw_client):
    assert raw_client(cam.cam.port).request("DESCRIBE", cam.cam.url("/secret-mount"))[0] == 401


def test_pyav_plays_with_the_right_password(cam):
    reading = read_stream(cam.cam.url("/clip", credentials=True), 10)
    assert reading.errors == [] and len(reading.frames) == 10


@pytest.mark.parametrize("userinfo", ["", "admin:wrong@", "someone:s3cr%3Aet%40x@"])
def test_pyav_is_refused_without_the_right_credentials(cam, userinfo):
    url = cam.cam.url("/clip").replace("rtsp://", f"rtsp://{userinfo}")
    with pytest.raises(av.error.HTTPUnauthorizedError):
        av.open(url, options={"rtsp_transport": "tcp", "timeout": "5000000"})


def test_ready_urls_mask_the_password(cam):
    assert cam.cam.url("/clip", credentials=True, masked=True).startswith("rtsp://admin:***@127.0.0.1:")
    assert "s3cr%3Aet%40x" in cam.cam.url("/clip", credentials=True)
