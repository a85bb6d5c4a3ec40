// One WebSocket per page: subscribes to every job, resumes from the last cursor after a drop,
// reconnects with exponential backoff (0.5 s doubling to 10 s, with jitter). Every message goes
// to the job store first, then to the views' listeners. A frame may hold one event or a list.
import { ingest } from "./store.js";

const listeners = new Set();
const extra = new Map();  // job id -> seq to replay after, sent on every (re)open
let cursor = null;
let socket = null;
let attempt = 0;

export function onEvent(fn) { listeners.add(fn); return () => listeners.delete(fn); }

function setConn(state, text) {
  const el = document.getElementById("conn");
  if (el) { el.dataset.state = state; el.textContent = text; }
}

function emit(msg) { for (const fn of listeners) { try { fn(msg); } catch (e) { console.error(e); } } }

/** Replay one job's events from `after` on this socket (Beam's candidates after a reload). */
export function replay(id, after = 0) {
  extra.clear();
  extra.set(id, after);
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ subscribe: [id], after: { [id]: after } }));
}

export function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/ws`);
  socket.onopen = () => {
    attempt = 0;
    setConn("live", "live");
    socket.send(JSON.stringify(cursor ? { subscribe: "all", cursor, batch: true } : { subscribe: "all", batch: true }));
    if (!cursor) for (const [id, after] of extra) socket.send(JSON.stringify({ subscribe: [id], after: { [id]: after } }));
  };
  socket.onmessage = (m) => {
    const data = JSON.parse(m.data);
    const msgs = Array.isArray(data) ? data : [data];
    for (const msg of msgs) if (msg?.cursor) cursor = msg.cursor;
    ingest(msgs);
    for (const msg of msgs) emit(msg);
  };
  socket.onclose = () => {
    const delay = Math.min(10000, 500 * 2 ** attempt) * (0.75 + Math.random() / 2);
    attempt += 1;
    setConn("down", `reconnecting in ${Math.round(delay / 1000)}s`);
    setTimeout(connect, delay);
  };
}
