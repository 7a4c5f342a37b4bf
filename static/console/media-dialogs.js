// The camera page's snapshot and clip dialogs.
// Snapshot: GET /cameras/{id}/snapshot (live) or ?at= (the picture being played back) shown with a
// download link; "keep" asks the server to take and store a live one (POST /cameras/{id}/snapshots).
// Clip: POST /cameras/{id}/clip {from, to} queues an export job (202); the dialog follows it (GET /clips/{id})
// with a progress bar and a cancel button (POST /clips/{id}/cancel), then shows the seconds covered, the gaps
// and a download link, or why it failed. Each dialog element announces what it made: "snapshot-kept" and
// "clip-exported" (detail: the API's answer; sent when the job is queued and again when it ends), so the
// page's snapshot strip and clip list can show it.

import { ApiError, getBlob, getJson, postJson, rfc3339 } from "./api.js";
import { formatClock } from "./timeline.js";

const MAX_CLIP_S = 3600;
const FOLLOW_MS = 1000; // how often the dialog asks for the job's progress
const FINISHED = new Set(["completed", "failed", "cancelled"]);
const two = (n) => String(n).padStart(2, "0");

/** "YYYY-MM-DDTHH:MM:SS" in local time, the value of an <input type=datetime-local step=1>. */
export function localInputValue(date) {
  const day = `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}`;
  return `${day}T${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/** 20250102T030405Z: compact UTC stamps for file names. */
export function fileStamp(date) {
  return date.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
}

function describe(error) {
  if (!(error instanceof ApiError)) return String(error.message || error);
  const fields = Object.entries(error.fields || {}).map(([name, problems]) => `${name}: ${[].concat(problems).join(", ")}`);
  return [error.message, ...fields].join(" — ");
}

function link(href, text, download = null) {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = text;
  if (download !== null) a.download = download;
  return a;
}

export class SnapshotDialog {
  constructor(dialog, api, cameraId) {
    this.dialog = dialog;
    this.base = `${api}/cameras/${encodeURIComponent(cameraId)}`;
    this.cameraId = cameraId;
    this.status = dialog.querySelector("[data-role=status]");
    this.image = dialog.querySelector("[data-role=image]");
    this.download = dialog.querySelector("[data-role=download]");
    this.keep = dialog.querySelector("[data-role=keep]");
    if (this.keep) this.keep.addEventListener("click", () => this.keepLive());
    dialog.addEventListener("close", () => this.release());
  }

  release() {
    if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
    this.objectUrl = null;
  }

  /** Show the live picture (at = null) or the recorded one at `at`. */
  async open(at) {
    this.release();
    this.image.hidden = true;
    this.download.hidden = true;
    if (this.keep) this.keep.hidden = true;
    this.status.textContent = at ? `Fetching the picture at ${formatClock(at, true)}…` : "Taking a live snapshot…";
    if (!this.dialog.open) this.dialog.showModal();
    const url = at ? `${this.base}/snapshot?at=${encodeURIComponent(rfc3339(at))}` : `${this.base}/snapshot`;
    try {
      const blob = await getBlob(url);
      this.objectUrl = URL.createObjectURL(blob);
    } catch (error) {
      this.status.textContent = `No snapshot: ${describe(error)}`;
      return;
    }
    const taken = at || new Date();
    this.image.src = this.objectUrl;
    this.image.hidden = false;
    this.download.href = this.objectUrl;
    this.download.download = `${this.cameraId}_${fileStamp(taken)}.jpg`;
    this.download.hidden = false;
    if (this.keep) this.keep.hidden = Boolean(at); // the server keeps live pictures only
    this.status.textContent = `${at ? "Recorded" : "Live"} picture of ${taken.toLocaleString()}`;
  }

  async keepLive() {
    this.keep.disabled = true;
    this.status.textContent = "Storing a live snapshot on the server…";
    try {
      const snapshot = await postJson(`${this.base}/snapshots`);
      this.status.replaceChildren("Kept on the server: ", link(snapshot.url, `snapshot of ${new Date(snapshot.taken_at).toLocaleString()}`));
      this.dialog.dispatchEvent(new CustomEvent("snapshot-kept", { detail: snapshot }));
    } catch (error) {
      this.status.textContent = `Not kept: ${describe(error)}`;
    } finally {
      this.keep.disabled = false;
    }
  }
}

/** The dialog's line for an export job that has not finished: "Queued…", "Exporting… 42 %", "Cancelling…". */
export function jobText(clip) {
  if (clip.cancel_requested) return "Cancelling the export…";
  if (clip.status === "pending") return "Export queued…";
  return `Exporting… ${Math.floor((clip.progress || 0) * 100)} %`;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class ClipDialog {
  constructor(dialog, api, cameraId) {
    this.dialog = dialog;
    this.api = api;
    this.url = `${api}/cameras/${encodeURIComponent(cameraId)}/clip`;
    this.form = dialog.querySelector("[data-role=form]");
    this.status = dialog.querySelector("[data-role=status]");
    this.result = dialog.querySelector("[data-role=result]");
    this.around = dialog.querySelector("[data-role=around]");
    this.submitButton = this.form.querySelector("button[type=submit]");
    this.from = this.form.elements.from;
    this.to = this.form.elements.to;
    this.job = 0; // the export being followed (a new one, or closing the dialog, stops following the last)
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    dialog.querySelectorAll("[data-minutes]").forEach((button) => button.addEventListener("click", () => {
      const now = new Date();
      this.setRange(new Date(now.getTime() - Number(button.dataset.minutes) * 60000), now);
    }));
    dialog.querySelectorAll("[data-around]").forEach((button) => button.addEventListener("click", () => {
      const half = Number(button.dataset.around) * 1000;
      this.setRange(new Date(this.playhead.getTime() - half), new Date(this.playhead.getTime() + half));
    }));
    // The job goes on on the server; the page's clip list follows it from here.
    dialog.addEventListener("close", () => this.stopFollowing());
  }

  stopFollowing() {
    this.job += 1;
    this.submitButton.disabled = false;
  }

  setRange(from, to) {
    this.from.value = localInputValue(from);
    this.to.value = localInputValue(to);
  }

  /** Open with the last 5 minutes (live) or one minute either side of the playhead (playback). */
  open(playhead) {
    this.playhead = playhead;
    this.around.hidden = !playhead;
    const now = new Date();
    if (playhead) this.setRange(new Date(playhead.getTime() - 60000), new Date(Math.min(now, playhead.getTime() + 60000)));
    else this.setRange(new Date(now.getTime() - 5 * 60000), now);
    this.status.textContent = "";
    this.result.hidden = true;
    this.dialog.showModal();
  }

  async submit() {
    const from = new Date(this.from.value);
    const to = new Date(this.to.value);
    if (!(to > from)) return void (this.status.textContent = "“To” must be after “From”.");
    if ((to - from) / 1000 > MAX_CLIP_S) return void (this.status.textContent = "A clip is at most one hour long.");
    this.stopFollowing();
    const job = this.job;
    this.submitButton.disabled = true;
    this.result.hidden = true;
    this.status.textContent = "Queueing the export…";
    let clip;
    try {
      clip = await postJson(this.url, { from: rfc3339(from), to: rfc3339(to) });
    } catch (error) {
      this.status.textContent = `Not exported: ${describe(error)}`;
      this.submitButton.disabled = false;
      return;
    }
    this.dialog.dispatchEvent(new CustomEvent("clip-exported", { detail: clip }));
    await this.follow(clip, job);
  }

  /** Show the job's progress until it ends (or the dialog stops following it), then its outcome. */
  async follow(clip, job) {
    while (job === this.job && !FINISHED.has(clip.status)) {
      this.showProgress(clip);
      await sleep(FOLLOW_MS);
      if (job !== this.job) return;
      try {
        clip = await getJson(`${this.api}/clips/${encodeURIComponent(clip.id)}`);
      } catch (error) {
        if (job !== this.job) return;
        this.status.textContent = `Lost track of the export: ${describe(error)}`;
        this.submitButton.disabled = false;
        return;
      }
    }
    if (job !== this.job) return;
    this.submitButton.disabled = false;
    this.finish(clip);
    this.dialog.dispatchEvent(new CustomEvent("clip-exported", { detail: clip }));
  }

  showProgress(clip) {
    this.status.textContent = jobText(clip);
    let bar = this.result.querySelector("progress[data-role=progress]");
    if (!bar) {
      bar = document.createElement("progress");
      bar.dataset.role = "progress";
      bar.max = 1;
      bar.style.width = "100%";
      const cancel = document.createElement("button");
      cancel.type = "button";
      cancel.dataset.role = "cancel";
      cancel.className = "danger";
      cancel.textContent = "Cancel export";
      cancel.addEventListener("click", () => this.cancel(cancel));
      this.result.replaceChildren(bar, cancel);
    }
    bar.value = clip.progress || 0;
    this.result.dataset.clip = clip.id;
    this.result.querySelector("[data-role=cancel]").disabled = Boolean(clip.cancel_requested);
    this.result.hidden = false;
  }

  async cancel(button) {
    button.disabled = true;
    try {
      const clip = await postJson(`${this.api}/clips/${encodeURIComponent(this.result.dataset.clip)}/cancel`);
      this.status.textContent = jobText({ ...clip, cancel_requested: true });
    } catch (error) {
      button.disabled = false;
      this.status.textContent = `Not cancelled: ${describe(error)}`;
    }
  }

  finish(clip) {
    if (clip.status === "completed") {
      this.status.textContent = "";
      this.show(clip);
      return;
    }
    this.result.replaceChildren();
    this.result.hidden = true;
    this.status.textContent = clip.status === "failed" ? `Not exported: ${clip.error}` : "Export cancelled.";
  }

  show(clip) {
    const covered = document.createElement("p");
    covered.className = "clip-covered";
    covered.textContent = `Covers ${Math.round(clip.covered_seconds)} s of the ${Math.round(clip.requested_seconds)} s asked for`
      + ` (${clip.segment_count} segment${clip.segment_count === 1 ? "" : "s"}, ${(clip.size_bytes / 1048576).toFixed(1)} MiB).`;
    const parts = [covered];
    if (clip.gaps && clip.gaps.length) {
      const list = document.createElement("ul");
      list.className = "clip-gaps";
      for (const gap of clip.gaps) {
        const item = document.createElement("li");
        const start = new Date(gap.from);
        const end = new Date(gap.to);
        item.textContent = `no footage ${formatClock(start, true)}–${formatClock(end, true)} (${Math.round((end - start) / 1000)} s)`;
        list.appendChild(item);
      }
      parts.push(list);
    }
    const download = link(clip.url, `Download ${clip.filename}`, clip.filename);
    download.className = "button";
    const expires = document.createElement("p");
    expires.className = "muted";
    expires.textContent = `Available until ${new Date(clip.expires_at).toLocaleString()}.`;
    parts.push(download, expires);
    this.result.replaceChildren(...parts);
    this.result.hidden = false;
  }
}
