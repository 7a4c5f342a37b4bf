// The camera page: live view (MSE over the live websocket) or recorded playback (hls.js) in one <video>,
// the recordings timeline of the last 24 h or a chosen day, playback controls, snapshot and clip dialogs.
// The page URL may carry ?at=<RFC3339> to open straight into playback at that instant.
// Keyboard: space play/pause, ←/→ 10 s, +/− zoom, f fullscreen, m sound (static/console/shortcuts.js).
// Below the player: the camera's kept snapshots as pictures and its exported clips.

import { getAll, getJson, pageConfig, rfc3339, socketUrl } from "./api.js";
import { ClipList } from "./clip-list.js";
import { canPlay, LivePlayer } from "./live-player.js";
import { ClipDialog, SnapshotDialog } from "./media-dialogs.js";
import { SoundControl, toggleFullscreen, trackFullscreen } from "./player-controls.js";
import { HEVC_MIME, RecordedPlayer } from "./recorded-player.js";
import { bindShortcuts } from "./shortcuts.js";
import { SnapshotStrip } from "./snapshot-strip.js";
import { watchStatus } from "./status-feed.js";
import { darkMessage } from "./status-text.js";
import { formatClock, formatDuration, Timeline } from "./timeline.js";
import { showSpan } from "./timeline-presets.js";

const DAY_MS = 86400000;
const REFRESH_MS = 15000; // the last-24-h window slides (and today's page grows) this often
const EVENT_PRE_ROLL_MS = 5000; // play an event from a little before it
const GAP_LEAD_MS = 10000; // "next gap" into a hole still open: the last seconds before it
const LIVE_NEAR_MS = 30000; // playback that ends this close to now carries on live
const STEP_S = 10; // ← and → move this far in the recording

const config = pageConfig();
const camera = config.camera;
const caps = config.caps;
const $ = (selector) => document.querySelector(selector);
const video = $("#video");
const message = $("#player-message");
const modeBadge = $("#mode");
const wallclock = $("#wallclock");
const speed = $("#speed");
const toggle = $("[data-action=toggle]");

const live = caps.live ? new LivePlayer(video, socketUrl(config.liveSocket.replace("{id}", encodeURIComponent(camera.id)))) : null;
const recorded = caps.playback ? new RecordedPlayer(video, config.api, camera.id) : null;
const timeline = caps.playback ? new Timeline($("#timeline")) : null;
const snapshots = new SnapshotDialog($("#snapshot-dialog"), config.api, camera.id);
const clips = caps.export ? new ClipDialog($("#clip-dialog"), config.api, camera.id) : null;
const sound = recorded ? new SoundControl($("[data-action=sound]"), video) : null;

const page = { mode: "idle", picked: null, window: { kind: "last24h", day: null }, data: { ranges: [], gaps: [], events: [] } };

// --- messages and the mode indicator ----------------------------------------------------------------

function say(text, ...nodes) {
  message.hidden = !text && !nodes.length;
  message.replaceChildren(text || "", ...nodes);
}

function anchor(href, text, download = false) {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = text;
  if (download) a.setAttribute("download", "");
  return a;
}

function setMode(mode, label) {
  page.mode = mode;
  modeBadge.dataset.mode = mode;
  modeBadge.textContent = label;
  speed.disabled = mode !== "playback";
  wallclock.hidden = mode !== "playback";
  if (sound && mode !== "playback") sound.setAvailable(false, mode === "live" ? "The live view has no sound" : "Nothing is playing");
}

function darkText(state, reason, note, error) {
  return darkMessage(config.reasons, { state, reason, note, error });
}

// --- live -------------------------------------------------------------------------------------------

function goLive() {
  if (!live) return;
  if (recorded) recorded.stop();
  video.playbackRate = 1;
  setMode("live", "connecting…");
  say(null);
  if (camera.codec === "hevc" && !canPlay(HEVC_MIME)) return showLiveUnsupported();
  live.start();
}

function showLiveUnsupported() {
  page.liveUnsupported = true; // camera state changes must not hide this notice
  setMode("live", "LIVE unavailable");
  say("This browser cannot play H.265 live; ", caps.playback ? anchor("#recordings", "download recordings") : "ask for an export", ".");
}

