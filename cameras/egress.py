"""Egress guard: hosts and addresses the server must never dial on a user's behalf (SPEC §4).

Cameras live on LANs, so loopback and private ranges are fine. What is refused are targets that
reach the machine's own infrastructure rather than a camera: link-local (including the cloud
metadata services), unspecified, broadcast and multicast addresses, and the metadata host names.
Pure: literal addresses and names only, no DNS. The dialer resolves names itself and passes every
resolved address through `check_ip` before connecting.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA_HOSTNAMES = frozenset({"metadata", "metadata.google.internal"})
METADATA_ADDRESSES = frozenset({ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")})
# 0.0.0.0/8 is "this network": 0.x.y.z is never a valid destination and Linux dials 0.0.0.0 as
# localhost, so the whole block counts as unspecified rather than just 0.0.0.0.
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
_BROADCAST = ipaddress.ip_address("255.255.255.255")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class EgressRefused(ValueError):
    """The target is not something the server may connect to for a user."""


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address tunnels to (mapped, NAT64 or 6to4), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def refusal_reason(ip: IPAddress) -> str | None:
    """Why an address may not be dialled, or None when it may."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            reason = refusal_reason(inner)
            if reason:
                return reason
        ip = ipaddress.IPv6Address(ip.compressed.split("%")[0]) if ip.scope_id else ip
    if ip in METADATA_ADDRESSES:
        return "is a cloud metadata address"
    if ip.is_link_local:
        return "is a link-local address"
    if ip.is_unspecified or (isinstance(ip, ipaddress.IPv4Address) and ip in _THIS_NETWORK):
        return "is an unspecified address"
    if ip == _BROADCAST:
        return "is the broadcast address"
    if ip.is_multicast:
        return "is a multicast address"
    return None


def check_ip(ip: str | IPAddress) -> None:
    """Raise EgressRefused unless `ip` (an address object or literal) may be dialled."""
    if isinstance(ip, str):
        try:
            ip = ipaddress.ip_address(ip.strip().strip("[]"))
        except ValueError:
            raise EgressRefused(f"'{ip}' is not an IP address") from None
    reason = refusal_reason(ip)
    if reason:
        raise EgressRefused(f"{ip} {reason}")


def _parse_legacy_ipv4(text: str) -> ipaddress.IPv4Address | None:
    """inet_aton's forms that resolvers accept: `2852039166`, `0xa9fea9fe`, `0251.254.43518`, `127.1`."""
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers = []
    for part in parts:
        try:
            if part[:2].lower() == "0x":
                numbers.append(int(part[2:], 16) if part[2:] else 0)
            elif len(part) > 1 and part.startswith("0"):
                numbers.append(int(part, 8))
            elif part.isdigit():
                numbers.append(int(part))
            else:
                return None
        except ValueError:
            return None
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (4 - len(head)):
        return None
    value = last
    for index, number in enumerate(head):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _literal_ip(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if host and host.replace(".", "").replace("x", "").replace("X", "").isalnum() and host[0].isdigit():
        return _parse_legacy_ipv4(host)
    return None


def check_host(host: str) -> None:
    """Raise EgressRefused for a refused literal address or metadata name (`host` or `host:port`)."""
    name = (host or "").strip()
    if name.startswith("[") and "]" in name:
        name = name[1 : name.index("]")]  # [v6] or [v6]:port
    elif name.count(":") == 1:
        name = name.split(":", 1)[0]  # host:port
    name = name.rstrip(".").lower()
    if not name:
        raise EgressRefused("host must not be empty")
    ip = _literal_ip(name)
    if ip is not None:
        check_ip(ip)
        return
    if "%" in name:
        # Percent-escapes in a host name mean different things to different URL parsers.
        raise EgressRefused(f"host '{host}' must not contain '%'")
    if name in METADATA_HOSTNAMES:
        raise EgressRefused(f"'{name}' is a cloud metadata host")


def check_url(url: str) -> None:
    """Raise EgressRefused when the host of `url` is refused (or the URL names no host)."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        raise EgressRefused("is not a valid URL") from None
    if not host:
        raise EgressRefused("URL must name a host")
    check_host(f"[{host}]" if ":" in host else host)


def is_allowed_host(host: str) -> bool:
    try:
        check_host(host)
    except EgressRefused:
        return False
    return True
