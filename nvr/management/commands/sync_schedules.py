"""Make django-q2's Schedule rows match the table in `nvr/schedules.py` (idempotent)."""

from django.core.management.base import BaseCommand

from nvr import schedules

OUTCOMES = ("created", "updated", "deleted", "unchanged")


class Command(BaseCommand):
    help = "Create, update and delete the nvr:* django-q2 schedules so the database matches nvr/schedules.py."

    def handle(self, *args, verbosity=1, **options):
        result = schedules.sync()
        if verbosity >= 2:
            for outcome in OUTCOMES:
                for name in getattr(result, outcome):
                    self.stdout.write(f"{outcome}: {name}")
        if verbosity >= 1:
            summary = ", ".join(f"{len(getattr(result, outcome))} {outcome}" for outcome in OUTCOMES)
            self.stdout.write(self.style.SUCCESS(f"schedules: {summary}"))
