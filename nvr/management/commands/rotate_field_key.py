"""Rotate the field-encryption key (camera passwords, stream URLs, backup secrets)."""

from django.core.management.base import BaseCommand, CommandError

from nvr.keyrotation import KeyRotationError, rotate_field_key


class Command(BaseCommand):
    help = "Generate a new field-encryption key, re-encrypt every secret with it and retire the old key."

    def handle(self, *args, **options):
        try:
            report = rotate_field_key()
        except KeyRotationError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"re-encrypted {report.rows} value(s) in {len(report.columns)} column(s); old key retired.")
        self.stdout.write("Restart the web, task and recorder processes so they load the new key.")
