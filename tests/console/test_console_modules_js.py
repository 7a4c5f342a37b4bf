"""The console's side-effect-free JS modules (timeline, dialogs' formatting) in headless Chromium.

The modules are served straight from `static/` by a throwaway HTTP server (no Django), imported into a
blank page and exercised: axis steps and ticks, the SVG timeline's drawing and click-to-pick, formats.
"""

from __future__ import annotations

import pytest

from tests.console.static_modules import modules_page

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def page():
    with modules_page('<div id="box" style="width:1000px"></div>') as browser_page:
        yield browser_page


def run(page, body: str, arg=None):
    """Evaluate `body` with `timeline` and `dialogs` (the imported modules) and `arg` in scope."""
    return page.evaluate(
        f"""async (arg) => {{
            const timeline = await import('/console/timeline.js');
            const dialogs = await import('/console/media-dialogs.js');
            {body}
        }}""",
        arg,
    )


def test_axis_step_keeps_labels_apart_at_any_zoom(page):
    steps = run(page, """return [
        timeline.chooseStep(86400000, 1000), timeline.chooseStep(86400000, 340),
        timeline.chooseStep(3600000, 1000), timeline.chooseStep(600000, 375), timeline.chooseStep(60000, 1000)];""")
    assert steps == [120, 360, 5, 2, 1]


def test_ticks_fall_on_whole_local_steps_inside_the_span(page):
    result = run(page, """
        const from = Date.parse('2026-03-04T05:17:00Z'), to = from + 6 * 3600000;
        const ticks = timeline.ticks(from, to, 30);
        return {count: ticks.length, inside: ticks.every((t) => t >= from && t <= to),
                whole: ticks.every((t) => t.getMinutes() % 30 === 0 && t.getSeconds() === 0),
                midnight: timeline.ticks(from, from + 3 * 86400000, 1440).map((t) => t.getHours() + ':' + t.getMinutes())};""")
    assert result["count"] == 12 and result["inside"] and result["whole"]
    assert result["midnight"] == ["0:0", "0:0", "0:0"]


def test_timeline_draws_ranges_gaps_by_reason_and_event_marks(page):
    drawn = run(page, """
        const box = document.getElementById('box'); box.replaceChildren();
        const t = new timeline.Timeline(box);
        const h = 3600000, from = Date.parse('2026-03-04T00:00:00Z');
        t.setWindow(from, from + 24 * h);
        t.setData({ranges: [{start: from + h, end: from + 5 * h}, {start: from + 6 * h, end: from + 24 * h}],
                   gaps: [{start: from, end: from + h, reason: null}, {start: from + 5 * h, end: from + 6 * h, reason: 'camera_offline'}],
                   events: [{time: from + 7 * h, type: 'motion', severity: 'info'},
                            {time: from + 7 * h + 1000, type: 'line', severity: 'critical'},
                            {time: from + 12 * h, type: 'motion', severity: 'warning'}]});
        const legend = document.createElement('ul'); t.renderLegend(legend, {camera_offline: 'camera unreachable'});
        const svg = box.querySelector('svg');
        return {ranges: svg.querySelectorAll('rect.range').length,
                reasons: [...svg.querySelectorAll('rect.gap')].map((r) => r.dataset.reason),
                offlineX: Number(svg.querySelector('rect.gap[data-reason=camera_offline]').getAttribute('x')),
                marks: [...svg.querySelectorAll('.event-mark')].map((m) => m.getAttribute('fill')),
                legend: [...legend.querySelectorAll('li')].map((li) => li.textContent)};""")
    assert drawn["ranges"] == 2
    assert drawn["reasons"] == ["unknown", "camera_offline"]
    assert abs(drawn["offlineX"] - 5 / 24 * 1000) < 1
    assert drawn["marks"] == ["#dc2626", "#d97706"]  # two events one second apart share a mark, shown by the worst
    assert drawn["legend"] == ["recorded", "no recording (reason unknown)", "camera unreachable", "events (3)"]


