"""The camera page's keyboard shortcuts, zoom presets, sound detection and clip wording, as JS modules in
headless Chromium (served straight from `static/` by a throwaway HTTP server, no Django)."""

from __future__ import annotations

import pytest

from tests.console.static_modules import modules_page

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def page():
    with modules_page('<div id="box"><input id="text"><select id="pick"><option>a</option></select>'
                      '<button id="press">x</button><div id="plain" tabindex="0">y</div></div>') as browser_page:
        yield browser_page


def run(page, body: str, arg=None):
    return page.evaluate(
        f"""async (arg) => {{
            const keys = await import('/console/shortcuts.js');
            const presets = await import('/console/timeline-presets.js');
            const clips = await import('/console/clip-list.js');
            const player = await import('/console/recorded-player.js');
            const timeline = await import('/console/timeline.js');
            {body}
        }}""",
        arg,
    )


def test_shortcuts_map_keys_to_actions_but_not_while_typing(page):
    out = run(page, """
        const key = (k, target = 'plain', extra = {}) => {
            const event = new KeyboardEvent('keydown', {key: k, bubbles: true, cancelable: true, ...extra});
            Object.defineProperty(event, 'target', {value: document.getElementById(target)});
            return keys.shortcutAction(event);
        };
        return {
            plain: [' ', 'ArrowLeft', 'ArrowRight', '+', '=', '-', 'f', 'F', 'm', 'x', 'Enter'].map((k) => key(k)),
            typing: [' ', '+', '-', 'f', 'ArrowLeft'].map((k) => key(k, 'text')).concat([key('f', 'pick')]),
            spaceOnButton: key(' ', 'press'), fOnButton: key('f', 'press'),
            spaceOnClickedButton: keys.shortcutAction(Object.defineProperty(
                new KeyboardEvent('keydown', {key: ' ', cancelable: true}), 'target', {value: document.getElementById('press')}),
                {pointerPressed: document.getElementById('press')}),
            modified: [key('+', 'plain', {ctrlKey: true}), key('f', 'plain', {metaKey: true}), key('-', 'plain', {altKey: true})],
        };""")
    assert out["plain"] == ["toggle", "step-back", "step-forward", "zoom-in", "zoom-in", "zoom-out", "fullscreen",
                            "fullscreen", "sound", None, None]
    assert out["typing"] == [None] * 6
    assert out["spaceOnButton"] is None, "a button reached with the keyboard answers space itself"
    assert out["spaceOnClickedButton"] == "toggle", "a button the mouse left focused does not keep space from the player"
    assert out["fOnButton"] == "fullscreen"
    assert out["modified"] == [None, None, None]


def test_shortcuts_stay_quiet_while_a_dialog_is_open_or_a_widget_took_the_key(page):
    out = run(page, """
        const seen = [];
        window.seen = seen;
        keys.bindShortcuts({toggle: () => seen.push('toggle'), 'zoom-in': () => seen.push('zoom-in')});
        const plain = document.getElementById('plain');
        const press = (k) => plain.dispatchEvent(new KeyboardEvent('keydown', {key: k, bubbles: true, cancelable: true}));
        const swallowed = !press(' ');  // dispatchEvent is false when the handler prevented the default
        const grab = (event) => event.preventDefault();
        plain.addEventListener('keydown', grab);
        press('+');
        plain.removeEventListener('keydown', grab);
        const dialog = document.createElement('dialog'); document.body.append(dialog); dialog.show();
        press(' ');
        dialog.close(); dialog.remove();
        press('+');
        return {seen, swallowed};""")
    assert out["seen"] == ["toggle", "zoom-in"]
    assert out["swallowed"]
    page.click("#press")  # clicked, it keeps the focus: space is still the player's
    page.keyboard.press(" ")
    page.click("#text")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # the button again, reached with the keyboard: space presses it
    page.keyboard.press(" ")
    assert page.evaluate("[document.activeElement.id, window.seen]") == ["press", ["toggle", "zoom-in", "toggle"]]


def test_zoom_presets_centre_on_the_playhead_or_end_at_the_newest_data(page):
    out = run(page, """
        const h = 3600000, from = Date.parse('2026-03-04T00:00:00Z'), win = {from, to: from + 24 * h, dataTo: from + 20 * h};
        const rel = (v) => [(v.from - from) / h, (v.to - from) / h];
        return {
            head: rel(presets.presetView(win, from + 10 * h, h)),
            live: rel(presets.presetView(win, from + 24 * h + 5000, 5 * 60000)),
            none: rel(presets.presetView(win, null, h)),
            nearStart: rel(presets.presetView(win, from + 600000, h)),
            wider: rel(presets.presetView(win, from + 10 * h, 48 * h)),
        };""")
    assert out["head"] == [9.5, 10.5]
    assert out["live"] == [24 - 5 / 60, 24]
    assert out["none"] == [19.5, 20.5]
    assert out["nearStart"] == [0, 1]
    assert out["wider"] == [0, 24]


def test_sound_is_offered_when_the_buffered_tracks_carry_audio(page):
    out = run(page, """
        return [player.hasAudioTrack({video: {codec: 'avc1.64001f'}}),
                player.hasAudioTrack({audio: {codec: 'mp4a.40.2'}, video: {codec: 'avc1.64001f'}}),
                player.hasAudioTrack({audiovideo: {codec: 'mp4a.40.2,avc1.64001f'}}),
                player.hasAudioTrack({audiovideo: {codec: 'avc1.64001f'}}),
                player.hasAudioTrack(undefined)];""")
    assert out == [False, True, True, False, False]


def test_clip_wording(page):
    out = run(page, """
        const now = Date.parse('2026-03-04T12:00:00Z');
        const start = new Date(2026, 2, 4, 10, 0, 0), end = new Date(2026, 2, 4, 10, 5, 0), late = new Date(2026, 2, 5, 0, 1, 0);
        return {
            expiry: [now + 47.5 * 3600000, now + 20 * 60000, now + 10000, now - 1].map((t) => clips.expiryText(new Date(t).toISOString(), now)),
            sameDay: clips.windowText(start.toISOString(), end.toISOString()),
            overnight: clips.windowText(start.toISOString(), late.toISOString()),
            days: [timeline.formatDay(start), timeline.formatDay(late)],
            facts: clips.clipFacts({requested_seconds: 300, covered_seconds: 290, gaps: [{}, {}], size_bytes: 12.34 * 1048576, created_by: 'vera'}),
            jobs: [{status: 'pending', progress: 0}, {status: 'running', progress: 0.426}, {status: 'running', progress: 0.5, cancel_requested: true},
                   {status: 'failed', error: 'no footage in that range'}, {status: 'cancelled', cancel_requested: true}].map(clips.jobFacts),
        };""")
    assert out["expiry"] == ["expires in 47 h", "expires in 20 min", "expires in 1 min", "expired"]
    first, second = out["days"]
    assert out["sameDay"] == f"{first} 10:00:00–10:05:00"
    assert out["overnight"] == f"{first} 10:00:00–{second} 00:01:00"
    assert out["facts"] == "5 min asked · 5 min of footage · 2 gaps · 12.3 MiB · by vera"
    assert out["jobs"] == ["Export queued…", "Exporting… 42 %", "Cancelling the export…",
                           "Export failed: no footage in that range", "Export cancelled"]
