// The Beam Search view: a form (with each role's provider and health), candidate cards grouped
// by round as they arrive, the providers the job uses, the best prompt with the tree that led to
// it, cancel. The job is followed through the page's one socket: its events are replayed from
// seq 0 there, so a reload shows everything again, and the form shows the job's own settings.
import { api, explain, toast } from "./api.js";
import { el } from "./format.js";
import { onEvent, replay } from "./live.js";
import { TERMINAL as DONE, getJob, onJob } from "./store.js";
import { onProviders } from "./providers.js";
import { card, markRound, showResult } from "./beam_cards.js";
import { bar, setBar } from "./ui.js";

const KEY = "roundhouse.beam.job";
let follow = null;  // {id, done}
const $ = (sel) => document.querySelector(`#beam ${sel}`);

export function mount({ addView }) {
  document.head.append(el("link", { rel: "stylesheet", href: "/static/beam.css" }));
  addView("beam", "Beam Search", view());
  document.getElementById("beam-form").addEventListener("submit", submit);
  $("#beam-cancel").addEventListener("click", cancel);
  onEvent((msg) => { if (follow && msg.type === "job" && msg.id === follow.id) handle(follow, msg); });
  onEvent((msg) => { if (follow && msg.type === "error" && msg.id === follow.id) forgetJob(follow); });
  onJob((job, msg) => { if (follow && job.id === follow.id && msg.type !== "job") apply(follow, job); });
  onProviders(showHealth);
  const last = localStorage.getItem(KEY);
  if (last) watch(last);
}

/** Each role's provider and health above Run; a role that is down is named before Run. */
function showHealth(roles) {
  const box = $("#beam-roles");
  box.replaceChildren(...roles.map((r) => el("span", { class: `role badge ${r.ok === false ? "bad" : r.ok ? "ok" : ""}`, "data-role": r.role,
    title: r.ok === false ? `${r.service}: ${r.error}` : `${r.service}: ${r.ok ? "up" : "not checked yet"}` },
  `${r.label}: ${r.provider}/${r.model} ${r.ok === false ? "down" : r.ok ? "up" : "?"}`)));
  const down = roles.filter((r) => r.ok === false);
  $("#beam-down").textContent = down.length
    ? `${down.map((r) => `${r.label} (${r.provider}: ${r.service})`).join(", ")} ${down.length > 1 ? "are" : "is"} down: a run would fail. Start it under Services or switch providers.`
    : "";
}

function fillForm(params) {
  const form = document.getElementById("beam-form");
  if (!params || !form) return;
  form.prompt.value = params.prompt || "";
  for (const k of ["beam_width", "candidates", "depth"]) if (params[k]) form[k].value = params[k];
  if (params.width) form.size.value = String(params.width);
}

function number(name, label, value, min, max) {
  return el("label", {}, label, el("input", { name, type: "number", value, min, max, required: true }));
}

function view() {
  const sizes = [256, 512, 768, 1024].map((s) => el("option", { value: s, selected: s === 512 }, `${s}×${s}`));
  return el("section", { id: "beam", class: "view", "data-title": "Beam Search" },
    el("h2", {}, "Beam Search"),
    el("p", { class: "muted" }, "The LLM refines your idea, the image provider renders each prompt, the vision provider scores it; the best survive each round."),
    el("form", { id: "beam-form", class: "card beam-form" },
      el("label", { class: "wide" }, "Idea", el("textarea", { name: "prompt", rows: 2, required: true, maxlength: 2000, placeholder: "a fox in the snow at dusk" })),
      el("div", { class: "inline" },
        number("beam_width", "Beam width", 2, 1, 8), number("candidates", "Candidates per beam", 3, 1, 8),
        number("depth", "Depth", 2, 1, 5), el("label", {}, "Size", el("select", { name: "size" }, sizes)),
        el("button", { type: "submit" }, "Run")),
      el("div", { id: "beam-roles", class: "inline beam-roles", role: "group", "aria-label": "Providers for this run" }),
      el("p", { id: "beam-down", class: "warnline", role: "status" }),
      el("span", { class: "form-error", role: "alert" })),
    el("div", { id: "beam-status", class: "card", hidden: true },
      el("div", { class: "inline" }, el("strong", { id: "beam-title" }), el("span", { id: "beam-state", class: "badge" }),
        el("button", { id: "beam-cancel", class: "danger", type: "button", hidden: true }, "Cancel")),
      el("div", { id: "beam-providers", class: "muted" }),
      el("div", { id: "beam-message" }),
      bar({}, "Progress of the search"),
      el("div", { id: "beam-error", class: "form-error" })),
    el("div", { id: "beam-best", class: "card", hidden: true }),
    el("div", { id: "beam-rounds" }));
}

