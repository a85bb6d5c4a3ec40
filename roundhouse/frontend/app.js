// Boot, shell first: the tabs and the last-known jobs are drawn before any API answer; then the
// live connection and each area's data fill in as they come. Each area adds its view with one
// addView() call (router.js); the job store (store.js) is the one source every view reads.
import { api, explain } from "./api.js";
import { connect } from "./live.js";
import { mountJobs } from "./jobs.js";
import { mountJobView } from "./jobview.js";
import { addView, startRouter } from "./router.js";
import { loadCached, remember } from "./store.js";
import { el } from "./format.js";

/** The areas, in tab order; each module's mount({ addView }) registers its view at once. */
const AREAS = ["./providers.js", "./models.js", "./installed.js", "./install.js", "./library.js",
  "./beam.js", "./services.js", "./connections.js"];

function mountDemo() {
  const form = document.getElementById("demo-form");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    const out = form.querySelector(".form-error");
    out.textContent = "";
    try {
      remember(await api("/api/jobs", { method: "POST", body: { kind: "demo.count",
        params: { steps: Number(data.get("steps")), interval: Number(data.get("interval")) } } }));
    } catch (e) { out.textContent = explain(e); }
  });
}

// With an API token configured, the page asks for it once; the server keeps it in an
// HttpOnly cookie, so scripts on the page never see it again.
async function login() {
  let session;
  try { session = await api("/api/session"); } catch { return; }
  if (!session.auth_required || session.authenticated) return;
  const dialog = el("dialog", { id: "login", "aria-label": "Log in" },
    el("form", { method: "dialog", class: "inline" },
      el("strong", {}, "This Roundhouse needs its API token"),
      el("input", { name: "token", type: "password", autocomplete: "current-password", "aria-label": "API token" }),
      el("button", { type: "submit" }, "Log in"),
      el("span", { class: "form-error", role: "alert" })));
  document.body.append(dialog);
  dialog.showModal();
  await new Promise((resolve) => {
    dialog.querySelector("form").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        await api("/api/login", { method: "POST", body: { token: dialog.querySelector("input").value } });
        dialog.close(); dialog.remove(); resolve();
        location.reload();  // the views asked before the cookie existed: ask again, logged in
      } catch (e) { dialog.querySelector(".form-error").textContent = explain(e); }
    });
  });
}

async function mountAreas() {
  const mods = await Promise.all(AREAS.map((path) => import(path).catch((e) => { console.error(e); return null; })));
  // mount() registers the view synchronously, then loads its data without holding the others
  for (const mod of mods) {
    try { Promise.resolve(mod?.mount?.({ addView })).catch((e) => console.error(e)); } catch (e) { console.error(e); }
  }
}

async function boot() {
  addView("home", "Overview");
  mountJobs();
  mountJobView(addView);
  mountDemo();
  startRouter();
  loadCached();
  await Promise.all([mountAreas(), login()]);
  connect();
}

boot();
