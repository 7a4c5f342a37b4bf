// Timeline of one camera's recordings as SVG: recorded ranges, the segment being written ("recording now"),
// the time before the camera's footage begins ("not recorded yet"), gaps coloured by reason, events as marks
// and a playhead, all exactly as the timeline API tells them (nothing is worked out here). Click or drag
// (release) picks an instant ("pick" event); wheel, buttons and keys zoom and pan, so minutes stay readable
// on a phone. Times are shown in the browser's time zone.

const NS = "http://www.w3.org/2000/svg";
const HEIGHT = 78;
const EVENT_Y = 2;
const EVENT_H = 14;
const TRACK_Y = 20;
const TRACK_H = 34;
const AXIS_Y = 72;
const MIN_LABEL_PX = 72; // axis labels at least this far apart
const MIN_SPAN_MS = 60 * 1000;
const LIVE_SLACK_MS = 60 * 1000;
const MINUTE = 60 * 1000;
const STEPS_MIN = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720];

export const COVERAGE_COLOUR = "#16a34a";
export const GAP_COLOURS = {
  camera_offline: "#dc2626",
  auth_failed: "#c2410c",
  stream_error: "#f59e0b",
  recorder_down: "#9333ea",
  disk_full: "#7f1d1d",
  schedule_off: "#94a3b8",
  event_idle: "#cbd5e1",
  disabled: "#64748b",
  unknown: "#d1d5db",
};
// Unrecorded stretches that are not gaps: patterns, so they never pass for a gap reason's colour.
export const KIND_PATTERNS = {
  in_progress: { id: "in-progress", fill: COVERAGE_COLOUR, line: "#86efac", angle: -45,
    swatch: `repeating-linear-gradient(135deg, ${COVERAGE_COLOUR} 0 3px, #86efac 3px 5px)` },
  not_recorded_yet: { id: "not-recorded-yet", fill: "#f9fafb", line: "#cbd5e1", angle: 0,
    swatch: "repeating-linear-gradient(90deg, #f9fafb 0 2px, #cbd5e1 2px 3px)" },
};
// Fallback legend words when the page gives none (the console passes nvr/console/footage.py's).
export const DEFAULT_LABELS = {
  recorded: "recorded",
  in_progress: "recording now",
  not_recorded_yet: "not recorded yet",
  unknown: "no recording (reason unknown)",
};
export const SEVERITY_COLOURS = { info: "#2563eb", warning: "#d97706", critical: "#dc2626" };

/** The axis step in minutes: the smallest that keeps labels MIN_LABEL_PX apart. */
export function chooseStep(spanMs, widthPx) {
  const perPx = spanMs / Math.max(1, widthPx);
  return STEPS_MIN.find((step) => (step * MINUTE) / perPx >= MIN_LABEL_PX) || 1440;
}

/** Tick instants in [from, to], on whole multiples of `stepMin` counted from local midnight. */
export function ticks(from, to, stepMin) {
  const out = [];
  const first = new Date(from);
  first.setHours(0, 0, 0, 0);
  if (stepMin < 1440) {
    const minutes = Math.ceil((from - first.getTime()) / MINUTE / stepMin) * stepMin;
    first.setMinutes(minutes);
  }
  for (const t = first; t.getTime() <= to && out.length < 500; ) {
    if (t.getTime() >= from) out.push(new Date(t));
    if (stepMin >= 1440) t.setDate(t.getDate() + 1);
    else t.setMinutes(t.getMinutes() + stepMin);
  }
  return out;
}

const two = (n) => String(n).padStart(2, "0");

export function formatClock(date, seconds = false) {
  const hm = `${two(date.getHours())}:${two(date.getMinutes())}`;
  return seconds ? `${hm}:${two(date.getSeconds())}` : hm;
}

/** 45 s, 12 min, 3 h 20 min. */
export function formatDuration(seconds) {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const total = Math.round(s / 60);
  if (total < 60) return `${total} min`;
  return `${Math.floor(total / 60)} h${total % 60 ? ` ${total % 60} min` : ""}`;
}

export function formatDay(date) {
  return date.toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short" });
}

function tickLabel(date) {
  return date.getHours() === 0 && date.getMinutes() === 0 ? formatDay(date) : formatClock(date);
}

