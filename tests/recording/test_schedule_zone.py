"""Which zone schedule times are read in: NVR_TIME_ZONE, else the server's zone; bad names fail fast."""

from datetime import timezone
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured

from recording import schedule
from recording.checks import check_schedule_zone


def test_configured_zone_is_used(settings):
    settings.NVR_TIME_ZONE = "Europe/Berlin"
    assert schedule.schedule_zone() == ZoneInfo("Europe/Berlin")


def test_unknown_zone_name_is_improperly_configured(settings):
    settings.NVR_TIME_ZONE = "Mars/Olympus_Mons"
    with pytest.raises(ImproperlyConfigured, match="Mars/Olympus_Mons"):
        schedule.schedule_zone()
    assert [error.id for error in check_schedule_zone()] == ["recording.E001"]


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/localtime", "Europe/../UTC"])
def test_path_like_zone_names_are_refused(settings, name):
    settings.NVR_TIME_ZONE = name
    with pytest.raises(ImproperlyConfigured):
        schedule.schedule_zone()


def test_empty_setting_means_the_server_zone(settings, tmp_path, monkeypatch):
    settings.NVR_TIME_ZONE = ""
    (tmp_path / "timezone").write_text("America/New_York\n")
    monkeypatch.setattr(schedule, "_TIMEZONE_FILE", tmp_path / "timezone")
    schedule.zone_named.cache_clear()
    try:
        assert schedule.schedule_zone() == ZoneInfo("America/New_York")
        assert check_schedule_zone() == []
    finally:
        schedule.zone_named.cache_clear()


def test_server_zone_falls_back_to_utc_without_zone_files(tmp_path, monkeypatch):
    monkeypatch.setattr(schedule, "_TIMEZONE_FILE", tmp_path / "missing")
    monkeypatch.setattr(schedule, "_LOCALTIME", tmp_path / "missing-localtime")
    assert schedule.server_zone() == timezone.utc


def test_server_zone_follows_the_localtime_link(tmp_path, monkeypatch):
    link = tmp_path / "localtime"
    link.symlink_to("/usr/share/zoneinfo/Asia/Kathmandu")
    monkeypatch.setattr(schedule, "_TIMEZONE_FILE", tmp_path / "missing")
    monkeypatch.setattr(schedule, "_LOCALTIME", link)
    assert schedule.server_zone() == ZoneInfo("Asia/Kathmandu")
