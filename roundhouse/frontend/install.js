// The Install view: GGUF from the Hub into Ollama and/or LM Studio, one job with stages,
// pause/resume/cancel, the downloaded files with update checks, uninstall with a confirmation.
import { api, explain, toast } from "./api.js";
import { getJob, onJob } from "./jobs.js";
import { onEvent } from "./live.js";
import { bytes, el } from "./format.js";

const KINDS = new Set(["model.install", "hf.download", "model.import"]);
const STAGES = { "model.install": ["check", "download", "verify", "import", "test"],
  "hf.download": ["check", "download", "verify"], "model.import": ["verify", "import", "test"] };
const ACTIVE = new Set(["queued", "running", "paused"]);
const API = "/api/providers/models";
const mine = new Map();

function field(label, input) { return el("label", {}, label, input); }

function form() {
  const f = el("form", { id: "install-form", class: "card" },
    el("strong", {}, "Install a GGUF model from Hugging Face"),
    field("Repository ", el("input", { name: "repo_id", required: true, size: 40,
      placeholder: "bartowski/Llama-3.2-3B-Instruct-GGUF" })),
    field("Quantization ", el("input", { name: "quant", value: "Q4_K_M", size: 8 })),
    field("or file ", el("input", { name: "file", size: 30, placeholder: "Model-Q4_K_M.gguf" })),
    el("fieldset", { class: "targets" }, el("legend", {}, "Into"),
      field(el("input", { type: "checkbox", name: "ollama", checked: true }), " Ollama"),
      field(el("input", { type: "checkbox", name: "lmstudio", checked: true }), " LM Studio")),
    field("Ollama name ", el("input", { name: "ollama_name", size: 30, placeholder: "hf.co/<repo>:<quant>" })),
    el("button", { type: "submit" }, "Install"),
    el("button", { type: "button", class: "ghost", "data-action": "download" }, "Download only"),
    el("span", { class: "form-error", role: "alert" }));
  f.addEventListener("submit", (ev) => { ev.preventDefault(); start(f, "install"); });
  f.querySelector("[data-action=download]").addEventListener("click", () => start(f, "hf-download"));
  return f;
}

async function start(f, what) {
  const d = new FormData(f);
  const out = f.querySelector(".form-error");
  out.textContent = "";
  const body = { repo_id: String(d.get("repo_id") || "").trim() };
  if (String(d.get("file") || "").trim()) body.file = String(d.get("file")).trim();
  else body.quant = String(d.get("quant") || "").trim();
  if (what === "install") {
    body.targets = ["ollama", "lmstudio"].filter((t) => d.get(t));
    if (String(d.get("ollama_name") || "").trim()) body.ollama_name = String(d.get("ollama_name")).trim();
  }
  try {
    const job = await api(`${API}/${what}`, { method: "POST", body });
    mine.set(job.id, { ...job, ...(getJob(job.id) || {}) });
    if (job.joined) toast("That model is already being installed; following that job.");
    drawJobs();
  } catch (e) { out.textContent = explain(e); }
}

async function act(id, action) {
  try { await api(`/api/jobs/${id}/${action}`, { method: "POST" }); } catch (e) { toast(explain(e)); }
}

function stageList(job) {
  const names = STAGES[job.kind] || [];
  const at = names.indexOf(job.stage);
  const finished = job.state === "succeeded";
  return el("ol", { class: "stages" }, names.map((s, i) => el("li", { "data-stage": s,
    class: finished || (at >= 0 && i < at) ? "done" : i === at ? "current" : "" }, s)));
}

function card(job) {
  const pct = Math.round((job.progress || 0) * 1000) / 10;
  const buttons = [];
  if (job.state === "running" && job.pausable) buttons.push(el("button", { class: "ghost", onclick: () => act(job.id, "pause") }, "Pause"));
  if (job.state === "paused") buttons.push(el("button", { class: "ghost", onclick: () => act(job.id, "resume") }, "Resume"));
  if (ACTIVE.has(job.state)) buttons.push(el("button", { class: "danger", onclick: () => act(job.id, "cancel") }, "Cancel"));
  const nums = job.total ? `${bytes(job.done || 0)} of ${bytes(job.total)}` : "";
  return el("li", { class: "install-job", id: `install-${job.id}`, "data-state": job.state, "data-stage": job.stage || "" },
    el("header", {}, el("strong", {}, job.params?.repo_id || job.kind), " ", el("span", { class: "state" }, job.state)),
    stageList(job),
    el("div", { class: "bar", role: "progressbar", "aria-valuenow": pct, "aria-valuemin": 0, "aria-valuemax": 100 },
      el("i", { style: `width:${pct}%` })),
    el("div", { class: "line" }, el("span", { class: "message" }, job.message || ""), el("span", { class: "nums" }, nums)),
    job.error ? el("div", { class: "error" }, job.hint ? `${job.error} — ${job.hint}` : job.error) : null,
    buttons.length ? el("div", { class: "actions" }, buttons) : null);
}

function drawJobs() {
  const list = [...mine.values()].sort((a, b) => (b.created_at || 0) - (a.created_at || 0)).slice(0, 20);
  document.getElementById("install-jobs").replaceChildren(...list.map(card));
}

