"""`manage.py record`: the recorder process (SPEC §1). Parses arguments and runs the supervisor."""

import signal

from django.core.management.base import BaseCommand, CommandError

from recording.leases import RecorderIdInUse
from recording.recorder.supervisor import Supervisor


class Command(BaseCommand):
    help = "Record every camera this process can lease; SIGTERM closes all open segments and exits."

    def add_arguments(self, parser):
        parser.add_argument("--recorder-id", default=None,
                            help="lease holder name (default NVR_RECORDER_ID, else derived from the host and data dir)")

    def handle(self, *args, recorder_id=None, **options):
        supervisor = Supervisor(recorder_id)

        def stop(signum, frame):
            supervisor.stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            supervisor.run()
        except RecorderIdInUse as exc:
            raise CommandError(str(exc)) from None
