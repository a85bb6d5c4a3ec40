// The Models view (local environment): installed models per backend, recommendations with fit,
// and Ollama pulls with a live bar. Bars come from the job store, so a reload or a second tab
// shows the same bar; "models" events refresh the installed list everywhere.
import { api, explain, toast } from "./api.js";
import { onEvent } from "./live.js";
import { ACTIVE, allJobs, newestFirst, onJob, remember } from "./store.js";
import { bar, controls, errorText, numbers, setBar, setControls, setText } from "./ui.js";
import { bytes, el } from "./format.js";

const KIND = "ollama.pull";
const FIT = { fits: "ok", tight: "warn", "will not fit": "bad" };
const view = { status: null, recs: null, error: "", pulls: new Map() };

const key = (name) => (name || "").toLowerCase();
const modelOf = (job) => job.params?.model || "";

export function mount({ addView }) {
  const section = el("section", { id: "models", "aria-labelledby": "models-title" },
    el("h2", { id: "models-title" }, "Models"),
    el("form", { id: "pull-form", class: "card inline", onsubmit: pullByName },
      el("strong", {}, "Pull into Ollama"),
      el("input", { name: "model", placeholder: "llama3.2 or qwen2.5:7b", "aria-label": "Ollama model name", required: true }),
      el("button", { type: "submit" }, "Download"),
      el("span", { class: "form-error", role: "alert" })),
    el("ul", { id: "models-pulls", class: "plain", "aria-label": "Pulls" }),
    el("div", { id: "models-installed", class: "card" }, el("p", { class: "muted" }, "Asking Ollama and LM Studio…")),
    el("div", { id: "models-recommended", class: "card", hidden: true }));
  addView("models", "Models", section);
  onJob(trackJob);
  for (const job of newestFirst(allJobs()).reverse()) trackJob(job);
  onEvent((msg) => { if (msg.type === "models" || (msg.type === "snapshot" && msg.cursor)) refresh(); });
  return refresh();
}

async function refresh() {
  try {
    [view.status, view.recs] = await Promise.all([api("/api/providers/models/status"),
      api("/api/providers/models/recommendations")]);
    view.error = "";
  } catch (e) { view.error = explain(e); }
  render();
}

// -- pulls: one row per model, following its newest job ------------------------------------
function trackJob(job) {
  if (job.kind !== KIND || !modelOf(job)) return;
  const k = key(modelOf(job));
  const current = view.pulls.get(k);
  if (job.removed) { if (current?.id === job.id) { view.pulls.delete(k); drawPull(k); } return; }
  if (current && current.id !== job.id && (current.created_at || 0) > (job.created_at || 0)) return;
  view.pulls.set(k, job);
  drawPull(k);
  if (job.state === "succeeded" && current?.state !== "succeeded" && !job.cached) refresh();
}

async function startPull(model) {
  const job = remember(await api("/api/providers/models/download", { method: "POST", body: { provider: "ollama", model } }));
  trackJob(job);
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
  return el("button", { type: "button", class: label === "Download" ? "" : "ghost", "data-action": label.toLowerCase(),
    "aria-label": `${label} ${model}`,
    onclick: async (ev) => {
      const button = ev.currentTarget;
      button.disabled = true;
      try { await startPull(model); } catch (e) { toast(explain(e)); }
      button.disabled = false;
    } }, label);
}

/** A pull's status box (text + bar, and the buttons in the pulls list); updated in place. */
function pullBox(k, withControls) {
  const box = el("div", { class: "pull", "data-model": k },
    el("div", { class: "line muted" }, el("span", { class: "stage" }), el("span", { class: "nums" })),
    bar({}, `Pull of ${k}`), withControls ? controls({}) : null);
  return updatePullBox(box, view.pulls.get(k));
}

function updatePullBox(box, job) {
  box.hidden = !job;
  if (!job) return box;
  box.dataset.state = job.state; box.dataset.job = job.id;
  setText(box.querySelector(".stage"), errorText(job) || job.message || job.stage || "");
  setText(box.querySelector(".nums"), numbers(job));
  const barNode = box.querySelector(".bar");
  setBar(barNode, job);
  barNode.hidden = !(ACTIVE.has(job.state) || job.state === "succeeded");
  const actions = box.querySelector(".actions");
  if (actions) setControls(actions, job, modelOf(job));
  return box;
}

