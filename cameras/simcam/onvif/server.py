"""The simulated camera's ONVIF device: an HTTP/SOAP 1.2 endpoint with Device, Media and Events services.

Authentication as cameras do it, when the camera has a user: WS-UsernameToken (PasswordDigest, checked
against the device's own clock, which may be set off by ``clock_offset``) and HTTP Digest. Only
GetSystemDateAndTime is answered without credentials, as the ONVIF core spec requires, so a client can
measure the clock before it signs anything. Test hooks: ``trigger_motion`` (also ``POST /simcam/motion``)
and ``fault`` ("stall": requests are read and never answered; "malformed": broken XML with a 200).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cameras.simcam.auth import Authenticator
from cameras.simcam.onvif import device
from cameras.simcam.onvif.events import EventService
from cameras.simcam.onvif.httpd import HttpRequest, HttpResponse, HttpServer
from cameras.simcam.onvif.snapshot import clock_jpeg
from cameras.simcam.onvif.soap import (
    CONTENT_TYPE,
    SoapError,
    UsernameTokenChecker,
    device_clock,
    envelope,
    fault_body,
    parse_request,
)

if TYPE_CHECKING:
    from cameras.simcam.server import MountSpec

log = logging.getLogger(__name__)

AUTH_MODES = ("any", "wsse", "digest")
FAULTS = ("stall", "malformed")
UNAUTHENTICATED = {(device.DEVICE_NS, "GetSystemDateAndTime")}
MALFORMED = (b'<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">'
             b"<s:Body><tds:GetDeviceInformationResponse><tds:Manufacturer>Sim")
NOT_AUTHORIZED = SoapError(400, "ter:NotAuthorized", "Sender not authorized")


@dataclass(frozen=True)
class OnvifOptions:
    """The ONVIF side of the simulated camera."""

    port: int = 8000  # 0 picks a free port
    clock_offset: float = 0.0  # seconds the device's clock is ahead of the real time (negative: behind)
    motion_every: float = 0.0  # seconds between motion alarms (0: only on demand)
    motion_seconds: float = 3.0  # how long each motion lasts
    auth: str = "any"  # "any": UsernameToken or HTTP Digest; "wsse" or "digest": only that one
    advertised_host: str | None = None  # the host the device writes into its addresses (default: its own)
    time_zone: str = "UTC"  # POSIX TZ reported by GetSystemDateAndTime (``CET-1`` is UTC+1)
    report_utc: bool = True  # False: only LocalDateTime, like some cheap cameras
    wsse_tolerance: float = 10.0  # seconds a UsernameToken's Created may be off the device clock
    get_services: bool = True  # False: an older device that only answers GetCapabilities

    def __post_init__(self):
        if self.auth not in AUTH_MODES:
            raise ValueError(f"ONVIF auth must be one of {', '.join(AUTH_MODES)}")
        if self.motion_every < 0 or self.motion_seconds <= 0:
            raise ValueError("motion_every must be >= 0 and motion_seconds > 0")
        if self.motion_every and self.motion_seconds >= self.motion_every:
            raise ValueError("each motion must end before the next one starts (motion_seconds < motion_every)")


class OnvifServer:
    """Serves the ONVIF device of a camera whose RTSP server listens on ``rtsp_port``."""

    def __init__(self, options: OnvifOptions, host: str, rtsp_port: int, mounts: list[MountSpec],
                 user: str | None = None, password: str | None = None):
        self.options, self.host, self.rtsp_port, self.mounts = options, host, rtsp_port, mounts
        self.user = user
        self.now = device_clock(options.clock_offset)
        self.http_auth = Authenticator(user, password, realm="simcam-onvif") if user else None
        self.tokens = UsernameTokenChecker(user, password, options.wsse_tolerance) if user else None
        self.http = HttpServer(self.handle, host, options.port)
        self.facts: device.Facts | None = None
        self.events: EventService | None = None
        self.fault: str | None = None
        self._never = asyncio.Event()

    async def start(self) -> None:
        await self.http.start()
        advertised = self.options.advertised_host or self.host
        base_url = f"http://{_url_host(advertised)}:{self.http.port}"
        self.facts = device.Facts(base_url, self._profiles(advertised), self.now, self.options.time_zone,
                                  self.options.report_utc)
        self.events = EventService(base_url, self.now, self.options.motion_every, self.options.motion_seconds)
        self.events.start()

    async def stop(self) -> None:
        if self.events is not None:
            self.events.stop()
        await self.http.stop()

    @property
    def port(self) -> int:
        return self.http.port

    @property
    def device_url(self) -> str:
        return f"http://{_url_host(self.host)}:{self.port}{device.SERVICE_PATHS[device.DEVICE_NS]}"

    def trigger_motion(self, seconds: float | None = None) -> None:
        """Start (or extend) a motion alarm now. Call on the camera's event loop."""
        self.events.trigger(seconds)

    def set_fault(self, fault: str | None) -> None:
        if fault is not None and fault not in FAULTS:
            raise ValueError(f"fault must be one of {', '.join(FAULTS)} or None")
        self.fault = fault

    def _profiles(self, advertised: str) -> tuple[device.Profile, ...]:
        main = self.mounts[0]
        sub = self.mounts[1] if len(self.mounts) > 1 else main
        rtsp = f"rtsp://{_url_host(advertised)}:{self.rtsp_port}"
        return (device.Profile("main", "MainStream", main.width, main.height, main.fps, main.bitrate, rtsp + main.path),
                device.Profile("sub", "SubStream", sub.width, sub.height, sub.fps, sub.bitrate, rtsp + sub.path))

    # ---- HTTP ----
    async def handle(self, request: HttpRequest) -> HttpResponse:
        if self.fault == "stall":
            await self._never.wait()
        if request.method == "GET" and request.path == device.SNAPSHOT_PATH:
            return await self._snapshot(request)
        if request.method == "POST" and request.path == "/simcam/motion":
            return self._motion_hook(request)
        if request.method != "POST":
            return HttpResponse(405, b"ONVIF services take SOAP over POST\n", headers=[("Allow", "POST")])
        return await self._soap(request)

    def _http_denied(self, request: HttpRequest, method: str) -> HttpResponse | None:
        if self.http_auth is None:
            return None
        state = self.http_auth.verify(method, request.header("authorization"))
        if state == "ok":
            return None
        return HttpResponse(401, b"", headers=self.http_auth.challenge(stale=state == "stale"))

    async def _snapshot(self, request: HttpRequest) -> HttpResponse:
        denied = self._http_denied(request, "GET")
        if denied:
            return denied
        try:
            profile = self.facts.profile(request.query.get("profile", "main"))
        except SoapError:
            return HttpResponse(404, b"no such profile\n")
        jpeg = await asyncio.to_thread(clock_jpeg, profile.width, profile.height)
        return HttpResponse(200, jpeg, "image/jpeg")

    def _motion_hook(self, request: HttpRequest) -> HttpResponse:
        denied = self._http_denied(request, "POST")
        if denied:
            return denied
        try:
            seconds = float(request.query.get("seconds", self.options.motion_seconds))
        except ValueError:
            return HttpResponse(400, b"seconds must be a number\n")
        if not 0 < seconds <= 3600:
            return HttpResponse(400, b"seconds must be in (0, 3600]\n")
        self.trigger_motion(seconds)
        return HttpResponse(204)

    # ---- SOAP ----
    async def _soap(self, request: HttpRequest) -> HttpResponse:
        try:
            soap = parse_request(request.body)
            if self.fault == "malformed":
                return HttpResponse(200, MALFORMED, CONTENT_TYPE)
            operation = (soap.namespace, soap.operation)
            if operation not in UNAUTHENTICATED:
                denied = self._soap_denied(request, soap)
                if denied:
                    return denied
            body = await self._answer(operation, soap, request)
            if body is None:
                raise SoapError(400, "ter:ActionNotSupported", f"{soap.operation} is not supported", code="s:Receiver")
        except SoapError as error:
            return HttpResponse(error.status, envelope(fault_body(error)), CONTENT_TYPE)
        return HttpResponse(200, envelope(body), CONTENT_TYPE)

    async def _answer(self, operation: tuple[str, str], soap, request: HttpRequest) -> str | None:
        if operation == (device.DEVICE_NS, "GetServices") and not self.options.get_services:
            return None
        if operation in device.OPERATIONS:
            return device.OPERATIONS[operation](self.facts, soap.element)
        return await self.events.answer(operation, soap.element, request.query.get("id"))

    def _soap_denied(self, request: HttpRequest, soap) -> HttpResponse | None:
        """None when the request is authorised, else the refusal cameras send for this auth mode."""
        if self.tokens is None:
            return None
        mode = self.options.auth
        http = self.http_auth.verify("POST", request.header("authorization")) if mode != "wsse" else "not accepted"
        token = self.tokens.check(soap.header, self.now()) if mode != "digest" else "not accepted"
        if http == "ok" or token == "ok":
            return None
        log.info("simcam ONVIF: %s refused (UsernameToken: %s; HTTP: %s)", soap.operation, token, http)
        body = envelope(fault_body(NOT_AUTHORIZED))
        if mode == "wsse":
            return HttpResponse(NOT_AUTHORIZED.status, body, CONTENT_TYPE)
        # Digest-capable cameras answer 401 with a challenge (and often the fault as the body).
        return HttpResponse(401, body, CONTENT_TYPE, self.http_auth.challenge(stale=http == "stale"))


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
