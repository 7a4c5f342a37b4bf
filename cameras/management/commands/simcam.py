"""`manage.py simcam`: the simulated RTSP camera. Parses arguments and runs `cameras.simcam.run_simcam`."""

import argparse
import re
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cameras.simcam import SimCamOptions, run_simcam


def _size(value: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{2,5})x(\d{2,5})", value)
    if not match:
        raise argparse.ArgumentTypeError("size must look like 640x360")
    return int(match.group(1)), int(match.group(2))


def _bitrate(value: str) -> int:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([kKmM]?)", value)
    if not match:
        raise argparse.ArgumentTypeError("bitrate must look like 800k or 4M")
    scale = {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2).lower()]
    return int(float(match.group(1)) * scale)


class Command(BaseCommand):
    help = "Serve a simulated RTSP camera (live clock or looped clip) until SIGTERM/SIGINT."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8554, help="0 picks a free port")
        parser.add_argument("--source", choices=["clock", "clip"], default="clock")
        parser.add_argument("--size", type=_size, default=(640, 360), help="WIDTHxHEIGHT, even, at least 320x180")
        parser.add_argument("--fps", type=int, default=25)
        parser.add_argument("--bitrate", type=_bitrate, default=800_000, help="e.g. 800k, 4M")
        parser.add_argument("--duration", type=int, default=10, help="clip length in seconds (clip source)")
        parser.add_argument("--audio", action="store_true", help="add an AAC track (a beep every second)")
        parser.add_argument("--user", default=None)
        parser.add_argument("--password", default=None)
        parser.add_argument("--mounts", type=int, default=1, help="serve /cam1../camN of the same source")
        parser.add_argument("--no-udp", action="store_true", help="offer RTP over interleaved TCP only")
        parser.add_argument("--cache-dir", type=Path, default=None, help="clip cache (default NVR_DATA_DIR/simcam)")

    def handle(self, *args, **opts):
        width, height = opts["size"]
        if opts["mounts"] < 1:
            raise CommandError("--mounts must be at least 1")
        try:
            self._run(opts, width, height)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc

    def _run(self, opts, width, height):
        options = SimCamOptions.numbered(
            opts["mounts"], opts["cache_dir"] or Path(settings.NVR_DATA_DIR) / "simcam", opts["source"],
            width=width, height=height, fps=opts["fps"], bitrate=opts["bitrate"], audio=opts["audio"],
            duration=opts["duration"], host=opts["host"], port=opts["port"], user=opts["user"],
            password=opts["password"], udp=not opts["no_udp"],
        )
        run_simcam(options, announce=self._announce)

    def _announce(self, line: str) -> None:
        # flushed at once: whoever started us waits for these lines on a pipe
        self.stdout.write(line)
        self.stdout.flush()