if (live) {
  live.addEventListener("state", (event) => {
    const { state, reason, message: text } = event.detail;
    if (page.mode !== "live") return;
    if (state === "playing") {
      say(null);
      modeBadge.textContent = "● LIVE";
    } else if (state === "offline") {
      modeBadge.textContent = "LIVE (offline)";
      say(darkText("offline", reason, "", text));
    } else if (state === "unsupported") {
      showLiveUnsupported();
    } else if (state === "refused" || (state === "reconnecting" && text !== "reconnecting")) {
      modeBadge.textContent = "LIVE unavailable";
      say(text);
    } else if (state === "connecting" || state === "starting") {
      modeBadge.textContent = "connecting…";
    }
  });
}

// --- playback ---------------------------------------------------------------------------------------

function covered(ms) {
  return page.data.ranges.some((range) => range.start <= ms && ms < range.end);
}

/** Play recordings from `time`; an instant in a hole plays from where the recording resumes. */
async function playAt(time) {
  if (!recorded) return;
  let at = time.getTime();
  const loaded = page.data.ranges.length || page.data.gaps.length;
  let note = null;
  if (loaded && !covered(at)) {
    const next = page.data.ranges.find((range) => range.start > at);
    if (!next) {
      if (live && at > Date.now() - LIVE_NEAR_MS) return goLive();
      return say(`No recording at ${formatClock(time, true)} or after it in this window.`);
    }
    note = `No recording at ${formatClock(time, true)}; playing from ${formatClock(new Date(next.start), true)}.`;
    at = next.start;
  }
  if (live) live.stop();
  page.picked = new Date(at);
  setMode("playback", "PLAYBACK");
  say(note);
  $("#downloads").hidden = true;
  recorded.setRate(Number(speed.value));
  timeline.setPlayhead(page.picked);
  await recorded.play(page.picked);
}

async function showPlaybackUnsupported(segment) {
  const at = recorded.wallClock() || page.picked;
  const seg = segment || (await recorded.segmentAt(at).catch(() => null));
  setMode("playback", "PLAYBACK unavailable");
  const downloads = $("#downloads");
  downloads.hidden = false;
  const text = "This browser cannot play H.265 recordings. ";
  if (!seg) return say(text);
  const start = new Date(seg.start_time);
  const href = `${seg.url}?download=1`;
  say(text, anchor(href, `Download the segment from ${start.toLocaleString()}`, true));
  const span = `${formatClock(start, true)}–${formatClock(new Date(seg.end_time), true)}`;
  const size = `${(seg.size_bytes / 1048576).toFixed(1)} MiB`;
  downloads.replaceChildren("H.265 segment at the chosen time: ", anchor(href, `${span} (${size})`, true));
}

if (recorded) {
  recorded.addEventListener("audio", (event) => page.mode === "playback" && sound.setAvailable(event.detail.hasAudio));
  recorded.addEventListener("state", (event) => {
    const detail = event.detail;
    if (page.mode !== "playback") return;
    if (detail.state === "unsupported") showPlaybackUnsupported(detail.segment);
    else if (detail.state === "nofootage") say(`No recording at ${formatClock(detail.at || page.picked, true)}.`);
    else if (detail.state === "error") say(`Playback stopped: ${detail.message}`);
    else if (detail.state === "ended") {
      const end = detail.at ? detail.at.getTime() : 0;
      if (live && end > Date.now() - LIVE_NEAR_MS) goLive();
      else say("End of the recording.");
    }
  });
}

// --- the timeline -----------------------------------------------------------------------------------

function windowBounds() {
  const now = Date.now();
  if (page.window.kind === "last24h") return { from: now - DAY_MS, to: now, dataTo: now };
  const [year, month, day] = page.window.day.split("-").map(Number);
  const from = new Date(year, month - 1, day).getTime();
  const to = new Date(year, month - 1, day + 1).getTime();
  return { from, to, dataTo: Math.min(to, now) };
}

