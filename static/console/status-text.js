// What an operator reads when a camera shows no live picture: one wording for the live grid, the camera
// page and (server-side, nvr/console/footage.py offline_message) the first render of both.
// `error` is the recorder's own sentence (recording/failures.py), also shown on the home page.

export function darkMessage(reasons, { state, reason, note, error }) {
  if (reason === "connecting") return error || "connecting…";
  const label = reason && reasons[reason];
  if (state === "disabled") return `disabled: ${label || "camera turned off"}`;
  return `${state}: ${error || label || note || "no reason reported"}`;
}
