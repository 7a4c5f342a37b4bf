"""`manage.py simcam`: the simulated RTSP (and ONVIF) camera. Parses arguments and runs `cameras.simcam.run_simcam`."""

import argparse
import re
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cameras.simcam import OnvifOptions, SimCamOptions, run_simcam


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
    help = ("Serve a simulated RTSP camera (live clock or looped clip) until SIGTERM/SIGINT; with --onvif-port "
            "also an ONVIF device (Device, Media, Events with a PullPoint motion alarm).")

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
        onvif = parser.add_argument_group("ONVIF (off unless --onvif-port is given)")
        onvif.add_argument("--onvif-port", type=int, default=None,
                           help="serve ONVIF at http://HOST:PORT/onvif/device_service (0 picks a free port)")
        onvif.add_argument("--clock-offset", type=float, default=0.0,
                           help="seconds the camera's clock is ahead of the real time (negative: behind)")
        onvif.add_argument("--motion-every", type=float, default=0.0,
                           help="raise the motion alarm every N seconds (0: only on POST /simcam/motion)")
        onvif.add_argument("--motion-seconds", type=float, default=3.0, help="how long each motion lasts")
        onvif.add_argument("--onvif-auth", choices=["any", "wsse", "digest"], default="any",
                           help="with --user: accept WS-UsernameToken or HTTP Digest (any), or only one of them")

    def handle(self, *args, **opts):
        width, height = opts["size"]
        if opts["mounts"] < 1:
            raise CommandError("--mounts must be at least 1")
        if opts["onvif_port"] is None and (opts["clock_offset"] or opts["motion_every"]):
            raise CommandError("--clock-offset and --motion-every need --onvif-port")
        try:
            self._run(opts, width, height)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc

    def _run(self, opts, width, height):
        options = SimCamOptions.numbered(
            opts["mounts"], opts["cache_dir"] or Path(settings.NVR_DATA_DIR) / "simcam", opts["source"],
            width=width, height=height, fps=opts["fps"], bitrate=opts["bitrate"], audio=opts["audio"],
            duration=opts["duration"], host=opts["host"], port=opts["port"], user=opts["user"],
            password=opts["password"], udp=not opts["no_udp"], onvif=self._onvif(opts),
        )
        run_simcam(options, announce=self._announce)

    @staticmethod
    def _onvif(opts) -> OnvifOptions | None:
        if opts["onvif_port"] is None:
            return None
        return OnvifOptions(port=opts["onvif_port"], clock_offset=opts["clock_offset"],
                            motion_every=opts["motion_every"], motion_seconds=opts["motion_seconds"],
                            auth=opts["onvif_auth"])

    def _announce(self, line: str) -> None:
        # flushed at once: whoever started us waits for these lines on a pipe
        self.stdout.write(line)
        self.stdout.flush()
