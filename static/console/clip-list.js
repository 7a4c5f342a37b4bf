// A list of clips, for the camera page's clips section and the clips page: the footage window, how much of it
// the clip covers, size, who made it, when it expires, a download link and delete. A clip whose export job is
// still queued or running shows its progress and a cancel button, and is followed (GET /clips/{id}) until it
// ends; a failed one says why. Reads one page of GET …/clips (newest first) at a time; "Older clips" follows
// the API's `next` link.

import { ApiError, getJson, postJson, request } from "./api.js";
import { formatClock, formatDay, formatDuration } from "./timeline.js";

const MIB = 1048576;
const FOLLOW_MS = 2000; // how often rows of unfinished exports are refreshed
const ACTIVE = new Set(["pending", "running"]);

/** "expires in 47 h", "expires in 12 min", "expired" (the server deletes it then). */
export function expiryText(expiresAt, now = Date.now()) {
  const seconds = (new Date(expiresAt).getTime() - now) / 1000;
  if (seconds <= 0) return "expired";
  return `expires in ${seconds < 3600 ? formatDuration(Math.max(60, seconds)) : `${Math.floor(seconds / 3600)} h`}`;
}

/** "Tue 3 Jun 10:00:00–10:05:00" (the end's day too when the window crosses midnight). */
export function windowText(from, to) {
  const start = new Date(from);
  const end = new Date(to);
  const sameDay = start.toDateString() === end.toDateString();
  return `${formatDay(start)} ${formatClock(start, true)}–${sameDay ? "" : `${formatDay(end)} `}${formatClock(end, true)}`;
}

/** What the clip holds: "5 min asked · 4 min 50 s of footage · 2 gaps · 12.3 MiB · by boss". */
export function clipFacts(clip) {
  const facts = [`${formatDuration(clip.requested_seconds)} asked`, `${formatDuration(clip.covered_seconds)} of footage`];
  if (clip.gaps && clip.gaps.length) facts.push(`${clip.gaps.length} gap${clip.gaps.length === 1 ? "" : "s"}`);
  facts.push(`${(clip.size_bytes / MIB).toFixed(1)} MiB`);
  if (clip.created_by) facts.push(`by ${clip.created_by}`);
  return facts.join(" · ");
}

/** What an unfinished or unsuccessful export says instead of its facts. */
export function jobFacts(clip) {
  if (clip.status === "failed") return `Export failed: ${clip.error || "unknown error"}`;
  if (clip.status === "cancelled") return "Export cancelled";
  if (clip.cancel_requested) return "Cancelling the export…";
  if (clip.status === "pending") return "Export queued…";
  return `Exporting… ${Math.floor((clip.progress || 0) * 100)} %`;
}

