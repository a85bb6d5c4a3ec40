// "Local service status": each service's state, port, host, uptime and a Start/Stop button,
// kept live by "service" events (state changes) and job events (progress of a start or stop).
import { api, explain, toast } from "./api.js";
import { onEvent } from "./live.js";
import { duration, el } from "./format.js";
import { TERMINAL, onJob } from "./store.js";

const LABEL = { running: "running", external: "running (not started by Roundhouse)",
  starting: "starting", stopping: "stopping", crashed: "crashed", stopped: "stopped" };
const BADGE = { running: "ok", external: "ok", starting: "warn", stopping: "warn", crashed: "bad" };
const REFRESH_MS = 15000;

function actionsFor(state) {
  return { start: state === "stopped" || state === "crashed", stop: state === "running" || state === "starting" };
}

/** The Services view (#/services): the grid for this host, driven by the API's catalog. */
export function mount({ addView }) {
  const section = el("section", { id: "services", "aria-labelledby": "services-title" },
    el("h2", { id: "services-title" }, "Services"),
    el("p", { class: "muted" }, "Local model servers Roundhouse can start and stop on each host."),
    el("div", { id: "services-grid", class: "card" }, el("p", { class: "muted" }, "Asking the hosts…")));
  addView("services", "Services", section);
  mountGrid(section.querySelector("#services-grid"));
}

export function mountGrid(container) {
  const grid = { container, host: "", hosts: [], states: [], rows: new Map(), jobs: new Map() };
  const load = async () => {
    try {
      const q = grid.host ? `?host=${encodeURIComponent(grid.host)}` : "";
      const body = await api(`/api/providers/services/status${q}`);
      grid.host = body.host; grid.hosts = body.hosts;
      grid.states = body.host_states || [];
      grid.offline = new Set(grid.states.filter((h) => !h.online).map((h) => h.host));
      grid.rows = new Map(body.services.map((r) => [r.service, r]));
      grid.jobs = new Map(body.services.filter((r) => r.job).map((r) => [r.job.id, r.service]));
      render(grid, load);
    } catch (e) { container.replaceChildren(el("p", { class: "form-error" }, explain(e))); }
  };
  const offEvents = onEvent((ev) => handle(grid, ev, load));
  // a start's or stop's progress comes from the page's job store, like every other view's
  const offJobs = onJob((job, msg) => { if (msg.type === "job" && grid.jobs.has(job.id)) jobEvent(grid, job, load); });
  const timers = [setInterval(() => tick(grid), 1000), setInterval(() => {
    if (!document.contains(container)) { offEvents(); offJobs(); timers.forEach(clearInterval); return; }
    if (!document.hidden) load();
  }, REFRESH_MS)];
  load();
  return { reload: load };
}

/** A page of its own (/static/services.html) when the Provider Settings modal is absent. */
export async function mountStandalone(container = document.getElementById("services-grid")) {
  const { connect } = await import("./live.js");
  const grid = mountGrid(container);
  connect();
  return grid;
}

function handle(grid, ev, load) {
  if (ev.type === "snapshot") { load(); return; }
  if (ev.type === "service" && ev.host === grid.host) serviceEvent(grid, ev, load);
}

function serviceEvent(grid, ev, load) {
  const row = grid.rows.get(ev.service);
  if (!row) { load(); return; }
  const { type, ts, cursor, ...fields } = ev;
  Object.assign(row, fields);
  if (ev.state === "starting" && ev.job_id) {
    row.job = { id: ev.job_id, state: "running", stage: "launching", message: ev.message };
    grid.jobs.set(ev.job_id, ev.service);
  } else if (ev.state !== "starting") row.job = null;
  if (ev.state === "running" || ev.state === "external") row.health = { ok: true };
  if (["running", "external", "starting"].includes(ev.state)) Object.assign(row, { error: null, hint: null, log_tail: [], returncode: null });
  row.uptime_s = ev.state === "running" && ev.started_at ? Date.now() / 1000 - ev.started_at : null;
  row.actions = actionsFor(row.state);
  render(grid, load);
}

function jobEvent(grid, ev, load) {
  const row = grid.rows.get(grid.jobs.get(ev.id));
  if (!row) return;
  row.job = { ...(row.job || {}), id: ev.id, state: ev.state, stage: ev.stage, message: ev.message,
    error: ev.error, hint: ev.hint };
  if (TERMINAL.has(ev.state)) {
    grid.jobs.delete(ev.id);
    if (ev.state === "failed") { row.error = ev.error; row.hint = ev.hint; }
    row.job = null;
    load();  // the final word on the service's state comes from the server
  }
  render(grid, load);
}

async function act(grid, row, action, load) {
  try {
    const job = await api(`/api/providers/services/${action}`, { method: "POST",
      body: { service: row.service, host: grid.host } });
    row.state = action === "stop" ? "stopping" : "starting";
    row.error = null;
    row.job = { id: job.id, state: job.state, stage: job.stage, message: job.message };
    row.actions = action === "stop" ? { start: false, stop: false } : actionsFor("starting");
    grid.jobs.set(job.id, row.service);
  } catch (e) { row.error = e.message; row.hint = e.hint; toast(explain(e)); }
  render(grid, load);
}

function tick(grid) {
  for (const row of grid.rows.values()) {
    if (row.state !== "running" || row.uptime_s === null || row.uptime_s === undefined) continue;
    row.uptime_s += 1;
    const cell = grid.container.querySelector(`#svc-${CSS.escape(row.service)} .uptime`);
    if (cell) cell.textContent = duration(row.uptime_s);
  }
}

