"""Day one for an operator, in headless Debian Chromium against a real server, recorder and simulated camera:
the camera page fits a desktop screen (zoom presets, keyboard shortcuts, fullscreen), recorded sound plays,
and the snapshots and clips made can be found again (camera page, clips page), also at phone width."""

from __future__ import annotations

from contextlib import ExitStack, contextmanager
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from pathlib import Path

import pytest

from cameras.simcam import BackgroundSimCam, MountSpec, SimCamOptions
from nvr.api.fields import parse_rfc3339
from tests.console.footage_system import LIVE_PLAYING, PHONE, TIMELINE_LOADED, log_in, wait_for
from tests.console.page_probes import browser_now
from tests.peers.browser import chromium_page, screenshot
from tests.peers.recorder import wait_until
from tests.peers.task_cluster import task_cluster

pytestmark = pytest.mark.slow
DESKTOP = {"width": 1440, "height": 900}
PLAYBACK_SHOWING = ("() => document.querySelector('#mode').dataset.mode === 'playback' && document.querySelector('#video').readyState >= 2"
                    " && document.querySelector('#wallclock').dataset.time")
SPAN_S = "() => { const d = document.querySelector('#timeline svg').dataset; return (d.to - d.from) / 1000; }"
BOX = """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
    return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width, height: r.height}; }"""


def assert_in_viewport(page, selector: str, viewport: dict) -> None:
    box = page.evaluate(BOX, selector)
    assert box["width"] > 0 and box["height"] > 0, (selector, box)
    assert box["top"] >= 0 and box["left"] >= 0, (selector, box)
    assert box["bottom"] <= viewport["height"] and box["right"] <= viewport["width"], (selector, box)


