// Recorded playback with hls.js (static/vendor/hls): the HLS VOD playlist
// GET /api/v1/cameras/{id}/playlist.m3u8?at=<RFC3339> starts at that instant (EXT-X-START) and plays across
// segments and gaps; the picture's wall-clock time comes from EXT-X-PROGRAM-DATE-TIME (hls.playingDate).
// H.265 footage is detected from the segment's codec before loading: the browser cannot decode it, so
// the page offers the segment download instead.
// Recorded AAC audio plays along: the segments' init sections keep their audio track, and the "audio" event
// ({hasAudio}) tells the page whether there is sound to offer (the element itself starts muted).

import { getJson, rfc3339 } from "./api.js";
import { canPlay } from "./live-player.js";

export const HEVC_MIME = 'video/mp4; codecs="hvc1.1.6.L93.B0"';
const LOOKAHEAD_MS = 60 * 60 * 1000; // the segment at `at`, or the next one within an hour
const HLS_CONFIG = {
  enableWorker: true,
  maxBufferLength: 20, // seconds fetched ahead: enough for 4× playback without holding a day in memory
  backBufferLength: 30,
  startFragPrefetch: true,
};

export function isHevc(codec) {
  return codec === "hevc" || codec === "h265";
}

/** Whether hls.js's BUFFER_CODECS tracks carry sound (muxed fMP4 comes as one "audiovideo" track). */
export function hasAudioTrack(tracks) {
  if (!tracks) return false;
  if (tracks.audio) return true;
  return Boolean(tracks.audiovideo && /mp4a|ac-3|ec-3|opus|flac|mp3/i.test(tracks.audiovideo.codec || ""));
}

export class RecordedPlayer extends EventTarget {
  constructor(video, api, cameraId) {
    super();
    this.video = video;
    this.api = api;
    this.cameraId = cameraId;
    this.hls = null;
    this.hasAudio = false;
    this.rate = 1;
    this.generation = 0;
    this.recovered = false;
    video.addEventListener("ended", () => this.hls && this.setState("ended", { at: this.wallClock() }));
    video.addEventListener("playing", () => this.hls && this.setState("playing"));
    video.addEventListener("loadedmetadata", () => { if (this.hls) video.playbackRate = this.rate; });
  }

  get active() {
    return this.hls !== null;
  }

  setState(state, detail = {}) {
    this.state = state;
    this.dispatchEvent(new CustomEvent("state", { detail: { state, ...detail } }));
  }

  /** The wall-clock instant of the picture on screen (null before the first fragment). */
  wallClock() {
    return this.hls ? this.hls.playingDate : null;
  }

  /** The segment holding `at`, else the first one after it (within an hour), else null. */
  async segmentAt(at) {
    const to = new Date(at.getTime() + LOOKAHEAD_MS);
    const url = `${this.api}/cameras/${encodeURIComponent(this.cameraId)}/segments?from=${rfc3339(at)}&to=${rfc3339(to)}&limit=1`;
    const page = await getJson(url);
    return (page.results || [])[0] || null;
  }

  async play(at) {
    this.stop();
    const generation = ++this.generation;
    this.setState("loading", { at });
    let segment;
    try {
      segment = await this.segmentAt(at);
    } catch (error) {
      if (generation === this.generation) this.setState("error", { message: error.message });
      return;
    }
    if (generation !== this.generation) return; // another instant was picked meanwhile
    if (!segment) return this.setState("nofootage", { at });
    if (isHevc(segment.codec) && !canPlay(HEVC_MIME)) return this.setState("unsupported", { segment });
    if (!window.Hls || !window.Hls.isSupported()) {
      return this.setState("error", { message: "this browser cannot play HLS recordings (no Media Source Extensions)" });
    }
    this.start(at, segment);
  }

  start(at, segment) {
    const Hls = window.Hls;
    const hls = new Hls(HLS_CONFIG);
    this.hls = hls;
    this.segment = segment;
    this.recovered = false;
    this.setAudio(Boolean(segment.has_audio)); // a first guess; the init section decides (BUFFER_CODECS)
    hls.on(Hls.Events.ERROR, (_, data) => this.onError(hls, data));
    hls.on(Hls.Events.MANIFEST_PARSED, () => this.video.play().catch(() => {}));
    hls.on(Hls.Events.BUFFER_CODECS, (_, tracks) => hls === this.hls && this.setAudio(hasAudioTrack(tracks)));
    const url = `${this.api}/cameras/${encodeURIComponent(this.cameraId)}/playlist.m3u8?at=${encodeURIComponent(rfc3339(at))}`;
    hls.loadSource(url);
    hls.attachMedia(this.video);
  }

  onError(hls, data) {
    if (hls !== this.hls || !data.fatal) return;
    const Hls = window.Hls;
    const status = data.response && data.response.code;
    if (data.type === Hls.ErrorTypes.NETWORK_ERROR) {
      if (status === 404) return this.fail("nofootage", { at: this.wallClock() });
      if (status === 401 || status === 403) return this.fail("error", { message: "you may not play these recordings" });
      return this.fail("error", { message: `could not load the recording (${data.details})` });
    }
    if (/codec/i.test(data.details || "")) return this.fail("unsupported", { segment: null, at: this.wallClock() });
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR && !this.recovered) {
      this.recovered = true; // one decoder hiccup is recovered; a second one is reported
      hls.recoverMediaError();
      return;
    }
    this.fail("error", { message: `playback failed (${data.details})` });
  }

  fail(state, detail) {
    this.stop();
    this.setState(state, detail);
  }

  setAudio(hasAudio) {
    if (hasAudio === this.hasAudio) return;
    this.hasAudio = hasAudio;
    this.dispatchEvent(new CustomEvent("audio", { detail: { hasAudio } }));
  }

  setRate(rate) {
    this.rate = rate;
    this.video.defaultPlaybackRate = rate; // survives hls.js re-attaching the media
    this.video.playbackRate = rate;
  }

  stop() {
    this.generation += 1;
    if (!this.hls) return;
    this.hls.destroy();
    this.hls = null;
    this.setAudio(false);
    this.video.defaultPlaybackRate = 1; // the live view shares the element and must play at 1×
    this.video.removeAttribute("src");
    this.video.load();
  }
}
