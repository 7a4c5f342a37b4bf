"""The only code in the project that speaks SOAP to cameras (STYLE habit 8): ONVIF on onvif-zeep-async.

A connection (``OnvifClient.connect``) goes:
1. GetSystemDateAndTime without credentials (the one call every device answers so) gives the camera's
   clock offset (``cameras.onvif.clock``).
2. Every later request carries a WS-UsernameToken (PasswordDigest) whose ``Created`` is our time plus that
   offset (onvif-zeep-async's ``dt_diff``), so a camera with a wrong clock still accepts it. A camera that
   wants HTTP Digest answers 401 with a challenge, which the session answers on the same request.
3. Service addresses from GetServices, GetCapabilities as the fallback. Every address the camera reports
   (services, subscriptions, stream and snapshot URIs) is rewritten to the host actually dialled, and
   every address passes the egress guard (literal hosts before the request, resolved names in the
   resolver) before anything is sent.
Each request has its own deadline; every failure is one ``OnvifError`` with a secret-free message.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import onvif
from lxml import etree
from onvif.client import AsyncTransportProtocolErrorHandler, ONVIFService
from onvif.definition import SERVICES
from onvif.exceptions import ONVIFError
from onvif.util import normalize_url
from zeep.exceptions import Fault, TransportError, XMLParseError, XMLSyntaxError

from cameras import egress
from cameras.onvif import clock
from cameras.onvif.messages import OnvifEvent, parse_notification
from nvr.masking import mask_credentials

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 5.0
WSDL_DIR = Path(onvif.__file__).parent / "wsdl"  # shipped in the wheel: nothing is fetched at run time
DEVICE_NS, MEDIA_NS, EVENTS_NS = (SERVICES[name]["ns"] for name in ("devicemgmt", "media", "events"))
# GetCapabilities names → onvif-zeep-async service names (top level, then under Extension).
CAPABILITIES = {"Device": "devicemgmt", "Media": "media", "Events": "events", "PTZ": "ptz", "Imaging": "imaging",
                "Analytics": "analytics"}
EXTENSION_CAPABILITIES = {"DeviceIO": "deviceio", "Recording": "recording", "Search": "search", "Replay": "replay",
                          "Receiver": "receiver"}
AUTH_MESSAGE = "the camera refused the ONVIF credentials (wrong username or password, or no ONVIF rights)"
STREAM_SETUP = {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}}


class OnvifError(Exception):
    """Any failure talking ONVIF. ``kind``: auth, fault, timeout, unreachable, malformed, refused, unsupported."""

    def __init__(self, message: str, kind: str):
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class DeviceInfo:
    manufacturer: str | None
    model: str | None
    firmware_version: str | None
    serial_number: str | None
    hardware_id: str | None


@dataclass(frozen=True)
class MediaProfile:
    token: str
    name: str | None
    encoding: str | None = None
    width: int | None = None
    height: int | None = None
    fps: int | None = None
    stream_uri: str | None = None  # rtsp://… on the dialled host, without credentials
    ptz_node_token: str | None = None


@dataclass(frozen=True)
class Probe:
    """Everything a probe reads from a device in one go."""

    info: DeviceInfo
    services: dict[str, str]
    scopes: list[str]
    profiles: list[MediaProfile]
    clock: clock.ClockReading


@dataclass(frozen=True)
class PullPointRef:
    """A PullPoint subscription the camera granted: where it lives and for how many seconds."""

    address: str
    granted_s: float


@dataclass(frozen=True)
class PullResult:
    events: list[OnvifEvent] = field(default_factory=list)
    granted_s: float | None = None  # seconds left on the subscription, when the camera says


class _GuardedResolver(aiohttp.ThreadedResolver):
    """Name resolution that refuses names resolving to addresses the egress guard forbids."""

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET):
        infos = await super().resolve(host, port, family)
        for info in infos:
            egress.check_ip(info["host"])
        return infos


class _GuardedTransport(AsyncTransportProtocolErrorHandler):
    """zeep's transport with the egress guard on every address it posts to."""

    async def post_xml(self, address, envelope, headers):
        egress.check_url(address)
        return await super().post_xml(address, envelope, headers)


