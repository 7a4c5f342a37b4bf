// Keyboard shortcuts of the camera page: space play/pause, ← and → 10 s back and forward, + and − zoom the
// timeline, f fullscreen, m sound. They keep quiet while the operator types (inputs, selects, text areas,
// editable text), while a dialog is open, with Ctrl, Alt or Meta held (the browser's own shortcuts), and
// when a focused widget already handled the key (the timeline's own arrows and +/−).

const KEYS = {
  " ": "toggle",
  ArrowLeft: "step-back",
  ArrowRight: "step-forward",
  "+": "zoom-in",
  "=": "zoom-in", // + without Shift on most layouts
  "-": "zoom-out",
  "_": "zoom-out",
  "\u2212": "zoom-out", // the minus sign some keyboards send
  f: "fullscreen",
  F: "fullscreen",
  m: "sound",
  M: "sound",
};
const TYPING = "input, select, textarea, [contenteditable]:not([contenteditable='false'])";
// A button or link reached with the keyboard answers space itself (taking the key too would undo its press);
// one merely left focused by a mouse click or a tap does not, so space still plays and pauses after clicking.
const PRESSABLE = "button, a[href], summary, [role=button]";

/**
 * The action a keydown asks for on this page, or null when it is not a shortcut here and now.
 * `pointerPressed`: the pressable element the pointer last pressed (and that kept the focus since).
 */
export function shortcutAction(event, { doc = document, pointerPressed = null } = {}) {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return null;
  const action = KEYS[event.key];
  if (!action) return null;
  const target = event.target instanceof Element ? event.target : null;
  if (target && (target.closest(TYPING) || target.isContentEditable)) return null;
  if (doc.querySelector("dialog[open]")) return null;
  const pressable = target && target.closest(PRESSABLE);
  if (action === "toggle" && pressable && pressable !== pointerPressed) return null;
  return action;
}

/** Call `handlers[action]()` for each shortcut pressed (actions without a handler do nothing). */
export function bindShortcuts(handlers, doc = document) {
  let pointerPressed = null;
  doc.addEventListener("pointerdown", (event) => {
    pointerPressed = event.target instanceof Element ? event.target.closest(PRESSABLE) : null;
  }, true);
  doc.addEventListener("focusin", (event) => {
    if (event.target !== pointerPressed) pointerPressed = null; // focus moved on, by Tab or by script
  }, true);
  doc.addEventListener("keydown", (event) => {
    const action = shortcutAction(event, { doc, pointerPressed });
    if (!action || !handlers[action]) return;
    event.preventDefault();
    handlers[action]();
  });
}
