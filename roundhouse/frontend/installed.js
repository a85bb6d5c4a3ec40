// "Use or try a model", in the Models view: every chat model the running backends offer, with
// its details (parameters, quant, context, size, licence, modified), sorted and filtered.
// Use switches the LLM role to it (verified: the model's reply is shown); Try sends one prompt
// and streams the answer into the page.
import { api, explain, ApiError } from "./api.js";
import { onEvent } from "./live.js";
import { bytes, el } from "./format.js";
import { TITLES, useModel } from "./use_model.js";

const ui = { rows: [], sort: "name", filter: "", active: null, drawn: "" };
const SORTS = { name: "Name", provider: "Backend", size: "Size (largest first)", modified: "Newest first" };

async function load() {
  const box = document.getElementById("installed-models");
  let chat, status;
  try {
    [chat, status] = await Promise.all([api("/api/providers/llm/models"), api("/api/providers/models/status")]);
  } catch (e) { box.replaceChildren(el("p", { class: "form-error" }, explain(e))); return; }
  try { ui.active = (await api("/api/providers/status")).active.llm; } catch { ui.active = null; }
  const tags = new Map((status.backends.ollama.models || []).map((m) => [m.name, m]));
  const files = status.backends.lmstudio.files || [];
  ui.rows = chat.models.map(({ provider, model }) => {
    const tag = provider === "ollama" ? tags.get(model) : null;
    const file = provider === "lmstudio" ? files.find((f) => f.name.toLowerCase().startsWith(model.split("@")[0].split("/").pop().toLowerCase())) : null;
    return { provider, model, params: tag?.parameter_size || "", quant: tag?.quantization || "",
      size: tag?.size ?? file?.size ?? null, modified: tag?.modified || "" };
  });
  const down = Object.entries(chat.backends).filter(([, b]) => !b.ok && b.error !== "not configured" && b.error !== "no API key configured");
  const note = document.getElementById("installed-down");
  if (note) note.textContent = down.map(([name, b]) => `${TITLES[name] || name}: ${b.error}`).join(" · ");
  const drawn = JSON.stringify(ui.rows);
  if (drawn !== ui.drawn) { ui.drawn = drawn; paint(); }  // an open Try or Details stays open
  else markInUse();
}

function markInUse() {
  for (const tr of document.querySelectorAll("#installed-models tbody tr:not(.under)")) {
    const on = ui.active?.provider === tr.dataset.provider && ui.active?.model === tr.dataset.model;
    tr.classList.toggle("in-use", on);
    tr.querySelector("[data-action=use]").textContent = on ? "In use" : "Use";
  }
}

function sorted() {
  const text = ui.filter.toLowerCase();
  const rows = ui.rows.filter((r) => !text || `${r.model} ${r.provider} ${r.params} ${r.quant}`.toLowerCase().includes(text));
  const by = {
    name: (a, b) => a.model.localeCompare(b.model),
    provider: (a, b) => a.provider.localeCompare(b.provider) || a.model.localeCompare(b.model),
    size: (a, b) => (b.size || 0) - (a.size || 0),
    modified: (a, b) => String(b.modified).localeCompare(String(a.modified)),
  }[ui.sort];
  return rows.sort(by);
}

function paint() {
  const body = document.querySelector("#installed-models tbody") || table();
  const rows = sorted();
  body.replaceChildren(...rows.map(row));
  document.getElementById("installed-empty").hidden = rows.length > 0;
}

function table() {
  const box = document.getElementById("installed-models");
  const body = el("tbody");
  box.replaceChildren(el("table", { class: "installed-table" },
    el("thead", {}, el("tr", {}, ...["Model", "Backend", "Params", "Quant", "Size", "Modified", ""].map((h) => el("th", { scope: "col" }, h)))),
    body), el("p", { id: "installed-empty", class: "muted", hidden: true }, "No chat model matches."));
  return body;
}

function row(r) {
  const active = ui.active && ui.active.provider === r.provider && ui.active.model === r.model;
  const actions = el("td", { class: "actions" },
    el("button", { type: "button", class: "ghost", "data-action": "details", onclick: (ev) => details(r, ev.target) }, "Details"),
    el("button", { type: "button", "data-action": "use", onclick: (ev) => use(r, ev.target) }, active ? "In use" : "Use"),
    el("button", { type: "button", class: "ghost", "data-action": "try", onclick: (ev) => tryPanel(r, ev.target) }, "Try"));
  return el("tr", { "data-provider": r.provider, "data-model": r.model, class: active ? "in-use" : "" },
    el("td", {}, r.model), el("td", {}, TITLES[r.provider] || r.provider), el("td", {}, r.params),
    el("td", {}, r.quant), el("td", { class: "num" }, r.size != null ? bytes(r.size) : ""),
    el("td", {}, r.modified ? r.modified.slice(0, 10) : ""), actions);
}

