// The jobs drawer: every job in the store, live. Cards are made once per job id and updated in
// place; a job's buttons are only redrawn when its state changes. Filters hide, never rebuild.
import { api, explain, toast } from "./api.js";
import { ACTIVE, TERMINAL, allJobs, forget, onJob, title } from "./store.js";
import { bar, controls, errorText, folded, numbers, setBar, setControls, setFolded, setStateBadge, setText, stateBadge } from "./ui.js";
import { el } from "./format.js";
import { href } from "./router.js";

const EMPTY = {
  "": "No jobs yet. Jobs started here, in a terminal or by a worker show up here, live.",
  active: "Nothing is running or waiting.",
  failed: "No failed jobs.",
  succeeded: "No finished jobs yet.",
};

/** A job's card: made once, then only updated (see updateCard). */
export function makeCard(job, { id } = {}) {
  const name = title(job);
  const card = el("li", { class: "job", "data-id": job.id, id },
    el("header", {}, el("a", { class: "kind", href: href("jobs", job.id), title: job.kind || "" }, name), stateBadge(job)),
    el("div", { class: "line" }, el("span", { class: "stage" }), el("span", { class: "nums" })),
    bar(job, `Progress of ${name}`), folded(errorText(job)), controls(job, name));
  return updateCard(card, job);
}

export function updateCard(card, job) {
  card.dataset.state = job.state || "";
  const name = title(job);
  setText(card.querySelector(".kind"), name);
  setStateBadge(card.querySelector(".state"), job);
  setText(card.querySelector(".stage"), job.message || job.stage || "");
  setText(card.querySelector(".nums"), numbers(job));
  setBar(card.querySelector(".bar"), job);
  setFolded(card.querySelector(".folded"), errorText(job));
  setControls(card.querySelector(".actions"), job, name);
  return card;
}

function visible(job, filter) {
  if (!filter) return true;
  if (filter === "active") return ACTIVE.has(job.state);
  return job.state === filter;
}

const list = () => document.getElementById("jobs-list");
const filterValue = () => document.getElementById("jobs-filter").value;

/** Put a new card where its creation time says, without moving any card already there. */
function place(card, job) {
  const at = job.created_at || 0;
  const later = [...list().children].find((c) => Number(c.dataset.created || 0) < at);
  card.dataset.created = String(at);
  list().insertBefore(card, later || null);
}

function show(job) {
  const node = document.getElementById(`job-${job.id}`);
  if (job.removed) { node?.remove(); return; }
  if (node) updateCard(node, job);
  else place(makeCard(job, { id: `job-${job.id}` }), job);
  document.getElementById(`job-${job.id}`).hidden = !visible(job, filterValue());
}

function summary() {
  const jobs = allJobs();
  const filter = filterValue();
  const shown = jobs.filter((j) => visible(j, filter)).length;
  const empty = document.getElementById("jobs-empty");
  empty.hidden = shown > 0;
  setText(empty, EMPTY[filter] || EMPTY[""]);
  setText(document.getElementById("jobs-count"), String(jobs.filter((j) => ACTIVE.has(j.state)).length));
  document.getElementById("jobs-clear").disabled = !jobs.some((j) => TERMINAL.has(j.state));
}

function refilter() {
  const filter = filterValue();
  for (const job of allJobs()) {
    const node = document.getElementById(`job-${job.id}`);
    if (node) node.hidden = !visible(job, filter);
  }
  summary();
}

async function clearFinished(button) {
  button.disabled = true;
  try {
    const body = await api("/api/jobs/clear", { method: "POST", body: {} });
    forget(body.ids || []);
    toast(body.cleared ? `Cleared ${body.cleared} finished job(s)` : "No finished jobs to clear");
  } catch (e) { toast(explain(e)); }
  summary();
}

let pending = false;
function summarySoon() { if (!pending) { pending = true; requestAnimationFrame(() => { pending = false; summary(); }); } }

export function mountJobs() {
  document.getElementById("jobs-filter").addEventListener("change", refilter);
  const clear = document.getElementById("jobs-clear");
  clear.addEventListener("click", () => clearFinished(clear));
  const toggle = document.getElementById("jobs-toggle");
  toggle.addEventListener("click", () => {
    const drawer = document.getElementById("jobs-drawer");
    drawer.hidden = !drawer.hidden;
    toggle.setAttribute("aria-expanded", String(!drawer.hidden));
  });
  onJob((job) => { show(job); summarySoon(); });
  summary();
}
