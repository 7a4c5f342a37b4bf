"""SOAP 1.2 for the simulated ONVIF device: namespaces, envelopes, faults and the WS-UsernameToken check.

Pure (no I/O). Responses are written as text with every prefix bound on the envelope, in the element
order of onvif.xsd: zeep, which the onvif-zeep family is built on, silently reads an out-of-order child
as None instead of failing, so the order is part of the contract.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import xml.etree.ElementTree as ET
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from xml.sax.saxutils import escape, quoteattr

SOAP_ENV = "http://www.w3.org/2003/05/soap-envelope"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
WSA = "http://www.w3.org/2005/08/addressing"
NAMESPACES = {
    "s": SOAP_ENV,
    "tt": "http://www.onvif.org/ver10/schema",
    "tds": "http://www.onvif.org/ver10/device/wsdl",
    "trt": "http://www.onvif.org/ver10/media/wsdl",
    "tev": "http://www.onvif.org/ver10/events/wsdl",
    "wsnt": "http://docs.oasis-open.org/wsn/b-2",
    "wstop": "http://docs.oasis-open.org/wsn/t-1",
    "wsa": WSA,
    "wsrf-rw": "http://docs.oasis-open.org/wsrf/rw-2",
    "tns1": "http://www.onvif.org/ver10/topics",
    "ter": "http://www.onvif.org/ver10/error",
    "xs": "http://www.w3.org/2001/XMLSchema",
}
CONTENT_TYPE = "application/soap+xml; charset=utf-8"
PASSWORD_DIGEST = "#PasswordDigest"
PASSWORD_TEXT = "#PasswordText"
MAX_NONCES = 4096

_ENVELOPE_OPEN = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><s:Envelope " + " ".join(
    f'xmlns:{prefix}="{uri}"' for prefix, uri in NAMESPACES.items()) + ">"


class SoapError(Exception):
    """A request the device answers with a SOAP fault: HTTP status, fault code, subcode and reason."""

    def __init__(self, status: int, subcode: str, reason: str, code: str = "s:Sender"):
        super().__init__(reason)
        self.status, self.code, self.subcode, self.reason = status, code, subcode, reason


def envelope(body: str) -> bytes:
    """A complete SOAP 1.2 response around ``body`` (the operation's response element)."""
    return f"{_ENVELOPE_OPEN}<s:Body>{body}</s:Body></s:Envelope>".encode()


def fault_body(error: SoapError) -> str:
    return (f"<s:Fault><s:Code><s:Value>{error.code}</s:Value><s:Subcode><s:Value>{error.subcode}</s:Value>"
            f"</s:Subcode></s:Code><s:Reason><s:Text xml:lang=\"en\">{escape(error.reason)}</s:Text></s:Reason>"
            "</s:Fault>")


def text(value) -> str:
    """Element content, escaped."""
    return escape(str(value))


def attr(value) -> str:
    """An attribute value, quoted and escaped."""
    return quoteattr(str(value))


def xml_time(moment: datetime) -> str:
    """xs:dateTime in UTC with a Z, as cameras write it."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Request:
    """One parsed SOAP request: the operation's qualified name and element, and the header."""

    operation: str  # local name, e.g. "GetDeviceInformation"
    namespace: str
    element: ET.Element
    header: ET.Element | None


def parse_request(body: bytes) -> Request:
    """The operation a SOAP 1.2 request calls; SoapError for anything that is not one."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise SoapError(400, "ter:WellFormed", f"request is not well-formed XML: {exc}") from None
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise SoapError(400, "ter:WellFormed", "not a SOAP 1.2 envelope", code="s:VersionMismatch")
    body_el = root.find(f"{{{SOAP_ENV}}}Body")
    if body_el is None or len(body_el) == 0:
        raise SoapError(400, "ter:WellFormed", "the envelope has no operation in its body")
    operation = body_el[0]
    namespace, _, local = operation.tag[1:].partition("}") if operation.tag.startswith("{") else ("", "", operation.tag)
    return Request(local, namespace, operation, root.find(f"{{{SOAP_ENV}}}Header"))


def child_text(element: ET.Element, path: str) -> str | None:
    """Text of a descendant given as ``prefix:Name/prefix:Name`` with this module's prefixes."""
    found = element.find(path, NAMESPACES)
    return None if found is None or found.text is None else found.text.strip()


def parse_xml_time(value: str) -> datetime | None:
    """An xs:dateTime with Z or an offset (a naive one is taken as UTC); None if unreadable."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def parse_duration(value: str | None, default: float) -> float:
    """Seconds of an xs:duration such as PT60S, PT1M30S or PT0.5S (days and larger are not used here)."""
    if not value:
        return default
    text_ = value.strip().upper()
    if not text_.startswith("PT"):
        raise SoapError(400, "ter:InvalidArgVal", f"unsupported duration {value!r}")
    seconds, number = 0.0, ""
    for char in text_[2:]:
        if char.isdigit() or char == ".":
            number += char
            continue
        if char not in "HMS" or not number:
            raise SoapError(400, "ter:InvalidArgVal", f"unsupported duration {value!r}")
        seconds += float(number) * {"H": 3600, "M": 60, "S": 1}[char]
        number = ""
    if number:
        raise SoapError(400, "ter:InvalidArgVal", f"unsupported duration {value!r}")
    return seconds


class UsernameTokenChecker:
    """WS-Security UsernameToken (PasswordDigest or PasswordText) against one user and the device's clock.

    ``Created`` must lie within ``tolerance`` seconds of the device's own time (its offset included), and
    a nonce is accepted once: the two checks that make a replayed or badly-timed token fail.
    """

    def __init__(self, user: str, password: str, tolerance: float = 10.0):
        self.user, self.password, self.tolerance = user, password, tolerance
        self._nonces: OrderedDict[bytes, None] = OrderedDict()

    def check(self, header: ET.Element | None, device_now: datetime) -> str:
        """"ok", "missing" (no token at all) or the reason the token fails (never shown to the client)."""
        token = None if header is None else header.find(f"{{{WSSE}}}Security/{{{WSSE}}}UsernameToken")
        if token is None:
            return "missing"
        username = (token.findtext(f"{{{WSSE}}}Username") or "").strip()
        password_el = token.find(f"{{{WSSE}}}Password")
        if password_el is None or not hmac.compare_digest(username.encode(), self.user.encode()):
            return "unknown user"
        supplied = (password_el.text or "").strip()
        if password_el.get("Type", PASSWORD_DIGEST).endswith(PASSWORD_TEXT):
            return "ok" if hmac.compare_digest(supplied.encode(), self.password.encode()) else "wrong password"
        return self._check_digest(token, supplied, device_now)

    def _check_digest(self, token: ET.Element, supplied: str, device_now: datetime) -> str:
        created = (token.findtext(f"{{{WSU}}}Created") or "").strip()
        try:
            nonce = base64.b64decode((token.findtext(f"{{{WSSE}}}Nonce") or "").strip(), validate=True)
        except binascii.Error:
            return "bad nonce"
        expected = base64.b64encode(hashlib.sha1(nonce + created.encode() + self.password.encode()).digest()).decode()
        if not hmac.compare_digest(supplied.encode(), expected.encode()):
            return "wrong password"
        moment = parse_xml_time(created)
        if moment is None:
            return "bad Created"
        drift = (moment - device_now).total_seconds()
        if abs(drift) > self.tolerance:
            return f"Created drift {drift:+.0f}s"
        if nonce in self._nonces:
            return "nonce replayed"
        self._nonces[nonce] = None
        while len(self._nonces) > MAX_NONCES:
            self._nonces.popitem(last=False)
        return "ok"


def device_clock(offset_s: float):
    """A function returning the device's idea of now: the real UTC time shifted by ``offset_s``."""
    shift = timedelta(seconds=offset_s)
    return lambda: datetime.now(timezone.utc) + shift
