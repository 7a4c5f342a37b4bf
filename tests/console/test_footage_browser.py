"""The live grid and the camera page in headless Debian Chromium against a real server, recorder and camera.

The camera is the project's simulated camera with the `clock` source: every frame carries its capture
time as a block time code, so the tests read back which instant the browser is showing (live latency,
playback from a clicked instant, continuity across segment boundaries).
"""

from __future__ import annotations

import time
from datetime import timedelta, timezone

import pytest

from nvr.api.fields import parse_rfc3339
from tests.console.footage_system import LIVE_PLAYING, PHONE, TIMELINE_LOADED, footage_system, log_in, wait_for
from tests.console.page_probes import (
    click_and_time_first_frame,
    decoded_frames,
    install,
    live_latency,
    video_counters,
    zoom_timeline_to,
)
from tests.peers.browser import chromium_page, require_chromium, screenshot
from tests.peers.recorder import wait_until
from tests.peers.rtsp import GstCamera, require_gstreamer
from tests.peers.task_cluster import task_cluster

pytestmark = pytest.mark.slow
# Page conditions waited for (JS predicates).
BACK_LIVE = "() => document.querySelector('#mode').dataset.mode === 'live' && document.querySelector('#mode').textContent.includes('LIVE')"
VIDEO_READY = "() => document.querySelector('#video').readyState >= 2"


def assert_video_advances(page, selector: str, seconds: float = 3) -> None:
    first = video_counters(page, selector)
    time.sleep(seconds)
    later = video_counters(page, selector)
    assert later["currentTime"] > first["currentTime"] + seconds / 2, (first, later)
    assert later["frames"] > first["frames"] + 10, (first, later)


