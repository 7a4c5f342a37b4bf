"""Stream URL building, validation and masking (reference §3.1)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cameras.stream_urls import (
    StreamSource,
    effective_url,
    mask_credentials,
    masked_record_url,
    record_url,
    validate_address,
    validate_stream_url,
)


def test_hikvision_main_and_sub_paths():
    source = StreamSource(vendor="hikvision", address="192.168.1.64", username="admin", password="pw")
    assert effective_url(source, "main") == "rtsp://admin:pw@192.168.1.64:554/Streaming/Channels/101"
    assert effective_url(source, "sub") == "rtsp://admin:pw@192.168.1.64:554/Streaming/Channels/102"


def test_dahua_main_and_sub_paths_with_custom_port():
    source = StreamSource(vendor="Dahua", address="cam.lan", rtsp_port=8554)
    assert effective_url(source, "main") == "rtsp://cam.lan:8554/cam/realmonitor?channel=1&subtype=0"
    assert effective_url(source, "sub") == "rtsp://cam.lan:8554/cam/realmonitor?channel=1&subtype=1"


def test_username_without_password_has_no_colon():
    source = StreamSource(vendor="hikvision", address="10.0.0.2", username="viewer")
    assert effective_url(source, "main") == "rtsp://viewer@10.0.0.2:554/Streaming/Channels/101"


def test_credentials_are_percent_encoded():
    source = StreamSource(vendor="hikvision", address="10.0.0.2", username="ad min", password="p@ss:w/rd~ä")
    assert effective_url(source, "main") == "rtsp://ad%20min:p%40ss%3Aw%2Frd~%C3%A4@10.0.0.2:554/Streaming/Channels/101"


def test_ipv6_address_is_bracketed():
    source = StreamSource(vendor="hikvision", address="fd00::5")
    assert effective_url(source, "main") == "rtsp://[fd00::5]:554/Streaming/Channels/101"


def test_explicit_override_wins_over_the_vendor_template():
    source = StreamSource(vendor="hikvision", address="10.0.0.2", sub_stream_url="  rtsp://10.0.0.9/sub  ")
    assert effective_url(source, "sub") == "rtsp://10.0.0.9/sub"
    assert effective_url(source, "main").endswith("/Streaming/Channels/101")


@pytest.mark.parametrize("vendor", ["generic", "onvif", "axis", ""])
def test_vendors_without_a_template_need_an_override(vendor):
    assert effective_url(StreamSource(vendor=vendor, address="10.0.0.2"), "main") is None
    assert effective_url(StreamSource(vendor=vendor, main_stream_url="rtsp://10.0.0.2/live"), "main") == "rtsp://10.0.0.2/live"


def test_no_address_means_no_url():
    assert effective_url(StreamSource(vendor="hikvision"), "main") is None
    assert effective_url(StreamSource(vendor="hikvision", address="  "), "main") is None


def test_record_url_follows_record_stream():
    source = StreamSource(vendor="hikvision", address="10.0.0.2", record_stream="sub")
    assert record_url(source).endswith("/102")


def test_masked_record_url_hides_a_password_containing_at():
    source = StreamSource(vendor="generic", main_stream_url="rtsp://admin:p@ss@word@10.0.0.2:554/live")
    assert masked_record_url(source) == "rtsp://***@10.0.0.2:554/live"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("rtsp://admin:secret@10.0.0.2/live", "rtsp://***@10.0.0.2/live"),
        ("rtsp://admin@10.0.0.2/live", "rtsp://***@10.0.0.2/live"),
        ("rtsp://a:b@c@host/p?x=y@z", "rtsp://***@host/p?x=y@z"),
        ("rtsp://10.0.0.2/live", "rtsp://10.0.0.2/live"),
        ("no url here", "no url here"),
        ("", ""),
        (None, None),
    ],
)
def test_mask_credentials(text, masked):
    assert mask_credentials(text) == masked


def test_mask_credentials_in_multi_line_error_text():
    text = (
        "[rtsp @ 0x55] method DESCRIBE failed: 401 Unauthorized\n"
        "rtsp://admin:hunter2@10.0.0.2:554/Streaming/Channels/101: Server returned 401\n"
        "retrying http://op:s3cr3t@10.0.0.3/snap.jpg"
    )
    masked = mask_credentials(text)
    assert "hunter2" not in masked and "s3cr3t" not in masked and "admin" not in masked
    assert masked.count("***@") == 2
    assert masked.splitlines()[0] == text.splitlines()[0]


@given(
    st.text(alphabet=st.characters(blacklist_characters="/?#", blacklist_categories=("Cs", "Zs", "Cc")), min_size=1, max_size=40)
)
def test_masking_hides_any_password(password):
    url = f"rtsp://admin:{password}@10.0.0.2:554/live"
    assert mask_credentials(url) == "rtsp://***@10.0.0.2:554/live"


@given(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=40))
def test_built_urls_never_show_raw_credentials_once_masked(username, password):
    source = StreamSource(vendor="hikvision", address="10.0.0.2", username=username, password=password)
    assert masked_record_url(source) == "rtsp://***@10.0.0.2:554/Streaming/Channels/101"


@pytest.mark.parametrize("url", ["rtsp://h/x", "rtsps://h:322/x", "http://h/x", "HTTPS://h/x", "  rtsp://h/x  "])
def test_valid_stream_urls(url):
    assert validate_stream_url(url) == url.strip()


@pytest.mark.parametrize(
    "url", ["ftp://h/x", "file:///etc/passwd", "rtsp://h /x", "rtsp://h/x\ny", "h/x", "rtsp://", "rtsp://h:99999/x", "rtsp://h:port/x"]
)
def test_invalid_stream_urls(url):
    with pytest.raises(ValueError):
        validate_stream_url(url)


@pytest.mark.parametrize("address", ["cam.lan", " 10.0.0.2 ", "fd00::1"])
def test_valid_addresses(address):
    assert validate_address(address) == address.strip()


@pytest.mark.parametrize("address", ["", "a b", "x\ty", "rtsp://h/x", "u@h"])
def test_invalid_addresses(address):
    with pytest.raises(ValueError):
        validate_address(address)


def test_query_string_credentials_are_masked_too():
    from cameras.stream_urls import mask_credentials

    masked = mask_credentials("rtsp://10.0.0.5/live?user=admin&password=s3cr3t&channel=1")
    assert "s3cr3t" not in masked and "admin" not in masked
    assert masked == "rtsp://10.0.0.5/live?user=***&password=***&channel=1"
    assert mask_credentials("http://h/x?Token=abc;pwd=def") == "http://h/x?Token=***;pwd=***"


def test_an_explicit_url_without_credentials_gets_the_cameras_own():
    source = StreamSource(username="admin", password="p@ss:w/rd", main_stream_url="rtsp://10.0.0.5:554/live")
    assert effective_url(source, "main") == "rtsp://admin:p%40ss%3Aw%2Frd@10.0.0.5:554/live"
    carrying = StreamSource(username="admin", password="x", main_stream_url="rtsp://other:pw@10.0.0.5/live")
    assert effective_url(carrying, "main") == "rtsp://other:pw@10.0.0.5/live"  # the URL's own win
    query_at = StreamSource(username="admin", main_stream_url="rtsp://10.0.0.5/live?user=a@b")
    assert effective_url(query_at, "main") == "rtsp://admin@10.0.0.5/live?user=a@b"
    assert effective_url(StreamSource(main_stream_url="rtsp://10.0.0.5/live"), "main") == "rtsp://10.0.0.5/live"