function el(name, attrs = {}, parent = null) {
  const node = document.createElementNS(NS, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (parent) parent.appendChild(node);
  return node;
}

export class Timeline extends EventTarget {
  constructor(container) {
    super();
    this.container = container;
    this.window = { from: Date.now() - 86400000, to: Date.now(), dataTo: Date.now() };
    this.view = { ...this.window };
    this.data = { ranges: [], gaps: [], events: [], notRecordedYet: null, inProgress: null };
    this.playhead = null;
    this.svg = el("svg", { class: "timeline-svg", height: HEIGHT, tabindex: "0", role: "img" }, container);
    this.cursor = document.createElement("output");
    this.cursor.className = "timeline-cursor";
    this.cursor.hidden = true;
    container.appendChild(this.cursor);
    this.listen();
    new ResizeObserver(() => this.render()).observe(container);
  }

  get width() {
    return this.container.clientWidth || 300;
  }

  x(ms) {
    return ((ms - this.view.from) / (this.view.to - this.view.from)) * this.width;
  }

  timeAt(clientX) {
    const box = this.svg.getBoundingClientRect();
    const fraction = Math.min(1, Math.max(0, (clientX - box.left) / box.width));
    return new Date(this.view.from + fraction * (this.view.to - this.view.from));
  }

  /** The axis window [from, to]; nothing is known after dataTo (the future, on today's page). */
  setWindow(from, to, dataTo = to, keepView = false) {
    const following = this.view.to >= this.window.to - 1000;
    const span = this.view.to - this.view.from;
    this.window = { from, to, dataTo };
    if (!keepView) this.view = { from, to };
    else if (following) this.setView(to - span, to, false);
    else this.setView(this.view.from, this.view.to, false);
    this.render();
  }

  /** Spans are {start, end} in ms: `ranges` recorded, `gaps` with `reason` (null: unknown), and the two
   *  stretches that are no gap: `notRecordedYet` (before the footage begins) and `inProgress` (the live edge). */
  setData({ ranges, gaps, events, notRecordedYet = null, inProgress = null }) {
    this.data = { ranges, gaps, events, notRecordedYet, inProgress };
    this.render();
  }

  setPlayhead(date, kind = "playback") {
    this.playhead = date ? { ms: date.getTime(), kind } : null;
    this.renderPlayhead();
  }

  setView(from, to, render = true) {
    let span = Math.max(MIN_SPAN_MS, Math.min(to - from, this.window.to - this.window.from));
    from = Math.max(this.window.from, Math.min(from, this.window.to - span));
    this.view = { from, to: from + span };
    if (render) this.render();
  }

  zoom(factor, centreMs = null) {
    // Around the playhead when it is in view; the live playhead runs ahead of a window refreshed every
    // few seconds, so "just past the end" counts as the end.
    const head = this.playhead && this.playhead.ms;
    const headInView = head !== null && head >= this.view.from && head <= this.view.to + LIVE_SLACK_MS;
    const centre = centreMs ?? (headInView ? Math.min(head, this.view.to) : (this.view.from + this.view.to) / 2);
    const span = (this.view.to - this.view.from) * factor;
    const ratio = (centre - this.view.from) / (this.view.to - this.view.from);
    this.setView(centre - span * ratio, centre - span * ratio + span);
  }

  pan(fraction) {
    const shift = (this.view.to - this.view.from) * fraction;
    this.setView(this.view.from + shift, this.view.to + shift);
  }

  fit() {
    this.setView(this.window.from, this.window.to);
  }

  // --- input ------------------------------------------------------------------------------------

  listen() {
    const svg = this.svg;
    svg.addEventListener("pointerdown", (event) => {
      if (event.button !== 0) return;
      this.dragging = true;
      try {
        svg.setPointerCapture(event.pointerId); // keep the drag when the finger leaves the strip
      } catch {
        // no such active pointer (a synthetic event): the drag works without capture
      }
      this.showCursor(event.clientX);
    });
    svg.addEventListener("pointermove", (event) => this.showCursor(event.clientX));
    svg.addEventListener("pointerup", (event) => {
      if (!this.dragging) return;
      this.dragging = false;
      this.dispatchEvent(new CustomEvent("pick", { detail: { time: this.timeAt(event.clientX) } }));
    });
    svg.addEventListener("pointercancel", () => { this.dragging = false; this.cursor.hidden = true; });
    svg.addEventListener("pointerleave", () => { if (!this.dragging) this.cursor.hidden = true; });
    svg.addEventListener("wheel", (event) => {
      event.preventDefault();
      if (Math.abs(event.deltaX) > Math.abs(event.deltaY)) this.pan(event.deltaX / this.width);
      else this.zoom(event.deltaY > 0 ? 1.25 : 0.8, this.timeAt(event.clientX).getTime());
    }, { passive: false });
    svg.addEventListener("keydown", (event) => {
      const actions = { ArrowLeft: () => this.pan(-0.25), ArrowRight: () => this.pan(0.25), "+": () => this.zoom(0.5),
        "=": () => this.zoom(0.5), "-": () => this.zoom(2) };
      if (actions[event.key]) {
        event.preventDefault();
        actions[event.key]();
      }
    });
  }

  showCursor(clientX) {
    const time = this.timeAt(clientX);
    const x = this.x(time.getTime());
    this.cursor.hidden = false;
    this.cursor.textContent = formatClock(time, true);
    this.cursor.style.left = `${Math.min(Math.max(x, 30), this.width - 30)}px`;
    this.cursorLine.setAttribute("x1", x);
    this.cursorLine.setAttribute("x2", x);
    this.cursorLine.style.display = "";
  }

  // --- drawing ----------------------------------------------------------------------------------

  span(parent, from, to, fill, cls) {
    const x1 = Math.max(0, this.x(from));
    const x2 = Math.min(this.width, this.x(to));
    if (x2 < 0 || x1 > this.width || to <= from) return null;
    // A few seconds on a day-wide axis still get a visible sliver, kept inside the track.
    const width = Math.max(2, x2 - x1);
    return el("rect", { x: Math.min(x1, this.width - width), y: TRACK_Y, width, height: TRACK_H, fill, class: cls }, parent);
  }

  /** "not_recorded_yet" or "in_progress", drawn with its pattern (class and data-kind name it). */
  kindSpan(layer, kind) {
    const span = kind === "in_progress" ? this.data.inProgress : this.data.notRecordedYet;
    if (!span) return;
    const { id } = KIND_PATTERNS[kind];
    const rect = this.span(layer, span.start, Math.min(span.end, this.window.dataTo), `url(#${id})`, id);
    if (rect) rect.dataset.kind = kind;
  }

  render() {
    const svg = this.svg;
    const width = this.width;
    svg.replaceChildren();
    svg.setAttribute("width", width);
    svg.setAttribute("viewBox", `0 0 ${width} ${HEIGHT}`);
    // The visible span in ms since the epoch: lets scripts and tests map an instant to a pixel.
    svg.dataset.from = String(Math.round(this.view.from));
    svg.dataset.to = String(Math.round(this.view.to));
    el("rect", { x: 0, y: TRACK_Y, width, height: TRACK_H, class: "track-bg" }, svg);
    const layer = el("g", { class: "spans" }, svg);
    this.kindSpan(layer, "not_recorded_yet");
    for (const gap of this.data.gaps) {
      const rect = this.span(layer, gap.start, Math.min(gap.end, this.window.dataTo), GAP_COLOURS[gap.reason || "unknown"], "gap");
      if (rect) rect.dataset.reason = gap.reason || "unknown";
    }
    for (const range of this.data.ranges) this.span(layer, range.start, range.end, COVERAGE_COLOUR, "range");
    this.kindSpan(layer, "in_progress"); // after the ranges: a few seconds at the live edge stay visible
    if (this.window.dataTo < this.window.to) this.span(layer, this.window.dataTo, this.window.to, "url(#future)", "future");
    this.renderDefs();
    this.renderEvents();
    this.renderAxis();
    this.cursorLine = el("line", { class: "cursor-line", y1: 0, y2: AXIS_Y - 10, x1: -10, x2: -10 }, svg);
    this.cursorLine.style.display = "none";
    this.playheadLine = el("line", { class: "playhead", y1: 0, y2: AXIS_Y - 10 }, svg);
    this.renderPlayhead();
  }

  renderDefs() {
    const defs = el("defs", {}, this.svg);
    const pattern = el("pattern", { id: "future", width: 6, height: 6, patternUnits: "userSpaceOnUse",
      patternTransform: "rotate(45)" }, defs);
    el("rect", { width: 6, height: 6, fill: "#f3f4f6" }, pattern);
    el("line", { x1: 0, y1: 0, x2: 0, y2: 6, stroke: "#d1d5db", "stroke-width": 2 }, pattern);
    for (const { id, fill, line, angle } of Object.values(KIND_PATTERNS)) {
      const kind = el("pattern", { id, width: 5, height: 5, patternUnits: "userSpaceOnUse", patternTransform: `rotate(${angle})` },
        defs);
      el("rect", { width: 5, height: 5, fill }, kind);
      el("line", { x1: 0, y1: 0, x2: 0, y2: 5, stroke: line, "stroke-width": 1.5 }, kind);
    }
  }

  renderEvents() {
    const layer = el("g", { class: "events" }, this.svg);
    const buckets = new Map(); // one mark per pixel column, however many events share it
    for (const event of this.data.events) {
      const x = Math.round(this.x(event.time));
      if (x < 0 || x > this.width) continue;
      const bucket = buckets.get(x) || [];
      bucket.push(event);
      buckets.set(x, bucket);
    }
    for (const [x, events] of buckets) {
      const worst = events.find((e) => e.severity === "critical") || events.find((e) => e.severity === "warning") || events[0];
      const mark = el("path", { d: `M${x - 5} ${EVENT_Y} h10 l-5 ${EVENT_H - 4} z`, fill: SEVERITY_COLOURS[worst.severity] || "#2563eb",
        class: "event-mark" }, layer);
      el("line", { x1: x, x2: x, y1: EVENT_Y + EVENT_H - 4, y2: TRACK_Y + TRACK_H, class: "event-line" }, layer);
      const title = el("title", {}, mark);
      title.textContent = events.slice(0, 5).map((e) => `${formatClock(new Date(e.time), true)} ${e.type}`).join("\n")
        + (events.length > 5 ? `\n… ${events.length - 5} more` : "");
    }
  }

  renderAxis() {
    const axis = el("g", { class: "axis" }, this.svg);
    const step = chooseStep(this.view.to - this.view.from, this.width);
    for (const tick of ticks(this.view.from, this.view.to, step)) {
      const x = this.x(tick.getTime());
      el("line", { x1: x, x2: x, y1: TRACK_Y + TRACK_H, y2: TRACK_Y + TRACK_H + 5 }, axis);
      const label = el("text", { x: Math.min(Math.max(x, 18), this.width - 18), y: AXIS_Y, "text-anchor": "middle" }, axis);
      label.textContent = tickLabel(tick);
    }
  }

  renderPlayhead() {
    if (!this.playheadLine) return;
    const visible = this.playhead && this.playhead.ms >= this.view.from && this.playhead.ms <= this.view.to;
    this.playheadLine.style.display = visible ? "" : "none";
    if (!visible) return;
    const x = this.x(this.playhead.ms);
    this.playheadLine.setAttribute("x1", x);
    this.playheadLine.setAttribute("x2", x);
    this.playheadLine.dataset.kind = this.playhead.kind;
  }

  /** The legend: coverage, recording now, not recorded yet, each gap reason present (with its label), events. */
  renderLegend(list, labels = {}) {
    const word = (key) => labels[key] || DEFAULT_LABELS[key];
    const items = [[word("recorded"), COVERAGE_COLOUR, "range"]];
    if (this.data.inProgress) items.push([word("in_progress"), KIND_PATTERNS.in_progress.swatch, "in_progress"]);
    if (this.data.notRecordedYet) items.push([word("not_recorded_yet"), KIND_PATTERNS.not_recorded_yet.swatch, "not_recorded_yet"]);
    const reasons = [...new Set(this.data.gaps.map((g) => g.reason || "unknown"))];
    for (const reason of reasons) {
      items.push([word(reason) || word("unknown"), GAP_COLOURS[reason] || GAP_COLOURS.unknown, reason]);
    }
    if (this.data.events.length) items.push([`events (${this.data.events.length})`, SEVERITY_COLOURS.info, "event"]);
    list.replaceChildren(...items.map(([text, colour, key]) => {
      const li = document.createElement("li");
      li.dataset.key = key;
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = colour;
      li.append(swatch, text);
      return li;
    }));
  }
}
