// REST calls: JSON in, JSON out, and an Error whose message is the server's own words.
export class ApiError extends Error {
  constructor(status, body) {
    super(body && body.message ? body.message : `HTTP ${status}`);
    this.status = status; this.body = body || {};
    this.hint = this.body.hint || "";
  }
}

export async function api(path, { method = "GET", body, headers = {} } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers }, credentials: "same-origin" };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  let res;
  try { res = await fetch(path, init); }
  catch (e) { throw new ApiError(0, { message: "Cannot reach the Roundhouse API. Is it running?" }); }
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { message: text }; }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

export function toast(text, ms = 4000) {
  const box = document.getElementById("toast");
  const el = document.createElement("div");
  el.textContent = text;
  box.append(el);
  setTimeout(() => el.remove(), ms);
}

export function explain(err) {
  return err.hint ? `${err.message} — ${err.hint}` : err.message;
}