def assert_fits_the_screen(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "no horizontal scrolling on a phone"


# --- live grid --------------------------------------------------------------------------------------

def test_live_grid_plays_each_camera_and_badges_follow_the_status_socket(tmp_path):
    require_chromium()
    with footage_system(tmp_path, start_recorder=False) as system:
        dead = system.api.add_camera("Yard", "rtsp://127.0.0.1:9/nothing-here")
        with chromium_page() as page:
            log_in(page, system.base_url, "/live/")
            gate = f'.tile[data-camera="{system.camera_id}"]'
            assert page.get_attribute(gate, "data-state") == "unknown"  # rendered before any recorder ran
            system.start_recorder()
            # the badge turns to "recording" over the status websocket, without a reload
            wait_for(page, "(sel) => document.querySelector(sel + ' [data-role=badge]').textContent === 'recording'", gate, 60)
            wait_for(page, "(sel) => document.querySelector(sel + ' video').readyState >= 2", gate, 30)
            assert_video_advances(page, f"{gate} video")
            yard = f'.tile[data-camera="{dead}"]'
            wait_for(page, "(sel) => document.querySelector(sel).dataset.state === 'offline'", yard, 60)
            message = page.locator(f"{yard} [data-role=message]")
            assert message.is_visible() and message.text_content().startswith("offline: ")
            assert not page.locator(f"{gate} [data-role=message]").is_visible()
            screenshot(page, "console-live-grid")
            page.click(f"{gate} .tile-name")
            page.wait_for_url(f"{system.base_url}/cameras/{system.camera_id}/")


def test_live_grid_is_one_column_on_a_phone(system):
    system.api.add_camera("Yard", "rtsp://127.0.0.1:9/nothing-here")
    with chromium_page(**PHONE) as page:
        log_in(page, system.base_url, "/live/")
        boxes = [tile.bounding_box() for tile in page.locator(".tile").all()]
        assert len(boxes) == 2 and boxes[0]["x"] == boxes[1]["x"] and boxes[1]["y"] > boxes[0]["y"]
        assert boxes[0]["width"] <= PHONE["width"]
        assert_fits_the_screen(page, PHONE["width"])
        wait_for(page, "() => document.querySelector('.tile video').readyState >= 2", timeout_s=60)
        screenshot(page, "console-live-grid-phone")


# --- camera page ------------------------------------------------------------------------------------

def test_camera_page_live_view_is_live_and_the_timeline_plays_recordings_across_segments(system):
    system.wait_for_segments(10)
    with chromium_page() as page:
        log_in(page, system.base_url, f"/cameras/{system.camera_id}/")
        install(page)
        wait_for(page, LIVE_PLAYING)
        assert_video_advances(page, "#video")
        latency = live_latency(page, samples=20)
        assert latency.median < 3.0, latency.line()  # sanity only: bench/live_latency.py is the measurement

        wait_for(page, TIMELINE_LOADED)
        assert page.locator("#timeline rect.range").count() >= 1
        assert page.locator("#legend li[data-key=range]").is_visible()
        # Recording for under a minute: the rest of the 24 h is "not recorded yet" and the segment being
        # written is "recording now", neither of them a gap (no "stream error", no "reason unknown" sliver).
        assert page.locator("#timeline rect.gap").count() == 0, page.text_content("#legend")
        assert page.locator("#timeline rect[data-kind=not_recorded_yet]").count() == 1
        assert page.locator("#legend li[data-key=not_recorded_yet]").text_content() == "not recorded yet"
        screenshot(page, "console-camera-live")

        segments = system.segments()
        pick = parse_rfc3339(segments[-8]["start_time"]) + timedelta(milliseconds=500)
        page.click("[data-action=last-24h]")  # the window up to now, with the newest footage
        wait_for(page, "(t) => Number(document.querySelector('#timeline svg').dataset.to) > t", pick.timestamp() * 1000 + 5000)
        zoom_timeline_to(page, 240)
        first_frame_s, clicked = click_and_time_first_frame(page, pick)
        assert first_frame_s < 10
        assert page.get_attribute("#mode", "data-mode") == "playback"
        time.sleep(6)
        codes = [frame["code"] for frame in decoded_frames(page, clicked)]
        assert codes and abs(codes[0] - pick.timestamp() * 1000) <= 3000, "playback starts at the clicked instant"
        assert codes[-1] - codes[0] >= 4000, "several seconds of recorded video played"
        boundaries = [parse_rfc3339(s["start_time"]).timestamp() * 1000 for s in segments]
        assert any(codes[0] < b < codes[-1] for b in boundaries), "playback crossed a segment boundary"
        assert all(b >= a for a, b in zip(codes, codes[1:])), "frames in order"
        wallclock = float(page.get_attribute("#wallclock", "data-time"))
        assert abs(wallclock - codes[-1]) < 2000, "the shown wall-clock time is the picture's"
        screenshot(page, "console-camera-playback")

        page.select_option("#speed", "2")
        before = float(page.get_attribute("#wallclock", "data-time"))
        time.sleep(2)
        assert float(page.get_attribute("#wallclock", "data-time")) - before > 3000, "2× plays two seconds a second"

        page.click("[data-action=snapshot]")  # during playback: the recorded picture at the playhead
        wait_for(page, "() => document.querySelector('#snapshot-dialog img').naturalWidth === 640")
        assert "Recorded picture" in page.text_content("#snapshot-dialog [data-role=status]")
        assert not page.locator("#snapshot-dialog [data-role=keep]").is_visible()
        page.locator("#snapshot-dialog form[method=dialog] button").click()

        page.click("[data-action=live]")
        wait_for(page, BACK_LIVE)


def test_camera_page_is_usable_at_phone_width(system):
    system.wait_for_segments(3)
    with chromium_page(**PHONE) as page:
        log_in(page, system.base_url, f"/cameras/{system.camera_id}/")
        wait_for(page, VIDEO_READY)
        wait_for(page, TIMELINE_LOADED)
        assert_fits_the_screen(page, PHONE["width"])
        for control in ("[data-action=toggle]", "[data-action=live]", "[data-action=snapshot]", "#timeline svg", "#day"):
            box = page.locator(control).bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], control
        screenshot(page, "console-camera-phone")


