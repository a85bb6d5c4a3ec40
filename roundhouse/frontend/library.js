// The model library, in the Install view: search the Hub for GGUF repos (#/install), open one
// (#/install/<publisher>/<repo>) to see every GGUF with size, quant and whether it fits the
// chosen host, the licence, the last change and the model card; Install picks a file.
// With more than one host online, "Install on" picks the host that downloads and installs it
// (the fit is judged for that host). "Install GGUF…" on a recommended model opens its page here.
import { api, explain, toast } from "./api.js";
import { remember } from "./store.js";
import { bytes, el } from "./format.js";
import { navigate } from "./router.js";

const ui = { repo: null, page: null, searched: null, host: "" };
const VERDICT = { fits: "ok", tight: "warn", "will not fit": "bad", unknown: "" };

function searchForm() {
  const f = el("form", { id: "library-search", class: "inline", role: "search" },
    el("label", {}, "Search the Hub for GGUF models ",
      el("input", { name: "q", type: "search", placeholder: "qwen, llama 3.2, gemma…", "aria-label": "Search GGUF models" })),
    el("button", { type: "submit" }, "Search"),
    el("span", { class: "form-error", role: "alert" }));
  f.addEventListener("submit", (ev) => { ev.preventDefault(); search(f.q.value.trim()); });
  return f;
}

async function search(q) {
  const out = document.getElementById("library-results");
  const err = document.querySelector("#library-search .form-error");
  err.textContent = "";
  out.replaceChildren(el("li", { class: "muted" }, "Searching…"));
  try {
    const found = await api(`/api/library/search?q=${encodeURIComponent(q)}`);
    ui.searched = q;
    out.replaceChildren(...(found.models.length ? found.models.map(result)
      : [el("li", { class: "muted" }, `No GGUF repository matches “${q}”.`)]));
  } catch (e) { out.replaceChildren(); err.textContent = explain(e); }
}

function result(m) {
  const open = el("a", { href: `#/install/${m.id}`, class: "repo-link" }, m.id);
  const facts = [m.downloads != null && `${m.downloads.toLocaleString()} downloads`,
    m.likes != null && `${m.likes} likes`, m.last_modified && `updated ${m.last_modified.slice(0, 10)}`].filter(Boolean);
  return el("li", { class: "library-hit", "data-repo": m.id }, open, el("span", { class: "muted" }, facts.join(" · ")));
}

function fitBadge(fit) {
  return el("span", { class: `badge ${VERDICT[fit.verdict] || ""}`, title: fit.message }, fit.verdict);
}

function fileRow(file) {
  const install = el("button", { type: "button", "data-action": "install-file" }, "Install");
  install.addEventListener("click", () => pick(file));
  if (file.fit.verdict === "will not fit") install.classList.add("ghost");
  return el("tr", { "data-file": file.name, "data-fit": file.fit.verdict },
    el("td", {}, file.name, file.split ? el("span", { class: "muted" }, ` (${file.files.length} parts)`) : null),
    el("td", {}, file.quant || "—"),
    el("td", { class: "num" }, file.size != null ? bytes(file.size) : "?"),
    el("td", {}, fitBadge(file.fit), el("div", { class: "muted fit-message" }, file.fit.message)),
    el("td", {}, install));
}

/** Every host a worker announced, online or not (GET /healthz); none when it cannot say. */
async function knownHosts() {
  try { return (await api("/healthz")).hosts || []; } catch { return []; }
}

/** "Install on [host]" when more than one host is online; an offline one is listed, disabled. */
function hostPicker(page, known) {
  if (known.filter((h) => h.online).length < 2) return null;
  const select = el("select", { name: "host", id: "library-host" }, ...known.map((h) =>
    el("option", { value: h.host, selected: h.host === page.host, disabled: !h.online },
      h.online ? h.host : `${h.host} (offline)`)));
  select.addEventListener("change", () => { ui.host = select.value; openRepo(ui.repo, true); });
  return el("label", { class: "host-pick" }, "Install on ", select);
}