class _Service(ONVIFService):
    """An onvif-zeep-async service bound to the client's HTTP session instead of a session of its own.

    The library gives every service its own aiohttp session with fixed 90 s timeouts and no HTTP auth.
    Here all services of a camera share one session (one connection pool, HTTP Digest on challenge, the
    guarded resolver) and the deadline is the client's, per request.
    """

    def __init__(self, address: str, user: str | None, password: str, name: str, dt_diff: timedelta | None,
                 session: aiohttp.ClientSession):
        definition = SERVICES[name]
        super().__init__(address, user, password, str(WSDL_DIR / definition["wsdl"]), no_cache=True,
                         dt_diff=dt_diff, binding_name=f"{{{definition['ns']}}}{definition['binding']}")
        self._shared = session

    async def setup(self):
        await self._session.close()  # the library's own session and connector, never used
        await self._connector.close()
        self.transport = _GuardedTransport(session=self._shared, verify_ssl=False, cache=None)
        await super().setup()

    async def close(self):
        """The shared session belongs to the OnvifClient, which closes it."""


def _is_auth_fault(fault: Fault) -> bool:
    codes = " ".join(str(getattr(code, "localname", code)) for code in (fault.subcodes or []))
    text = f"{codes} {fault.message or ''}".lower()
    return any(word in text for word in ("notauthorized", "not authorized", "unauthorized", "authority failure",
                                         "authentication failed", "senderauthfailure"))


def _fault_text(fault: Fault) -> str:
    codes = ", ".join(str(getattr(code, "localname", code)) for code in (fault.subcodes or []))
    text = (fault.message or "no reason given").strip()
    return mask_credentials(f"{text} ({codes})" if codes else text)[:300]


def describe_failure(exc: BaseException, operation: str, timeout: float, where: str) -> OnvifError:
    """The one OnvifError for anything a request can raise (no secrets: neither URLs with them nor bodies)."""
    if isinstance(exc, OnvifError):
        return exc
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):  # aiohttp's timeouts are TimeoutErrors too
        return OnvifError(f"the camera at {where} did not answer {operation} within {timeout:g} s", "timeout")
    if isinstance(exc, egress.EgressRefused):
        return OnvifError(f"refused to dial the camera: {exc}", "refused")
    if isinstance(exc, Fault):
        if _is_auth_fault(exc):
            return OnvifError(AUTH_MESSAGE, "auth")
        return OnvifError(f"the camera refused {operation}: {_fault_text(exc)}", "fault")
    if isinstance(exc, TransportError):
        if exc.status_code == 401:
            return OnvifError(AUTH_MESSAGE, "auth")
        if "invalid XML" in str(exc.message):
            return OnvifError(f"the camera sent a malformed answer to {operation} (not XML)", "malformed")
        return OnvifError(f"the camera answered {operation} with HTTP {exc.status_code}", "fault")
    if isinstance(exc, (XMLSyntaxError, XMLParseError, etree.XMLSyntaxError)):
        return OnvifError(f"the camera sent a malformed answer to {operation} (invalid XML)", "malformed")
    if isinstance(exc, aiohttp.ClientConnectorError):
        reason = getattr(exc.os_error, "strerror", None) or type(exc.os_error).__name__
        return OnvifError(f"cannot reach the camera at {where}: {reason}", "unreachable")
    if isinstance(exc, (aiohttp.ClientError, OSError)):
        return OnvifError(f"lost the connection to the camera at {where} during {operation}", "unreachable")
    if isinstance(exc, ONVIFError) and exc.__cause__ is not None:  # the library's wrapper around the real error
        return describe_failure(exc.__cause__, operation, timeout, where)
    # zeep parses leniently (onvif-zeep-async turns strict mode off, so lxml "recovers" broken XML): a
    # truncated or garbled answer surfaces as a ValueError/TypeError/AttributeError from deep in the parser.
    return OnvifError(f"the camera sent a malformed answer to {operation} ({type(exc).__name__})", "malformed")


