"""The schedule table: `sync_schedules` makes django-q2's rows match it (idempotent); every job runs inline."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task, result

from nvr import schedules


def rows() -> dict[str, tuple]:
    return {s.name: (s.func, s.schedule_type, s.minutes, s.repeats, s.next_run) for s in Schedule.objects.all()}


def test_sync_creates_one_row_per_job_with_intervals_from_settings(db, settings):
    settings.NVR_RETENTION_INTERVAL_S = 300
    settings.NVR_HEALTH_INTERVAL_S = 15
    result_ = schedules.sync()
    assert sorted(result_.created) == sorted(entry.row_name for entry in schedules.table())
    created = rows()
    assert created["nvr:recording.retention_sweep"][:4] == ("recording.tasks.retention_sweep", Schedule.MINUTES, 5, -1)
    assert created["nvr:recording.health_check"][2] == 1  # 15 s rounds up to django-q2's one-minute granularity
    assert created["nvr:recording.orphan_pass"][2] == 60


def test_sync_is_idempotent(db):
    schedules.sync()
    before = rows()
    again = schedules.sync()
    assert again.created == again.updated == again.deleted == []
    assert rows() == before


def test_sync_removes_retired_and_duplicate_jobs_but_not_foreign_rows(db):
    schedules.sync()
    Schedule.objects.create(name="nvr:recording.retention_sweep", func="recording.tasks.retention_sweep")
    Schedule.objects.create(name="nvr:old.job", func="old.tasks.job")
    Schedule.objects.create(name="one-off retry", func="backups.tasks.run", schedule_type=Schedule.ONCE)
    outcome = schedules.sync()
    assert sorted(outcome.deleted) == ["nvr:old.job", "nvr:recording.retention_sweep"]
    assert Schedule.objects.filter(name="nvr:recording.retention_sweep").count() == 1
    assert Schedule.objects.filter(name="one-off retry").exists()


def test_a_changed_interval_is_updated_and_takes_effect_now(db, settings):
    settings.NVR_RETENTION_INTERVAL_S = 3600
    schedules.sync()
    Schedule.objects.filter(name="nvr:recording.retention_sweep").update(next_run=timezone.now() + timedelta(minutes=55))
    settings.NVR_RETENTION_INTERVAL_S = 120
    outcome = schedules.sync()
    assert outcome.updated == ["nvr:recording.retention_sweep"]
    row = Schedule.objects.get(name="nvr:recording.retention_sweep")
    assert row.minutes == 2 and row.next_run <= timezone.now()


def test_the_command_reports_what_it_did(db):
    out = StringIO()
    call_command("sync_schedules", stdout=out)
    call_command("sync_schedules", stdout=out, verbosity=2)
    lines = out.getvalue().splitlines()
    assert lines[0] == f"schedules: {len(schedules.table())} created, 0 updated, 0 deleted, 0 unchanged"
    assert "unchanged: nvr:recording.retention_sweep" in lines


@pytest.mark.parametrize("entry", schedules.table(), ids=lambda entry: entry.name)
def test_every_job_runs_inline_and_is_idempotent(db, entry):
    first = result(async_task(entry.func, sync=True))
    second = result(async_task(entry.func, sync=True))
    assert isinstance(first, dict) and first == second


def test_cluster_settings_follow_the_django_q2_rules():
    cluster = django_settings.Q_CLUSTER
    assert cluster["timeout"] < cluster["retry"]
    assert cluster["catch_up"] is False and 0 < cluster["save_limit"] <= 1000