def test_h265_camera_says_the_browser_cannot_play_it_and_offers_the_download(tmp_path):
    require_chromium()
    require_gstreamer()
    gst = GstCamera()
    gst.start()
    try:
        with footage_system(tmp_path) as system:
            hevc = system.api.add_camera("Dock", gst.url("/h265"), segment_seconds=2)
            wait_until(lambda: len(system.api.segments(hevc)) >= 3, 90, "H.265 segments", interval=1)
            with chromium_page() as page:
                log_in(page, system.base_url, "/live/")
                notice = page.locator(f'.tile[data-camera="{hevc}"] [data-role=unsupported]')
                notice.wait_for(state="visible")
                assert "cannot play H.265" in notice.text_content()
                page.goto(f"{system.base_url}/cameras/{hevc}/")
                wait_for(page, TIMELINE_LOADED)
                assert "cannot play H.265 live" in page.text_content("#player-message")
                segment = system.api.segments(hevc)[-2]
                at = parse_rfc3339(segment["start_time"]) + timedelta(milliseconds=500)
                page.goto(f"{system.base_url}/cameras/{hevc}/?at={at.astimezone(timezone.utc):%Y-%m-%dT%H:%M:%S.%fZ}")
                link = page.locator("#player-message a[download]")
                link.wait_for(state="visible")
                assert link.get_attribute("href") == f"/api/v1/segments/{segment['id']}/media?download=1"
                response = page.request.get(system.base_url + link.get_attribute("href"))
                assert response.status == 200 and response.headers["content-type"] == "video/mp4"
                screenshot(page, "console-camera-h265")
    finally:
        gst.stop()


def test_snapshot_and_clip_dialogs_fetch_keep_and_export(system):
    system.wait_for_segments(15)
    with chromium_page() as page:
        log_in(page, system.base_url, f"/cameras/{system.camera_id}/")
        wait_for(page, VIDEO_READY)
        page.click("[data-action=snapshot]")
        dialog = page.locator("#snapshot-dialog")
        dialog.locator("img[data-role=image]").wait_for(state="visible", timeout=30000)
        wait_for(page, "() => document.querySelector('#snapshot-dialog img').naturalWidth === 640")
        assert dialog.locator("[data-role=download]").get_attribute("download").startswith(f"{system.camera_id}_")
        dialog.locator("[data-role=keep]").click()
        kept = dialog.locator("[data-role=status] a")
        kept.wait_for(state="visible", timeout=30000)
        assert page.request.get(system.base_url + kept.get_attribute("href")).headers["content-type"] == "image/jpeg"
        screenshot(page, "console-camera-snapshot")
        dialog.locator("form[method=dialog] button").click()

        # The export is a background job: with no task cluster running yet it stays queued, and can be cancelled.
        page.click("[data-action=clip]")
        clip = page.locator("#clip-dialog")
        status = clip.locator("[data-role=status]")
        clip.locator("[data-minutes='1']").click()
        clip.locator("button[type=submit]").click()
        clip.locator("[data-role=result] progress[data-role=progress]").wait_for(state="visible", timeout=15000)
        wait_for(page, "() => document.querySelector('#clip-dialog [data-role=status]').textContent === 'Export queued…'")
        queued = page.locator("#clips [data-status=pending]")
        queued.wait_for(state="visible")  # the camera's clip list shows it too, with its own cancel button
        assert queued.locator("[data-role=cancel]").is_visible()
        screenshot(page, "console-camera-clip-queued")
        clip.locator("[data-role=cancel]").click()
        wait_for(page, "() => document.querySelector('#clip-dialog [data-role=status]').textContent === 'Export cancelled.'")
        cancelled = system.api.get("/clips")
        assert [row["status"] for row in cancelled] == ["cancelled"]
        page.locator(f"#clips [data-clip='{cancelled[0]['id']}'][data-status=cancelled]").wait_for(state="visible")

        clip.locator("button[type=submit]").click()
        clip.locator("[data-role=result] progress[data-role=progress]").wait_for(state="visible", timeout=15000)
        assert status.text_content() == "Export queued…"
        with task_cluster(system.server):  # a worker takes the job; the dialog follows it to the end
            download = clip.locator("[data-role=result] a[download]")
            download.wait_for(state="visible", timeout=60000)
        covered = clip.locator(".clip-covered").text_content()
        assert covered.startswith("Covers ") and "of the 60 s asked for" in covered
        assert not clip.locator("[data-role=cancel]").count()
        response = page.request.get(system.base_url + download.get_attribute("href"))
        assert response.status == 200 and response.headers["content-type"] == "video/mp4" and len(response.body()) > 10000
        done = system.api.get("/clips")[0]
        assert (done["status"], done["progress"], done["url"]) == ("completed", 1.0, download.get_attribute("href"))
        page.locator(f"#clips [data-clip='{done['id']}'][data-status=completed] [data-role=download]").wait_for(state="visible")
        screenshot(page, "console-camera-clip")
