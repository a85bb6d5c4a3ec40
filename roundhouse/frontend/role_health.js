// Each active role's provider and health, and the header badge that sums them up: red when an
// active role's service is down (the tooltip names it), else green (cloud) or orange (local).
export const ROLES = [["llm", "LLM"], ["image", "Image"], ["vision", "Vision"]];

/** [{role, label, provider, model, service, ok, error}] from /api/providers/status's answer. */
export function roleHealth(status) {
  if (!status) return [];
  return ROLES.map(([role, label]) => {
    const { provider, model } = status.active[role];
    const service = status.catalog[role].find((p) => p.provider === provider)?.service;
    const h = (status.health || {})[service];
    return { role, label, provider, model, service, ok: h ? h.ok : null, error: h?.error || "" };
  });
}

export function paintBadge(badge, status) {
  if (!status || !badge) return;
  const roles = roleHealth(status);
  const down = roles.filter((r) => r.ok === false);
  const names = roles.map((r) => `${r.label}: ${r.provider} / ${r.model}${r.ok === false ? ` (DOWN: ${r.service})` : ""}`);
  const where = status.local ? "local" : "cloud";
  badge.className = `badge ${down.length ? "bad" : status.local ? "warn" : "ok"}`;
  badge.dataset.local = String(status.local);
  badge.dataset.down = down.map((r) => r.service).join(",");
  badge.textContent = down.length ? `${where} · down` : where;
  const why = down.map((r) => `${r.service} is down (${r.label} uses it)${r.error ? `: ${r.error}` : ""}`);
  badge.parentElement.title = [...why, ...names, `version ${status.version}`].join("\n");
  badge.parentElement.setAttribute("aria-label", `Providers: ${down.length ? why.join("; ") : `${where}, all up`}`);
}
