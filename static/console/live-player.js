// Live view: fragmented MP4 from the recorder's own camera connection, pushed over the websocket
// ws/cameras/<id>/live, appended to Media Source Extensions; a catch-up loop keeps the picture within a
// fraction of a second of the camera (jump when far behind, play slightly faster when a little behind).
//
// Protocol (server → browser): text {"type":"init","codec","mime",...} then one binary init segment,
// then binary moof+mdat fragments; text {"type":"offline","reason","message"} while the camera is not
// ingested (a new init follows when it is back, and every init starts a fresh MediaSource).

const REFUSED = { 4401: "not logged in", 4403: "you may not watch this camera live", 4404: "unknown camera" };
const JUMP_BEHIND_S = 1.5; // further behind the newest frame than this: jump to the live edge
const SPEED_UP_BEHIND_S = 0.5; // behind by more than this: play faster ...
const SETTLED_S = 0.2; // ... until within this
const CATCH_UP_RATE = 1.25;
const EDGE_S = 0.1; // where a jump lands, behind the newest frame
const KEEP_BEHIND_S = 10; // media kept in the buffer behind the playhead
const TICK_MS = 200;
const MAX_RETRY_MS = 10000;

function concat(chunks) {
  const out = new Uint8Array(chunks.reduce((sum, c) => sum + c.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(new Uint8Array(chunk), offset);
    offset += chunk.byteLength;
  }
  return out;
}

export function canPlay(mime) {
  return "MediaSource" in window && MediaSource.isTypeSupported(mime);
}

export class LivePlayer extends EventTarget {
  constructor(video, url) {
    super();
    this.video = video;
    this.url = url;
    this.running = false;
    this.userPaused = false;
    this.retries = 0;
    this.state = "idle";
    this.detail = {};
    this.jumps = 0;
    this.onVisibility = () => (document.hidden ? this.disconnect() : this.running && !this.socket && this.connect());
  }

  start() {
    if (this.running) return;
    this.running = true;
    this.userPaused = false;
    this.video.muted = true;
    document.addEventListener("visibilitychange", this.onVisibility);
    this.timer = setInterval(() => this.tick(), TICK_MS);
    if (!document.hidden) this.connect();
  }

  stop() {
    this.running = false;
    document.removeEventListener("visibilitychange", this.onVisibility);
    clearInterval(this.timer);
    this.disconnect();
    this.setState("stopped");
  }

  pause() {
    this.userPaused = true;
    this.video.pause();
  }

  resume() {
    this.userPaused = false;
    this.jumpToEdge();
    this.video.play().catch(() => {});
  }

  /** Seconds between the playhead and the newest frame received (null before any). */
  behind() {
    const ranges = this.video.buffered;
    return ranges.length ? ranges.end(ranges.length - 1) - this.video.currentTime : null;
  }

  setState(state, detail = {}) {
    this.state = state;
    this.detail = detail;
    this.dispatchEvent(new CustomEvent("state", { detail: { state, ...detail } }));
  }

  // --- the socket ---------------------------------------------------------------------------------

  connect() {
    clearTimeout(this.retryTimer);
    const socket = new WebSocket(this.url);
    socket.binaryType = "arraybuffer";
    this.socket = socket;
    this.setState("connecting");
    socket.onopen = () => { this.retries = 0; };
    socket.onmessage = (event) => {
      if (socket !== this.socket) return;
      if (typeof event.data === "string") this.onText(event.data);
      else this.onBinary(event.data);
    };
    socket.onclose = (event) => this.onClose(socket, event);
  }

  disconnect() {
    clearTimeout(this.retryTimer);
    const socket = this.socket;
    this.socket = null;
    if (socket) socket.close(1000);
    this.detach();
  }

  onClose(socket, event) {
    if (socket !== this.socket || !this.running) return;
    this.socket = null;
    this.detach();
    if (REFUSED[event.code]) {
      this.running = false;
      clearInterval(this.timer);
      this.setState("refused", { message: REFUSED[event.code] });
      return;
    }
    // A refused handshake looks like a dropped connection to a browser (code 1006): keep retrying, slower.
    const delay = Math.min(MAX_RETRY_MS, 500 * 2 ** this.retries++);
    this.setState("reconnecting", { message: this.retries > 3 ? "live video unavailable, retrying" : "reconnecting" });
    this.retryTimer = setTimeout(() => this.running && !document.hidden && this.connect(), delay);
  }

  onText(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (message.type === "init") this.onInit(message);
    else if (message.type === "offline") {
      this.detach();
      this.setState("offline", message);
    }
  }

  onInit(message) {
    if (!canPlay(message.mime)) {
      // Nothing this browser can show will come: stop the stream instead of downloading it for nothing.
      this.running = false;
      clearInterval(this.timer);
      this.disconnect();
      this.setState("unsupported", message);
      return;
    }
    this.attach(message.mime);
    this.setState("starting", message);
  }

  onBinary(data) {
    if (!this.source) return;
    this.queue.push(data);
    this.pump();
  }

  // --- Media Source Extensions ----------------------------------------------------------------------

  attach(mime) {
    this.detach();
    const source = new MediaSource();
    this.source = source;
    this.queue = [];
    const objectUrl = URL.createObjectURL(source);
    source.addEventListener("sourceopen", () => {
      URL.revokeObjectURL(objectUrl);
      if (source !== this.source) return;
      try {
        this.buffer = source.addSourceBuffer(mime);
      } catch (error) {
        this.fail(error);
        return;
      }
      this.buffer.mode = "segments";
      this.buffer.addEventListener("updateend", () => this.pump());
      this.pump();
    }, { once: true });
    this.video.src = objectUrl;
  }

  detach() {
    if (!this.source) return;
    this.source = null;
    this.buffer = null;
    this.queue = [];
    this.video.removeAttribute("src");
    this.video.load(); // back to the poster, and frees the decoder
  }

  pump() {
    const buffer = this.buffer;
    if (!buffer || buffer.updating || !this.queue.length || this.source.readyState !== "open") return;
    const chunk = this.queue.length === 1 ? this.queue[0] : concat(this.queue);
    this.queue = [];
    try {
      buffer.appendBuffer(chunk);
    } catch (error) {
      if (error.name === "QuotaExceededError" && this.trim(0)) this.queue.unshift(chunk);
      else this.fail(error);
    }
  }

  fail(error) {
    // Start over from a keyframe: a new connection gets the init segment and the current GOP.
    this.setState("error", { message: String(error && error.message ? error.message : error) });
    const socket = this.socket;
    if (socket) socket.close(4000);
    this.onClose(socket, { code: 1006 });
  }

  /** Drop media more than `keep` seconds behind the playhead; true when something will be removed. */
  trim(keep = KEEP_BEHIND_S) {
    const buffer = this.buffer;
    const ranges = this.video.buffered;
    if (!buffer || buffer.updating || !ranges.length) return false;
    const until = this.video.currentTime - keep;
    if (ranges.start(0) >= until - (keep ? 5 : 0.5)) return false;
    buffer.remove(0, until);
    return true;
  }

  // --- staying live -------------------------------------------------------------------------------

  jumpToEdge() {
    const ranges = this.video.buffered;
    if (!ranges.length) return;
    const last = ranges.length - 1;
    this.video.currentTime = Math.max(ranges.start(last), ranges.end(last) - EDGE_S);
    this.jumps += 1;
  }

  tick() {
    const video = this.video;
    const ranges = video.buffered;
    if (!this.buffer || !ranges.length || this.userPaused) return;
    const last = ranges.length - 1;
    const behind = ranges.end(last) - video.currentTime;
    if (video.currentTime < ranges.start(last) || behind > JUMP_BEHIND_S) {
      this.jumpToEdge();
      video.playbackRate = 1;
    } else if (behind > SPEED_UP_BEHIND_S) {
      video.playbackRate = CATCH_UP_RATE;
    } else if (behind < SETTLED_S) {
      video.playbackRate = 1;
    }
    if (video.paused) video.play().catch(() => {});
    if (this.state !== "playing" && video.readyState >= 2) this.setState("playing", { codec: this.detail.codec });
    this.trim();
  }
}
