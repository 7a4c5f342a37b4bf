"""Run the whole system on one machine: migrate, create the first admin, start and supervise the processes."""

import gc

from django.core.management.base import BaseCommand, CommandError

from nvr import runall


class Command(BaseCommand):
    help = ("Migrate, create the first admin (password printed once), then run web, tasks and recorder until "
            "SIGINT (Ctrl-C), SIGTERM or SIGHUP, which stop every process they started within 10 s.")

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="HTTP port (default 8000)")
        parser.add_argument("--demo", action="store_true", help="also run a simulated camera and record it")
        parser.add_argument("--demo-rtsp-port", type=int, default=runall.DEMO_RTSP_PORT,
                            help=f"RTSP port of the simulated camera (default {runall.DEMO_RTSP_PORT})")

    def handle(self, *args, host, port, demo=False, demo_rtsp_port=runall.DEMO_RTSP_PORT, **options):
        if not 1 <= port <= 65535 or not 1 <= demo_rtsp_port <= 65535:
            raise CommandError("--port and --demo-rtsp-port must be between 1 and 65535")
        runall.prepare(self.stdout, demo=demo, demo_rtsp_port=demo_rtsp_port)
        self.stdout.write(f"NVR console: http://{host}:{port}/   API docs: http://{host}:{port}/api/v1/docs/\n")
        self.stdout.flush()
        runall.Supervisor(runall.processes(host, port, demo=demo, demo_rtsp_port=demo_rtsp_port)).run()
        # make returns only when we exit: spare the interpreter's teardown its full garbage collections
        # of everything Django loaded (seconds on a busy machine); nothing is left to clean up.
        gc.freeze()