async function loadWindow(keepView = false) {
  if (!timeline) return;
  const { from, to, dataTo } = windowBounds();
  timeline.setWindow(from, to, dataTo, keepView);
  const range = `from=${rfc3339(new Date(from))}&to=${rfc3339(new Date(dataTo))}`;
  const base = `${config.api}/cameras/${encodeURIComponent(camera.id)}`;
  const summary = $("#timeline-summary");
  try {
    const [coverage, events] = await Promise.all([
      getJson(`${base}/timeline?${range}`),
      caps.events ? getAll(`${config.api}/events?camera_id=${encodeURIComponent(camera.id)}&${range}&limit=2000`, 2000) : [],
    ]);
    const ms = (text) => new Date(text).getTime();
    const span = (value) => value && { start: ms(value.start), end: ms(value.end) };
    page.data = {
      ranges: coverage.ranges.map((r) => ({ start: ms(r.start), end: ms(r.end) })),
      gaps: coverage.gaps.map((g) => ({ start: ms(g.start), end: ms(g.end), reason: g.reason })),
      // Not gaps: before the camera's footage begins, and the segment being written now.
      notRecordedYet: span(coverage.not_recorded_yet),
      inProgress: span(coverage.in_progress),
      events: events.map((e) => ({ time: ms(e.timestamp), type: e.event_type, severity: e.severity, id: e.id }))
        .sort((a, b) => a.time - b.time),
    };
    timeline.setData(page.data);
    timeline.renderLegend($("#legend"), { ...config.timelineLabels, ...config.reasons });
    const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
    summary.textContent = [`${formatDuration(coverage.recorded_seconds)} recorded of ${formatDuration((dataTo - from) / 1000)}`,
      plural(coverage.gaps.length, "gap"), ...(caps.events ? [plural(events.length, "event")] : [])].join(" · ");
    summary.dataset.ranges = String(page.data.ranges.length);
  } catch (error) {
    summary.textContent = `Could not load the timeline: ${error.message}`;
  }
}

function chooseWindow(kind, day = null) {
  page.window = { kind, day };
  $("[data-action=last-24h]").setAttribute("aria-pressed", String(kind === "last24h"));
  loadWindow();
}

function reference() {
  return page.mode === "playback" ? (recorded.wallClock() || page.picked).getTime() : Date.now();
}

function jump(kind, direction) {
  const ref = reference();
  let target = null;
  if (kind === "gap") {
    const gaps = page.data.gaps;
    // Where the recording resumes after the gap; for the hole the camera is in now, the last seconds before it.
    const gap = direction < 0 ? gaps.filter((g) => g.end < ref - 1000).pop() : gaps.find((g) => g.start > ref + 1000);
    if (gap) target = gap.end < timeline.window.dataTo - 1000 ? gap.end : gap.start - GAP_LEAD_MS;
  } else {
    const events = page.data.events;
    const event = direction < 0 ? events.filter((e) => e.time < ref + EVENT_PRE_ROLL_MS - 1000).pop()
      : events.find((e) => e.time > ref + EVENT_PRE_ROLL_MS + 1000);
    if (event) target = event.time - EVENT_PRE_ROLL_MS;
  }
  if (target === null) return say(`No ${direction < 0 ? "earlier" : "later"} ${kind} in this window.`);
  playAt(new Date(target));
}

// --- controls ---------------------------------------------------------------------------------------

function togglePlay() {
  if (page.mode === "live") {
    if (live.userPaused) live.resume();
    else live.pause();
  } else if (video.paused) video.play().catch(() => {});
  else video.pause();
}

/** ← and →: STEP_S back or forward in the recording; from live, back into the recording. */
function step(direction) {
  if (!recorded) return;
  const delta = direction * STEP_S;
  if (page.mode === "playback") {
    const target = video.currentTime + delta;
    const seekable = video.seekable;
    for (let i = 0; i < seekable.length; i += 1) {
      if (target >= seekable.start(i) && target <= seekable.end(i) - 0.5) {
        video.currentTime = target; // inside the loaded playlist: a seek, no reload
        return;
      }
    }
    const now = recorded.wallClock() || page.picked;
    if (now) playAt(new Date(now.getTime() + delta * 1000));
  } else if (page.mode === "live" && direction < 0) {
    const behind = (live && live.behind()) || 0;
    playAt(new Date(Date.now() - behind * 1000 + delta * 1000));
  }
}

function snapshotInstant() {
  return page.mode === "playback" ? recorded.wallClock() || page.picked : null;
}

const actions = {
  toggle: togglePlay,
  live: goLive,
  "prev-gap": () => jump("gap", -1),
  "next-gap": () => jump("gap", 1),
  "prev-event": () => jump("event", -1),
  "next-event": () => jump("event", 1),
  snapshot: () => snapshots.open(snapshotInstant()),
  clip: () => clips && clips.open(page.mode === "playback" ? snapshotInstant() : null),
  "last-24h": () => chooseWindow("last24h"),
  "step-back": () => step(-1),
  "step-forward": () => step(1),
  sound: () => sound && sound.toggle(),
  fullscreen: () => toggleFullscreen($("#player"), video),
};

