// The Beam Search view: a form, candidate cards grouped by round as they arrive, the providers
// the job uses, the best prompt with the tree that led to it, cancel. The job is followed on its
// own WebSocket from seq 0 (and from the last seq after a drop), so a reload replays everything.
import { api, explain, toast } from "./api.js";
import { el } from "./format.js";

const KEY = "roundhouse.beam.job";
const DONE = new Set(["succeeded", "failed", "cancelled"]);
let follow = null;  // {id, seq, socket, done}
const $ = (sel) => document.querySelector(`#beam ${sel}`);

export function mount({ addView }) {
  document.head.append(el("link", { rel: "stylesheet", href: "/static/beam.css" }));
  addView("beam", "Beam Search", view());
  document.getElementById("beam-form").addEventListener("submit", submit);
  $("#beam-cancel").addEventListener("click", cancel);
  const last = localStorage.getItem(KEY);
  if (last) watch(last);
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
      el("span", { class: "form-error", role: "alert" })),
    el("div", { id: "beam-status", class: "card", hidden: true },
      el("div", { class: "inline" }, el("strong", { id: "beam-title" }), el("span", { id: "beam-state", class: "badge" }),
        el("button", { id: "beam-cancel", class: "danger", type: "button", hidden: true }, "Cancel")),
      el("div", { id: "beam-providers", class: "muted" }),
      el("div", { id: "beam-message" }),
      el("div", { class: "bar" }, el("i", { id: "beam-bar" })),
      el("div", { id: "beam-error", class: "form-error" })),
    el("div", { id: "beam-best", class: "card", hidden: true }),
    el("div", { id: "beam-rounds" }));
}

async function submit(ev) {
  ev.preventDefault();
  const form = ev.target;
  const data = new FormData(form);
  const out = form.querySelector(".form-error");
  out.textContent = "";
  const size = Number(data.get("size"));
  const body = { prompt: data.get("prompt"), width: size, height: size };
  for (const k of ["beam_width", "candidates", "depth"]) body[k] = Number(data.get(k));
  try { watch((await api("/api/beam-search", { method: "POST", body })).id); }
  catch (e) { out.textContent = explain(e); }
}

async function cancel() {
  if (!follow) return;
  try { await api(`/api/jobs/${follow.id}/cancel`, { method: "POST" }); }
  catch (e) { toast(explain(e)); }
}

function watch(id) {
  if (follow?.socket) { follow.done = true; follow.socket.close(); }
  follow = { id, seq: 0, socket: null, done: false };
  localStorage.setItem(KEY, id);
  $("#beam-rounds").replaceChildren();
  $("#beam-best").hidden = true;
  $("#beam-status").hidden = false;
  $("#beam-providers").textContent = "";
  $("#beam-error").textContent = "";
  $("#beam-title").textContent = "";
  api(`/api/jobs/${id}`).then((job) => { $("#beam-title").textContent = job.params?.prompt || ""; }).catch(() => {});
  open(follow);
}

function open(f) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${scheme}://${location.host}/ws`);
  f.socket = ws;
  ws.onopen = () => ws.send(JSON.stringify({ subscribe: [f.id], after: { [f.id]: f.seq } }));
  ws.onmessage = (m) => { if (follow === f) handle(f, JSON.parse(m.data)); };
  ws.onclose = () => { if (follow === f && !f.done) setTimeout(() => follow === f && open(f), 1000); };
}

function handle(f, msg) {
  if (msg.type === "error" && msg.id === f.id) {
    f.done = true; f.socket.close(); localStorage.removeItem(KEY);
    $("#beam-status").hidden = true;
    return;
  }
  if (msg.type === "snapshot") { for (const job of msg.jobs) if (job.id === f.id) { f.seq = job.seq; apply(f, job); } return; }
  if (msg.type !== "job" || msg.id !== f.id || (msg.seq && msg.seq <= f.seq)) return;
  if (msg.seq) f.seq = msg.seq;
  if (msg.event === "providers") showProviders(msg.used, msg.version);
  else if (msg.event === "candidate") card({ ...msg, id: msg.candidate });
  else if (msg.event === "round") markRound(msg);
  apply(f, msg);
}

