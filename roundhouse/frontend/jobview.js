// #/jobs/<id>: one job on its own address, with everything the drawer folds away.
import { api, explain } from "./api.js";
import { getJob, onJob, remember, title } from "./store.js";
import { makeCard, updateCard } from "./jobs.js";
import { el } from "./format.js";
import { setText } from "./ui.js";

let shown = "";

function facts(job) {
  const rows = [["Id", job.id], ["Kind", job.kind], ["Host", job.host],
    ["Created", job.created_at ? new Date(job.created_at * 1000).toLocaleString() : ""],
    ["Attempts", job.attempts], ["Parameters", job.params ? JSON.stringify(job.params) : ""],
    ["Result", job.result?.message || ""]];
  return el("dl", { class: "facts" }, rows.filter(([, v]) => v !== undefined && v !== null && v !== "")
    .flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, String(v))]));
}

function draw(job) {
  const box = document.getElementById("job-detail");
  const card = box.querySelector(`.job[data-id="${CSS.escape(job.id)}"]`);
  if (card) updateCard(card, job);
  else box.replaceChildren(el("ul", { class: "plain" }, makeCard(job)), el("div", { class: "facts-box" }));
  box.querySelector(".facts-box").replaceChildren(facts(job));
  setText(document.getElementById("job-title"), title(job));
}

async function enter(id) {
  shown = id;
  const box = document.getElementById("job-detail");
  if (!id) { box.replaceChildren(el("p", { class: "muted" }, "Pick a job in the drawer.")); return; }
  const known = getJob(id);
  if (known) draw(known);
  else box.replaceChildren(el("p", { class: "muted" }, "Loading…"));
  try { const job = remember(await api(`/api/jobs/${encodeURIComponent(id)}`)); if (shown === id) draw(job); }
  catch (e) { if (shown === id && !known) box.replaceChildren(el("p", { class: "form-error" }, explain(e))); }
}

export function mountJobView(addView) {
  const section = el("section", { id: "job", "aria-labelledby": "job-title" },
    el("h2", { id: "job-title" }, "Job"), el("div", { id: "job-detail" }));
  addView("job", "Job", section, { tab: false, onEnter: enter });
  onJob((job) => { if (job.id === shown && !job.removed) draw(job); });
}
