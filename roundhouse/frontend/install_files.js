// The Install view's "Downloaded models": files with update checks, removal with a confirmation.
import { api, explain, toast } from "./api.js";
import { remember } from "./store.js";
import { bytes, el } from "./format.js";

const API = "/api/providers/models";

function confirmButton(label, question, run) {
  const box = el("span", { class: "confirm" });
  const ask = () => {
    box.replaceChildren(el("span", {}, question, " "),
      el("button", { type: "button", class: "danger", onclick: run }, "Yes, remove"),
      el("button", { type: "button", class: "ghost", onclick: reset }, "Keep"));
    box.querySelector("button").focus();
  };
  const reset = () => box.replaceChildren(el("button", { type: "button", class: "ghost", onclick: ask }, label));
  reset();
  return box;
}

async function remove(path, done) {
  try { await api(path, { method: "DELETE" }); toast(done); await loadFiles(); } catch (e) { toast(explain(e)); }
}

async function update(id) {
  try { remember(await api(`${API}/files/${id}/update`, { method: "POST", body: {} })); }
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
    d.imports?.ollama ? el("div", {}, `Ollama: ${d.imports.ollama}`) : "", ...lm,
    up ? el("div", { class: up.available ? "update available" : "update" }, up.message) : "",
    el("div", { class: "actions" },
      up?.available ? el("button", { type: "button", onclick: () => update(d.id) }, "Update") : "",
      confirmButton("Delete file", `Delete the downloaded file(s) of ${d.repo_id}?`,
        () => remove(`${API}/files/${d.id}`, `Deleted ${d.repo_id}`))));
}

/** Keep the rows whose data did not change (their buttons stay put), replace the others. */
function syncRows(list, files) {
  if (!files.length) { list.replaceChildren(el("li", { class: "muted" }, "Nothing downloaded yet.")); return; }
  const old = new Map([...list.querySelectorAll(":scope > li.file")].map((li) => [li.dataset.id, li]));
  const rows = files.map((d) => {
    const sig = JSON.stringify(d);
    const kept = old.get(d.id);
    if (kept && kept.dataset.sig === sig) return kept;
    const row = fileRow(d);
    row.dataset.sig = sig;
    return row;
  });
  for (const li of [...list.children]) if (!rows.includes(li)) li.remove();
  rows.forEach((row, i) => { if (list.children[i] !== row) list.insertBefore(row, list.children[i] || null); });
}

export async function loadFiles() {
  const list = document.getElementById("install-files");
  try {
    const data = await api(`${API}/files`);
    syncRows(list, data.files);
    document.getElementById("install-disk").textContent = `${bytes(data.disk.free_bytes)} free on ${data.disk.host}`;
  } catch (e) { document.getElementById("install-disk").textContent = explain(e); }
}

export async function checkUpdates(btn) {
  btn.disabled = true;
  try { await api(`${API}/files/updates`, { method: "POST", body: {} }); await loadFiles(); }
  catch (e) { toast(explain(e)); } finally { btn.disabled = false; }
}
