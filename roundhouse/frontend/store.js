// The page's one job store, fed by the page's one WebSocket (live.js). Every view reads it and
// subscribes with onJob(); the last-known list is cached so a reload draws jobs before any answer.
export const ACTIVE = new Set(["queued", "running", "paused"]);
export const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);

const CACHE_KEY = "roundhouse.jobs.v1";
const CACHE_MAX = 60;
const jobs = new Map();
const listeners = new Set();

export function onJob(fn) { listeners.add(fn); return () => listeners.delete(fn); }
export function getJob(id) { return jobs.get(id); }
export function allJobs() { return [...jobs.values()]; }
export function newestFirst(list) { return [...list].sort((a, b) => (b.created_at || 0) - (a.created_at || 0)); }

function tell(job, msg) { for (const fn of listeners) { try { fn(job, msg); } catch (e) { console.error(e); } } }

/** Merge one job event; events older than what we hold (by seq) change nothing. */
function merge(evt) {
  const prev = jobs.get(evt.id) || {};
  if (prev.seq && evt.seq && evt.seq < prev.seq) return prev;
  if (evt.event === "candidate") return prev;  // a beam candidate is not the job's own state
  const next = { ...prev };
  for (const [k, v] of Object.entries(evt)) if (k !== "type" && k !== "cursor" && k !== "event") next[k] = v;
  if (!next.created_at) next.created_at = evt.ts;
  jobs.set(evt.id, next);
  return next;
}

/** Put a job the page got from a REST answer into the store (e.g. the 202 of a new job). */
export function remember(job) {
  const merged = { ...jobs.get(job.id), ...job };
  jobs.set(job.id, merged);
  tell(merged, { type: "rest" });
  saveSoon();
  return merged;
}

/** One socket message: a single event or a list of events (frames may batch them). */
export function ingest(frame) {
  for (const msg of Array.isArray(frame) ? frame : [frame]) ingestOne(msg);
}

function ingestOne(msg) {
  if (!msg || typeof msg !== "object") return;
  if (msg.type === "snapshot") {
    for (const job of msg.jobs || []) {
      const merged = { ...jobs.get(job.id), ...job, cached: false };
      jobs.set(job.id, merged);
      tell(merged, msg);
    }
    // the whole-feed snapshot is the server's word: cached jobs it no longer has are gone
    if (msg.cursor) forget([...jobs.values()].filter((j) => j.cached).map((j) => j.id));
    saveSoon();
  } else if (msg.type === "job" && msg.id) {
    const job = merge(msg);
    tell(job, msg);
    saveSoon();
  } else if (msg.type === "jobs_cleared") {
    forget(msg.ids || []);
  }
}

/** Drop jobs the server purged (Clear finished, here or in another tab or terminal). */
export function forget(ids) {
  for (const id of ids) {
    const job = jobs.get(id);
    if (!job) continue;
    jobs.delete(id);
    tell({ ...job, removed: true }, { type: "jobs_cleared" });
  }
  saveSoon();
}

// -- the last-known list, for the shell before the API answers ------------------------------
let saving = null;
function saveNow() {
  clearTimeout(saving);
  saving = null;
  const keep = newestFirst(jobs.values()).slice(0, CACHE_MAX);
  try { localStorage.setItem(CACHE_KEY, JSON.stringify(keep)); } catch { /* storage full or off */ }
}
function saveSoon() { if (!saving) saving = setTimeout(saveNow, 1000); }
addEventListener("pagehide", saveNow);

export function loadCached() {
  let list = [];
  try { list = JSON.parse(localStorage.getItem(CACHE_KEY) || "[]"); } catch { list = []; }
  for (const job of Array.isArray(list) ? list : []) {
    if (!job?.id || jobs.has(job.id)) continue;
    jobs.set(job.id, { ...job, cached: true });
    tell(jobs.get(job.id), { type: "cache" });
  }
}

// -- names -----------------------------------------------------------------------------------
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

/** A job's name for people: what it works on, not just its kind. */
export function title(job) {
  const make = TITLES[job.kind];
  try { if (make && job.params) return make(job.params); } catch { /* fall back */ }
  return job.kind || "job";
}
