"""Device and Media service answers of the simulated ONVIF device (Profile S subset), as XML text.

Every function takes the device's ``Facts`` and the request element and returns the response element.
Children follow onvif.xsd order exactly (see ``soap``).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from cameras.simcam.onvif.soap import NAMESPACES, SoapError, attr, child_text, text

DEVICE_NS, MEDIA_NS, EVENTS_NS = NAMESPACES["tds"], NAMESPACES["trt"], NAMESPACES["tev"]
SERVICE_PATHS = {DEVICE_NS: "/onvif/device_service", MEDIA_NS: "/onvif/media_service",
                 EVENTS_NS: "/onvif/events_service"}
SNAPSHOT_PATH = "/onvif/snapshot.jpg"
_POSIX_TZ = re.compile(r"^(?:[A-Za-z]{3,}|<[^>]+>)([+-]?)(\d{1,2})(?::(\d{2}))?")


@dataclass(frozen=True)
class Profile:
    """One media profile: a token, a name and the RTSP mount it streams."""

    token: str
    name: str
    width: int
    height: int
    fps: int
    bitrate: int
    stream_uri: str


@dataclass(frozen=True)
class Facts:
    """What the device says about itself; ``now`` is its own clock (real UTC + the configured offset)."""

    base_url: str  # http://host:port the device advertises
    profiles: tuple[Profile, ...]
    now: Callable[[], datetime]
    time_zone: str = "UTC"  # POSIX TZ, as ONVIF carries it
    report_utc: bool = True  # False: a camera that only fills LocalDateTime
    manufacturer: str = "NVR project"
    model: str = "SimCam"
    firmware: str = "1.0"
    serial: str = "SIMCAM-0001"
    hardware_id: str = "simcam"

    def profile(self, token: str | None) -> Profile:
        for profile in self.profiles:
            if profile.token == token:
                return profile
        raise SoapError(400, "ter:InvalidArgVal", f"no profile with token {token!r}")

    @property
    def scopes(self) -> list[str]:
        return ["onvif://www.onvif.org/type/video_encoder", "onvif://www.onvif.org/Profile/Streaming",
                f"onvif://www.onvif.org/name/{self.model}", f"onvif://www.onvif.org/hardware/{self.hardware_id}",
                "onvif://www.onvif.org/location/simulated"]


def utc_offset(time_zone: str) -> timedelta:
    """The local-time offset of a POSIX TZ string's standard time: ``CET-1`` is UTC+1 (the sign is inverted)."""
    match = _POSIX_TZ.match(time_zone or "")
    if not match:
        return timedelta(0)
    sign = 1 if match.group(1) == "-" else -1
    return sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3) or 0))


def _date_time(tag: str, moment: datetime) -> str:
    return (f"<tt:{tag}><tt:Time><tt:Hour>{moment.hour}</tt:Hour><tt:Minute>{moment.minute}</tt:Minute>"
            f"<tt:Second>{moment.second}</tt:Second></tt:Time><tt:Date><tt:Year>{moment.year}</tt:Year>"
            f"<tt:Month>{moment.month}</tt:Month><tt:Day>{moment.day}</tt:Day></tt:Date></tt:{tag}>")


def get_system_date_and_time(facts: Facts, _element: ET.Element) -> str:
    now = facts.now()
    utc = _date_time("UTCDateTime", now) if facts.report_utc else ""
    local = _date_time("LocalDateTime", now + utc_offset(facts.time_zone))
    return ("<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>Manual</tt:DateTimeType>"
            f"<tt:DaylightSavings>false</tt:DaylightSavings><tt:TimeZone><tt:TZ>{text(facts.time_zone)}</tt:TZ>"
            f"</tt:TimeZone>{utc}{local}</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>")


def get_device_information(facts: Facts, _element: ET.Element) -> str:
    return (f"<tds:GetDeviceInformationResponse><tds:Manufacturer>{text(facts.manufacturer)}</tds:Manufacturer>"
            f"<tds:Model>{text(facts.model)}</tds:Model><tds:FirmwareVersion>{text(facts.firmware)}"
            f"</tds:FirmwareVersion><tds:SerialNumber>{text(facts.serial)}</tds:SerialNumber>"
            f"<tds:HardwareId>{text(facts.hardware_id)}</tds:HardwareId></tds:GetDeviceInformationResponse>")


def get_services(facts: Facts, _element: ET.Element) -> str:
    services = "".join(
        f"<tds:Service><tds:Namespace>{namespace}</tds:Namespace><tds:XAddr>{text(facts.base_url + path)}"
        "</tds:XAddr><tds:Version><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service>"
        for namespace, path in SERVICE_PATHS.items())
    return f"<tds:GetServicesResponse>{services}</tds:GetServicesResponse>"


