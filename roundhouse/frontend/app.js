// Boot: views, the jobs drawer, the live connection. Each area adds itself with addView().
import { api, explain } from "./api.js";
import { connect } from "./live.js";
import { mountJobs } from "./jobs.js";
import { el } from "./format.js";

const views = [];

export function addView(id, title, section) {
  if (section && !document.getElementById(id)) document.getElementById("main").append(section);
  views.push({ id, title });
}

function show(id) {
  for (const v of views) {
    document.getElementById(v.id).hidden = v.id !== id;
    document.querySelector(`#views [data-view="${v.id}"]`)?.setAttribute("aria-current", v.id === id ? "page" : "false");
  }
  if (location.hash !== `#${id}`) history.replaceState(null, "", `#${id}`);
}

function mountNav() {
  const nav = document.getElementById("views");
  nav.replaceChildren(...views.map((v) => el("button", { "data-view": v.id, onclick: () => show(v.id) }, v.title)));
  const wanted = location.hash.slice(1);
  show(views.some((v) => v.id === wanted) ? wanted : views[0].id);
}

function mountDemo() {
  const form = document.getElementById("demo-form");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    const out = form.querySelector(".form-error");
    out.textContent = "";
    try {
      await api("/api/jobs", { method: "POST", body: { kind: "demo.count",
        params: { steps: Number(data.get("steps")), interval: Number(data.get("interval")) } } });
    } catch (e) { out.textContent = explain(e); }
  });
}

// With an API token configured, the page asks for it once; the server keeps it in an
// HttpOnly cookie, so scripts on the page never see it again.
async function login() {
  const session = await api("/api/session");
  if (!session.auth_required || session.authenticated) return;
  const dialog = el("dialog", { id: "login" },
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
      } catch (e) { dialog.querySelector(".form-error").textContent = explain(e); }
    });
  });
}

async function boot() {
  await login();
  addView("home", "Overview");
  mountDemo();
  mountJobs();
  // The areas load side by side; each adds its own view, in this order.
  const areas = ["./providers.js", "./models.js", "./beam.js", "./install.js"];
  const mods = await Promise.all(areas.map((path) => import(path).catch((e) => { console.error(e); return null; })));
  for (const mod of mods) {
    try { await mod?.mount?.({ addView }); } catch (e) { console.error(e); }
  }
  mountNav();
  connect();
}

boot();
