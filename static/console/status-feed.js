// Camera states pushed over ws/status: one {"type":"camera_status", ...} per visible camera on connect,
// then one per change; {"type":"camera_removed","camera_id"} when a camera goes. Reconnects by itself.

import { socketUrl } from "./api.js";

const PING_MS = 25000;
const MAX_RETRY_MS = 15000;

/**
 * Calls onMessage(message) for every camera message and onFeed(state) with "live", "reconnecting" or
 * "closed". Returns an object with close().
 */
export function watchStatus(path, onMessage, onFeed = () => {}) {
  let socket = null;
  let retries = 0;
  let closed = false;
  let retryTimer = null;
  let pingTimer = null;

  function connect() {
    socket = new WebSocket(socketUrl(path));
    socket.onopen = () => {
      retries = 0;
      onFeed("live");
      pingTimer = setInterval(() => socket.readyState === WebSocket.OPEN && socket.send('{"type":"ping"}'), PING_MS);
    };
    socket.onmessage = (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (message && (message.type === "camera_status" || message.type === "camera_removed")) onMessage(message);
    };
    socket.onclose = () => {
      clearInterval(pingTimer);
      if (closed) return;
      onFeed("reconnecting");
      retryTimer = setTimeout(connect, Math.min(MAX_RETRY_MS, 1000 * 2 ** retries++));
    };
  }

  connect();
  return {
    close() {
      closed = true;
      clearTimeout(retryTimer);
      clearInterval(pingTimer);
      if (socket) socket.close(1000);
      onFeed("closed");
    },
  };
}