async function submit(ev) {
  ev.preventDefault();
  const form = ev.target;
  const data = new FormData(form);
  const out = form.querySelector("span.form-error");
  out.textContent = "";
  const size = Number(data.get("size"));
  const body = { prompt: data.get("prompt"), width: size, height: size };
  for (const k of ["beam_width", "candidates", "depth"]) body[k] = Number(data.get(k));
  try { watch((await api("/api/beam-search", { method: "POST", body })).id); }
  catch (e) { out.textContent = explain(e); }
}

function forgetJob(f) {
  f.done = true; localStorage.removeItem(KEY);
  $("#beam-status").hidden = true;
}

async function cancel() {
  if (!follow) return;
  try { await api(`/api/jobs/${follow.id}/cancel`, { method: "POST" }); }
  catch (e) { toast(explain(e)); }
}

function watch(id) {
  follow = { id, done: false };
  localStorage.setItem(KEY, id);
  $("#beam-rounds").replaceChildren();
  $("#beam-best").hidden = true;
  $("#beam-status").hidden = false;
  $("#beam-providers").textContent = "";
  $("#beam-error").textContent = "";
  $("#beam-title").textContent = "";
  const known = getJob(id);
  if (known) { $("#beam-title").textContent = known.params?.prompt || ""; fillForm(known.params); apply(follow, known); }
  api(`/api/jobs/${id}`).then((job) => {
    if (follow?.id !== id) return;
    $("#beam-title").textContent = job.params?.prompt || "";
    fillForm(job.params);
    apply(follow, job);
  }).catch((e) => { if (e.status === 404 && follow?.id === id) forgetJob(follow); });
  replay(id, 0);
}

/** One of the job's own events (live, or replayed after a reload). */
function handle(f, msg) {
  if (msg.event === "providers") showProviders(msg.used, msg.version);
  else if (msg.event === "candidate") card({ ...msg, id: msg.candidate });
  else if (msg.event === "round") markRound(msg);
  const job = getJob(f.id);
  if (job) apply(f, job);
}

function apply(f, job) {
  if (f.done && !DONE.has(job.state)) return;  // a late answer from before the end never undoes it
  if (job.providers) showProviders(job.providers, job.providers_version);
  $("#beam-state").textContent = job.state;
  $("#beam-state").className = `badge st-${job.state}`;  // the one colour per state
  $("#beam-message").textContent = job.message || "";
  setBar($("#beam-status .bar"), job);
  $("#beam-cancel").hidden = DONE.has(job.state);
  if (job.error) $("#beam-error").textContent = job.hint ? `${job.error} — ${job.hint}` : job.error;
  if (DONE.has(job.state) && !f.done) { f.done = true; finish(f.id); }
}

async function finish(id) {
  try {
    const job = await api(`/api/jobs/${id}`);
    if (job.result?.tree) showResult(job.result);
  } catch (e) { toast(explain(e)); }
}

function showProviders(used, version) {
  const text = Object.entries(used || {}).map(([role, name]) => `${role}: ${name}`).join(", ");
  $("#beam-providers").textContent = `${text}${version !== undefined && version !== null ? ` (providers v${version})` : ""}`;
}
