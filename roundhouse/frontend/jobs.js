// The jobs drawer: every job, live, from the page's one WebSocket; snapshots on (re)connect.
import { api, explain, toast } from "./api.js";
import { onEvent } from "./live.js";
import { bytes, duration, el } from "./format.js";

const jobs = new Map();
const ACTIVE = new Set(["queued", "running", "paused"]);
const jobListeners = new Set();

export function onJob(fn) { jobListeners.add(fn); return () => jobListeners.delete(fn); }
export function getJob(id) { return jobs.get(id); }

function merge(evt) {
  const prev = jobs.get(evt.id) || {};
  if (prev.seq && evt.seq && evt.seq < prev.seq) return prev;
  const next = { ...prev };
  for (const [k, v] of Object.entries(evt)) if (k !== "type" && k !== "cursor") next[k] = v;
  if (evt.event === "candidate") return prev;  // candidate events are for the beam view
  if (!next.created_at) next.created_at = evt.ts;
  jobs.set(evt.id, next);
  return next;
}

// A job's name for people: what it works on, not just its kind.
const TITLES = {
  "ollama.pull": (p) => `Pull ${p.model}`,
  "model.install": (p) => `Install ${p.repo_id}`,
  "hf.download": (p) => `Download ${p.repo_id}`,
  "model.import": (p) => `Import ${p.path || p.file_id || "a file"}`,
  "service.start": (p) => `Start ${p.service}`,
  "service.stop": (p) => `Stop ${p.service}`,
  "beam.search": (p) => `Beam search: ${String(p.prompt || "").slice(0, 40)}`,
  "demo.count": (p) => `Count to ${p.steps}`,
};

export function title(job) {
  const make = TITLES[job.kind];
  try { if (make && job.params) return make(job.params); } catch { /* fall back */ }
  return job.kind || "job";
}

function progressLine(job) {
  const parts = [];
  if (job.progress !== null && job.progress !== undefined) parts.push(`${Math.floor(job.progress * 100)}%`);
  if (job.total) parts.push(`${bytesOrCount(job, job.done || 0)} of ${bytesOrCount(job, job.total)}`);
  if (job.speed && job.state === "running") parts.push(`${bytesOrCount(job, job.speed)}/s`);
  if (job.eta && job.state === "running") parts.push(`${duration(job.eta)} left`);
  return parts.join(" · ");
}

function bytesOrCount(job, n) { return job.total > 100000 ? bytes(n) : String(Math.round(n)); }

async function act(job, action) {
  try { await api(`/api/jobs/${job.id}/${action}`, { method: "POST" }); }
  catch (e) { toast(explain(e)); }
}

function render(job) {
  const pct = Math.round((job.progress || 0) * 1000) / 10;
  const actions = [];
  if (ACTIVE.has(job.state)) actions.push(el("button", { class: "danger", onclick: () => act(job, "cancel") }, "Cancel"));
  if (job.state === "running" && job.pausable) actions.push(el("button", { class: "ghost", onclick: () => act(job, "pause") }, "Pause"));
  if (job.state === "paused") actions.push(el("button", { class: "ghost", onclick: () => act(job, "resume") }, "Resume"));
  return el("li", { class: "job", id: `job-${job.id}`, "data-state": job.state, "data-id": job.id },
    el("header", {}, el("span", { class: "kind", title: job.kind || "" }, title(job)), el("span", { class: "state" }, job.state)),
    el("div", { class: "line" }, el("span", { class: "stage" }, job.message || job.stage || ""),
      el("span", { class: "nums" }, progressLine(job))),
    el("div", { class: "bar", role: "progressbar", "aria-valuenow": pct, "aria-valuemin": 0, "aria-valuemax": 100 },
      el("i", { style: `width:${pct}%` })),
    job.error ? el("div", { class: "error" }, job.hint ? `${job.error} — ${job.hint}` : job.error) : null,
    actions.length ? el("div", { class: "actions" }, actions) : null);
}

function visible(job, filter) {
  if (!filter) return true;
  if (filter === "active") return ACTIVE.has(job.state);
  return job.state === filter;
}

function redraw() {
  const list = document.getElementById("jobs-list");
  const filter = document.getElementById("jobs-filter").value;
  const sorted = [...jobs.values()].sort((a, b) => (b.created_at || 0) - (a.created_at || 0));
  list.replaceChildren(...sorted.filter((j) => visible(j, filter)).slice(0, 200).map(render));
  document.getElementById("jobs-empty").hidden = jobs.size > 0;
  document.getElementById("jobs-count").textContent = [...jobs.values()].filter((j) => ACTIVE.has(j.state)).length;
}

let pending = false;
function schedule() { if (!pending) { pending = true; requestAnimationFrame(() => { pending = false; redraw(); }); } }

export function mountJobs() {
  document.getElementById("jobs-filter").addEventListener("change", redraw);
  const toggle = document.getElementById("jobs-toggle");
  toggle.addEventListener("click", () => {
    const drawer = document.getElementById("jobs-drawer");
    drawer.hidden = !drawer.hidden;
    toggle.setAttribute("aria-expanded", String(!drawer.hidden));
  });
  onEvent((msg) => {
    if (msg.type === "snapshot") {
      for (const job of msg.jobs) jobs.set(job.id, { ...jobs.get(job.id), ...job });
      for (const job of msg.jobs) for (const fn of jobListeners) fn(jobs.get(job.id), { type: "snapshot" });
      schedule();
    } else if (msg.type === "job") {
      const job = merge(msg);
      for (const fn of jobListeners) fn(job, msg);
      schedule();
    }
  });
}