function apply(f, job) {
  if (job.providers) showProviders(job.providers, job.providers_version);
  $("#beam-state").textContent = job.state;
  $("#beam-state").className = `badge ${job.state === "succeeded" ? "ok" : job.state === "failed" ? "bad" : "warn"}`;
  $("#beam-message").textContent = job.message || "";
  $("#beam-bar").style.width = `${Math.round((job.progress || 0) * 100)}%`;
  $("#beam-cancel").hidden = DONE.has(job.state);
  if (job.error) $("#beam-error").textContent = job.hint ? `${job.error} — ${job.hint}` : job.error;
  if (DONE.has(job.state) && !f.done) { f.done = true; f.socket?.close(); finish(f.id); }
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

function roundBox(r) {
  let box = $(`.beam-round[data-round="${r}"]`);
  if (!box) {
    box = el("section", { class: "beam-round", "data-round": r },
      el("h3", {}, `Round ${r}`, el("span", { class: "muted summary" })), el("div", { class: "beam-cards" }));
    const later = [...$("#beam-rounds").children].find((b) => Number(b.dataset.round) > r);
    $("#beam-rounds").insertBefore(box, later || null);
  }
  return box;
}

function card(c) {
  const old = document.getElementById(`beam-c-${c.id}`);
  const img = c.image_url?.startsWith("/media/") ? el("img", { src: c.image_url, alt: c.prompt || "", loading: "lazy" }) : el("div", { class: "noimg" }, "no image");
  const node = el("article", { class: "beam-card", id: `beam-c-${c.id}`, "data-id": c.id, "data-state": c.error ? "failed" : "ok" },
    img,
    el("div", { class: "score" }, c.error ? "failed" : `score ${Number(c.score).toFixed(3)}`, el("span", { class: "muted" }, ` ${c.id}`)),
    el("p", { class: "prompt" }, c.prompt || ""),
    c.error ? el("p", { class: "error" }, c.error) : null);
  if (old) old.replaceWith(node); else roundBox(c.round).querySelector(".beam-cards").append(node);
  return node;
}

function markRound(msg) {
  const box = roundBox(msg.round);
  box.querySelector(".summary").textContent = ` — made ${msg.made}, failed ${msg.failed}, kept ${msg.kept.length}`;
  for (const id of msg.kept) document.getElementById(`beam-c-${id}`)?.setAttribute("data-kept", "true");
}

function showResult(result) {
  const nodes = new Map(result.tree.map((n) => [n.id, n]));
  for (const n of result.tree) if (n.round > 0) { const c = card(n); if (n.kept) c.dataset.kept = "true"; }
  for (const r of result.rounds) markRound(r);
  document.getElementById(`beam-c-${result.best_id}`)?.setAttribute("data-best", "true");
  const path = [];
  for (let n = nodes.get(result.best_id); n; n = nodes.get(n.parent)) path.unshift(n);
  const best = $("#beam-best");
  best.replaceChildren(
    el("h3", {}, "Best"),
    el("div", { class: "beam-winner" },
      result.image_url ? el("img", { src: result.image_url, alt: result.prompt }) : null,
      el("div", {}, el("p", { class: "prompt", id: "beam-best-prompt" }, result.prompt),
        el("p", {}, `score ${result.score.toFixed(3)}`),
        el("ol", { class: "beam-path" }, path.map((n) => el("li", {}, n.round ? `round ${n.round}: ` : "your idea: ", n.prompt || ""))))),
    el("details", {}, el("summary", {}, `Whole tree (${result.tree.length - 1} candidates)`), tree(nodes, "root", new Set(path.map((n) => n.id)))));
  best.hidden = false;
}

function tree(nodes, id, onPath) {
  const kids = [...nodes.values()].filter((n) => n.parent === id);
  if (!kids.length) return null;
  return el("ul", { class: "beam-tree" }, kids.map((n) => el("li", { "data-path": onPath.has(n.id), "data-failed": !!n.error },
    el("span", {}, `${n.id} · ${n.error ? "failed" : n.score.toFixed(3)}${n.kept ? " · kept" : ""} — ${n.prompt || n.error}`),
    tree(nodes, n.id, onPath))));
}