function confirmButton(label, question, run) {
  const box = el("span", { class: "confirm" });
  const ask = () => box.replaceChildren(el("span", {}, question, " "),
    el("button", { class: "danger", onclick: run }, "Yes, remove"),
    el("button", { class: "ghost", onclick: reset }, "Keep"));
  const reset = () => box.replaceChildren(el("button", { class: "ghost", onclick: ask }, label));
  reset();
  return box;
}

async function remove(path, done) {
  try { await api(path, { method: "DELETE" }); toast(done); await loadFiles(); } catch (e) { toast(explain(e)); }
}

async function update(id) {
  try { const job = await api(`${API}/files/${id}/update`, { method: "POST", body: {} }); mine.set(job.id, job); drawJobs(); }
  catch (e) { toast(explain(e)); }
}

function fileRow(d) {
  const size = d.files.reduce((n, f) => n + (f.size || 0), 0);
  const lm = (d.imports?.lmstudio || []).map((p) => el("div", { class: "lm" }, `LM Studio: ${p} `,
    confirmButton("Remove from LM Studio", `Delete ${p} from LM Studio's folder?`,
      () => remove(`${API}/lmstudio/${p.split("/").map(encodeURIComponent).join("/")}`, `Removed ${p}`))));
  const up = d.update;
  return el("li", { class: "file", "data-id": d.id },
    el("strong", {}, d.repo_id), ` ${d.files.map((f) => f.filename).join(", ")} · ${bytes(size)}`,
    d.imports?.ollama ? el("div", {}, `Ollama: ${d.imports.ollama}`) : null, ...lm,
    up ? el("div", { class: up.available ? "update available" : "update" }, up.message) : null,
    el("div", { class: "actions" },
      up?.available ? el("button", { onclick: () => update(d.id) }, "Update") : null,
      confirmButton("Delete file", `Delete the downloaded file(s) of ${d.repo_id}?`,
        () => remove(`${API}/files/${d.id}`, `Deleted ${d.repo_id}`))));
}

async function loadFiles() {
  try {
    const data = await api(`${API}/files`);
    document.getElementById("install-files").replaceChildren(...data.files.map(fileRow));
    document.getElementById("install-disk").textContent = `${bytes(data.disk.free_bytes)} free on ${data.disk.host}`;
  } catch (e) { document.getElementById("install-disk").textContent = explain(e); }
}

async function checkUpdates(btn) {
  btn.disabled = true;
  try { await api(`${API}/files/updates`, { method: "POST", body: {} }); await loadFiles(); }
  catch (e) { toast(explain(e)); } finally { btn.disabled = false; }
}

function fromCatalog(entry) {
  const f = document.getElementById("install-form");
  if (!f || !entry?.hf) return;
  f.repo_id.value = entry.hf.repo;
  f.quant.value = entry.quant || entry.hf.default_quant || "Q4_K_M";
  f.file.value = "";
  document.querySelector('#views [data-view="install"]')?.click();
  start(f, "install");
}

const CSS = `#install-form{display:flex;flex-wrap:wrap;gap:10px 16px;align-items:center}
#install-form > strong{flex-basis:100%}
#install-form fieldset{border:1px solid var(--line);border-radius:6px;display:flex;gap:12px;padding:4px 10px}
#install .stages{display:flex;gap:.4em;list-style:none;padding:0;margin:.4em 0}
#install .stages li{padding:.1em .6em;border-radius:1em;background:var(--line);color:var(--muted);font-size:.85em}
#install .stages li.done{color:var(--ok)}#install .stages li.current{background:var(--accent);color:#fff}
#install .install-job,#install .file{list-style:none;margin:.6em 0;padding:.6em;border:1px solid var(--line);border-radius:var(--radius);background:var(--panel)}
#install .update.available{color:var(--warn);font-weight:600}#install .error{color:var(--bad)}`;

export function mount({ addView }) {
  document.head.append(el("style", {}, CSS));
  const check = el("button", { class: "ghost", id: "install-check-updates" }, "Check for updates");
  check.addEventListener("click", () => checkUpdates(check));
  const section = el("section", { id: "install", class: "view", hidden: true },
    el("h2", {}, "Install"), form(), el("ul", { id: "install-jobs" }),
    el("h3", {}, "Downloaded models ", check), el("p", { id: "install-disk", class: "muted" }),
    el("ul", { id: "install-files" }));
  addView("install", "Install", section);
  window.addEventListener("roundhouse:install", (e) => fromCatalog(e.detail));
  onJob((job, msg) => {
    const known = mine.get(job.id);
    if (!KINDS.has(job.kind) && !known) return;
    // some state events carry no kind/params (the runner's pause): keep what we knew
    mine.set(job.id, { ...known, ...job, kind: job.kind || known?.kind, params: job.params || known?.params });
    drawJobs();
    if (msg.type === "job" && msg.event === "state" && !ACTIVE.has(job.state)) loadFiles();
  });
  onEvent((msg) => { if (msg.type === "models") loadFiles(); });
  loadFiles();
}