function drawPull(k) {
  const list = document.getElementById("models-pulls");
  let row = list.querySelector(`li[data-model="${CSS.escape(k)}"]`);
  const job = view.pulls.get(k);
  if (!job) { row?.remove(); return; }
  if (!row) {
    row = el("li", { "data-model": k, class: "card pull-row" }, el("strong", {}, modelOf(job)), pullBox(k, true));
    list.prepend(row);
  }
  for (const box of document.querySelectorAll(`#models .pull[data-model="${CSS.escape(k)}"]`)) updatePullBox(box, job);
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
    for (const job of body.jobs) trackJob(remember(job));
    toast(`Checking ${body.models.length} model(s) for updates`);
  } catch (e) { toast(explain(e)); }
  button.disabled = false;
}

function ollamaTable(ollama) {
  if (!ollama.ok) return el("p", { class: "form-error" }, errorText(ollama));
  if (!ollama.models.length) return el("p", { class: "muted" }, "No models in Ollama yet: download one above.");
  return el("table", { id: "ollama-installed", class: "stack" },
    el("thead", {}, el("tr", {}, ...["Model", "Family", "Size", "Pull", "Actions"].map((h) => el("th", {}, h)))),
    el("tbody", {}, ...ollama.models.map((m) => el("tr", { "data-model": key(m.name) },
      el("td", {}, m.name), el("td", {}, [m.family, m.parameter_size, m.quantization].filter(Boolean).join(" · ")),
      el("td", {}, bytes(m.size)), el("td", {}, pullBox(key(m.name), false)),
      el("td", { class: "actions" }, pullButton(m.name, "Update"),
        el("button", { type: "button", class: "danger", "data-action": "uninstall", "aria-label": `Uninstall ${m.name}`,
          onclick: () => uninstall(m.name) }, "Uninstall"))))));
}

function lmstudioList(lms) {
  const head = lms.ok ? `LM Studio (${lms.models.length} served)` : lms.error;
  const rows = lms.files.map((f) => el("li", {}, `${f.path} · ${bytes(f.size)}`));
  return [el("h4", {}, head), rows.length ? el("ul", { id: "lmstudio-files" }, rows) : el("p", { class: "muted" }, `No GGUF files in ${lms.dir}.`)];
}

function installedCard() {
  const { ollama, lmstudio } = view.status.backends;
  const check = el("button", { type: "button", class: "ghost", id: "check-updates", onclick: (ev) => checkUpdates(ev.currentTarget) }, "Check for updates");
  return [el("div", { class: "inline" }, el("h3", {}, "Installed"), ollama.ok && ollama.models.length ? check : ""),
    el("h4", {}, `Ollama (${ollama.url})`), ollamaTable(ollama), ...lmstudioList(lmstudio)];
}

// -- recommended ---------------------------------------------------------------------------
function recRow(r) {
  const fit = el("span", { class: `badge ${FIT[r.fit.verdict] || ""}`, title: r.fit.message }, r.fit.verdict);
  const install = el("button", { type: "button", class: "ghost", "data-action": "install-gguf", "aria-label": `Install ${r.name} as GGUF`,
    onclick: () => window.dispatchEvent(new CustomEvent("roundhouse:install", { detail: r })) }, "Install GGUF…");
  const got = r.installed ? el("span", { class: "badge ok" }, "installed") : pullButton(r.ollama, "Download");
  return el("tr", { "data-model": key(r.ollama), "data-id": r.id },
    el("td", {}, el("strong", {}, r.name), r.recommended ? el("span", { class: "badge ok" }, " recommended") : "",
      el("div", { class: "muted" }, r.description)),
    el("td", {}, bytes(r.size_bytes)),
    el("td", {}, fit, el("div", { class: "muted fit" }, r.fit.message)),
    el("td", { class: "actions" }, got, install, pullBox(key(r.installed_as || r.ollama), false)));
}

function recommendedCard() {
  return [el("h3", {}, "Recommended"),
    el("table", { id: "recommended", class: "stack" },
      el("thead", {}, el("tr", {}, ...["Model", "Download", "Fits this machine?", "Get it"].map((h) => el("th", {}, h)))),
      el("tbody", {}, ...view.recs.models.map(recRow)))];
}

function render() {
  const installed = document.getElementById("models-installed");
  const recommended = document.getElementById("models-recommended");
  if (view.error || !view.status) { installed.replaceChildren(el("p", { class: "form-error" }, view.error || "No answer yet.")); return; }
  if (!view.status.local) {
    installed.replaceChildren(el("p", { class: "muted" }, "This Roundhouse runs in the cloud environment: there are no local models to manage."));
    recommended.hidden = true;
    return;
  }
  installed.replaceChildren(...installedCard());
  if (view.recs) { recommended.replaceChildren(...recommendedCard()); recommended.hidden = false; }
}