def assert_no_horizontal_scroll(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "no horizontal scrolling"


def rfc3339(value: datetime) -> str:
    return value.astimezone(dt_timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@contextmanager
def audio_camera(system, tmp_path: Path):
    """A second simulated camera whose clock source also sends AAC (a 1 kHz beep), recorded with its sound."""
    options = SimCamOptions(mounts=[MountSpec("/porch", "clock", audio=True)], cache_dir=tmp_path / "simcam-audio", port=0)
    simcam = BackgroundSimCam(options).start()
    try:
        yield system.api.add_camera("Porch", simcam.cam.url("/porch"), segment_seconds=2, record_audio=True)
    finally:
        simcam.stop()


# --- the camera page on a desktop screen --------------------------------------------------------------

def test_camera_page_fits_a_desktop_screen_with_zoom_presets_keys_and_fullscreen(system):
    system.wait_for_segments(8)
    with chromium_page(**DESKTOP) as page:
        log_in(page, system.base_url, f"/cameras/{system.camera_id}/")
        wait_for(page, LIVE_PLAYING)
        wait_for(page, TIMELINE_LOADED)
        assert page.evaluate("window.scrollY") == 0
        assert_in_viewport(page, "#video", DESKTOP)
        assert_in_viewport(page, "#timeline", DESKTOP)
        assert page.evaluate(BOX, "#video")["height"] >= 400, "the picture keeps a useful size"
        assert_no_horizontal_scroll(page, DESKTOP["width"])
        screenshot(page, "console-camera-desktop")

        for button, seconds in (("300000", 300), ("3600000", 3600), ("86400000", 86400), ("3600000", 3600)):
            page.click(f"[data-span='{button}']")
            assert page.evaluate(SPAN_S) == seconds

        page.click("h1")  # the keyboard belongs to the page, not to a control
        page.keyboard.press("+")
        assert page.evaluate(SPAN_S) == 1800
        page.keyboard.press("-")
        assert page.evaluate(SPAN_S) == 3600
        page.focus("#day")  # typing in an input is not a shortcut
        page.keyboard.press("-")
        page.keyboard.press("f")
        assert page.evaluate(SPAN_S) == 3600 and not page.evaluate("!!document.fullscreenElement")

        page.click("h1")
        page.keyboard.press(" ")
        wait_for(page, "() => document.querySelector('#video').paused")
        assert page.text_content("[data-action=toggle]") == "Play"
        page.keyboard.press(" ")
        wait_for(page, "() => !document.querySelector('#video').paused")
        assert page.text_content("[data-action=toggle]") == "Pause"
        page.click("[data-span='300000']")  # a button the mouse left focused does not keep space from the player
        page.keyboard.press(" ")
        wait_for(page, "() => document.querySelector('#video').paused")
        page.keyboard.press(" ")
        wait_for(page, "() => !document.querySelector('#video').paused")

        page.click("[data-action=fullscreen]")
        wait_for(page, "() => document.fullscreenElement && document.fullscreenElement.id === 'player'")
        assert page.get_attribute("[data-action=fullscreen]", "aria-pressed") == "true"
        assert page.evaluate(BOX, "#video")["width"] == DESKTOP["width"]
        screenshot(page, "console-camera-fullscreen")
        page.keyboard.press("f")
        wait_for(page, "() => !document.fullscreenElement")
        page.keyboard.press("f")
        wait_for(page, "() => document.fullscreenElement && document.fullscreenElement.id === 'player'")
        page.click("[data-action=fullscreen]")
        wait_for(page, "() => !document.fullscreenElement")

        # ← from live: the recording of ten seconds ago; ← ten more; → ten seconds later again
        pressed = browser_now(page)
        page.keyboard.press("ArrowLeft")
        wait_for(page, PLAYBACK_SHOWING)
        shown = float(page.get_attribute("#wallclock", "data-time"))
        assert pressed - 20000 < shown < pressed - 5000, (pressed - shown) / 1000
        assert page.is_disabled("[data-action=sound]"), "this camera records no sound"
        page.keyboard.press("ArrowLeft")
        wait_for(page, "(t) => Number(document.querySelector('#wallclock').dataset.time) < t - 7000", shown)
        back = float(page.get_attribute("#wallclock", "data-time"))
        page.keyboard.press("ArrowRight")
        wait_for(page, "(t) => Number(document.querySelector('#wallclock').dataset.time) > t + 8000", back)
        assert page.get_attribute("#mode", "data-mode") == "playback"


# --- sound ------------------------------------------------------------------------------------------

def test_recorded_sound_plays_and_the_sound_button_unmutes_it(system, tmp_path):
    with audio_camera(system, tmp_path) as porch:
        segments = wait_until(lambda: len(s := system.api.segments(porch)) >= 5 and s, 90, "segments with sound", interval=1)
        assert all(segment["has_audio"] for segment in segments)
        with chromium_page(**DESKTOP) as page:
            log_in(page, system.base_url, f"/cameras/{porch}/")
            wait_for(page, LIVE_PLAYING)
            assert page.is_disabled("[data-action=sound]"), "the live view carries no sound"
            at = parse_rfc3339(segments[-4]["start_time"]) + timedelta(milliseconds=500)
            page.goto(f"{system.base_url}/cameras/{porch}/?at={rfc3339(at)}")
            wait_for(page, PLAYBACK_SHOWING)
            init = page.request.get(f"{system.base_url}/api/v1/segments/{segments[-4]['id']}/init.mp4")
            assert init.status == 200 and b"mp4a" in init.body(), "the HLS init section keeps the AAC track"
            wait_for(page, "() => document.querySelector('#video').webkitAudioDecodedByteCount > 0")

            sound = page.locator("[data-action=sound]")
            assert sound.is_enabled() and sound.get_attribute("aria-pressed") == "false"
            assert page.evaluate("document.querySelector('#video').muted")
            sound.click()
            assert sound.get_attribute("aria-pressed") == "true"
            assert not page.evaluate("document.querySelector('#video').muted")
            decoded = page.evaluate("document.querySelector('#video').webkitAudioDecodedByteCount")
            wait_for(page, "(n) => document.querySelector('#video').webkitAudioDecodedByteCount > n", decoded)
            screenshot(page, "console-camera-sound")
            page.click("h1")
            page.keyboard.press("m")
            assert page.evaluate("document.querySelector('#video').muted") and sound.get_attribute("aria-pressed") == "false"
            page.keyboard.press("m")
            page.click("[data-action=live]")
            wait_for(page, LIVE_PLAYING)
            assert sound.is_disabled() and page.evaluate("document.querySelector('#video').muted")


# --- what was made can be found again -------------------------------------------------------------------

def test_kept_snapshots_and_made_clips_are_on_the_camera_page_and_the_clips_page(system):
    system.wait_for_segments(8)
    kept = [system.api.post(f"/cameras/{system.camera_id}/snapshots") for _ in range(2)]
    assert [status for status, _ in kept] == [201, 201], kept
    end = datetime.now(dt_timezone.utc) - timedelta(seconds=4)
    status, clip = system.api.post(f"/cameras/{system.camera_id}/clip", {"from": rfc3339(end - timedelta(seconds=8)),
                                                                        "to": rfc3339(end)})
    assert status == 202 and clip["status"] == "pending", clip  # queued: no task cluster runs yet
    with chromium_page(**DESKTOP) as page, ExitStack() as cluster:
        log_in(page, system.base_url, f"/cameras/{system.camera_id}/")
        strip = page.locator("#snapshots .snapshot-strip img")
        strip.first.wait_for(state="attached")
        assert strip.count() == 2
        wait_for(page, "() => [...document.querySelectorAll('#snapshots img')].every((img) => img.complete && img.naturalWidth === 640)")
        assert page.text_content("#snapshots [data-role=count]") == "2"
        clip_row = page.locator(f"#clips [data-clip='{clip['id']}']")
        clip_row.wait_for(state="visible")
        assert clip_row.get_attribute("data-status") == "pending" and clip_row.locator("[data-role=cancel]").is_visible()
        assert clip_row.locator(".clip-facts").text_content() == "Export queued…"
        cluster.enter_context(task_cluster(system.server))  # a worker exports it; the row follows the job
        page.locator(f"#clips [data-clip='{clip['id']}'][data-status=completed]").wait_for(state="visible", timeout=60000)
        clip = system.api.get(f"/clips/{clip['id']}")
        assert clip["status"] == "completed" and clip["url"]
        assert clip_row.locator("[data-role=download]").get_attribute("href") == clip["url"]
        page.locator("#snapshots").scroll_into_view_if_needed()
        screenshot(page, "console-camera-shelf")

        # the viewer: the large picture, then delete (an admin may)
        page.locator("#snapshots .thumb").first.click()
        viewer = page.locator("#still-dialog")
        viewer.wait_for(state="visible")
        wait_for(page, "() => document.querySelector('#still-dialog img').naturalWidth === 640")
        assert page.evaluate(BOX, "#still-dialog img")["width"] > 500, "shown large"
        screenshot(page, "console-camera-still")
        page.once("dialog", lambda dialog: dialog.accept())
        viewer.locator("[data-role=delete]").click()
        wait_for(page, "() => document.querySelectorAll('#snapshots .snapshot-strip li').length === 1")
        assert len(system.api.get(f"/cameras/{system.camera_id}/snapshots")) == 1
        page.keyboard.press("Escape")

        # the clips page, from the navigation
        page.click("nav a[href='/clips/']")
        page.wait_for_url(f"{system.base_url}/clips/")
        row = page.locator(f"#clips [data-clip='{clip['id']}']")
        row.wait_for(state="visible")
        assert row.locator(".clip-camera").text_content() == "Gate"
        assert row.locator(".clip-expiry").text_content() == "expires in 47 h"
        page.select_option("#clip-filters select[name=camera_id]", system.camera_id)
        page.fill("#clip-filters input[name=from]", datetime.now().strftime("%Y-%m-%d"))
        page.click("#clip-filters button[type=submit]")
        page.wait_for_url(f"{system.base_url}/clips/?camera_id={system.camera_id}&from=*")
        row.wait_for(state="visible")
        with page.expect_download() as download:
            row.locator("[data-role=download]").click()
        path = download.value.path()
        assert download.value.suggested_filename == clip["filename"]
        assert Path(path).stat().st_size == clip["size_bytes"] and Path(path).read_bytes()[4:8] == b"ftyp"
        screenshot(page, "console-clips")

        page.set_viewport_size(PHONE)
        assert_no_horizontal_scroll(page, PHONE["width"])
        screenshot(page, "console-clips-phone")
        page.goto(f"{system.base_url}/cameras/{system.camera_id}/")
        wait_for(page, TIMELINE_LOADED)
        page.locator("#clips [data-clip]").first.wait_for(state="visible")
        wait_for(page, "() => document.querySelector('#snapshots img').naturalWidth > 0")
        assert_no_horizontal_scroll(page, PHONE["width"])
        for control in ("[data-action=fullscreen]", "[data-action=sound]", "[data-span='300000']", "#snapshots .thumb",
                        f"#clips [data-clip='{clip['id']}'] [data-role=delete]"):
            box = page.locator(control).first.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], control
        screenshot(page, "console-camera-phone-shelf")

        page.goto(f"{system.base_url}/clips/")
        row = page.locator(f"#clips [data-clip='{clip['id']}']")
        row.wait_for(state="visible")
        page.once("dialog", lambda dialog: dialog.accept())
        row.locator("[data-role=delete]").click()
        row.wait_for(state="detached")
        assert page.text_content("#clips [data-role=status]") == "No clips."
        assert system.api.call("GET", f"/clips/{clip['id']}")[0] == 404
