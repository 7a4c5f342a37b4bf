"""Clip export becomes a background job: the clip row carries the job's status, progress, heartbeat, error and
the read locks it holds. Clips exported before this migration were made inside the request: completed."""

from django.db import migrations, models


def existing_clips_completed(apps, schema_editor):
    Clip = apps.get_model("recording", "Clip")
    Clip.objects.update(status="completed", progress=1.0, started_at=models.F("created_at"), finished_at=models.F("created_at"))


class Migration(migrations.Migration):

    dependencies = [
        ('recording', '0007_recorder_storage_token'),
    ]

    operations = [
        migrations.AddField(
            model_name='clip',
            name='cancel_requested',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='clip',
            name='error',
            field=models.CharField(blank=True, default='', help_text='Why the export failed (no path, no secret)', max_length=200),
        ),
        migrations.AddField(
            model_name='clip',
            name='finished_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='clip',
            name='heartbeat_at',
            field=models.DateTimeField(blank=True, help_text='Last progress report of the export job', null=True),
        ),
        migrations.AddField(
            model_name='clip',
            name='holds_read_locks',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='clip',
            name='progress',
            field=models.FloatField(default=0, help_text='Fraction of the requested window copied so far, 0..1'),
        ),
        migrations.AddField(
            model_name='clip',
            name='read_locked_segments',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name='clip',
            name='started_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='clip',
            name='status',
            field=models.CharField(choices=[('pending', 'Pending'), ('running', 'Running'), ('completed', 'Completed'), ('failed', 'Failed'), ('cancelled', 'Cancelled')], default='pending', max_length=16),
        ),
        migrations.RunPython(existing_clips_completed, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='clip',
            index=models.Index(fields=['status', 'heartbeat_at'], name='clip_status_heartbeat'),
        ),
    ]
