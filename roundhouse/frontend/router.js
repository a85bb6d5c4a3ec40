// Views with addresses: #/models, #/install, #/beam, #/services, #/jobs/<id>. A tab click adds
// a history entry, so Back and Forward move between views and a reload lands on the same one.
// Registering a view is one line: addView("library", "Library", section).
import { el } from "./format.js";

const views = [];
const enterHooks = new Map();
let current = null;

/** Add a view (a <section> put into <main> if not there yet), with an optional tab. */
export function addView(id, title, section, { tab = true, onEnter } = {}) {
  if (section && !document.getElementById(id)) document.getElementById("main").append(section);
  const node = document.getElementById(id);
  if (node) { node.hidden = true; node.classList.add("view"); }
  if (!views.some((v) => v.id === id)) views.push({ id, title, tab });
  if (onEnter) enterHooks.set(id, onEnter);
  drawTabs();
  if (current === null || parse().view === id) route();
}

/** The address of a view (and its argument, e.g. a job id). */
export function href(view, arg) { return arg ? `#/${view}/${encodeURIComponent(arg)}` : `#/${view}`; }

export function navigate(view, arg) {
  const target = href(view, arg);
  if (location.hash !== target) location.hash = target;  // a history entry; hashchange routes
  else route();
}

function parse() {
  const raw = location.hash.replace(/^#\/?/, "");
  const [view, ...rest] = raw.split("/");
  return { view: view === "jobs" ? "job" : view, arg: rest.length ? decodeURIComponent(rest.join("/")) : "" };
}

function drawTabs() {
  const nav = document.getElementById("views");
  if (!nav) return;
  const tabs = views.filter((v) => v.tab);
  for (const v of tabs) {
    if (nav.querySelector(`[data-view="${v.id}"]`)) continue;
    nav.append(el("a", { href: href(v.id), "data-view": v.id, class: "tab" }, v.title));
  }
}

/** Show the view the address names (strict: the first view when it names none we know). */
export function route(strict = false) {
  if (!views.length) return;
  let { view, arg } = parse();
  if (!views.some((v) => v.id === view)) {
    if (view && !strict) return;  // a view that registers later (a slow module) routes then
    view = views[0].id;
  }
  current = view;
  for (const v of views) {
    const node = document.getElementById(v.id);
    if (node) node.hidden = v.id !== view;
    document.querySelector(`#views [data-view="${v.id}"]`)?.setAttribute("aria-current", v.id === view ? "page" : "false");
  }
  const title = views.find((v) => v.id === view)?.title;
  document.title = title ? `${title} · Roundhouse` : "Roundhouse";
  try { enterHooks.get(view)?.(arg); } catch (e) { console.error(e); }
}

export function currentView() { return current; }

export function startRouter() {
  const legacy = location.hash.match(/^#([a-z-]+)$/);  // the old #models form
  if (legacy) history.replaceState(null, "", `#/${legacy[1]}`);
  window.addEventListener("hashchange", () => route(true));
  route(true);
}