def _host_port(url: str) -> tuple[str, int | None]:
    parts = urlsplit(url)
    return parts.hostname or "", parts.port


def _netloc(host: str, port: int | None) -> str:
    host = f"[{host}]" if ":" in host else host
    return f"{host}:{port}" if port else host


def _seconds_between(start, end) -> float | None:
    if isinstance(start, datetime) and isinstance(end, datetime):
        if start.tzinfo is None:
            start = start.replace(tzinfo=timezone.utc)
        if end.tzinfo is None:
            end = end.replace(tzinfo=timezone.utc)
        return (end - start).total_seconds()
    return None


class OnvifClient:
    """One camera's ONVIF device: ``async with OnvifClient(url, user, password) as camera: await camera.probe()``."""

    def __init__(self, device_url: str, user: str | None = None, password: str | None = None, *,
                 timeout: float = DEFAULT_TIMEOUT_S):
        parts = urlsplit(device_url or "")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise OnvifError("the ONVIF device URL must be http(s)://host[:port]/path", "refused")
        try:
            egress.check_url(device_url)
        except egress.EgressRefused as exc:
            raise OnvifError(f"refused to dial the camera: {exc}", "refused") from None
        self.device_url = urlunsplit(parts._replace(netloc=_netloc(parts.hostname, parts.port)))
        self.host, self.port = parts.hostname, parts.port
        self.user, self._password = user or None, password or ""
        self.timeout = timeout
        self.clock: clock.ClockReading | None = None
        self.xaddrs: dict[str, str] = {}
        self._session: aiohttp.ClientSession | None = None
        self._services: dict[tuple[str, str], _Service] = {}

    def __repr__(self) -> str:
        return f"OnvifClient({self.device_url!r}, user={self.user!r})"

    async def __aenter__(self) -> OnvifClient:
        try:
            await self.connect()
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    @property
    def offset(self) -> timedelta:
        return self.clock.offset if self.clock else timedelta(0)

    # ---- plumbing -------------------------------------------------------------------------------------

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(ssl=False, resolver=_GuardedResolver(), limit_per_host=4)
            middlewares = (aiohttp.DigestAuthMiddleware(self.user, self._password),) if self.user else ()
            # No session-wide total: each request's deadline is set by _call (PullMessages needs a longer one).
            self._session = aiohttp.ClientSession(
                connector=connector, middlewares=middlewares,
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=self.timeout))
        return self._session

    async def _service(self, name: str, address: str) -> _Service:
        key = (name, address)
        if key not in self._services:
            service = _Service(address, self.user, self._password, name, self.clock.offset if self.clock else None,
                               self._http())
            await service.setup()
            self._services[key] = service
        return self._services[key]

    async def _call(self, name: str, address: str, operation: str, params=None, *, authless: bool = False,
                    timeout: float | None = None):
        """One SOAP request with its own deadline; any failure becomes an OnvifError."""
        timeout = timeout or self.timeout
        host, port = _host_port(address)
        try:
            egress.check_url(address)
            service = await self._service(name, address)
            method = getattr(service, ("authless_" if authless or not self.user else "") + operation)
            return await asyncio.wait_for(method(params), timeout)
        except Exception as exc:  # noqa: BLE001 - mapped to the one error type, message scrubbed
            raise describe_failure(exc, operation, timeout, _netloc(host, port)) from exc

    def dialled(self, url: str | None, *, keep_port: bool = False) -> str:
        """``url`` as the camera reported it, moved to the host we dial when it names another host.

        Cameras behind NAT or with several interfaces report addresses we cannot reach. An HTTP service
        address on a foreign host gets our host and port; a stream URI (``keep_port``) keeps its own port,
        since RTSP listens elsewhere. Credentials in the reported URL are dropped.
        """
        parts = urlsplit(normalize_url(url) or "")
        if not parts.scheme or not parts.hostname:
            raise OnvifError(f"the camera reported an unusable address {mask_credentials(url)!r}", "malformed")
        same_host = parts.hostname.lower() == self.host.lower()
        port = parts.port if keep_port or same_host else self.port
        result = urlunsplit(parts._replace(netloc=_netloc(self.host if not same_host else parts.hostname, port)))
        try:
            egress.check_url(result)
        except egress.EgressRefused as exc:
            raise OnvifError(f"refused to dial the camera: {exc}", "refused") from None
        return result

    def _xaddr(self, namespace: str, what: str) -> str:
        if namespace not in self.xaddrs:
            raise OnvifError(f"the camera offers no ONVIF {what} service", "unsupported")
        return self.xaddrs[namespace]

    async def close(self) -> None:
        self._services.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None

    # ---- connection -----------------------------------------------------------------------------------

    async def connect(self) -> None:
        """Measure the camera's clock, then find its services (re-run it after the camera restarted)."""
        await self.measure_clock()
        self.xaddrs = await self._discover_services()

    async def measure_clock(self) -> clock.ClockReading:
        """GetSystemDateAndTime without credentials (with them if the camera insists) → the clock offset."""
        sent = datetime.now(timezone.utc)
        try:
            answer = await self._call("devicemgmt", self.device_url, "GetSystemDateAndTime", authless=True)
        except OnvifError as exc:
            if exc.kind != "auth":
                raise
            answer = await self._call("devicemgmt", self.device_url, "GetSystemDateAndTime")
        reading = clock.reading(answer, sent, datetime.now(timezone.utc))
        if self.clock is None or reading.offset != self.clock.offset:
            self._services.clear()  # their UsernameTokens carry the previous offset
        self.clock = reading
        return reading

    async def _discover_services(self) -> dict[str, str]:
        try:
            answer = await self._call("devicemgmt", self.device_url, "GetServices", {"IncludeCapability": False})
            reported = {s.Namespace: s.XAddr for s in answer or [] if getattr(s, "Namespace", None)
                        and getattr(s, "XAddr", None)}
        except OnvifError as exc:
            if exc.kind not in ("fault", "malformed"):
                raise
            reported = {}
        if not reported:
            reported = await self._capability_xaddrs()
        found = {DEVICE_NS: self.device_url}
        for namespace, url in reported.items():
            try:
                found[namespace] = self.dialled(url) if namespace != DEVICE_NS else self.device_url
            except OnvifError as exc:
                log.warning("ONVIF %s: ignoring service %s: %s", self.host, namespace, exc)
        return found

    async def _capability_xaddrs(self) -> dict[str, str]:
        """The fallback for devices without GetServices (recording/replay only appear under Extension)."""
        answer = await self._call("devicemgmt", self.device_url, "GetCapabilities", {"Category": "All"})
        found = {}
        extension = getattr(answer, "Extension", None)
        for holder, names in ((answer, CAPABILITIES), (extension, EXTENSION_CAPABILITIES)):
            for attribute, service in names.items():
                xaddr = getattr(getattr(holder, attribute, None), "XAddr", None)
                if xaddr:
                    found[SERVICES[service]["ns"]] = xaddr
        return found

    # ---- device and media -----------------------------------------------------------------------------

    async def device_info(self) -> DeviceInfo:
        answer = await self._call("devicemgmt", self.device_url, "GetDeviceInformation")
        return DeviceInfo(*(getattr(answer, name, None) for name in
                            ("Manufacturer", "Model", "FirmwareVersion", "SerialNumber", "HardwareId")))

    async def scopes(self) -> list[str]:
        answer = await self._call("devicemgmt", self.device_url, "GetScopes")
        return [str(scope.ScopeItem) for scope in answer or [] if getattr(scope, "ScopeItem", None)]

    async def profiles(self, stream_uris: bool = True) -> list[MediaProfile]:
        """The media profiles, each with its RTSP stream URI (None when the camera refuses one)."""
        answer = await self._call("media", self._xaddr(MEDIA_NS, "media"), "GetProfiles")
        profiles = []
        for profile in answer or []:
            token = getattr(profile, "token", None)
            if not token:
                continue
            encoder = getattr(profile, "VideoEncoderConfiguration", None)
            resolution = getattr(encoder, "Resolution", None)
            rate = getattr(encoder, "RateControl", None)
            ptz = getattr(profile, "PTZConfiguration", None)
            profiles.append(MediaProfile(
                token=str(token), name=getattr(profile, "Name", None), encoding=getattr(encoder, "Encoding", None),
                width=getattr(resolution, "Width", None), height=getattr(resolution, "Height", None),
                fps=getattr(rate, "FrameRateLimit", None),
                stream_uri=await self._optional_uri("GetStreamUri", token) if stream_uris else None,
                ptz_node_token=getattr(ptz, "NodeToken", None)))
        return profiles

    async def stream_uri(self, profile_token: str) -> str:
        answer = await self._call("media", self._xaddr(MEDIA_NS, "media"), "GetStreamUri",
                                  {"StreamSetup": STREAM_SETUP, "ProfileToken": profile_token})
        return self.dialled(getattr(answer, "Uri", None), keep_port=True)

    async def snapshot_uri(self, profile_token: str) -> str:
        answer = await self._call("media", self._xaddr(MEDIA_NS, "media"), "GetSnapshotUri",
                                  {"ProfileToken": profile_token})
        return self.dialled(getattr(answer, "Uri", None))

    async def _optional_uri(self, operation: str, token: str) -> str | None:
        try:
            return await self.stream_uri(token)
        except OnvifError as exc:
            if exc.kind not in ("fault", "malformed"):
                raise
            log.info("ONVIF %s: no stream URI for profile %s: %s", self.host, token, exc)
            return None

    async def probe(self) -> Probe:
        """Connect (when not yet) and read device information, scopes and profiles with stream URIs."""
        if self.clock is None:
            await self.connect()
        return Probe(await self.device_info(), dict(self.xaddrs), await self.scopes(), await self.profiles(),
                     self.clock)

    # ---- events (PullPoint) ---------------------------------------------------------------------------

    async def create_pull_point(self, seconds: int) -> PullPointRef:
        answer = await self._call("events", self._xaddr(EVENTS_NS, "events"), "CreatePullPointSubscription",
                                  {"InitialTerminationTime": f"PT{int(seconds)}S"})
        reference = getattr(answer, "SubscriptionReference", None)
        address = getattr(getattr(reference, "Address", None), "_value_1", None)
        granted = _seconds_between(getattr(answer, "CurrentTime", None), getattr(answer, "TerminationTime", None))
        return PullPointRef(self.dialled(address), granted if granted and granted > 0 else float(seconds))

    async def pull_messages(self, ref: PullPointRef, wait_s: float, limit: int) -> PullResult:
        """Wait up to ``wait_s`` for events (the request's deadline is that plus the client timeout)."""
        answer = await self._call("pullpoint", ref.address, "PullMessages",
                                  {"Timeout": f"PT{wait_s:g}S", "MessageLimit": limit},
                                  timeout=wait_s + self.timeout)
        received = datetime.now(timezone.utc)
        events = [parse_notification(message, self.offset, received)
                  for message in getattr(answer, "NotificationMessage", None) or []]
        return PullResult([e for e in events if e is not None],
                          _seconds_between(getattr(answer, "CurrentTime", None),
                                           getattr(answer, "TerminationTime", None)))

    async def renew(self, ref: PullPointRef, seconds: int) -> float:
        answer = await self._call("subscription", ref.address, "Renew", {"TerminationTime": f"PT{int(seconds)}S"})
        granted = _seconds_between(getattr(answer, "CurrentTime", None), getattr(answer, "TerminationTime", None))
        return granted if granted and granted > 0 else float(seconds)

    async def unsubscribe(self, ref: PullPointRef, timeout: float = 2.0) -> None:
        """Best effort: a camera that is gone lets the subscription expire by itself."""
        try:
            await self._call("subscription", ref.address, "Unsubscribe", timeout=min(timeout, self.timeout))
        except OnvifError as exc:
            log.debug("ONVIF %s: unsubscribe failed: %s", self.host, exc)
        finally:
            self.forget(ref)

    def forget(self, ref: PullPointRef) -> None:
        """Drop the service bindings of a subscription that is over."""
        for name in ("pullpoint", "subscription"):
            self._services.pop((name, ref.address), None)
