// Provider Settings: a header button (badge red when an active role's service is down, else
// green when every role is a cloud provider, orange when any runs locally) opening a modal with
// per-role pickers, health badges, Apply with the server's errors and verification, kept live by
// "providers" and "health" events and a health check every health interval. Other views (Beam)
// read the same state through onProviders() (role_health.js computes each role's health).
import { api, explain, toast } from "./api.js";
import { onEvent } from "./live.js";
import { el } from "./format.js";
import { historyBlock } from "./switch_history.js";
import { ROLES, paintBadge, roleHealth } from "./role_health.js";

const ui = { status: null, models: [], dirty: false, rows: {}, dialog: null, badge: null };
const HEALTH_EVERY_MS = 5000;  // the server's health cache lives 5 s (health_ttl_s)
const watchers = new Set();

/** Be told whenever the active providers or their health change (Beam's form uses it). */
export function onProviders(fn) { watchers.add(fn); if (ui.status) fn(roleHealth(ui.status)); return () => watchers.delete(fn); }

function changed() {
  paintBadge(ui.badge, ui.status);
  const roles = roleHealth(ui.status);
  for (const fn of watchers) { try { fn(roles); } catch (e) { console.error(e); } }
}

const healthOf = (service) => (ui.status?.health || {})[service];
const entry = (role, provider) => ui.status.catalog[role].find((p) => p.provider === provider);

function healthBadge(service) {
  const h = healthOf(service);
  if (!h) return el("span", { class: "badge", "data-service": service, title: "not checked yet" }, "?");
  const text = h.ok ? "up" : "down";
  const title = h.ok ? `${service}: ok${h.latency_ms != null ? ` (${h.latency_ms} ms)` : ""}` : `${service}: ${h.error}`;
  return el("span", { class: `badge ${h.ok ? "ok" : "bad"}`, "data-service": service, title }, text);
}

function modelOptions(role, provider) {
  const list = role === "llm" ? ui.models.filter((m) => m.provider === provider).map((m) => m.model) : [];
  const fallback = entry(role, provider)?.default_model;
  if (fallback && !list.includes(fallback)) list.push(fallback);
  return list.map((m) => el("option", { value: m }));
}

function roleRow(role, label) {
  const active = ui.status.active[role];
  const select = el("select", { name: `${role}-provider`, "aria-label": `${label} provider` },
    ...ui.status.catalog[role].map((p) => el("option", { value: p.provider }, `${p.title}${p.cloud ? "" : " (local)"}`)));
  select.value = active.provider;
  const list = el("datalist", { id: `models-${role}` }, ...modelOptions(role, active.provider));
  const model = el("input", { name: `${role}-model`, list: list.id, value: active.model, "aria-label": `${label} model`, placeholder: "model" });
  const badge = el("span", { class: "health" }, healthBadge(entry(role, active.provider).service));
  select.addEventListener("change", () => {
    ui.dirty = true;
    list.replaceChildren(...modelOptions(role, select.value));
    const first = list.querySelector("option");
    model.value = select.value === active.provider ? active.model : (first ? first.value : "");
    badge.replaceChildren(healthBadge(entry(role, select.value).service));
  });
  model.addEventListener("input", () => { ui.dirty = true; });
  ui.rows[role] = { select, model, badge, list };
  return el("div", { class: "provider-row", "data-role": role }, el("strong", {}, label), select, model, list, badge);
}

function servicesHealth() {
  const names = Object.keys(ui.status.health || {}).sort();
  if (!names.length) return el("p", { class: "muted" }, "Checking services…");
  return el("div", { class: "provider-health" }, ...names.map((n) => el("span", {}, `${n} `, healthBadge(n))));
}

function paintDialog() {
  const body = ui.dialog.querySelector(".providers-body");
  const s = ui.status;
  const who = s.updated_by ? ` · switched by ${s.updated_by}` : "";
  body.replaceChildren(
    el("p", { class: "muted", id: "providers-summary" }, `Version ${s.version}${who} · environment: ${s.environment}`),
    ...ROLES.map(([role, label]) => roleRow(role, label)),
    el("h3", {}, "Services"), servicesHealth(),
    historyBlock(),
  );
}

function paintHealthOnly() {
  for (const [role, row] of Object.entries(ui.rows)) row.badge.replaceChildren(healthBadge(entry(role, row.select.value).service));
  const box = ui.dialog.querySelector(".provider-health, .providers-body > p.muted:last-child");
  if (box) box.replaceWith(servicesHealth());
}

async function load({ repaint = true } = {}) {
  try { ui.status = await api("/api/providers/status"); }
  catch (e) { return showResult("error", explain(e)); }
  changed();
  if (ui.dialog.open && (repaint && !ui.dirty)) paintDialog();
  if (!ui.status.health_fresh || !Object.keys(ui.status.health).length) refreshHealth();
}

