// Connections (#/connections, #/connections/<name>): the base URL of each service and the API
// keys, changed at runtime. Every change is tested by the server before it is saved; a key is
// shown only as set / not set (masked) and can be replaced, never read back.
// Also: any text on the page naming "/#connections/<name>" becomes a link to that row.
import { api, explain, toast } from "./api.js";
import { onEvent } from "./live.js";
import { el } from "./format.js";

const ui = { listing: null, rows: {}, notes: {} };
const SOURCE = { runtime: "set here", default: "from the environment" };

function keyText(key) {
  if (!key.set) return "not set";
  return `set (${key.masked})${key.source === "runtime" ? " · set here" : " · from the environment"}`;
}

function row(name, conn) {
  const form = el("form", { class: "card connection", id: `connection-${name}`, "data-name": name },
    el("h3", {}, conn.title));
  if ("url" in conn) {
    form.append(el("label", { class: "conn-field" }, "URL ",
      el("input", { name: "url", type: "url", value: conn.url || "", placeholder: "http://127.0.0.1:port",
        "aria-label": `${conn.title} URL`, size: 40 })),
    el("span", { class: "muted source" }, SOURCE[conn.url_source] || ""));
  }
  if (conn.key) {
    form.append(el("div", { class: "conn-field" }, el("span", {}, "Key: "),
      el("span", { class: "key-state", "data-set": String(conn.key.set) }, keyText(conn.key))),
    el("label", { class: "conn-field" }, conn.key.set ? "Replace key " : "Key ",
      el("input", { name: "key", type: "password", autocomplete: "off", placeholder: conn.key.env || "",
        "aria-label": `${conn.title} key` })));
  }
  const reset = el("button", { type: "button", class: "ghost", "data-action": "reset" }, "Back to default");
  reset.addEventListener("click", () => save(name, form, true));
  form.append(el("div", { class: "inline" },
    el("label", {}, el("input", { type: "checkbox", name: "persist" }), " Save to .env"),
    el("button", { type: "submit" }, "Test and save"), reset),
  el("p", { class: ui.notes[name]?.[0] || "result", role: "status" }, ui.notes[name]?.[1] || ""));
  form.addEventListener("submit", (ev) => { ev.preventDefault(); save(name, form, false); });
  return form;
}

// A row's last outcome outlives a redraw (a "connections" event repaints every row).
function note(name, out, className, text) {
  ui.notes[name] = [className, text];
  out.className = className;
  out.textContent = text;
  const shown = ui.rows[name]?.querySelector(".result");
  if (shown && shown !== out) { shown.className = className; shown.textContent = text; }
}

async function save(name, form, reset) {
  const conn = ui.listing.connections[name];
  const out = form.querySelector(".result");
  const body = { persist: form.persist.checked };
  if (reset) body.reset = ["url" in conn && "url", conn.key && conn.key.source === "runtime" && "key"].filter(Boolean);
  else {
    const url = form.url?.value.trim();
    const key = form.key?.value.trim();
    if (url && url !== conn.url) body.url = url;
    if (key) body.key = key;
    if (!body.url && !body.key) { note(name, out, "result", "Nothing changed."); return; }
  }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  note(name, out, "result muted", "Testing…");
  try {
    const done = await api(`/api/connections/${name}`, { method: "POST", body });
    if (form.key) form.key.value = "";
    const who = done.test.user ? ` as ${done.test.user}` : "";
    const ms = done.test.latency_ms != null ? ` in ${done.test.latency_ms} ms` : "";
    note(name, out, "result ok", `Tested${who}${ms} and saved${done.persisted ? ", also to .env" : ""}.`);
    toast(`${conn.title}: connection saved`);
    await load();
  } catch (e) {
    note(name, out, "result form-error", explain(e));
  } finally { button.disabled = false; }
}

function paint() {
  const box = document.getElementById("connections-list");
  ui.rows = {};
  box.replaceChildren(...Object.entries(ui.listing.connections).map(([name, conn]) => {
    ui.rows[name] = row(name, conn);
    return ui.rows[name];
  }));
}

let loading = null;

/** Read and draw the connections; callers at the same moment share one request. */
function load() {
  loading ??= (async () => {
    try { ui.listing = await api("/api/connections"); paint(); }
    catch (e) { document.getElementById("connections-list").textContent = explain(e); }
    finally { loading = null; }
  })();
  return loading;
}

function focusRow(name) {
  const node = name && document.getElementById(`connection-${name}`);
  if (!node) return;
  node.scrollIntoView({ block: "center" });
  node.querySelector("input")?.focus();
  node.classList.add("flash");
  setTimeout(() => node.classList.remove("flash"), 1500);
}

// "... in Connections (/#connections/ollama) ..." anywhere on the page becomes a link there.
const PLACE = /\/#connections\/([a-z-]+)/;

function linkify(node) {
  if (node.nodeType !== Node.TEXT_NODE || !PLACE.test(node.data) || node.parentElement?.closest("a, input, textarea, script, style")) return;
  const parts = node.data.split(/(\/#connections\/[a-z-]+)/);
  const frag = document.createDocumentFragment();
  for (const part of parts) {
    const m = part.match(PLACE);
    frag.append(m ? el("a", { href: `#/connections/${m[1]}`, class: "fix-link" }, `Connections → ${m[1]}`) : part);
  }
  node.replaceWith(frag);
}

function watchForPlaces() {
  const walk = (root) => {
    if (root.nodeType === Node.TEXT_NODE) return linkify(root);
    if (!root.textContent || !root.textContent.includes("#connections/")) return;
    const texts = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const found = [];
    while (texts.nextNode()) if (PLACE.test(texts.currentNode.data)) found.push(texts.currentNode);
    found.forEach(linkify);
  };
  new MutationObserver((changes) => {
    for (const c of changes) {
      if (c.type === "characterData") walk(c.target);
      c.addedNodes.forEach(walk);
    }
  }).observe(document.body, { childList: true, subtree: true, characterData: true });
  walk(document.body);
}

export function mount({ addView }) {
  document.head.append(el("link", { rel: "stylesheet", href: "/static/library.css" }));
  const section = el("section", { id: "connections", "aria-labelledby": "connections-title" },
    el("h2", { id: "connections-title" }, "Connections"),
    el("p", { class: "muted" }, "Where each service listens and the keys Roundhouse uses. A change is tested before it is saved and reaches every worker at once; the environment and .env stay the defaults."),
    el("div", { id: "connections-list" }, el("p", { class: "muted" }, "Loading…")));
  addView("connections", "Connections", section, { onEnter: (name) => { load().then(() => focusRow(name)); } });
  watchForPlaces();
  onEvent((msg) => { if (msg.type === "connections" && document.getElementById("connections")?.hidden === false) load(); });
  return load();
}
