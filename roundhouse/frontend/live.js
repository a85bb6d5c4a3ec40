// One WebSocket per page: subscribes to every job, resumes from the last cursor after a drop,
// reconnects with exponential backoff (0.5 s doubling to 10 s, with jitter).
const listeners = new Set();
let cursor = null;
let socket = null;
let attempt = 0;

export function onEvent(fn) { listeners.add(fn); return () => listeners.delete(fn); }

function setConn(state, text) {
  const el = document.getElementById("conn");
  if (el) { el.dataset.state = state; el.textContent = text; }
}

function emit(msg) { for (const fn of listeners) { try { fn(msg); } catch (e) { console.error(e); } } }

export function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/ws`);
  socket.onopen = () => {
    attempt = 0;
    setConn("live", "live");
    socket.send(JSON.stringify(cursor ? { subscribe: "all", cursor } : { subscribe: "all" }));
  };
  socket.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.cursor) cursor = msg.cursor;
    emit(msg);
  };
  socket.onclose = () => {
    const delay = Math.min(10000, 500 * 2 ** attempt) * (0.75 + Math.random() / 2);
    attempt += 1;
    setConn("down", `reconnecting in ${Math.round(delay / 1000)}s`);
    setTimeout(connect, delay);
  };
}