function wireControls() {
  document.querySelectorAll("[data-action]").forEach((button) => {
    button.addEventListener("click", () => actions[button.dataset.action]());
  });
  speed.addEventListener("change", () => recorded && recorded.setRate(Number(speed.value)));
  const syncToggle = () => { toggle.textContent = video.paused ? "Play" : "Pause"; };
  video.addEventListener("play", syncToggle);
  video.addEventListener("pause", syncToggle);
  trackFullscreen($("[data-action=fullscreen]"));
  bindShortcuts({
    toggle: togglePlay, "step-back": actions["step-back"], "step-forward": actions["step-forward"],
    fullscreen: actions.fullscreen, sound: actions.sound,
    "zoom-in": () => timeline && timeline.zoom(0.5), "zoom-out": () => timeline && timeline.zoom(2),
  });
  if (!timeline) return;
  timeline.addEventListener("pick", (event) => {
    if (event.detail.time.getTime() > Date.now() - 2000 && live) goLive();
    else playAt(event.detail.time);
  });
  const zoom = { in: () => timeline.zoom(0.5), out: () => timeline.zoom(2), "pan-back": () => timeline.pan(-0.5),
    "pan-forward": () => timeline.pan(0.5), fit: () => timeline.fit() };
  document.querySelectorAll("[data-zoom]").forEach((button) => button.addEventListener("click", zoom[button.dataset.zoom]));
  document.querySelectorAll("[data-span]").forEach((button) => button.addEventListener("click", () => showSpan(timeline, Number(button.dataset.span))));
  const day = $("#day");
  const today = new Date();
  day.max = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, "0")}-${String(today.getDate()).padStart(2, "0")}`;
  day.addEventListener("change", () => day.value && chooseWindow("day", day.value));
}

function tick() {
  if (page.mode === "playback") {
    const now = recorded.wallClock();
    if (now) {
      wallclock.dateTime = now.toISOString();
      wallclock.dataset.time = String(now.getTime());
      wallclock.textContent = `${now.toLocaleDateString()} ${formatClock(now, true)}`;
      if (timeline) timeline.setPlayhead(now);
    }
  } else if (page.mode === "live" && timeline) {
    timeline.setPlayhead(new Date(), "live");
    const behind = live.behind();
    if (live.state === "playing" && behind !== null) modeBadge.textContent = behind > 1 ? `● LIVE −${behind.toFixed(1)} s` : "● LIVE";
  }
}

function watchCameraState() {
  const badge = $("#state-badge");
  watchStatus(config.statusSocket, (status) => {
    if (status.camera_id !== camera.id || status.type !== "camera_status") return;
    badge.className = `badge state-${status.state}`;
    badge.textContent = status.state;
    const darkNow = config.darkStates.includes(status.state);
    if (page.mode !== "live" || page.liveUnsupported || live.state === "playing") return;
    say(darkNow ? darkText(status.state, status.gap_reason, status.status_note, status.last_error) : null);
  });
}

// --- what was made: kept snapshots and exported clips -----------------------------------------------

function playFromShelf(time) {
  $("#player").scrollIntoView({ behavior: "smooth", block: "start" });
  playAt(time);
}

function wireShelf() {
  if (caps.playback) {
    const strip = new SnapshotStrip($("#snapshots"), $("#still-dialog"),
      { api: config.api, cameraId: camera.id, canDelete: Boolean(config.snapshots && config.snapshots.canDelete) });
    strip.addEventListener("play", (event) => playFromShelf(event.detail.time));
    $("#snapshot-dialog").addEventListener("snapshot-kept", () => strip.load());
    strip.load();
  }
  if (clips) {
    const list = new ClipList($("#clips"), { api: config.api, onPlay: recorded ? playFromShelf : null });
    $("#clip-dialog").addEventListener("clip-exported", () => list.reload());
    list.show(`${config.api}/cameras/${encodeURIComponent(camera.id)}/clips?limit=10`);
  }
}

function start() {
  wireControls();
  wireShelf();
  watchCameraState();
  loadWindow();
  setInterval(() => (page.window.kind === "last24h" || windowBounds().dataTo < windowBounds().to) && loadWindow(true), REFRESH_MS);
  setInterval(tick, 250);
  const at = new URLSearchParams(location.search).get("at");
  if (at && recorded && !Number.isNaN(Date.parse(at))) playAt(new Date(at));
  else if (live) goLive();
  else setMode("idle", caps.playback ? "pick a time on the timeline" : "");
}

start();
