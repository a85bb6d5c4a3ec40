// Pieces every view draws the same way: a state badge, a progress bar, the numbers line, the
// job's controls, folded logs. Each has a maker and an updater that changes the element in
// place, so a button under the pointer or holding focus stays the same element.
import { api, explain, toast } from "./api.js";
import { ACTIVE } from "./store.js";
import { bytes, duration, el } from "./format.js";

export function percent(job) { return Math.round((job.progress || 0) * 1000) / 10; }

export function stateBadge(job) { return setStateBadge(el("span", { class: "state" }), job); }
export function setStateBadge(node, job) {
  node.className = `state st-${job.state}`;
  if (node.textContent !== job.state) node.textContent = job.state || "";
  return node;
}

export function bar(job, label) {
  const node = el("div", { class: "bar", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100,
    "aria-label": label || "Progress" }, el("i"));
  return setBar(node, job);
}
export function setBar(node, job) {
  const pct = percent(job);
  node.setAttribute("aria-valuenow", pct);
  node.dataset.state = job.state || "";
  node.firstElementChild.style.width = `${pct}%`;
  return node;
}

function amount(job, n) { return job.total > 100000 ? bytes(n) : String(Math.round(n)); }

/** "42% · 12.0 MB of 315 MB · 3.1 MB/s · 1m 20s left" with only the parts the job has. */
export function numbers(job) {
  const parts = [];
  if (job.progress !== null && job.progress !== undefined && ACTIVE.has(job.state)) parts.push(`${Math.floor(job.progress * 100)}%`);
  if (job.total) parts.push(`${amount(job, job.done || 0)} of ${amount(job, job.total)}`);
  if (job.state === "running" && job.speed) parts.push(`${amount(job, job.speed)}/s`);
  if (job.state === "running" && job.eta) parts.push(`${duration(job.eta)} left`);
  return parts.join(" · ");
}

export function setText(node, text) { if (node && node.textContent !== text) node.textContent = text; }

// -- controls ---------------------------------------------------------------------------------
export async function act(id, action) {
  try { await api(`/api/jobs/${id}/${action}`, { method: "POST" }); }
  catch (e) { toast(explain(e)); }
}

function wanted(job) {
  const out = [];
  if (job.state === "running" && job.pausable) out.push(["pause", "Pause", "ghost"]);
  if (job.state === "paused") out.push(["resume", "Resume", "ghost"]);
  if (ACTIVE.has(job.state)) out.push(["cancel", "Cancel", "danger"]);
  return out;
}

export function controls(job, name) { return setControls(el("div", { class: "actions" }), job, name); }

/** Redraw the buttons only when the set changes (the job changed state); else leave them be. */
export function setControls(box, job, name) {
  const set = wanted(job);
  const key = `${job.id}:${set.map(([a]) => a).join(",")}`;
  if (box.dataset.key === key) return box;
  const hadFocus = box.contains(document.activeElement);
  box.dataset.key = key;
  box.replaceChildren(...set.map(([action, label, cls]) => el("button", {
    type: "button", class: cls, "data-action": action, title: name ? `${label} ${name}` : label,
    onclick: () => act(job.id, action) }, label)));
  box.hidden = !set.length;
  if (hadFocus) box.querySelector("button")?.focus();
  return box;
}

// -- errors and logs --------------------------------------------------------------------------
/** The first line in sight; the rest behind "Show log". */
export function folded(text, cls = "error") {
  const box = el("div", { class: `${cls} folded` });
  return setFolded(box, text);
}
export function setFolded(box, text) {
  text = text || "";
  if (box.dataset.text === text) return box;
  box.dataset.text = text;
  box.hidden = !text;
  const lines = text.split("\n");
  const first = lines[0].length > 160 ? `${lines[0].slice(0, 160)}…` : lines[0];
  const long = lines.length > 1 || lines[0].length > 160;
  box.replaceChildren(el("span", { class: "first" }, first),
    long ? el("details", {}, el("summary", {}, "Show log"), el("pre", { class: "log" }, text)) : null);
  return box;
}

export function errorText(job) {
  if (!job.error) return "";
  return job.hint ? `${job.error} — ${job.hint}` : job.error;
}
