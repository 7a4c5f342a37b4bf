"""Recorder benchmark: our recorder's CPU per camera against `ffmpeg -c copy -f segment`, same streams, same run.

Usage (from the project root, after `make install-dev`):

    .venv/bin/python bench/recorder.py --cameras 32 --seconds 120

Starts the project's simulated camera serving N mounts of a 1080p ~4 Mbps H.264 clip, then records all N
streams twice, one after the other: first with N `ffmpeg -rtsp_transport tcp -i URL -c copy -f segment`
processes (the baseline), then with one `manage.py record` (its supervisor plus worker processes) on a
scratch data dir and SQLite database. CPU is user+system time read from /proc for each process tree.
Prints CPU seconds per camera-minute for both, their ratio, and segments lost: segments missing against
the wall-clock boundaries crossed, plus recorded gaps.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pid: int, tree: bool = True) -> float:
    """User+system CPU of a process (and, with `tree`, all its live descendants and reaped children)."""
    total = 0.0
    for child in [pid, *descendants(pid)] if tree else [pid]:
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
        total += (utime + stime + (cutime + cstime if tree else 0)) / TICKS
    return total


def descendants(pid: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def start_simcam(env, cameras: int, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [PYTHON, "manage.py", "simcam", "--port", str(port), "--source", "clip", "--size", "1920x1080",
         "--bitrate", "4M", "--fps", "25", "--mounts", str(cameras)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    ready = 0
    deadline = time.monotonic() + 600  # the first run encodes the 1080p clip
    while ready < cameras and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            raise SystemExit(f"simcam exited early (code {process.poll()})")
        ready += line.startswith("READY")
    return process


def run_ffmpeg(urls, seconds: float, out: Path, segment_seconds: int) -> tuple[float, list[int]]:
    processes = []
    for index, url in enumerate(urls):
        folder = out / f"cam{index + 1}"
        folder.mkdir(parents=True)
        processes.append(subprocess.Popen(
            ["ffmpeg", "-nostdin", "-loglevel", "error", "-rtsp_transport", "tcp", "-i", url, "-c", "copy",
             "-f", "segment", "-segment_time", str(segment_seconds), "-reset_timestamps", "1",
             "-segment_format", "mp4", "-segment_format_options", "movflags=frag_keyframe+empty_moov+default_base_moof",
             str(folder / "%05d.mp4")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))
    time.sleep(5)  # connection set-up is not part of the steady state
    start = sum(cpu_seconds(p.pid) for p in processes)
    time.sleep(seconds)
    used = sum(cpu_seconds(p.pid) for p in processes) - start
    for process in processes:
        process.send_signal(signal.SIGINT)
    for process in processes:
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
    counts = [len(list((out / f"cam{i + 1}").glob("*.mp4"))) for i in range(len(urls))]
    return used, counts


def manage(env, *args) -> str:
    return subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True,
                          text=True).stdout


def run_recorder(env, urls, seconds: float, segment_seconds: int) -> tuple[float, dict]:
    manage(env, "migrate", "--noinput")
    script = (
        "import json,sys\nfrom accounts.principal import SYSTEM\nfrom cameras.services import create_camera\n"
        f"for i, url in enumerate(json.loads(sys.argv[1])):\n"
        f"    create_camera(SYSTEM, {{'name': f'bench {{i+1}}', 'main_stream_url': url, 'segment_seconds': {segment_seconds}}})\n"
    )
    subprocess.run([PYTHON, "-c", "import django,os;os.environ.setdefault('DJANGO_SETTINGS_MODULE','nvr.settings');"
                    "django.setup();exec(open(0).read())", json.dumps(urls)], cwd=ROOT, env=env, input=script,
                   text=True, check=True)
    recorder = subprocess.Popen([PYTHON, "manage.py", "record", "--recorder-id", "bench"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(8)  # start-up: Django, worker processes, RTSP set-up
    start, start_own = cpu_seconds(recorder.pid), cpu_seconds(recorder.pid, tree=False)
    time.sleep(seconds)
    used = cpu_seconds(recorder.pid) - start
    supervisor = cpu_seconds(recorder.pid, tree=False) - start_own
    recorder.send_signal(signal.SIGTERM)
    recorder.wait(60)
    report = manage(env, "shell", "-c", (
        "import json\nfrom django.db.models import Count\nfrom recording.models import Segment, RecordingGap\n"
        "print(json.dumps({'segments': dict(Segment.objects.values_list('camera_id').annotate(n=Count('id'))),"
        "'gaps': RecordingGap.objects.count()}))"))
    return used, {**json.loads(report.strip().splitlines()[-1]), "supervisor_cpu": supervisor}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cameras", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=120.0, help="measured steady-state seconds per recorder")
    parser.add_argument("--segment-seconds", type=int, default=10)
    parser.add_argument("--cameras-per-worker", type=int, default=8)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="nvr-bench-"))
    env = {**os.environ, "NVR_DATA_DIR": str(work / "data"), "NVR_DEBUG": "true", "NVR_LOG_LEVEL": "WARNING",
           "NVR_SECRET_KEY": secrets.token_urlsafe(50), "NVR_RECORDER_CAMERAS_PER_WORKER": str(args.cameras_per_worker)}
    env.pop("DATABASE_URL", None)
    cache = ROOT / "data" / "bench-simcam"
    cache.mkdir(parents=True, exist_ok=True)
    port = free_port()
    simcam = start_simcam({**env, "NVR_DATA_DIR": str(cache)}, args.cameras, port)
    urls = [f"rtsp://127.0.0.1:{port}/cam{i + 1}" for i in range(args.cameras)]
    try:
        ffmpeg_cpu, ffmpeg_counts = run_ffmpeg(urls, args.seconds, work / "ffmpeg", args.segment_seconds)
        ours_cpu, ours = run_recorder(env, urls, args.seconds, args.segment_seconds)
    finally:
        simcam.send_signal(signal.SIGTERM)
        simcam.wait(15)
        shutil.rmtree(work, ignore_errors=True)
    camera_minutes = args.cameras * args.seconds / 60
    expected = int(args.seconds // args.segment_seconds)  # boundaries crossed in the measured window (at least)
    per_camera = list(ours["segments"].values()) + [0] * (args.cameras - len(ours["segments"]))
    lost_ours = sum(max(0, expected - n) for n in per_camera)
    lost_ffmpeg = sum(max(0, expected - n) for n in ffmpeg_counts)
    print(f"cameras: {args.cameras} x 1080p ~4 Mbps H.264, {args.seconds:.0f} s measured each, "
          f"{args.segment_seconds} s segments, {os.cpu_count()} cores")
    print(f"ffmpeg -c copy -f segment : {ffmpeg_cpu / camera_minutes:.3f} CPU s per camera-minute "
          f"({100 * ffmpeg_cpu / args.seconds / args.cameras:.2f} % of a core per camera), segments lost: {lost_ffmpeg}")
    print(f"nvr recorder              : {ours_cpu / camera_minutes:.3f} CPU s per camera-minute "
          f"({100 * ours_cpu / args.seconds / args.cameras:.2f} % of a core per camera), segments lost: {lost_ours}, "
          f"gaps recorded: {ours['gaps']}")
    print(f"  of which the supervisor : {100 * ours['supervisor_cpu'] / ours_cpu:.0f} % "
          f"({100 * ours['supervisor_cpu'] / args.seconds:.2f} % of a core)")
    print(f"ratio recorder / ffmpeg   : {ours_cpu / ffmpeg_cpu:.2f}x")


if __name__ == "__main__":
    main()