async function refreshHealth(force = false) {
  try {
    const h = await api(`/api/providers/health${force ? "?refresh=1" : ""}`);
    ui.status.health = h.services;
    changed();
    if (ui.dialog.open) paintHealthOnly();
  } catch (e) { /* the badges keep their last state */ }
}

async function loadModels() {
  try { ui.models = (await api("/api/providers/llm/models")).models; } catch { ui.models = []; }
  const row = ui.rows.llm;
  if (row) row.list.replaceChildren(...modelOptions("llm", row.select.value));
}

function showResult(kind, text) {
  const out = ui.dialog.querySelector("#providers-result");
  out.className = kind === "error" ? "form-error" : "verified";
  out.textContent = text;
}

function changes() {
  const body = {};
  for (const [role] of ROLES) {
    const row = ui.rows[role];
    const active = ui.status.active[role];
    const model = row.model.value.trim();
    if (row.select.value !== active.provider || (model && model !== active.model)) {
      body[role] = { provider: row.select.value, ...(model ? { model } : {}) };
    }
  }
  return body;
}

async function apply(ev) {
  ev.preventDefault();
  const form = ev.target;
  const body = changes();
  if (!Object.keys(body).length) return showResult("ok", "Nothing to change.");
  body.verify = form.verify.checked;
  body.persist = form.persist.checked;
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  showResult("ok", body.verify && body.llm ? "Checking and sending a test prompt…" : "Checking…");
  try {
    const state = await api("/api/providers/switch", { method: "POST", body });
    ui.dirty = false;
    if (state.events_url) return showResult("ok", `${state.message} (job ${state.id}); the switch applies once it answers.`);
    const v = state.verification;
    const verified = v ? ` Verified: ${v.model} replied “${v.answer}” (${v.latency_ms} ms).` : "";
    showResult("ok", `Switched (version ${state.version}).${verified}${state.persisted ? " Saved to .env." : ""}`);
    toast(`Providers switched to version ${state.version}`);
    await load();
  } catch (e) {
    showResult("error", explain(e));
    if (e.status === 503) refreshHealth(true);
  } finally { button.disabled = false; }
}

function buildDialog() {
  const services = el("p", {}, el("a", { href: "#/services", onclick: () => ui.dialog.close() }, "Start and stop local services →"));
  const form = el("form", { id: "providers-form", method: "dialog", onsubmit: apply },
    el("div", { class: "providers-body" }),
    el("div", { class: "inline" },
      el("label", {}, el("input", { type: "checkbox", name: "verify", checked: true }), " Verify with a test prompt"),
      el("label", {}, el("input", { type: "checkbox", name: "persist" }), " Save to .env"),
      el("button", { type: "submit" }, "Apply"),
      el("button", { type: "button", class: "ghost", onclick: () => refreshHealth(true) }, "Re-check health")),
    el("p", { id: "providers-result", role: "alert" }));
  const dialog = el("dialog", { id: "providers-dialog", "aria-label": "Provider Settings" },
    el("div", { class: "drawer-head" }, el("h2", {}, "Provider Settings"),
      el("button", { type: "button", class: "ghost", "aria-label": "Close", onclick: () => dialog.close() }, "×")),
    form, services);
  document.body.append(dialog);
  return dialog;
}

async function open() {
  if (!ui.status) await load();
  if (!ui.status) return;
  ui.dirty = false;
  paintDialog();
  ui.dialog.querySelector("#providers-result").textContent = "";
  ui.dialog.showModal();
  loadModels();
  refreshHealth();
}

function onLive(ev) {
  if (ev.type === "snapshot" && ui.status) load({ repaint: false });
  else if (ev.type === "providers") {
    if (ui.dialog.open && ev.by && ui.dirty) showResult("ok", `Another switch arrived (version ${ev.version}, by ${ev.by}).`);
    load();
  } else if (ev.type === "health" && ui.status) {
    ui.status.health = { ...ui.status.health, ...(ev.health || {}) };
    changed();
    if (ui.dialog.open) paintHealthOnly();
  }
}

export async function mount() {
  ui.badge = el("span", { id: "providers-badge", class: "badge" }, "…");
  const button = el("button", { id: "providers-button", class: "ghost", type: "button", onclick: open }, "Providers ", ui.badge);
  document.getElementById("header-actions").append(button);
  ui.dialog = buildDialog();
  onEvent(onLive);
  setInterval(() => { if (ui.status && !document.hidden) refreshHealth(); }, HEALTH_EVERY_MS);
  await load();
}
