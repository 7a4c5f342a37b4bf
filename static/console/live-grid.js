// The live grid page: one live player per visible tile, state badges from the status websocket, and a
// clear message instead of video when a camera is dark (offline, error, disabled) or uses H.265.

import { pageConfig, socketUrl } from "./api.js";
import { canPlay, LivePlayer } from "./live-player.js";
import { watchStatus } from "./status-feed.js";
import { darkMessage } from "./status-text.js";

const HEVC_MIME = 'video/mp4; codecs="hvc1.1.6.L93.B0"';
const STOP_HIDDEN_AFTER_MS = 10000; // a tile scrolled out of view for this long stops streaming

const config = pageConfig();
const dark = new Set(config.darkStates);

class Tile {
  constructor(element) {
    this.element = element;
    this.id = element.dataset.camera;
    this.video = element.querySelector("video");
    this.badge = element.querySelector("[data-role=badge]");
    this.message = element.querySelector("[data-role=message]");
    this.unsupported = element.querySelector("[data-role=unsupported]");
    this.status = { state: element.dataset.state, gap_reason: null, status_note: "", last_error: element.dataset.error };
    this.player = null;
    this.playerState = "idle";
    this.offline = null;
    if (element.dataset.codec === "hevc" && !canPlay(HEVC_MIME)) this.playerState = "unsupported";
  }

  startLive() {
    clearTimeout(this.stopTimer);
    if (!config.caps.live || this.playerState === "unsupported" || this.player || this.status.state === "removed") return;
    this.player = new LivePlayer(this.video, socketUrl(config.liveSocket.replace("{id}", encodeURIComponent(this.id))));
    this.player.addEventListener("state", (event) => {
      this.playerState = event.detail.state;
      this.offline = event.detail.state === "offline" ? event.detail : null;
      this.refusal = event.detail.message;
      this.render();
    });
    this.player.start();
  }

  stopLive(delay = STOP_HIDDEN_AFTER_MS) {
    clearTimeout(this.stopTimer);
    this.stopTimer = setTimeout(() => {
      if (this.player) this.player.stop();
      this.player = null;
      if (this.playerState !== "unsupported") this.playerState = "idle";
      this.render();
    }, delay);
  }

  update(status) {
    this.status = status;
    if (status.state === "removed") this.stopLive(0);
    this.render();
  }

  messageText() {
    const { state, gap_reason: reason, status_note: note, last_error: error } = this.status;
    if (state === "removed") return "camera removed";
    if (this.playerState === "playing") return null;
    if (dark.has(state)) return darkMessage(config.reasons, { state, reason, note, error });
    if (this.playerState === "offline") {
      return darkMessage(config.reasons, { state: "offline", reason: this.offline.reason, error: this.offline.message });
    }
    if (this.playerState === "refused") return this.refusal;
    if (this.playerState === "reconnecting" && this.refusal !== "reconnecting") return this.refusal;
    return null;
  }

  render() {
    const state = this.status.state || "unknown";
    this.element.dataset.state = state;
    this.element.dataset.player = this.playerState;
    this.badge.className = `badge state-${state}`;
    this.badge.textContent = state;
    const unsupported = this.playerState === "unsupported";
    this.unsupported.hidden = !unsupported;
    const text = unsupported ? null : this.messageText();
    this.message.hidden = !text;
    if (text) this.message.textContent = text;
  }
}

function main() {
  const grid = document.getElementById("live-grid");
  const feed = document.getElementById("feed-state");
  if (!grid) return;
  const tiles = new Map([...grid.querySelectorAll(".tile")].map((el) => [el.dataset.camera, new Tile(el)]));
  tiles.forEach((tile) => tile.render());
  const visibility = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      const tile = tiles.get(entry.target.dataset.camera);
      if (entry.isIntersecting) tile.startLive();
      else tile.stopLive();
    }
  });
  tiles.forEach((tile) => visibility.observe(tile.element));
  watchStatus(config.statusSocket, (message) => {
    const tile = tiles.get(message.camera_id);
    if (!tile) return; // a camera added after the page loaded: it shows up on the next load
    if (message.type === "camera_removed") tile.update({ state: "removed", gap_reason: null, status_note: "camera removed" });
    else tile.update(message);
  }, (state) => {
    feed.dataset.state = state;
    feed.textContent = state === "live" ? "status live" : "status reconnecting…";
  });
}

main();
