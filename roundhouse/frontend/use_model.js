// Use: switch the LLM role to a model with verification and show what it replied. A switch to
// llama.cpp on a file it is not serving is a job (loading model, then verifying): its stage
// shows live and its end shows the reply, or why nothing changed.
import { api, explain, toast } from "./api.js";
import { el } from "./format.js";
import { getJob, onJob, remember, TERMINAL } from "./store.js";

export const TITLES = { ollama: "Ollama", lmstudio: "LM Studio", "openai-compatible": "OpenAI-compatible", openai: "OpenAI", llamacpp: "llama.cpp" };

/** Switch to `r` ({provider, model}), reporting into `cell`; `done(llm)` once it is in use. */
export async function useModel(r, cell, button, done) {
  button.disabled = true;
  let loading = false;
  try {
    const state = await api("/api/providers/switch", { method: "POST", body: { llm: { provider: r.provider, model: r.model }, verify: true } });
    if (state.events_url) { loading = true; follow(remember(state), cell, button, done); return; }
    used(cell, state.llm, state.verification, done);
  } catch (e) { failed(cell, explain(e)); }
  finally { if (!loading) button.disabled = false; }
}

function used(cell, llm, v, done) {
  const said = v ? ` It replied: “${v.answer}” (${v.latency_ms} ms).` : "";
  cell.replaceChildren(el("p", { class: "verified use-result", role: "status" }, `Now using ${llm.model} on ${TITLES[llm.provider] || llm.provider}.${said}`));
  toast(`LLM switched to ${llm.model}`);
  done(llm);
}

function failed(cell, text) {
  cell.replaceChildren(el("p", { class: "form-error use-result", role: "alert" }, text));
}

function follow(job, cell, button, done) {
  const line = el("p", { class: "muted use-progress", role: "status" }, job.message || "Loading the model…");
  cell.replaceChildren(line);
  let ended = false;
  const seen = async (j) => {
    if (j.id !== job.id || ended) return;
    if (!TERMINAL.has(j.state)) { line.textContent = [j.stage, j.message].filter(Boolean).join(": ") || line.textContent; return; }
    ended = true; stop(); button.disabled = false;
    try {
      const end = await api(`/api/jobs/${encodeURIComponent(job.id)}`);
      if (end.state === "succeeded") used(cell, end.result.llm, end.result.verification, done);
      else failed(cell, end.error ? (end.hint ? `${end.error} — ${end.hint}` : end.error) : `The switch was ${end.state}; nothing changed.`);
    } catch (e) { failed(cell, explain(e)); }
  };
  const stop = onJob(seen);
  seen(getJob(job.id) || job);  // it may have ended before we listened
}
