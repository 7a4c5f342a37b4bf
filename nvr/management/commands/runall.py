"""Run the whole system on one machine: migrate, create the first admin, start and supervise the processes."""

from django.core.management.base import BaseCommand, CommandError

from nvr import runall


class Command(BaseCommand):
    help = "Migrate, create the first admin (password printed once), then run the web server until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="HTTP port (default 8000)")

    def handle(self, *args, host, port, **options):
        if not 1 <= port <= 65535:
            raise CommandError("--port must be between 1 and 65535")
        runall.prepare(self.stdout)
        self.stdout.write(f"NVR console: http://{host}:{port}/   API docs: http://{host}:{port}/api/v1/docs/\n")
        self.stdout.flush()
        runall.Supervisor(runall.processes(host, port)).run()