def test_not_recorded_yet_and_recording_now_are_drawn_and_named_apart_from_gaps(page):
    drawn = run(page, """
        const box = document.getElementById('box'); box.replaceChildren();
        const t = new timeline.Timeline(box);
        const h = 3600000, from = Date.parse('2026-03-04T00:00:00Z'), to = from + 24 * h;
        t.setWindow(from, to);
        // A camera added at 23:00 that records since: the API's answer drawn as it is.
        t.setData({ranges: [{start: from + 23 * h, end: to - 30000}], gaps: [], events: [],
                   notRecordedYet: {start: from, end: from + 23 * h}, inProgress: {start: to - 30000, end: to}});
        const svg = box.querySelector('svg');
        const rect = (kind) => svg.querySelector(`rect[data-kind=${kind}]`);
        const legend = document.createElement('ul');
        t.renderLegend(legend, {not_recorded_yet: 'not recorded yet', in_progress: 'recording now'});
        const bare = document.createElement('ul'); t.renderLegend(bare);
        const out = {gaps: svg.querySelectorAll('rect.gap').length,
                notYet: [rect('not_recorded_yet').getAttribute('x'), rect('not_recorded_yet').getAttribute('width')].map(Number),
                notYetFill: rect('not_recorded_yet').getAttribute('fill'), liveFill: rect('in_progress').getAttribute('fill'),
                liveX: Number(rect('in_progress').getAttribute('x')),
                patterns: [...svg.querySelectorAll('defs pattern')].map((p) => p.id),
                legend: [...legend.querySelectorAll('li')].map((li) => [li.dataset.key, li.textContent]),
                swatches: [...legend.querySelectorAll('.swatch')].map((s) => s.style.background !== ''),
                bare: [...bare.querySelectorAll('li')].map((li) => li.textContent)};
        const later = document.createElement('ul');
        t.setData({ranges: [{start: from, end: to - 2 * h}], gaps: [{start: to - 2 * h, end: to, reason: 'camera_offline'}], events: []});
        t.renderLegend(later, {camera_offline: 'camera unreachable'});
        return {...out, after: [...later.querySelectorAll('li')].map((li) => li.dataset.key),
                afterRects: svg.querySelectorAll('rect[data-kind]').length};""")
    assert drawn["gaps"] == 0  # neither stretch is a gap
    assert drawn["notYet"][0] == 0 and abs(drawn["notYet"][1] - 23 / 24 * 1000) < 1
    assert (drawn["notYetFill"], drawn["liveFill"]) == ("url(#not-recorded-yet)", "url(#in-progress)")
    assert drawn["liveX"] >= 998 - 1  # the last 30 s of a day: a sliver at the live edge, still visible
    assert {"not-recorded-yet", "in-progress"} <= set(drawn["patterns"])
    assert drawn["legend"] == [["range", "recorded"], ["in_progress", "recording now"], ["not_recorded_yet", "not recorded yet"]]
    assert all(drawn["swatches"])
    assert drawn["bare"] == ["recorded", "recording now", "not recorded yet"]  # words of its own without the page's
    assert drawn["after"] == ["range", "camera_offline"] and drawn["afterRects"] == 0  # data without them: gone


def test_clicking_the_timeline_picks_that_instant_and_zoom_narrows_the_view(page):
    picked = run(page, """
        const box = document.getElementById('box'); box.replaceChildren();
        const t = new timeline.Timeline(box);
        const from = Date.parse('2026-03-04T00:00:00Z');
        t.setWindow(from, from + 86400000);
        const svg = box.querySelector('svg'), r = svg.getBoundingClientRect();
        const times = [];
        t.addEventListener('pick', (e) => times.push(e.detail.time.getTime() - from));
        const at = (x) => ({clientX: r.left + x, clientY: r.top + 30, button: 0, pointerId: 1, bubbles: true});
        svg.dispatchEvent(new PointerEvent('pointerdown', at(250)));
        svg.dispatchEvent(new PointerEvent('pointermove', at(500)));
        const cursor = box.querySelector('output').textContent;
        svg.dispatchEvent(new PointerEvent('pointerup', at(500)));
        t.setPlayhead(new Date(from + 6 * 3600000));
        t.zoom(0.25);
        return {times, cursor, view: [t.view.from - from, t.view.to - from],
                data: [Number(svg.dataset.from) - from, Number(svg.dataset.to) - from]};""")
    assert picked["times"] == [43200000]  # dragged to the middle and released there: noon
    assert len(picked["cursor"]) == 8  # HH:MM:SS while dragging
    assert picked["view"] == [4.5 * 3600000, 10.5 * 3600000]  # a quarter of the day around the playhead
    assert picked["data"] == picked["view"]


def test_formats(page):
    out = run(page, """
        const d = new Date(2026, 0, 2, 3, 4, 5);
        return {input: dialogs.localInputValue(d), stamp: dialogs.fileStamp(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678))),
                durations: [45, 90, 3600, 7199, 86400].map(timeline.formatDuration), clock: timeline.formatClock(d, true)};""")
    assert out["input"] == "2026-01-02T03:04:05"
    assert out["stamp"] == "20260102T030405Z"
    assert out["durations"] == ["45 s", "2 min", "1 h", "2 h", "24 h"]
    assert out["clock"] == "03:04:05"
