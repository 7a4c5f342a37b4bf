// Zoom presets of the camera page's timeline (5 min, 1 h, 24 h): that span centred on the playhead when it
// is inside the window (a live playhead keeps the view's end at now), else ending at the newest data.

const LIVE_SLACK_MS = 60 * 1000; // the live playhead runs a little ahead of a window refreshed every few seconds

/** The {from, to} to show for `spanMs` in `window` ({from, to, dataTo}) with the playhead at `playheadMs`. */
export function presetView(window, playheadMs, spanMs) {
  const span = Math.min(spanMs, window.to - window.from);
  const inWindow = playheadMs !== null && playheadMs >= window.from && playheadMs <= window.to + LIVE_SLACK_MS;
  const anchor = inWindow ? Math.min(playheadMs, window.to) : window.dataTo;
  const from = Math.max(window.from, Math.min(anchor - span / 2, window.to - span));
  return { from, to: from + span };
}

/** Show `spanMs` on a Timeline (static/console/timeline.js). */
export function showSpan(timeline, spanMs) {
  const view = presetView(timeline.window, timeline.playhead ? timeline.playhead.ms : null, spanMs);
  timeline.setView(view.from, view.to);
}
