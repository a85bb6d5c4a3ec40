// Switch history for the Providers dialog: who switched, when, from what to what, and what the
// verification's test prompt got back (or why it failed).
import { api, explain } from "./api.js";
import { el } from "./format.js";

const choice = (c) => (c ? `${c.provider} / ${c.model}` : "—");

function verdict(v) {
  if (!v) return el("span", { class: "muted" }, "not verified");
  if (!v.ok) return el("span", { class: "form-error" }, `failed: ${v.error || "?"}`);
  return el("span", { class: "verified" }, `replied “${v.answer ?? ""}”${v.latency_ms != null ? ` (${v.latency_ms} ms)` : ""}`);
}

function entryRow(h) {
  const roles = Object.keys(h.to || {});
  const when = h.at ? new Date(h.at * 1000).toLocaleString() : "";
  return el("tr", { "data-version": String(h.version) },
    el("td", {}, when), el("td", {}, h.by || ""),
    el("td", {}, roles.map((r) => `${r}: ${choice(h.from?.[r])}`).join("; ")),
    el("td", {}, roles.map((r) => `${r}: ${choice(h.to?.[r])}`).join("; ")),
    el("td", {}, verdict(h.verification)));
}

let box = null;

/** The folded "Switch history" section (one element, so a repaint of the dialog keeps it open);
 * it reads the latest switches when opened, and again on every repaint while open. */
export function historyBlock() {
  if (box) { if (box.open) refresh(); return box; }
  box = el("details", { id: "providers-history" },
    el("summary", {}, "Switch history"),
    el("table", { class: "history-table" },
      el("thead", {}, el("tr", {}, ...["When", "Who", "From", "To", "Verification"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody")));
  box.addEventListener("toggle", () => { if (box.open) refresh(); });
  return box;
}

async function refresh() {
  const body = box.querySelector("tbody");
  try {
    const { history } = await api("/api/providers/history?limit=20");
    body.replaceChildren(...(history.length ? history.map(entryRow)
      : [el("tr", {}, el("td", { colspan: "5", class: "muted" }, "No switch yet."))]));
  } catch (e) { body.replaceChildren(el("tr", {}, el("td", { colspan: "5", class: "form-error" }, explain(e)))); }
}
