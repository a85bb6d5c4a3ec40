// The Install view: GGUF from the Hub into Ollama and/or LM Studio, one job with stages,
// pause/resume/cancel, the downloaded files (install_files.js). Cards come from the job store,
// one per job id, updated in place.
import { api, explain, toast } from "./api.js";
import { onEvent } from "./live.js";
import { ACTIVE, allJobs, newestFirst, onJob, remember, title } from "./store.js";
import { bar, controls, errorText, folded, numbers, setBar, setControls, setFolded, setStateBadge, setText, stateBadge } from "./ui.js";
import { el } from "./format.js";
import { checkUpdates, loadFiles } from "./install_files.js";

const KINDS = new Set(["model.install", "hf.download", "model.import"]);
const STAGES = { "model.install": ["check", "download", "verify", "import", "test"],
  "hf.download": ["check", "download", "verify"], "model.import": ["verify", "import", "test"] };
const TARGETS = { ollama: "Ollama", lmstudio: "LM Studio", llamacpp: "llama.cpp" };
const API = "/api/providers/models";
const SHOWN = 20;

function field(label, input) { return el("label", {}, label, input); }

function form() {
  const f = el("form", { id: "install-form", class: "card" },
    el("strong", {}, "Install a GGUF model from Hugging Face"),
    field("Repository ", el("input", { name: "repo_id", required: true, placeholder: "bartowski/Llama-3.2-3B-Instruct-GGUF" })),
    field("Quantization ", el("input", { name: "quant", value: "Q4_K_M", size: 8 })),
    field("or file ", el("input", { name: "file", placeholder: "Model-Q4_K_M.gguf" })),
    el("fieldset", { class: "targets" }, el("legend", {}, "Into"),
      field(el("input", { type: "checkbox", name: "ollama", checked: true }), " Ollama"),
      field(el("input", { type: "checkbox", name: "lmstudio", checked: true }), " LM Studio"),
      field(el("input", { type: "checkbox", name: "llamacpp" }), " llama.cpp")),
    field("Ollama name ", el("input", { name: "ollama_name", placeholder: "hf.co/<repo>:<quant>" })),
    el("div", { class: "inline" }, el("button", { type: "submit" }, "Install"),
      el("button", { type: "button", class: "ghost", "data-action": "download" }, "Download only")),
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
    body.targets = ["ollama", "lmstudio", "llamacpp"].filter((t) => d.get(t));
    if (String(d.get("ollama_name") || "").trim()) body.ollama_name = String(d.get("ollama_name")).trim();
  }
  try {
    const job = await api(`${API}/${what}`, { method: "POST", body });
    remember(job);
    if (job.joined) toast("That model is already being installed; following that job.");
  } catch (e) { out.textContent = explain(e); }
}

/** "Page-Q4_K_M.gguf → Ollama (hf.co/x:Q4_K_M), LM Studio": what this job works on. */
function subject(job) {
  const p = job.params || {};
  const files = (p.files || (p.file ? [p.file] : [])).map((f) => (typeof f === "string" ? f : f.filename)).filter(Boolean);
  const what = files.length ? files.join(", ") : p.quant ? `quantization ${p.quant}` : p.path || "";
  const into = (p.targets || []).map((t) => (t === "ollama" && p.ollama_name ? `Ollama (${p.ollama_name})` : TARGETS[t] || t));
  const where = job.kind === "hf.download" ? "download only" : into.length ? `into ${into.join(", ")}` : "";
  return [what, where].filter(Boolean).join(" → ");
}

function setStages(list, job) {
  const names = STAGES[job.kind] || [];
  // a paused, failed or queued job's stage says so; the chips keep the stage it was in
  let at = names.indexOf(job.stage);
  if (at >= 0) list.dataset.at = String(at);
  else if (list.dataset.at) at = Number(list.dataset.at);
  const finished = job.state === "succeeded";
  if (list.children.length !== names.length) list.replaceChildren(...names.map((s) => el("li", { "data-stage": s }, s)));
  [...list.children].forEach((li, i) => {
    const cls = finished || (at >= 0 && i < at) ? "done" : i === at ? `current st-${job.state}` : "";
    if (li.className !== cls) li.className = cls;
  });
}

/** When the job was made: two jobs for one repo differ at least by this. */
function started(job) {
  return job.created_at ? `started ${new Date(job.created_at * 1000).toLocaleTimeString()}` : "";
}

function makeCard(job) {
  const name = title(job);
  const card = el("li", { class: "install-job", id: `install-${job.id}`, "data-id": job.id },
    el("header", {}, el("strong", { class: "repo" }), el("span", { class: "when muted" }, started(job)), stateBadge(job)),
    el("div", { class: "subject muted" }),
    el("ol", { class: "stages", "aria-label": "Stages" }),
    bar(job, `Progress of ${name}`),
    el("div", { class: "line" }, el("span", { class: "message" }), el("span", { class: "nums" })),
    folded(errorText(job)), controls(job, name));
  return updateCard(card, job);
}

function updateCard(card, job) {
  card.dataset.state = job.state || ""; card.dataset.stage = job.stage || "";
  setText(card.querySelector(".repo"), job.params?.repo_id || title(job));
  setStateBadge(card.querySelector(".state"), job);
  setText(card.querySelector(".subject"), subject(job));
  setStages(card.querySelector(".stages"), job);
  setBar(card.querySelector(".bar"), job);
  setText(card.querySelector(".message"), job.message || "");
  setText(card.querySelector(".nums"), numbers(job));
  setFolded(card.querySelector(".folded"), errorText(job));
  setControls(card.querySelector(".actions"), job, job.params?.repo_id || title(job));
  return card;
}

function show(job) {
  if (!KINDS.has(job.kind)) return;
  const list = document.getElementById("install-jobs");
  const node = document.getElementById(`install-${job.id}`);
  if (job.removed) { node?.remove(); return; }
  if (node) { updateCard(node, job); return; }
  const newest = newestFirst(allJobs().filter((j) => KINDS.has(j.kind))).slice(0, SHOWN);
  if (!newest.some((j) => j.id === job.id)) return;
  const card = makeCard(job);
  card.dataset.created = String(job.created_at || 0);
  const later = [...list.children].find((c) => Number(c.dataset.created || 0) < (job.created_at || 0));
  list.insertBefore(card, later || null);
}

function fromCatalog(entry) {
  const f = document.getElementById("install-form");
  if (!f || !entry?.hf) return;
  f.repo_id.value = entry.hf.repo;
  f.quant.value = entry.quant || entry.hf.default_quant || "Q4_K_M";
  f.file.value = "";  // library.js opens the repo's page, where a file is picked
}

export function mount({ addView }) {
  const check = el("button", { type: "button", class: "ghost", id: "install-check-updates" }, "Check for updates");
  check.addEventListener("click", () => checkUpdates(check));
  const section = el("section", { id: "install", "aria-labelledby": "install-title" },
    el("h2", { id: "install-title" }, "Install"), form(), el("ul", { id: "install-jobs", class: "plain" }),
    el("h3", {}, "Downloaded models ", check), el("p", { id: "install-disk", class: "muted" }),
    el("ul", { id: "install-files", class: "plain" }));
  addView("install", "Install", section);
  window.addEventListener("roundhouse:install", (e) => fromCatalog(e.detail));
  for (const job of newestFirst(allJobs())) show(job);
  onJob((job, msg) => {
    show(job);
    if (KINDS.has(job.kind) && msg.type === "job" && msg.event === "state" && !ACTIVE.has(job.state)) loadFiles();
  });
  onEvent((msg) => { if (msg.type === "models") loadFiles(); });
  return loadFiles();
}
