"""PostgreSQL: segment_camera_start carries end_time (INCLUDE), so a day's timeline is an index-only scan.

SQLite has no INCLUDE: there the index stays as it is. The model state does not change (see the comment
on `Segment.Meta.indexes`).
"""

from django.db import migrations

TABLE, INDEX = "recording_segment", "segment_camera_start"


def _rebuild(schema_editor, include: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX}"')
    schema_editor.execute(f'CREATE INDEX "{INDEX}" ON "{TABLE}" ("camera_id", "start_time"){include}')


def include_end_time(apps, schema_editor):
    _rebuild(schema_editor, ' INCLUDE ("end_time")')


def drop_end_time(apps, schema_editor):
    _rebuild(schema_editor, "")


class Migration(migrations.Migration):

    dependencies = [
        ('recording', '0008_clip_jobs'),
    ]

    operations = [
        migrations.RunPython(include_end_time, drop_end_time),
    ]
