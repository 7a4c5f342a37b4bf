// The camera page's fullscreen and sound controls.
// Fullscreen takes the whole player (picture, its overlays and the controls); where only a <video> may go
// fullscreen (Safari on iPhone) the video does. Sound: the element starts muted, because browsers only
// autoplay muted video and the live view carries no audio; the button unmutes recorded playback that has
// an audio track, and the choice holds for later recordings until the operator changes it.

export function fullscreenElement(doc = document) {
  return doc.fullscreenElement || doc.webkitFullscreenElement || null;
}

/** Enter fullscreen with `container` (or the bare video), or leave it. */
export function toggleFullscreen(container, video, doc = document) {
  if (fullscreenElement(doc)) return Promise.resolve((doc.exitFullscreen || doc.webkitExitFullscreen).call(doc));
  const enter = container.requestFullscreen || container.webkitRequestFullscreen;
  if (enter) return Promise.resolve(enter.call(container)).catch(() => {});
  if (video.webkitEnterFullscreen) video.webkitEnterFullscreen();
  return Promise.resolve();
}

/** Keep a fullscreen button's pressed state and label in step with the document (Esc leaves too). */
export function trackFullscreen(button, doc = document) {
  const sync = () => {
    const on = Boolean(fullscreenElement(doc));
    button.setAttribute("aria-pressed", String(on));
    button.textContent = on ? "Exit full screen" : "Full screen";
  };
  doc.addEventListener("fullscreenchange", sync);
  doc.addEventListener("webkitfullscreenchange", sync);
  sync();
}

/** The sound button (the page calls `toggle()` on its click and on m). */
export class SoundControl {
  constructor(button, video) {
    this.button = button;
    this.video = video;
    this.available = false;
    this.wanted = false;
    this.why = "The live view has no sound";
    video.addEventListener("volumechange", () => this.render());
    this.apply();
  }

  /** Whether what plays now has sound (`why` says otherwise in the button's tooltip). */
  setAvailable(available, why = "This recording has no sound") {
    this.available = available;
    this.why = why;
    this.apply();
  }

  toggle() {
    if (!this.available) return;
    this.wanted = !this.wanted;
    this.apply();
  }

  apply() {
    this.video.muted = !(this.available && this.wanted);
    this.render();
  }

  render() {
    const on = this.available && !this.video.muted;
    this.button.disabled = !this.available;
    this.button.setAttribute("aria-pressed", String(on));
    this.button.title = this.available ? `Sound ${on ? "on" : "off"}: press to turn it ${on ? "off" : "on"} (m)` : this.why;
  }
}