function node(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

/** Only the path and query of an API `next` link (behind a TLS proxy the absolute URL may name the wrong scheme). */
function pathOf(url) {
  const parsed = new URL(url, location.href);
  return parsed.pathname + parsed.search;
}

export class ClipList {
  /**
   * `section` holds [data-role=status], [data-role=list] and [data-role=more]. Options: `api` (the API root),
   * `cameraNames` ({id: name}: show each clip's camera, linked to `cameraPage` at the clip's start) and
   * `onPlay(date)` (a "Play" button instead, on a camera's own page).
   */
  constructor(section, { api, cameraNames = null, cameraPage = "/cameras/{id}/", onPlay = null }) {
    this.section = section;
    this.api = api;
    this.cameraNames = cameraNames;
    this.cameraPage = cameraPage;
    this.onPlay = onPlay;
    this.status = section.querySelector("[data-role=status]");
    this.list = section.querySelector("[data-role=list]");
    this.more = section.querySelector("[data-role=more]");
    this.count = 0;
    this.generation = 0;
    this.timer = null;
    this.more.addEventListener("click", () => this.next && this.fetchPage(this.next));
  }

  /** Show the clips of `url` from its first page. */
  async show(url) {
    this.url = url;
    this.next = null;
    this.generation += 1;
    this.list.replaceChildren();
    this.more.hidden = true;
    await this.fetchPage(url);
  }

  reload() {
    return this.url ? this.show(this.url) : Promise.resolve();
  }

  async fetchPage(url) {
    const generation = this.generation;
    this.more.disabled = true;
    let page;
    try {
      page = await getJson(url);
    } catch (error) {
      this.status.textContent = `Could not load the clips: ${error.message}`;
      return;
    } finally {
      this.more.disabled = false;
    }
    if (generation !== this.generation) return; // a newer show() replaced this list meanwhile
    this.count = page.count;
    this.list.append(...page.results.map((clip) => this.row(clip)));
    this.next = page.next ? pathOf(page.next) : null;
    this.more.hidden = !this.next;
    this.renderStatus();
    this.followActive();
  }

  renderStatus() {
    const shown = this.list.children.length;
    this.status.textContent = !this.count ? "No clips." : `${this.count} clip${this.count === 1 ? "" : "s"}`
      + (shown < this.count ? `, newest ${shown} shown` : "");
  }

  /** Refresh the rows of queued and running exports every FOLLOW_MS until none is left. */
  followActive() {
    if (this.timer || !this.list.querySelector("[data-active]")) return;
    this.timer = setTimeout(() => this.refreshActive(), FOLLOW_MS);
  }

  async refreshActive() {
    this.timer = null;
    const generation = this.generation;
    for (const item of [...this.list.querySelectorAll("[data-active]")]) {
      let clip;
      try {
        clip = await getJson(`${this.api}/clips/${encodeURIComponent(item.dataset.clip)}`);
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) item.remove(); // deleted or expired meanwhile
        continue;
      }
      if (generation !== this.generation) return;
      if (item.isConnected) item.replaceWith(this.row(clip));
    }
    if (generation === this.generation) this.followActive();
  }

  row(clip) {
    const item = node("li", "clip-row");
    item.dataset.clip = clip.id;
    item.dataset.status = clip.status;
    const active = ACTIVE.has(clip.status);
    if (active) item.dataset.active = "";
    const main = node("div", "clip-main");
    if (this.cameraNames) {
      const camera = node("a", "clip-camera", this.cameraNames[clip.camera_id] || clip.camera_id);
      camera.href = `${this.cameraPage.replace("{id}", encodeURIComponent(clip.camera_id))}?at=${encodeURIComponent(clip.from)}`;
      camera.title = "Play this footage on the camera's page";
      main.append(camera);
    }
    const when = node("time", "clip-window", windowText(clip.from, clip.to));
    when.dateTime = clip.from;
    const completed = clip.status === "completed";
    main.append(when, node("span", `clip-facts muted${completed ? "" : " clip-job"}`, completed ? clipFacts(clip) : jobFacts(clip)));
    if (active) {
      const bar = node("progress");
      bar.max = 1;
      bar.value = clip.progress || 0;
      bar.dataset.role = "progress";
      main.append(bar);
    }
    const actions = node("div", "clip-actions");
    if (completed) {
      const expiry = node("span", "clip-expiry muted", expiryText(clip.expires_at));
      expiry.title = `Deleted at ${new Date(clip.expires_at).toLocaleString()}`;
      actions.append(expiry);
    }
    if (this.onPlay) {
      const play = node("button", null, "Play");
      play.type = "button";
      play.title = "Play this footage";
      play.addEventListener("click", () => this.onPlay(new Date(clip.from)));
      actions.append(play);
    }
    if (completed) {
      const download = node("a", "button", "Download");
      download.href = clip.url;
      download.download = clip.filename;
      download.dataset.role = "download";
      actions.append(download);
    }
    if (active) {
      const cancel = node("button", "danger", "Cancel");
      cancel.type = "button";
      cancel.dataset.role = "cancel";
      cancel.disabled = Boolean(clip.cancel_requested);
      cancel.addEventListener("click", () => this.cancel(clip, item, cancel));
      actions.append(cancel);
    } else {
      const remove = node("button", "danger", "Delete");
      remove.type = "button";
      remove.dataset.role = "delete";
      remove.addEventListener("click", () => this.remove(clip, item, remove));
      actions.append(remove);
    }
    item.append(main, actions);
    return item;
  }

  async cancel(clip, item, button) {
    button.disabled = true;
    let answer;
    try {
      answer = await postJson(`${this.api}/clips/${encodeURIComponent(clip.id)}/cancel`);
    } catch (error) {
      button.disabled = false;
      this.status.textContent = `Not cancelled: ${error.message}`;
      return;
    }
    if (item.isConnected) item.replaceWith(this.row(answer));
    this.followActive();
  }

  async remove(clip, item, button) {
    if (!window.confirm(`Delete the clip ${clip.filename}? Its file is removed from the server.`)) return;
    button.disabled = true;
    try {
      await request("DELETE", `${this.api}/clips/${encodeURIComponent(clip.id)}`);
    } catch (error) {
      button.disabled = false;
      this.status.textContent = `Not deleted: ${error.message}`;
      return;
    }
    item.remove();
    this.count = Math.max(0, this.count - 1);
    this.renderStatus();
  }
}
