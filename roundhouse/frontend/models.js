// The Models view (local environment): installed models per backend, recommendations with fit,
// and Ollama pulls with a live bar. Bars come from the jobs' own events (jobs.js), so a reload
// or a second tab shows the same bar; "models" events refresh the installed list everywhere.
import { api, explain, toast } from "./api.js";
import { onEvent } from "./live.js";
import { getJob, onJob } from "./jobs.js";
import { bytes, duration, el } from "./format.js";

const KIND = "ollama.pull";
const ACTIVE = new Set(["queued", "running", "paused"]);
const FIT = { fits: "ok", tight: "warn", "will not fit": "bad" };
const view = { status: null, recs: null, error: "", pulls: new Map(), models: new Map() };

const key = (name) => (name || "").toLowerCase();

export async function mount({ addView }) {
  let status = null;
  try { status = await api("/api/providers/models/status"); } catch (e) { view.error = explain(e); }
  if (status && !status.local) return;
  view.status = status;
  const section = el("section", { id: "models", class: "view", hidden: true },
    el("h2", {}, "Models"),
    el("form", { id: "pull-form", class: "card inline", onsubmit: pullByName },
      el("strong", {}, "Pull into Ollama"),
      el("input", { name: "model", placeholder: "llama3.2 or qwen2.5:7b", "aria-label": "Ollama model name", required: true }),
      el("button", { type: "submit" }, "Download"),
      el("span", { class: "form-error", role: "alert" })),
    el("ul", { id: "models-pulls", style: "list-style:none;padding:0" }),
    el("div", { id: "models-installed", class: "card" }),
    el("div", { id: "models-recommended", class: "card" }));
  addView("models", "Models", section);
  onJob(trackJob);
  onEvent((msg) => { if (msg.type === "models" || msg.type === "snapshot") refresh(); });
  await refresh();
}

async function refresh() {
  try {
    [view.status, view.recs] = await Promise.all([api("/api/providers/models/status"),
      api("/api/providers/models/recommendations")]);
    view.error = "";
  } catch (e) { view.error = explain(e); }
  render();
}

// -- pulls ---------------------------------------------------------------------------------
async function trackJob(job) {
  if (job.kind !== KIND) return;
  let model = job.params?.model || view.models.get(job.id);
  if (!model) {
    try { model = (await api(`/api/jobs/${job.id}`)).params.model; } catch { return; }
  }
  view.models.set(job.id, model);
  const current = view.pulls.get(key(model));
  if (current && current.id !== job.id && ACTIVE.has(current.state) && !ACTIVE.has(job.state)) return;
  const latest = getJob(job.id) || job;
  view.pulls.set(key(model), latest);
  drawPull(key(model));
  if (latest.state === "succeeded") refresh();
}

async function startPull(model) {
  const job = await api("/api/providers/models/download", { method: "POST", body: { provider: "ollama", model } });
  view.models.set(job.id, job.params.model);
  view.pulls.set(key(job.params.model), { ...job, ...(getJob(job.id) || {}) });
  drawPull(key(job.params.model));
  return job;
}

async function pullByName(ev) {
  ev.preventDefault();
  const form = ev.currentTarget;
  const out = form.querySelector(".form-error");
  out.textContent = "";
  try { await startPull(form.model.value.trim()); form.reset(); } catch (e) { out.textContent = explain(e); }
}

function pullButton(model, label) {
  return el("button", { class: label === "Download" ? "" : "ghost", "data-action": label.toLowerCase(),
    onclick: async (ev) => {
      ev.currentTarget.disabled = true;
      try { await startPull(model); } catch (e) { toast(explain(e)); ev.currentTarget.disabled = false; }
    } }, label);
}

function progressText(job) {
  const parts = [];
  if (job.total) parts.push(`${bytes(job.done || 0)} of ${bytes(job.total)}`);
  if (job.state === "running" && job.speed) parts.push(`${bytes(job.speed)}/s`);
  if (job.state === "running" && job.eta) parts.push(`${duration(job.eta)} left`);
  return parts.join(" · ");
}

function pullCell(model) {
  const job = view.pulls.get(key(model));
  const box = el("div", { class: "pull", "data-model": key(model) });
  if (!job) return box;
  const pct = Math.round((job.progress || 0) * 1000) / 10;
  box.dataset.state = job.state; box.dataset.job = job.id;
  box.append(
    el("div", { class: "line muted" }, el("span", { class: "stage" }, job.error || job.message || job.stage || ""),
      " ", el("span", { class: "nums" }, progressText(job))),
    ACTIVE.has(job.state) || job.state === "succeeded"
      ? el("div", { class: "bar", role: "progressbar", "aria-valuenow": pct, "aria-valuemin": 0, "aria-valuemax": 100 },
        el("i", { style: `width:${pct}%` })) : null,
    ACTIVE.has(job.state) ? el("button", { class: "danger", onclick: () => cancel(job) }, "Cancel") : null);
  return box;
}

