"""bench/index_scale.py still runs: its generator and every figure on a tiny index (2 cameras, 1 day)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "index_scale.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("index_scale", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_generated_segments_leave_exactly_the_recorded_gaps():
    from recording.recorder.segments import segment_relpath

    bench = load_bench()
    dataset = bench.Dataset(cameras=2, days=2, segment_seconds=60, end=datetime(2026, 11, 1, tzinfo=timezone.utc))
    segments = list(dataset.segments())
    gaps = list(dataset.gap_values())
    assert len(gaps) == 4 and len({s["id"] for s in segments}) == len(segments)
    assert all(s["path"] == segment_relpath(s["camera_id"], s["start_time"]) for s in segments)
    for cam in dataset.camera_ids:
        mine = sorted((s for s in segments if s["camera_id"] == cam), key=lambda s: s["start_time"])
        holes = [(a["end_time"], b["start_time"]) for a, b in zip(mine, mine[1:]) if b["start_time"] > a["end_time"]]
        assert holes == [(g["gap_start"], g["gap_end"]) for g in gaps if g["camera_id"] == cam]
    assert list(dataset.segments(0, 3)) == segments[:len(list(dataset.segments(0, 3)))]  # any slice regenerates


def test_the_benchmark_runs_end_to_end_on_a_tiny_index(tmp_path):
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--data-dir", str(tmp_path), "--cameras", "2", "--days", "1",
         "--segment-seconds", "60", "--repetitions", "2", "--retention-rows", "20", "--baseline-seconds", "0.3",
         "--insert-interval", "0.05"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for figure in ("timeline, GET /timeline", "playlist, GET /playlist.m3u8", "insert during the sweep",
                   "baseline: insert, no sweep running"):
        assert figure in result.stdout
    deleted = re.search(r"([\d,]+) segments deleted", result.stdout)
    assert deleted and int(deleted[1].replace(",", "")) > 0 and "failed inserts: 0" in result.stdout