function repoPanel(page, known) {
  const card = el("div", { class: "model-card" });
  card.innerHTML = page.card_html;  // sanitized by the server (markdown-it, raw HTML off)
  const facts = [page.license ? `Licence: ${page.license}` : "Licence: not stated",
    page.last_modified ? `Last modified ${page.last_modified.slice(0, 10)}` : null,
    page.gated ? "Gated: needs an approved Hugging Face token" : null].filter(Boolean);
  return el("article", { id: "library-repo", class: "card", "data-repo": page.id },
    el("div", { class: "inline" }, el("h3", {}, page.id),
      el("a", { href: "#/install", class: "ghost-link" }, "← Back to search")),
    el("p", { class: "muted repo-facts" }, facts.join(" · ")),
    hostPicker(page, known),
    page.fit_note ? el("p", { class: "muted" }, page.fit_note) : null,
    el("table", { class: "library-files" },
      el("caption", {}, `GGUF files, and whether each fits ${page.host}`),
      el("thead", {}, el("tr", {}, ...["File", "Quant", "Size", "Fit", ""].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, ...page.files.map(fileRow))),
    page.files.length ? null : el("p", { class: "muted" }, "This repository has no GGUF file."),
    el("p", { class: "form-error", id: "library-install-error", role: "alert" }),
    el("h4", {}, "Model card"), card);
}

async function openRepo(repo, refocus = false) {
  const box = document.getElementById("library-page");
  ui.repo = repo;
  box.replaceChildren(el("p", { class: "muted" }, `Reading ${repo} on the Hub…`));
  const host = ui.host ? `?host=${encodeURIComponent(ui.host)}` : "";
  try {
    const [page, known] = await Promise.all([
      api(`/api/library/repo/${repo.split("/").map(encodeURIComponent).join("/")}${host}`), knownHosts()]);
    if (ui.repo !== repo) return;
    ui.page = page;
    box.replaceChildren(repoPanel(page, known));
    if (refocus) document.getElementById("library-host")?.focus({ preventScroll: true });
  } catch (e) { box.replaceChildren(el("p", { class: "form-error", role: "alert" }, explain(e))); }
}

async function pick(file) {
  const f = document.getElementById("install-form");
  const out = document.getElementById("library-install-error");
  out.textContent = "";
  const targets = f ? ["ollama", "lmstudio", "llamacpp"].filter((t) => f[t]?.checked) : ["ollama"];
  const body = { repo_id: ui.page.id, host: ui.page.host, targets: file.split ? targets.filter((t) => t !== "ollama") : targets };
  if (file.split) body.quant = file.quant; else body.file = file.name;
  if (!body.targets.length) { out.textContent = "Choose a target under “Into” (a split GGUF goes to LM Studio or llama.cpp only)."; return; }
  try {
    const job = await api("/api/providers/models/install", { method: "POST", body });
    remember(job);
    toast(job.joined ? "Already installing; following that job." : `Installing ${file.name} on ${body.host}`);
    document.getElementById("install-jobs")?.scrollIntoView({ block: "nearest" });
  } catch (e) { out.textContent = explain(e); }
}

function onEnter(arg) {
  const page = document.getElementById("library-page");
  const results = document.getElementById("library-results");
  if (arg && arg.includes("/")) { results.hidden = true; openRepo(arg); return; }
  ui.repo = null; page.replaceChildren(); results.hidden = false;
}

export function mount({ addView }) {
  const install = document.getElementById("install");
  const section = el("div", { id: "library", class: "card" },
    el("h3", {}, "Model library"), searchForm(),
    el("ul", { id: "library-results", class: "plain", "aria-label": "Search results" }),
    el("div", { id: "library-page" }));
  install?.querySelector("h2")?.after(section);
  addView("install", "Install", null, { onEnter });
  window.addEventListener("roundhouse:install", (e) => {
    const repo = e.detail?.hf?.repo;
    if (repo) navigate("install", repo);
  });
}
