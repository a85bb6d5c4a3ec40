// Beam Search's candidate cards by round, the best prompt with its path, and the whole tree.
import { el } from "./format.js";

const $ = (sel) => document.querySelector(`#beam ${sel}`);

function roundBox(r) {
  let box = $(`.beam-round[data-round="${r}"]`);
  if (!box) {
    box = el("section", { class: "beam-round", "data-round": r },
      el("h3", {}, `Round ${r}`, el("span", { class: "muted summary" })), el("div", { class: "beam-cards" }));
    const later = [...$("#beam-rounds").children].find((b) => Number(b.dataset.round) > r);
    $("#beam-rounds").insertBefore(box, later || null);
  }
  return box;
}

export function card(c) {
  const old = document.getElementById(`beam-c-${c.id}`);
  const img = c.image_url?.startsWith("/media/") ? el("img", { src: c.image_url, alt: c.prompt || "", loading: "lazy" }) : el("div", { class: "noimg" }, "no image");
  const node = el("article", { class: "beam-card", id: `beam-c-${c.id}`, "data-id": c.id, "data-state": c.error ? "failed" : "ok" },
    img,
    el("div", { class: "score" }, c.error ? "failed" : `score ${Number(c.score).toFixed(3)}`, el("span", { class: "muted" }, ` ${c.id}`)),
    el("p", { class: "prompt" }, c.prompt || ""),
    c.error ? el("p", { class: "error" }, c.error) : null);
  if (old) {
    // a candidate event replayed after the result must not drop the marks the result set
    for (const mark of ["best", "kept"]) if (old.dataset[mark]) node.dataset[mark] = old.dataset[mark];
    old.replaceWith(node);
  } else roundBox(c.round).querySelector(".beam-cards").append(node);
  return node;
}

export function markRound(msg) {
  const box = roundBox(msg.round);
  box.querySelector(".summary").textContent = ` — made ${msg.made}, failed ${msg.failed}, kept ${msg.kept.length}`;
  for (const id of msg.kept) document.getElementById(`beam-c-${id}`)?.setAttribute("data-kept", "true");
}

export function showResult(result) {
  const nodes = new Map(result.tree.map((n) => [n.id, n]));
  for (const n of result.tree) if (n.round > 0) { const c = card(n); if (n.kept) c.dataset.kept = "true"; }
  for (const r of result.rounds) markRound(r);
  document.getElementById(`beam-c-${result.best_id}`)?.setAttribute("data-best", "true");
  const path = [];
  for (let n = nodes.get(result.best_id); n; n = nodes.get(n.parent)) path.unshift(n);
  const best = $("#beam-best");
  best.replaceChildren(
    el("h3", {}, "Best"),
    el("div", { class: "beam-winner" },
      result.image_url ? el("img", { src: result.image_url, alt: result.prompt }) : null,
      el("div", {}, el("p", { class: "prompt", id: "beam-best-prompt" }, result.prompt),
        el("p", {}, `score ${result.score.toFixed(3)}`),
        el("ol", { class: "beam-path" }, path.map((n) => el("li", {}, n.round ? `round ${n.round}: ` : "your idea: ", n.prompt || ""))))),
    el("details", {}, el("summary", {}, `Whole tree (${result.tree.length - 1} candidates)`), tree(nodes, "root", new Set(path.map((n) => n.id)))));
  best.hidden = false;
}

function tree(nodes, id, onPath) {
  const kids = [...nodes.values()].filter((n) => n.parent === id);
  if (!kids.length) return null;
  return el("ul", { class: "beam-tree" }, kids.map((n) => el("li", { "data-path": onPath.has(n.id), "data-failed": !!n.error },
    el("span", {}, `${n.id} · ${n.error ? "failed" : n.score.toFixed(3)}${n.kept ? " · kept" : ""} — ${n.prompt || n.error}`),
    tree(nodes, n.id, onPath))));
}