function hostPicker(grid, load) {
  const named = (h) => (grid.offline && grid.offline.has(h) ? `${h} (offline)` : h);
  if (grid.hosts.length < 2) return el("span", { class: "muted" }, `Host: ${named(grid.host)}`);
  return el("label", {}, "Host ", el("select", { name: "host", onchange: (e) => { grid.host = e.target.value; load(); } },
    grid.hosts.map((h) => el("option", { value: h, selected: h === grid.host }, named(h)))));
}

function detail(row) {
  const lines = [];
  if (row.job && row.job.message) lines.push(el("div", { class: "muted progress" }, row.job.message));
  else if (row.message) lines.push(el("div", { class: "muted" }, row.message));
  if (row.error) lines.push(el("div", { class: "form-error error" }, firstLine(row.hint ? `${row.error} — ${row.hint}` : row.error)));
  if (!row.configured && row.state === "stopped") lines.push(el("div", { class: "muted" }, row.install_hint));
  if (row.log_tail && row.log_tail.length && (row.state === "crashed" || row.error)) {
    lines.push(el("details", {}, el("summary", {}, "Show log"), el("pre", { class: "log log-tail" }, row.log_tail.join("\n"))));
  }
  return lines;
}

function firstLine(text) { return String(text).split("\n")[0]; }

function button(grid, row, load) {
  if (row.state === "stopping") return el("button", { disabled: true }, "Stopping…");
  const now = () => grid.rows.get(row.service) || row;  // the row as it is when pressed
  if (row.actions?.stop) return el("button", { type: "button", class: "danger", onclick: () => act(grid, now(), "stop", load) }, "Stop");
  if (row.actions?.start) return el("button", { type: "button", onclick: () => act(grid, now(), "start", load) }, "Start");
  if (row.actions?.setup) return el("button", { type: "button", onclick: () => act(grid, now(), "setup", load) }, "Set up");
  return null;
}

// Every known host and its live workers (or since when it has been silent).
function hostList(grid) {
  const one = (h) => {
    if (!h.online) return `${h.host}: offline since ${h.last_seen ? new Date(h.last_seen * 1000).toLocaleTimeString() : "?"}`;
    const n = (h.workers || []).length;
    return `${h.host}: ${n} worker${n === 1 ? "" : "s"}`;
  };
  return el("p", { class: "muted hosts" }, `Hosts: ${grid.states.map(one).join(" · ")}`);
}

function renderRow(grid, row, load) {
  const running = row.state === "running";
  return el("tr", { id: `svc-${row.service}`, "data-state": row.state, "data-service": row.service },
    el("td", {}, el("strong", {}, row.title || row.service)),
    el("td", {}, el("span", { class: `badge ${BADGE[row.state] || ""}`, "data-state": row.state }, LABEL[row.state] || row.state),
      row.returncode !== null && row.returncode !== undefined && row.state === "crashed" ? ` exit code ${row.returncode}` : ""),
    el("td", { class: "port" }, row.port ? String(row.port) : ""),
    el("td", {}, row.host),
    el("td", { class: "uptime" }, running && row.uptime_s !== null ? duration(row.uptime_s) : ""),
    el("td", { class: "action", "data-key": buttonKey(row) }, button(grid, row, load)),
    el("td", { class: "detail" }, detail(row)));
}

function buttonKey(row) { return `${row.state}|${!!row.actions?.start}|${!!row.actions?.stop}`; }

/** Swap the cells that changed; a row's button stays the same element while its key holds. */
function patchRow(old, fresh) {
  old.dataset.state = fresh.dataset.state;
  [...fresh.children].forEach((cell, i) => {
    const was = old.children[i];
    if (!was) { old.append(cell); return; }
    if (cell.classList.contains("action") && was.dataset.key === cell.dataset.key) return;
    if (was.innerHTML !== cell.innerHTML || cell.classList.contains("action")) was.replaceWith(cell);
  });
}

function render(grid, load) {
  let body = grid.container.querySelector("table.services tbody");
  const states = JSON.stringify(grid.states.map((h) => [h.host, h.online, (h.workers || []).length]));
  if (!body || grid.container.dataset.host !== grid.host || grid.container.dataset.hosts !== grid.hosts.join(",")
      || grid.container.dataset.states !== states) {
    const head = el("tr", {}, ["Service", "State", "Port", "Host", "Uptime", "Action", "Details"].map((h) => el("th", {}, h)));
    body = el("tbody");
    grid.container.replaceChildren(
      el("div", { class: "inline" }, el("h3", { style: "margin:0" }, "Local service status"), hostPicker(grid, load)),
      hostList(grid),
      el("table", { class: "services stack" }, el("thead", {}, head), body));
    grid.container.dataset.states = states;
    grid.container.dataset.host = grid.host;
    grid.container.dataset.hosts = grid.hosts.join(",");
  }
  const rows = [...grid.rows.values()].map((row) => {
    const fresh = renderRow(grid, row, load);
    const old = body.querySelector(`#${CSS.escape(fresh.id)}`);
    if (!old) return fresh;
    patchRow(old, fresh);
    return old;
  });
  for (const tr of [...body.children]) if (!rows.includes(tr)) tr.remove();
  rows.forEach((tr, i) => { if (body.children[i] !== tr) body.insertBefore(tr, body.children[i] || null); });
}
