"""Notification messages → OnvifEvent, for schema-known payloads (zeep objects) and vendor ones (raw XML)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace as Obj

from lxml import etree

from cameras.onvif.messages import parse_notification

NOW = datetime(2026, 6, 15, 12, 0, 5, tzinfo=timezone.utc)


def item(name, value):
    return Obj(Name=name, Value=value)


def test_a_schema_known_message_is_read_with_its_time_moved_onto_our_clock():
    payload = Obj(UtcTime=datetime(2026, 6, 15, 12, 1, 30, tzinfo=timezone.utc), PropertyOperation="Changed",
                  Source=Obj(SimpleItem=[item("Source", "vs0")]), Data=Obj(SimpleItem=[item("State", "true")]))
    message = Obj(Topic=Obj(_value_1="tns1:VideoSource/MotionAlarm "), Message=Obj(_value_1=payload))
    event = parse_notification(message, timedelta(seconds=90), NOW)
    assert event.topic == "tns1:VideoSource/MotionAlarm" and event.topic_path == "VideoSource/MotionAlarm"
    assert (event.operation, event.source, event.data) == ("Changed", {"Source": "vs0"}, {"State": "true"})
    assert event.time == datetime(2026, 6, 15, 12, 0, 0, tzinfo=timezone.utc)


def test_a_vendor_payload_arrives_as_raw_xml_and_is_read_too():
    raw = etree.fromstring(
        '<tt:Message xmlns:tt="http://www.onvif.org/ver10/schema" UtcTime="2026-06-15T12:00:00Z" '
        'PropertyOperation="Initialized"><tt:Source><tt:SimpleItem Name="VideoSourceConfigurationToken" Value="1"/>'
        '<tt:SimpleItem Name="Rule" Value="MyMotion"/></tt:Source><tt:Data><tt:SimpleItem Name="IsMotion" '
        'Value="false"/></tt:Data></tt:Message>')
    message = Obj(Topic=Obj(_value_1="tns1:RuleEngine/CellMotionDetector/Motion"), Message=Obj(_value_1=raw))
    event = parse_notification(message, timedelta(0), NOW)
    assert event.topic_path == "RuleEngine/CellMotionDetector/Motion"
    assert event.source == {"VideoSourceConfigurationToken": "1", "Rule": "MyMotion"}
    assert (event.operation, event.data) == ("Initialized", {"IsMotion": "false"})
    assert event.time == datetime(2026, 6, 15, 12, 0, 0, tzinfo=timezone.utc)


def test_a_message_without_topic_is_skipped_and_one_without_time_takes_arrival_time():
    assert parse_notification(Obj(Topic=None, Message=None), timedelta(0), NOW) is None
    event = parse_notification(Obj(Topic=Obj(_value_1="tnsaxis:Storage/Alert"), Message=Obj(_value_1=None)), timedelta(0), NOW)
    assert (event.topic_path, event.time, event.data) == ("Storage/Alert", NOW, {})
