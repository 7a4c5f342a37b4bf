"""System checks: a bad NVR_TIME_ZONE stops start-up instead of silently mis-timing schedules."""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from recording.schedule import schedule_zone


@checks.register()
def check_schedule_zone(app_configs=None, **kwargs):
    try:
        schedule_zone()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), hint="Use an IANA name such as Europe/Berlin, or leave it empty.", id="recording.E001")]
    return []