def get_capabilities(facts: Facts, _element: ET.Element) -> str:
    base = text(facts.base_url)
    return ("<tds:GetCapabilitiesResponse><tds:Capabilities>"
            f"<tt:Device><tt:XAddr>{base}{SERVICE_PATHS[DEVICE_NS]}</tt:XAddr></tt:Device>"
            f"<tt:Events><tt:XAddr>{base}{SERVICE_PATHS[EVENTS_NS]}</tt:XAddr>"
            "<tt:WSSubscriptionPolicySupport>false</tt:WSSubscriptionPolicySupport>"
            "<tt:WSPullPointSupport>true</tt:WSPullPointSupport>"
            "<tt:WSPausableSubscriptionManagerInterfaceSupport>false</tt:WSPausableSubscriptionManagerInterfaceSupport>"
            "</tt:Events>"
            f"<tt:Media><tt:XAddr>{base}{SERVICE_PATHS[MEDIA_NS]}</tt:XAddr><tt:StreamingCapabilities>"
            "<tt:RTPMulticast>false</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP>"
            "</tt:StreamingCapabilities></tt:Media>"
            "</tds:Capabilities></tds:GetCapabilitiesResponse>")


def get_scopes(facts: Facts, _element: ET.Element) -> str:
    scopes = "".join(f"<tds:Scopes><tt:ScopeDef>Fixed</tt:ScopeDef><tt:ScopeItem>{text(scope)}</tt:ScopeItem>"
                     "</tds:Scopes>" for scope in facts.scopes)
    return f"<tds:GetScopesResponse>{scopes}</tds:GetScopesResponse>"


def _profile_xml(profile: Profile, tag: str) -> str:
    width, height = profile.width, profile.height
    return (f"<{tag} token={attr(profile.token)} fixed=\"true\"><tt:Name>{text(profile.name)}</tt:Name>"
            "<tt:VideoSourceConfiguration token=\"vsc0\"><tt:Name>VideoSource</tt:Name><tt:UseCount>2</tt:UseCount>"
            f"<tt:SourceToken>vs0</tt:SourceToken><tt:Bounds x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\"/>"
            "</tt:VideoSourceConfiguration>"
            f"<tt:VideoEncoderConfiguration token={attr('vec_' + profile.token)}><tt:Name>{text(profile.name)}</tt:Name>"
            "<tt:UseCount>1</tt:UseCount><tt:Encoding>H264</tt:Encoding>"
            f"<tt:Resolution><tt:Width>{width}</tt:Width><tt:Height>{height}</tt:Height></tt:Resolution>"
            f"<tt:Quality>5</tt:Quality><tt:RateControl><tt:FrameRateLimit>{profile.fps}</tt:FrameRateLimit>"
            f"<tt:EncodingInterval>1</tt:EncodingInterval><tt:BitrateLimit>{profile.bitrate // 1000}</tt:BitrateLimit>"
            f"</tt:RateControl><tt:H264><tt:GovLength>{profile.fps}</tt:GovLength><tt:H264Profile>Baseline"
            "</tt:H264Profile></tt:H264><tt:Multicast><tt:Address><tt:Type>IPv4</tt:Type>"
            "<tt:IPv4Address>0.0.0.0</tt:IPv4Address></tt:Address><tt:Port>0</tt:Port><tt:TTL>1</tt:TTL>"
            "<tt:AutoStart>false</tt:AutoStart></tt:Multicast><tt:SessionTimeout>PT60S</tt:SessionTimeout>"
            f"</tt:VideoEncoderConfiguration></{tag}>")


def get_profiles(facts: Facts, _element: ET.Element) -> str:
    profiles = "".join(_profile_xml(profile, "trt:Profiles") for profile in facts.profiles)
    return f"<trt:GetProfilesResponse>{profiles}</trt:GetProfilesResponse>"


def get_profile(facts: Facts, element: ET.Element) -> str:
    profile = facts.profile(child_text(element, "trt:ProfileToken"))
    return f"<trt:GetProfileResponse>{_profile_xml(profile, 'trt:Profile')}</trt:GetProfileResponse>"


def _media_uri(uri: str) -> str:
    return (f"<trt:MediaUri><tt:Uri>{text(uri)}</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>"
            "<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout></trt:MediaUri>")


def get_stream_uri(facts: Facts, element: ET.Element) -> str:
    profile = facts.profile(child_text(element, "trt:ProfileToken"))
    protocol = child_text(element, "trt:StreamSetup/tt:Transport/tt:Protocol") or "RTSP"
    if protocol.upper() not in ("RTSP", "TCP", "UDP"):
        raise SoapError(400, "ter:InvalidArgVal", f"transport {protocol} is not offered (RTSP only)")
    return f"<trt:GetStreamUriResponse>{_media_uri(profile.stream_uri)}</trt:GetStreamUriResponse>"


def get_snapshot_uri(facts: Facts, element: ET.Element) -> str:
    profile = facts.profile(child_text(element, "trt:ProfileToken"))
    uri = f"{facts.base_url}{SNAPSHOT_PATH}?profile={profile.token}"
    return f"<trt:GetSnapshotUriResponse>{_media_uri(uri)}</trt:GetSnapshotUriResponse>"


OPERATIONS = {
    (DEVICE_NS, "GetSystemDateAndTime"): get_system_date_and_time,
    (DEVICE_NS, "GetDeviceInformation"): get_device_information,
    (DEVICE_NS, "GetServices"): get_services,
    (DEVICE_NS, "GetCapabilities"): get_capabilities,
    (DEVICE_NS, "GetScopes"): get_scopes,
    (MEDIA_NS, "GetProfiles"): get_profiles,
    (MEDIA_NS, "GetProfile"): get_profile,
    (MEDIA_NS, "GetStreamUri"): get_stream_uri,
    (MEDIA_NS, "GetSnapshotUri"): get_snapshot_uri,
}
