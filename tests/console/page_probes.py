"""In-page probes for the footage pages (test and bench code, never shipped with the console).

`PROBE_JS` ports `cameras.simcam.overlay.decode_timecode` to JS: it draws a presented video frame to a
canvas at the video's native size and reads the block time code (the simcam clock's capture time in ms).
`window.nvrProbe.watch(video)` records, for each presented frame (requestVideoFrameCallback), the
browser wall clock at presentation and the frame's time code.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from datetime import datetime

PROBE_JS = r"""
(() => {
  if (window.nvrProbe) return;
  const ROWS = 4, BITS = 12, COLUMNS = BITS + 5;
  function blockSize(width) { return Math.max(16, Math.floor(Math.floor(width / 40) / 16) * 16); }
  // data: RGBA of the top-left `stride` x rows region of a frame `width` px wide (green channel read).
  function decode(data, stride, width) {
    const b = blockSize(width), side = Math.max(2, Math.floor(b / 2)), inset = Math.floor(b / 4);
    const mean = (x, y) => {
      let total = 0;
      for (let r = y; r < y + side; r++) for (let c = x; c < x + side; c++) total += data[(r * stride + c) * 4 + 1];
      return total / (side * side);
    };
    let value = 0;
    for (let r = 0; r < ROWS; r++) {
      const blocks = [];
      for (let c = 0; c < COLUMNS; c++) blocks.push(mean(b + c * b + inset, b + r * b + inset) >= 128 ? 1 : 0);
      const bits = blocks.slice(2, 2 + BITS);
      const parity = bits.reduce((a, v) => a + v, 0) % 2;
      const expected = [1, 0, ...bits, parity, 0, 1];
      if (blocks.some((v, i) => v !== expected[i])) return null;
      for (const bit of bits) value = value * 2 + bit;
    }
    return value;
  }
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  function read(video, width, height) {
    const b = blockSize(width), w = Math.min(width, (COLUMNS + 2) * b), h = Math.min(height, (ROWS + 2) * b);
    canvas.width = w; canvas.height = h;
    ctx.drawImage(video, 0, 0, w, h, 0, 0, w, h);
    return decode(ctx.getImageData(0, 0, w, h).data, w, width);
  }
  const probe = { frames: [], marks: {}, watching: new Set() };
  probe.watch = (video) => {
    if (probe.watching.has(video)) return;
    probe.watching.add(video);
    const onFrame = (now, meta) => {
      const presented = performance.timeOrigin + meta.expectedDisplayTime;
      let code = null;
      try { code = read(video, meta.width, meta.height); } catch (e) { code = null; }
      probe.frames.push({ presented, code, mediaTime: meta.mediaTime, presentedFrames: meta.presentedFrames });
      if (probe.frames.length > 5000) probe.frames.splice(0, 1000);
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  };
  probe.mark = (name) => { probe.marks[name] = performance.timeOrigin + performance.now(); };
  probe.since = (wall) => probe.frames.filter((f) => f.presented >= wall);
  // When the operator's click lands (capture phase, before the page handles it).
  document.addEventListener("pointerup", () => probe.mark("pointerup"), true);
  window.nvrProbe = probe;
})();
"""


@dataclass(frozen=True)
class Figures:
    samples: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def line(self, unit: str = "s") -> str:
        return (f"median {self.median:.3f} {unit}, min {min(self.samples):.3f}, max {max(self.samples):.3f} "
                f"({len(self.samples)} samples)")


def install(page, selector: str = "#video") -> None:
    page.evaluate(PROBE_JS)
    page.evaluate("(sel) => window.nvrProbe.watch(document.querySelector(sel))", selector)


def video_counters(page, selector: str = "#video") -> dict:
    return page.evaluate("""(sel) => { const v = document.querySelector(sel); const q = v.getVideoPlaybackQuality();
        return {currentTime: v.currentTime, frames: q.totalVideoFrames, dropped: q.droppedVideoFrames,
                readyState: v.readyState, paused: v.paused, width: v.videoWidth}; }""", selector)


def decoded_frames(page, since_wall_ms: float = 0) -> list[dict]:
    """Presented frames with a readable time code since a browser wall-clock instant."""
    return page.evaluate("(t) => window.nvrProbe.since(t).filter((f) => f.code !== null)", since_wall_ms)


def browser_now(page) -> float:
    return page.evaluate("performance.timeOrigin + performance.now()")


def live_latency(page, samples: int = 20, spacing_s: float = 0.25, timeout: float = 30) -> Figures:
    """Presentation wall clock minus time code for `samples` frames spread `spacing_s` apart (seconds)."""
    values: list[float] = []
    deadline = time.monotonic() + timeout
    while len(values) < samples and time.monotonic() < deadline:
        start = browser_now(page)
        time.sleep(spacing_s)
        frames = decoded_frames(page, start)
        if frames:
            frame = frames[-1]
            values.append((frame["presented"] - frame["code"]) / 1000)
    if len(values) < samples:
        raise AssertionError(f"only {len(values)} readable live frames in {timeout}s")
    return Figures(values)


def timeline_point(page, instant: datetime) -> tuple[float, float]:
    """The viewport coordinates of a wall-clock instant on the timeline's track (scrolled into view)."""
    box = page.evaluate("""() => { const svg = document.querySelector('#timeline svg'); svg.scrollIntoView({block: 'center'});
        const r = svg.getBoundingClientRect();
        return {left: r.left, top: r.top, width: r.width, from: Number(svg.dataset.from), to: Number(svg.dataset.to)}; }""")
    ms = instant.timestamp() * 1000
    if not box["from"] <= ms <= box["to"]:
        raise AssertionError(f"{instant} is outside the timeline's view")
    return box["left"] + (ms - box["from"]) / (box["to"] - box["from"]) * box["width"], box["top"] + 37


def zoom_timeline_to(page, max_span_s: float) -> None:
    """Zoom in (around the playhead) until the visible span is at most `max_span_s`."""
    for _ in range(20):
        span = page.evaluate("() => { const d = document.querySelector('#timeline svg').dataset; return (d.to - d.from) / 1000; }")
        if span <= max_span_s:
            return
        page.click("[data-zoom=in]")
    raise AssertionError("the timeline would not zoom in")


def click_and_time_first_frame(page, instant: datetime, tolerance_s: float = 3.0, timeout: float = 20) -> tuple[float, float]:
    """Click `instant` on the timeline: (seconds until the first presented frame showing footage near it,
    browser wall clock of the click in ms)."""
    x, y = timeline_point(page, instant)
    before = browser_now(page)
    page.mouse.click(x, y)
    clicked = page.evaluate("window.nvrProbe.marks.pointerup")
    assert clicked and clicked >= before, "the click reached the page"
    target = instant.timestamp() * 1000
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for frame in decoded_frames(page, clicked):
            if abs(frame["code"] - target) <= tolerance_s * 1000:
                return (frame["presented"] - clicked) / 1000, clicked
        time.sleep(0.05)
    raise AssertionError(f"no frame near {instant} within {timeout}s of the click")
