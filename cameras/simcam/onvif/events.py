"""The Events service of the simulated ONVIF device: one motion alarm, PullPoint subscriptions.

The device has one video source (``vs0``) whose ``tns1:VideoSource/MotionAlarm`` property flips to true
when motion starts and back to false when it ends: on a cadence (``motion_every``) and on demand
(``trigger``). Each subscription gets an ``Initialized`` message with the current state when it is
created (and on SetSynchronizationPoint), then a ``Changed`` message per flip. PullMessages waits up to
its Timeout for a message; subscriptions expire at their termination time unless renewed.
"""

from __future__ import annotations

import asyncio
import itertools
import time
import xml.etree.ElementTree as ET
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from cameras.simcam.onvif.soap import NAMESPACES, SoapError, child_text, parse_duration, parse_xml_time, xml_time

EVENTS_NS, WSNT_NS = NAMESPACES["tev"], NAMESPACES["wsnt"]
MOTION_TOPIC = "tns1:VideoSource/MotionAlarm"
SUBSCRIPTION_PATH = "/onvif/subscription"
DEFAULT_TERMINATION_S, MAX_TERMINATION_S = 60.0, 3600.0
MAX_PULL_WAIT_S, MAX_MESSAGES = 60.0, 100
MAX_SUBSCRIPTIONS, QUEUE_LIMIT = 16, 256
CONCRETE_SET = "http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet"


@dataclass(frozen=True)
class Message:
    utc: datetime  # on the device's clock
    operation: str  # Initialized | Changed
    state: bool


@dataclass
class Subscription:
    id: str
    expires: float  # monotonic
    queue: deque = field(default_factory=lambda: deque(maxlen=QUEUE_LIMIT))
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    def put(self, message: Message) -> None:
        self.queue.append(message)
        self.wake.set()


def _message_xml(message: Message) -> str:
    return (f"<wsnt:NotificationMessage><wsnt:Topic Dialect=\"{CONCRETE_SET}\">{MOTION_TOPIC}</wsnt:Topic>"
            f"<wsnt:Message><tt:Message UtcTime=\"{xml_time(message.utc)}\" PropertyOperation=\"{message.operation}\">"
            "<tt:Source><tt:SimpleItem Name=\"Source\" Value=\"vs0\"/></tt:Source>"
            f"<tt:Data><tt:SimpleItem Name=\"State\" Value=\"{str(message.state).lower()}\"/></tt:Data>"
            "</tt:Message></wsnt:Message></wsnt:NotificationMessage>")


EVENT_PROPERTIES = (
    "<tev:GetEventPropertiesResponse>"
    "<tev:TopicNamespaceLocation>http://www.onvif.org/onvif/ver10/topics/topicns.xml</tev:TopicNamespaceLocation>"
    "<wsnt:FixedTopicSet>true</wsnt:FixedTopicSet>"
    "<wstop:TopicSet><tns1:VideoSource><tns1:MotionAlarm wstop:topic=\"true\">"
    "<tt:MessageDescription IsProperty=\"true\"><tt:Source>"
    "<tt:SimpleItemDescription Name=\"Source\" Type=\"tt:ReferenceToken\"/></tt:Source><tt:Data>"
    "<tt:SimpleItemDescription Name=\"State\" Type=\"xs:boolean\"/></tt:Data></tt:MessageDescription>"
    "</tns1:MotionAlarm></tns1:VideoSource></wstop:TopicSet>"
    "<wsnt:TopicExpressionDialect>http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet</wsnt:TopicExpressionDialect>"
    "<wsnt:TopicExpressionDialect>http://docs.oasis-open.org/wsn/t-1/TopicExpression/Concrete</wsnt:TopicExpressionDialect>"
    "<tev:MessageContentFilterDialect>http://www.onvif.org/ver10/tev/messageContentFilter/ItemFilter"
    "</tev:MessageContentFilterDialect>"
    "<tev:MessageContentSchemaLocation>http://www.onvif.org/onvif/ver10/schema/onvif.xsd"
    "</tev:MessageContentSchemaLocation>"
    "</tev:GetEventPropertiesResponse>"
)
SERVICE_CAPABILITIES = (
    "<tev:GetServiceCapabilitiesResponse><tev:Capabilities WSSubscriptionPolicySupport=\"false\" "
    "WSPausableSubscriptionManagerInterfaceSupport=\"false\" MaxNotificationProducers=\"0\" "
    f"MaxPullPoints=\"{MAX_SUBSCRIPTIONS}\" PersistentNotificationStorage=\"false\"/>"
    "</tev:GetServiceCapabilitiesResponse>"
)


