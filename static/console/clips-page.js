// The clips page: every clip the operator may see (GET /api/v1/clips, newest first: exports still queued or
// running with their progress and a cancel button, finished ones with their outcome), narrowed by camera and
// by the days of footage, each with its camera (linked to play that footage), expiry, download and delete.
// The filter lives in the page URL (?camera_id=&from=&to=), so a filtered list can be shared.

import { pageConfig, rfc3339 } from "./api.js";
import { ClipList } from "./clip-list.js";

const config = pageConfig();
const form = document.getElementById("clip-filters");
const list = new ClipList(document.getElementById("clips"), { api: config.api, cameraNames: config.cameras });

/** Local midnight of a YYYY-MM-DD day, `days` later. */
function dayStart(value, days = 0) {
  const [year, month, day] = value.split("-").map(Number);
  return new Date(year, month - 1, day + days);
}

/** The API URL for the form's filter: a day range covers whole local days. */
function listUrl(api, { camera, from, to }) {
  const query = new URLSearchParams({ limit: "50" });
  if (camera) query.set("camera_id", camera);
  if (from) query.set("from", rfc3339(dayStart(from)));
  if (to) query.set("to", rfc3339(dayStart(to, 1)));
  return `${api}/clips?${query}`;
}

function filterFromUrl() {
  const params = new URLSearchParams(location.search);
  const filter = { camera: params.get("camera_id") || "", from: params.get("from") || "", to: params.get("to") || "" };
  const valid = (day) => /^\d{4}-\d{2}-\d{2}$/.test(day);
  if (!valid(filter.from)) filter.from = "";
  if (!valid(filter.to)) filter.to = "";
  if (!Object.hasOwn(config.cameras, filter.camera)) filter.camera = "";
  return filter;
}

function show(filter) {
  form.elements.camera_id.value = filter.camera;
  form.elements.from.value = filter.from;
  form.elements.to.value = filter.to;
  list.show(listUrl(config.api, filter));
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const filter = { camera: form.elements.camera_id.value, from: form.elements.from.value, to: form.elements.to.value };
  if (filter.from && filter.to && filter.to < filter.from) [filter.from, filter.to] = [filter.to, filter.from];
  const query = new URLSearchParams();
  if (filter.camera) query.set("camera_id", filter.camera);
  if (filter.from) query.set("from", filter.from);
  if (filter.to) query.set("to", filter.to);
  history.replaceState(null, "", `${location.pathname}${query.size ? `?${query}` : ""}`);
  show(filter);
});

show(filterFromUrl());
