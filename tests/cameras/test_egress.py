"""Egress guard: what the server refuses to dial on a user's behalf (SPEC §4)."""

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cameras.egress import EgressRefused, check_host, check_ip, check_url, is_allowed_host

REFUSED_HOSTS = [
    "169.254.169.254",  # cloud metadata (AWS, GCP, Azure)
    "169.254.1.1",  # link-local
    "fe80::1",
    "[fe80::1]:554",
    "fe80::1%eth0",
    "fd00:ec2::254",  # AWS IPv6 metadata
    "fd00:ec2::254%1",
    "metadata.google.internal",
    "METADATA.google.internal.",
    "metadata",
    "0.0.0.0",
    "0.1.2.3",
    "::",
    "[::]",
    "255.255.255.255",
    "224.0.0.1",
    "239.255.255.250:3702",
    "ff02::1",
    "::ffff:169.254.169.254",  # IPv4-mapped
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
    "2852039166",  # 169.254.169.254 as one decimal number
    "0xa9fea9fe",
    "0251.0376.0251.0376",
    "169.254.43518",
    "0",
    "",
    "bad%2ehost",
]
ALLOWED_HOSTS = [
    "127.0.0.1",
    "localhost",
    "::1",
    "[::1]:8554",
    "10.0.0.5",
    "172.16.3.4",
    "192.168.1.64",
    "192.168.1.64:554",
    "fd12:3456::10",
    "cam-gate.local",
    "camera.example.com",
    "8.8.8.8",
    "metadata.example.com",
]


@pytest.mark.parametrize("host", REFUSED_HOSTS)
def test_refused_hosts(host):
    with pytest.raises(EgressRefused):
        check_host(host)
    assert not is_allowed_host(host)


@pytest.mark.parametrize("host", ALLOWED_HOSTS)
def test_lan_loopback_and_named_hosts_are_allowed(host):
    check_host(host)
    assert is_allowed_host(host)


@pytest.mark.parametrize(
    "url",
    [
        "rtsp://admin:pw@169.254.169.254/x",
        "http://metadata.google.internal/computeMetadata/v1/",
        "rtsp://[fe80::1%25eth0]:554/stream",
        "http://[::ffff:a9fe:a9fe]/",
        "rtsp://0.0.0.0:554/",
        "rtsp:///no-host",
        "http://[bad/",
    ],
)
def test_refused_urls(url):
    with pytest.raises(EgressRefused):
        check_url(url)


@pytest.mark.parametrize("url", ["rtsp://u:p@127.0.0.1:8554/live", "rtsp://[::1]:554/", "https://nvr-cam.lan/replay?start={start}"])
def test_allowed_urls(url):
    check_url(url)


def test_refusal_names_the_reason():
    with pytest.raises(EgressRefused, match="metadata"):
        check_ip("169.254.169.254")
    with pytest.raises(EgressRefused, match="multicast"):
        check_ip(ipaddress.ip_address("ff05::2"))
    with pytest.raises(EgressRefused, match="not an IP address"):
        check_ip("camera.lan")


@given(st.ip_addresses(network="169.254.0.0/16") | st.ip_addresses(network="fe80::/10"))
def test_every_link_local_address_is_refused(ip):
    with pytest.raises(EgressRefused):
        check_ip(ip)
    with pytest.raises(EgressRefused):
        check_host(str(ip) if ip.version == 4 else f"[{ip}]")


@given(st.ip_addresses(network="224.0.0.0/4") | st.ip_addresses(network="ff00::/8"))
def test_every_multicast_address_is_refused(ip):
    with pytest.raises(EgressRefused):
        check_ip(ip)


@given(
    st.ip_addresses(network="10.0.0.0/8")
    | st.ip_addresses(network="172.16.0.0/12")
    | st.ip_addresses(network="192.168.0.0/16")
    | st.ip_addresses(network="127.0.0.0/8")
    | st.ip_addresses(network="fc00::/7")
)
def test_private_and_loopback_addresses_are_allowed(ip):
    check_ip(ip)
    check_host(str(ip))


@given(st.ip_addresses(v=4))
def test_ipv4_mapped_form_gets_the_same_verdict(ip):
    mapped = ipaddress.IPv6Address(f"::ffff:{ip}")
    assert is_allowed_host(str(ip)) == is_allowed_host(str(mapped))


@given(st.ip_addresses(v=4))
def test_decimal_integer_form_gets_the_same_verdict(ip):
    assert is_allowed_host(str(ip)) == is_allowed_host(str(int(ip)))


@given(st.text(max_size=300))
def test_arbitrary_hosts_either_pass_or_raise_egress_refused(host):
    try:
        check_host(host)
    except EgressRefused:
        pass


@given(st.text(max_size=300))
def test_arbitrary_urls_either_pass_or_raise_egress_refused(url):
    try:
        check_url(url)
    except EgressRefused:
        pass
