"""Live latency and playback time-to-first-frame of the console, measured in headless Chromium.

Usage (from the project root, after `make install-dev`; needs /usr/bin/chromium):

    .venv/bin/python bench/live_latency.py [--samples 20] [--picks 5] [--width 1280 --height 720]

Starts the whole stack on a scratch data dir: the project's simulated camera with the `clock` source
(each frame carries its capture time, ms since the epoch, as a block time code), daphne, and one
`manage.py record` recording it in 2 s segments. Then opens the camera page in headless Chromium and
measures, in the page:

* live latency: the browser's wall clock when a frame is presented (requestVideoFrameCallback's
  expectedDisplayTime) minus the time code read back from that frame (drawn to a canvas); one sample
  every 250 ms, median/min/max of `--samples`;
* playback time-to-first-frame: from the click on a past instant of the timeline to the first
  presented frame showing footage within 3 s of that instant (hls.js, playlist `?at=`), for `--picks`
  instants spread over the recorded minutes; median/min/max.

Camera, recorder, server and browser share one machine's clock, so no clock offset enters the figures.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LIVE_TARGET_S = 1.5


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=20, help="live latency samples (default 20)")
    parser.add_argument("--picks", type=int, default=5, help="timeline clicks for time-to-first-frame (default 5)")
    parser.add_argument("--record-seconds", type=int, default=40, help="footage to record before the picks (default 40)")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--fps", type=int, default=25)
    return parser.parse_args()


def measure(args, workdir: Path) -> tuple:
    from tests.console.footage_system import footage_system, log_in
    from tests.console.page_probes import Figures, click_and_time_first_frame, install, live_latency, zoom_timeline_to
    from tests.peers.browser import chromium_page

    with footage_system(workdir, width=args.width, height=args.height, fps=args.fps) as system:
        print(f"camera {args.width}x{args.height}@{args.fps} (simcam clock), recording in 2 s segments …", flush=True)
        system.wait_for_segments(max(3, args.record_seconds // 2), timeout=args.record_seconds + 60)
        with chromium_page(width=1280, height=900) as page:
            log_in(page, system.base_url, f"/cameras/{system.camera_id}/")
            install(page)
            page.wait_for_function("() => document.querySelector('#mode').textContent.includes('LIVE') && "
                                   "document.querySelector('#video').readyState >= 2", timeout=30000)
            time.sleep(3)  # past the fast-start GOP: measure the steady state
            live = live_latency(page, samples=args.samples)
            page.wait_for_function("() => Number(document.querySelector('#timeline-summary').dataset.ranges) >= 1")
            zoom_timeline_to(page, 300)
            segments = system.segments()
            first = datetime.fromisoformat(segments[0]["start_time"])
            last = datetime.fromisoformat(segments[-1]["end_time"]) - timedelta(seconds=8)
            step = (last - first) / max(1, args.picks)
            ttff = []
            for index in range(args.picks):
                pick = first + step * index + timedelta(seconds=1.3)
                page.click("[data-action=live]")  # each pick starts from the live view, as an operator would
                page.wait_for_function("() => document.querySelector('#mode').dataset.mode === 'live'")
                time.sleep(1)
                ttff.append(click_and_time_first_frame(page, pick)[0])
            return live, Figures(ttff)


def main() -> int:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="nvr-live-bench-") as workdir:
        live, ttff = measure(args, Path(workdir))
    print(f"live latency (frame presented − frame time code): {live.line()}")
    print(f"playback time to first frame (timeline click → first frame): {ttff.line()}")
    verdict = "meets" if live.median < LIVE_TARGET_S else "MISSES"
    print(f"live target < {LIVE_TARGET_S} s: {verdict} (median {live.median:.3f} s)")
    return 0 if live.median < LIVE_TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
