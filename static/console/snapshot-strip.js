// The camera page's kept and scheduled snapshots as pictures: a grid of thumbnails, newest first, each with
// its time ("Older snapshots" follows the API's `next` link), and a viewer dialog: the large picture, newer
// and older (also ← and →), download, play the recording from that instant, and delete for those who may.
// GET /cameras/{id}/snapshots and the images need `video:playback`; DELETE /snapshots/{id} `registry:manage`.

import { getJson, request } from "./api.js";
import { fileStamp } from "./media-dialogs.js";
import { formatClock, formatDay } from "./timeline.js";

/** "Tue 3 Jun 10:00:05". */
export function stillTime(date) {
  return `${formatDay(date)} ${formatClock(date, true)}`;
}

function pathOf(url) {
  const parsed = new URL(url, location.href);
  return parsed.pathname + parsed.search;
}

export class SnapshotStrip extends EventTarget {
  /** Dispatches "play" ({time}) when the viewer's "Play from here" is pressed. */
  constructor(section, dialog, { api, cameraId, canDelete = false, pageSize = 24 }) {
    super();
    this.section = section;
    this.url = `${api}/cameras/${encodeURIComponent(cameraId)}/snapshots?limit=${pageSize}`;
    this.api = api;
    this.cameraId = cameraId;
    this.status = section.querySelector("[data-role=status]");
    this.list = section.querySelector("[data-role=list]");
    this.more = section.querySelector("[data-role=more]");
    this.counter = section.querySelector("[data-role=count]");
    this.snapshots = [];
    this.count = 0;
    this.generation = 0;
    this.viewer = new StillViewer(dialog, this, canDelete);
    this.more.addEventListener("click", () => this.next && this.fetchPage(this.next));
  }

  /** (Re)load from the newest snapshot. */
  async load() {
    this.generation += 1;
    this.snapshots = [];
    this.list.replaceChildren();
    this.more.hidden = true;
    await this.fetchPage(this.url);
  }

  async fetchPage(url) {
    const generation = this.generation;
    this.more.disabled = true;
    let page;
    try {
      page = await getJson(url);
    } catch (error) {
      if (generation === this.generation) {
        this.status.hidden = false;
        this.status.textContent = `Could not load the snapshots: ${error.message}`;
      }
      return;
    } finally {
      this.more.disabled = false;
    }
    if (generation !== this.generation) return;
    this.count = page.count;
    for (const snapshot of page.results) {
      this.snapshots.push(snapshot);
      this.list.append(this.thumb(snapshot));
    }
    this.next = page.next ? pathOf(page.next) : null;
    this.more.hidden = !this.next;
    this.renderStatus();
  }

  renderStatus() {
    this.status.hidden = this.count > 0;
    this.status.textContent = this.count ? "" : "No snapshots kept. “Snapshot” → “Keep on the server” keeps one; a snapshot schedule takes them regularly.";
    if (this.counter) this.counter.textContent = this.count ? String(this.count) : "";
  }

  thumb(snapshot) {
    const item = document.createElement("li");
    item.dataset.snapshot = snapshot.id;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "thumb";
    const taken = new Date(snapshot.taken_at);
    button.title = `${snapshot.schedule_id ? "Scheduled" : "Kept"} snapshot of ${taken.toLocaleString()}`;
    const image = document.createElement("img");
    image.src = snapshot.url;
    image.alt = button.title;
    image.loading = "lazy";
    image.decoding = "async";
    const time = document.createElement("time");
    time.dateTime = snapshot.taken_at;
    time.textContent = stillTime(taken);
    button.append(image, time);
    if (!snapshot.schedule_id) {
      const kept = document.createElement("span");
      kept.className = "thumb-kind";
      kept.textContent = "kept";
      button.append(kept);
    }
    button.addEventListener("click", () => this.viewer.show(this.snapshots.findIndex((s) => s.id === snapshot.id)));
    item.append(button);
    return item;
  }

  /** The snapshot is gone on the server: drop it from the strip. */
  forget(snapshot) {
    this.snapshots = this.snapshots.filter((s) => s.id !== snapshot.id);
    const item = this.list.querySelector(`[data-snapshot="${CSS.escape(snapshot.id)}"]`);
    if (item) item.remove();
    this.count = Math.max(0, this.count - 1);
    this.renderStatus();
  }
}

class StillViewer {
  constructor(dialog, strip, canDelete) {
    this.dialog = dialog;
    this.strip = strip;
    this.index = -1;
    this.role = (name) => dialog.querySelector(`[data-role=${name}]`);
    this.image = this.role("image");
    this.status = this.role("status");
    this.download = this.role("download");
    this.newer = this.role("newer");
    this.older = this.role("older");
    this.remove = canDelete ? this.role("delete") : null;
    this.newer.addEventListener("click", () => this.step(-1));
    this.older.addEventListener("click", () => this.step(1));
    this.role("play").addEventListener("click", () => {
      const snapshot = this.current;
      this.dialog.close();
      if (snapshot) this.strip.dispatchEvent(new CustomEvent("play", { detail: { time: new Date(snapshot.taken_at) } }));
    });
    if (this.remove) this.remove.addEventListener("click", () => this.deleteCurrent());
    dialog.addEventListener("keydown", (event) => {
      if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
        event.preventDefault();
        this.step(event.key === "ArrowLeft" ? -1 : 1);
      }
    });
  }

  get current() {
    return this.strip.snapshots[this.index] || null;
  }

  async step(direction) {
    const target = this.index + direction;
    if (target >= this.strip.snapshots.length && this.strip.next) await this.strip.fetchPage(this.strip.next);
    if (target >= 0 && target < this.strip.snapshots.length) this.show(target);
  }

  show(index) {
    this.index = index;
    const snapshot = this.current;
    if (!snapshot) return;
    const taken = new Date(snapshot.taken_at);
    this.image.src = snapshot.url;
    this.image.alt = `Snapshot of ${taken.toLocaleString()}`;
    this.status.textContent = `${snapshot.schedule_id ? "Scheduled" : "Kept"} snapshot of ${taken.toLocaleString()}`;
    this.download.href = snapshot.url;
    this.download.download = `${snapshot.camera_id}_${fileStamp(taken)}.jpg`;
    this.newer.disabled = index === 0;
    this.older.disabled = index >= this.strip.snapshots.length - 1 && !this.strip.next;
    if (this.remove) this.remove.disabled = false;
    if (!this.dialog.open) this.dialog.showModal();
  }

  async deleteCurrent() {
    const snapshot = this.current;
    if (!snapshot || !window.confirm(`Delete the snapshot of ${new Date(snapshot.taken_at).toLocaleString()}?`)) return;
    this.remove.disabled = true;
    try {
      await request("DELETE", `${this.strip.api}/snapshots/${encodeURIComponent(snapshot.id)}`);
    } catch (error) {
      this.status.textContent = `Not deleted: ${error.message}`;
      this.remove.disabled = false;
      return;
    }
    this.strip.forget(snapshot);
    if (!this.strip.snapshots.length) return this.dialog.close();
    this.show(Math.min(this.index, this.strip.snapshots.length - 1));
  }
}