function drawPull(k) {
  const list = document.getElementById("models-pulls");
  if (list && !list.querySelector(`li[data-model="${CSS.escape(k)}"]`)) {
    const name = view.pulls.get(k)?.params?.model || [...view.models.values()].find((m) => key(m) === k) || k;
    list.append(el("li", { "data-model": k }, el("strong", {}, name), pullCell(k)));
  }
  for (const box of document.querySelectorAll(`#models .pull[data-model="${CSS.escape(k)}"]`)) {
    box.replaceWith(pullCell(k));
  }
}

async function cancel(job) {
  try { await api(`/api/jobs/${job.id}/cancel`, { method: "POST" }); } catch (e) { toast(explain(e)); }
}

// -- installed -----------------------------------------------------------------------------
async function uninstall(name) {
  if (!window.confirm(`Uninstall ${name} from Ollama? Its files are deleted.`)) return;
  try { await api(`/api/providers/models/ollama/${encodeURI(name)}`, { method: "DELETE" }); refresh(); }
  catch (e) { toast(explain(e)); }
}

async function checkUpdates(button) {
  button.disabled = true;
  try {
    const body = await api("/api/providers/models/check-updates", { method: "POST" });
    for (const job of body.jobs) { view.models.set(job.id, job.params.model); view.pulls.set(key(job.params.model), job); drawPull(key(job.params.model)); }
    toast(`Checking ${body.models.length} model(s) for updates`);
  } catch (e) { toast(explain(e)); }
  button.disabled = false;
}

function ollamaTable(ollama) {
  if (!ollama.ok) return el("p", { class: "form-error" }, ollama.hint ? `${ollama.error} — ${ollama.hint}` : ollama.error);
  if (!ollama.models.length) return el("p", { class: "muted" }, "No models in Ollama yet: download one below.");
  return el("table", { id: "ollama-installed" },
    el("thead", {}, el("tr", {}, ...["Model", "Family", "Size", "", ""].map((h) => el("th", {}, h)))),
    el("tbody", {}, ...ollama.models.map((m) => el("tr", { "data-model": key(m.name) },
      el("td", {}, m.name), el("td", {}, [m.family, m.parameter_size, m.quantization].filter(Boolean).join(" · ")),
      el("td", {}, bytes(m.size)), el("td", {}, pullCell(m.name)),
      el("td", { class: "actions" }, pullButton(m.name, "Update"),
        el("button", { class: "danger", "data-action": "uninstall", onclick: () => uninstall(m.name) }, "Uninstall"))))));
}

function lmstudioList(lms) {
  const head = lms.ok ? `LM Studio (${lms.models.length} served)` : lms.error;
  const rows = lms.files.map((f) => el("li", {}, `${f.path} · ${bytes(f.size)}`));
  return [el("h4", {}, head), rows.length ? el("ul", { id: "lmstudio-files" }, rows) : el("p", { class: "muted" }, `No GGUF files in ${lms.dir}.`)];
}

function installedCard() {
  const { ollama, lmstudio } = view.status.backends;
  const check = el("button", { class: "ghost", id: "check-updates", onclick: (ev) => checkUpdates(ev.currentTarget) }, "Check for updates");
  return [el("div", { class: "inline" }, el("h3", {}, "Installed"), ollama.ok && ollama.models.length ? check : null),
    el("h4", {}, `Ollama (${ollama.url})`), ollamaTable(ollama), ...lmstudioList(lmstudio)];
}

// -- recommended ---------------------------------------------------------------------------
function recRow(r) {
  const fit = el("span", { class: `badge ${FIT[r.fit.verdict] || ""}`, title: r.fit.message }, r.fit.verdict);
  const install = el("button", { class: "ghost", "data-action": "install-gguf",
    onclick: () => window.dispatchEvent(new CustomEvent("roundhouse:install", { detail: r })) }, "Install GGUF…");
  const got = r.installed ? el("span", { class: "badge ok" }, "installed") : pullButton(r.ollama, "Download");
  return el("tr", { "data-model": key(r.ollama), "data-id": r.id },
    el("td", {}, el("strong", {}, r.name), r.recommended ? el("span", { class: "badge ok" }, " recommended") : null,
      el("div", { class: "muted" }, r.description)),
    el("td", {}, bytes(r.size_bytes)),
    el("td", {}, fit, el("div", { class: "muted fit" }, r.fit.message)),
    el("td", {}, got, " ", install, pullCell(r.installed_as || r.ollama)));
}

function recommendedCard() {
  return [el("h3", {}, "Recommended"),
    el("table", { id: "recommended" },
      el("thead", {}, el("tr", {}, ...["Model", "Download", "Fits this machine?", ""].map((h) => el("th", {}, h)))),
      el("tbody", {}, ...view.recs.models.map(recRow)))];
}

function render() {
  const installed = document.getElementById("models-installed");
  const recommended = document.getElementById("models-recommended");
  if (!installed) return;
  if (view.error || !view.status) { installed.replaceChildren(el("p", { class: "form-error" }, view.error)); return; }
  installed.replaceChildren(...installedCard());
  if (view.recs) recommended.replaceChildren(...recommendedCard());
}