class EventService:
    """Motion state, the subscriptions and the answers to the event operations."""

    def __init__(self, base_url: str, now: Callable[[], datetime], motion_every: float = 0.0,
                 motion_seconds: float = 3.0):
        self.base_url, self.now = base_url, now
        self.motion_every, self.motion_seconds = motion_every, motion_seconds
        self.motion = False
        self.motion_starts = 0
        self.subscriptions: dict[str, Subscription] = {}
        self._ids = itertools.count(1)
        self._end: asyncio.TimerHandle | None = None
        self._cadence: asyncio.Task | None = None

    # ---- motion ----
    def start(self) -> None:
        if self.motion_every > 0:
            self._cadence = asyncio.get_running_loop().create_task(self._motion_cadence())

    def stop(self) -> None:
        if self._cadence is not None:
            self._cadence.cancel()
        if self._end is not None:
            self._end.cancel()
        for subscription in self.subscriptions.values():
            subscription.wake.set()

    async def _motion_cadence(self) -> None:
        while True:
            await asyncio.sleep(self.motion_every)
            self.trigger(self.motion_seconds)

    def trigger(self, seconds: float | None = None) -> None:
        """Motion now, for ``seconds`` (an ongoing motion is extended, not restarted). Call on the loop."""
        if self._end is not None:
            self._end.cancel()
        self._set_motion(True)
        self._end = asyncio.get_running_loop().call_later(seconds or self.motion_seconds, self._set_motion, False)

    def _set_motion(self, state: bool) -> None:
        if state == self.motion:
            return
        self.motion = state
        self.motion_starts += state
        message = Message(self.now(), "Changed", state)
        for subscription in self._live():
            subscription.put(message)

    # ---- subscriptions ----
    def _live(self) -> list[Subscription]:
        now = time.monotonic()
        for expired in [s for s in self.subscriptions.values() if s.expires <= now]:
            del self.subscriptions[expired.id]
        return list(self.subscriptions.values())

    def find(self, subscription_id: str | None) -> Subscription:
        self._live()
        subscription = self.subscriptions.get(subscription_id or "")
        if subscription is None:
            raise SoapError(400, "wsrf-rw:ResourceUnknownFault", "unknown or expired subscription")
        return subscription

    def _termination(self, value: str | None) -> float:
        """Seconds from now of a wsnt termination time given as a duration or an absolute time."""
        if value and not value.strip().upper().startswith("P"):
            moment = parse_xml_time(value)
            if moment is None:
                raise SoapError(400, "ter:InvalidArgVal", f"unreadable termination time {value!r}")
            seconds = (moment - self.now()).total_seconds()
        else:
            seconds = parse_duration(value, DEFAULT_TERMINATION_S)
        if seconds <= 0:
            raise SoapError(400, "wsnt:UnacceptableInitialTerminationTimeFault", "termination time in the past")
        return min(seconds, MAX_TERMINATION_S)

    def _times(self, subscription: Subscription) -> tuple[str, str]:
        now = self.now()
        left = max(0.0, subscription.expires - time.monotonic())
        return xml_time(now), xml_time(now + timedelta(seconds=left))

    def create(self, element: ET.Element) -> str:
        if len(self._live()) >= MAX_SUBSCRIPTIONS:
            raise SoapError(500, "ter:MaxPullPointsReached", "too many pull points", code="s:Receiver")
        seconds = self._termination(child_text(element, "tev:InitialTerminationTime"))
        subscription = Subscription(str(next(self._ids)), time.monotonic() + seconds)
        subscription.put(Message(self.now(), "Initialized", self.motion))
        self.subscriptions[subscription.id] = subscription
        current, termination = self._times(subscription)
        address = f"{self.base_url}{SUBSCRIPTION_PATH}?id={subscription.id}"
        return ("<tev:CreatePullPointSubscriptionResponse><tev:SubscriptionReference>"
                f"<wsa:Address>{address}</wsa:Address></tev:SubscriptionReference>"
                f"<wsnt:CurrentTime>{current}</wsnt:CurrentTime><wsnt:TerminationTime>{termination}"
                "</wsnt:TerminationTime></tev:CreatePullPointSubscriptionResponse>")

    async def pull(self, subscription_id: str | None, element: ET.Element) -> str:
        subscription = self.find(subscription_id)
        wait = min(parse_duration(child_text(element, "tev:Timeout"), 10.0), MAX_PULL_WAIT_S)
        limit = max(1, min(int(child_text(element, "tev:MessageLimit") or MAX_MESSAGES), MAX_MESSAGES))
        if not subscription.queue:
            subscription.wake.clear()
            try:
                await asyncio.wait_for(subscription.wake.wait(), wait)
            except asyncio.TimeoutError:
                pass
        subscription = self.find(subscription_id)  # unsubscribed or expired while waiting
        messages = [subscription.queue.popleft() for _ in range(min(limit, len(subscription.queue)))]
        current, termination = self._times(subscription)
        return (f"<tev:PullMessagesResponse><tev:CurrentTime>{current}</tev:CurrentTime><tev:TerminationTime>"
                f"{termination}</tev:TerminationTime>{''.join(_message_xml(m) for m in messages)}"
                "</tev:PullMessagesResponse>")

    def synchronize(self, subscription_id: str | None) -> str:
        self.find(subscription_id).put(Message(self.now(), "Initialized", self.motion))
        return "<tev:SetSynchronizationPointResponse/>"

    def renew(self, subscription_id: str | None, element: ET.Element) -> str:
        subscription = self.find(subscription_id)
        subscription.expires = time.monotonic() + self._termination(child_text(element, "wsnt:TerminationTime"))
        current, termination = self._times(subscription)
        return (f"<wsnt:RenewResponse><wsnt:TerminationTime>{termination}</wsnt:TerminationTime>"
                f"<wsnt:CurrentTime>{current}</wsnt:CurrentTime></wsnt:RenewResponse>")

    def unsubscribe(self, subscription_id: str | None) -> str:
        subscription = self.find(subscription_id)
        del self.subscriptions[subscription.id]
        subscription.wake.set()
        return "<wsnt:UnsubscribeResponse/>"

    async def answer(self, operation: tuple[str, str], element: ET.Element, subscription_id: str | None) -> str | None:
        """The response to an event operation, or None when ``operation`` is not one."""
        match operation:
            case (ns, "GetEventProperties") if ns == EVENTS_NS:
                return EVENT_PROPERTIES
            case (ns, "GetServiceCapabilities") if ns == EVENTS_NS:
                return SERVICE_CAPABILITIES
            case (ns, "CreatePullPointSubscription") if ns == EVENTS_NS:
                return self.create(element)
            case (ns, "PullMessages") if ns == EVENTS_NS:
                return await self.pull(subscription_id, element)
            case (ns, "SetSynchronizationPoint") if ns == EVENTS_NS:
                return self.synchronize(subscription_id)
            case (ns, "Renew") if ns == WSNT_NS:
                return self.renew(subscription_id, element)
            case (ns, "Unsubscribe") if ns == WSNT_NS:
                return self.unsubscribe(subscription_id)
        return None