/** A full-width row under the model's row, replacing any earlier one for it. */
function under(button, kind, ...content) {
  const tr = button.closest("tr");
  const next = tr.nextElementSibling;
  if (next?.classList.contains("under") && next.dataset.kind === kind) { next.remove(); return null; }
  if (next?.classList.contains("under")) next.remove();
  const cell = el("td", { colspan: "7" }, ...content);
  tr.after(el("tr", { class: "under", "data-kind": kind }, cell));
  return cell;
}

async function details(r, button) {
  const cell = under(button, "details", el("p", { class: "muted" }, "Asking…"));
  if (!cell) return;
  if (!["ollama", "lmstudio", "llamacpp"].includes(r.provider)) { cell.replaceChildren(el("p", { class: "muted" }, `${TITLES[r.provider]} does not describe its models.`)); return; }
  try {
    const d = await api(`/api/models/details?provider=${r.provider}&model=${encodeURIComponent(r.model)}`);
    const facts = [["Parameters", d.parameters], ["Quantization", d.quantization], ["Context length", d.context_length?.toLocaleString()],
      ["Size", d.size != null ? bytes(d.size) : null], ["Family", d.family], ["Modified", d.modified], ["Licence", d.license ? d.license.split("\n")[0] : "not stated"]];
    cell.replaceChildren(el("dl", { class: "model-details" }, ...facts.filter(([, v]) => v).flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, String(v))])));
  } catch (e) { cell.replaceChildren(el("p", { class: "form-error" }, explain(e))); }
}

function use(r, button) {
  const cell = under(button, "use", el("p", { class: "muted", role: "status" }, `Switching the LLM to ${r.model} and sending a test prompt…`));
  if (cell) useModel(r, cell, button, (llm) => { ui.active = llm; markInUse(); });
}

function tryPanel(r, button) {
  const prompt = el("textarea", { name: "prompt", rows: "2", "aria-label": `Prompt for ${r.model}`, placeholder: "Ask something…" });
  const answer = el("pre", { class: "try-answer", "aria-live": "polite" });
  const send = el("button", { type: "submit" }, "Send");
  const form = el("form", { class: "try-form" }, prompt, el("div", { class: "inline" }, send, el("span", { class: "muted try-status" })), answer);
  form.addEventListener("submit", (ev) => { ev.preventDefault(); stream(r, prompt.value.trim(), answer, send, form.querySelector(".try-status")); });
  const cell = under(button, "try", form);
  if (cell) prompt.focus();
}

async function stream(r, prompt, answer, send, status) {
  if (!prompt) { status.textContent = "Write a prompt first."; return; }
  answer.textContent = ""; answer.classList.remove("form-error");
  status.textContent = "Waiting for the first words…";
  send.disabled = true;
  try {
    const res = await fetch("/api/models/try", { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify({ provider: r.provider, model: r.model, prompt }) });
    if (!res.ok) { let body = {}; try { body = await res.json(); } catch { /* not JSON */ } throw new ApiError(res.status, body); }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      const frames = buffer.split("\n\n");
      buffer = frames.pop();
      for (const frame of frames) {
        const line = frame.split("\n").find((l) => l.startsWith("data:"));
        if (!line) continue;
        const ev = JSON.parse(line.slice(5));
        if (ev.delta) { answer.textContent += ev.delta; status.textContent = "Answering…"; }
        if (ev.error) throw new ApiError(502, { message: ev.error, hint: ev.hint });
        if (ev.done) status.textContent = `Done in ${ev.latency_ms} ms${ev.finish_reason === "length" ? " (cut at the token limit)" : ""}.`;
      }
    }
  } catch (e) {
    answer.classList.add("form-error");
    answer.textContent = explain(e);
    status.textContent = "";
  } finally { send.disabled = false; }
}

export function mount() {
  const models = document.getElementById("models");
  if (!models) return undefined;
  const sort = el("select", { "aria-label": "Sort models" }, ...Object.entries(SORTS).map(([k, v]) => el("option", { value: k }, v)));
  sort.addEventListener("change", () => { ui.sort = sort.value; paint(); });
  const filter = el("input", { type: "search", placeholder: "Filter", "aria-label": "Filter models" });
  filter.addEventListener("input", () => { ui.filter = filter.value; paint(); });
  const refresh = el("button", { type: "button", class: "ghost", onclick: load }, "Refresh");
  models.append(el("div", { id: "installed-use", class: "card" },
    el("h3", {}, "Use or try a model"),
    el("div", { class: "inline" }, filter, sort, refresh),
    el("p", { id: "installed-down", class: "muted", role: "status" }),
    el("div", { id: "installed-models" }, el("p", { class: "muted" }, "Asking the running backends…"))));
  onEvent((msg) => { if (msg.type === "models" || msg.type === "providers" || msg.type === "connections") load(); });
  return load();
}
