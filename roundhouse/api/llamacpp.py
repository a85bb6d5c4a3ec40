"""llama.cpp in the API: the GGUF a start or a switch names (409 before any job when it is not on
disk, too big for free RAM, or the engine is not set up), its model list, its status row, and
the switch that loads a model as a job before it verifies and applies."""

from __future__ import annotations

from typing import Any

from roundhouse.api.deps import AppContext
from roundhouse.api.provider_switch import _check_writable, _flag, plan, requested
from roundhouse.api.submit import submit
from roundhouse.core.active_providers import canonical
from roundhouse.core.errors import InvalidRequest
from roundhouse.core.job_types import Job
from roundhouse.providers import health
from roundhouse.providers.llamacpp import engine
from roundhouse.providers.services.ports import check_port
from roundhouse.providers.services.specs import ServiceSpec
from roundhouse.tasks import llamacpp_serve
from roundhouse.tasks.requests.llamacpp import SWITCH, setup_dedup
from roundhouse.tasks.requests.services import service_specs, start_dedup

NAME = llamacpp_serve.NAME
JOB_FIELDS = ("id", "state", "stage", "message", "progress", "error", "hint")
MAX_NAME = 200


def _records(ctx: AppContext) -> list[dict[str, Any]]:
    return ctx.stores.downloads.list()


def _entry(ctx: AppContext) -> dict[str, Any]:
    store = ctx.stores.services
    return store.get(ctx.settings.hostname, NAME) or {}


def model_arg(spec: ServiceSpec, raw: Any) -> str | None:
    """The `model` of a start body: only llama.cpp takes one, a short printable name."""
    if raw is None:
        return None
    if spec.name != NAME:
        raise InvalidRequest(f"'model' is only for llamacpp, not {spec.name}")
    if not isinstance(raw, str) or not raw.strip() or len(raw) > MAX_NAME or not raw.isprintable():
        raise InvalidRequest(
            f"'model' must be a GGUF's file id or name (at most {MAX_NAME} printable characters)"
        )
    return raw.strip()


def start_params(ctx: AppContext, spec: ServiceSpec, host: str, raw: Any) -> dict[str, Any]:
    """Extra start params; for llama.cpp here, the file is resolved and checked now (409)."""
    wanted = model_arg(spec, raw)
    if spec.name != NAME:
        return {}
    if host != ctx.settings.hostname:  # that host's worker checks its own disk and memory
        return {"model": wanted} if wanted else {}
    entry = _entry(ctx)
    pid = entry.get("pid") if entry.get("state") == "running" else None
    _, served = llamacpp_serve.prepare(ctx.settings, spec, wanted, _records(ctx), pid)
    port_free(spec, entry)
    return {"model": served["file_id"]}


def port_free(spec: ServiceSpec, entry: dict[str, Any]) -> None:
    """No server Roundhouse did not start holds the port: a 409 naming it now, not a failed job."""
    ours = entry.get("state") == "running" and entry.get("record")
    if spec.local and not ours:
        check_port(spec)  # llama.cpp adopts nothing: anything listening is refused


def models(ctx: AppContext) -> list[dict[str, Any]]:
    return [m.public() for m in llamacpp_serve.downloaded(ctx.settings, _records(ctx))]


def with_models(ctx: AppContext, listing: dict[str, Any]) -> dict[str, Any]:
    """llama.cpp's models are the GGUFs on disk here, whether or not a server runs."""
    names = [m["name"] for m in models(ctx)]
    found = engine.find(ctx.settings.llamacpp_command, ctx.settings.data_dir)
    error = None if found.ready else "not set up (roundhouse services setup llamacpp)"
    listing["backends"][NAME] = {"ok": found.ready, "error": error, "models": names}
    others = [m for m in listing["models"] if m["provider"] != NAME]
    listing["models"] = others + [{"provider": NAME, "model": n} for n in names]
    return listing


def decorate(ctx: AppContext, row: dict[str, Any], own: bool) -> dict[str, Any]:
    """The llama.cpp row also says which engine it would run and what it can serve."""
    if row["service"] != NAME:
        return row
    found = engine.find(ctx.settings.llamacpp_command, ctx.settings.data_dir)
    row["engine"] = {"kind": found.kind, "ready": found.ready, "where": found.where}
    row["models"] = models(ctx) if own else []
    building = ctx.jobs.live_owner(setup_dedup(row["host"]))
    if building is not None:  # the setup job's progress (pip's last line) shows in the row
        row["job"] = {k: building.get(k) for k in JOB_FIELDS}
    can_setup = own and not found.ready and building is None
    can_setup = can_setup and row["state"] in ("stopped", "crashed")
    row["actions"] = {**row["actions"], "setup": can_setup, "start": row["actions"]["start"]}
    if own and not found.ready:
        row["actions"]["start"] = False
    return row


def switch_job(
    ctx: AppContext, body: dict[str, Any], by: str
) -> tuple[tuple[Job, bool] | None, dict[str, Any]]:
    """(a job loading the model, body) when the LLM goes to llama.cpp on a file it is not serving;
    else (None, body with the model's canonical name) for the ordinary switch."""
    wanted = requested(body)
    llm = wanted.get("llm") or {}
    provider = llm.get("provider")
    if not provider or canonical("llm", provider) != NAME:
        return None, body
    s = ctx.settings
    spec = service_specs(s)[NAME]
    entry = _entry(ctx)
    running = entry.get("state") == "running"
    serving = (entry.get("model") or {}).get("file_id") if running else None
    spec, served = llamacpp_serve.prepare(
        s, spec, llm.get("model") or serving, _records(ctx), entry.get("pid") if running else None
    )
    same = running and (entry.get("model") or {}).get("file_id") == served["file_id"]
    if same and health.check(health.target_for(spec), s.health_timeout_s)["ok"]:
        return None, _renamed(body, served["name"])
    port_free(spec, entry)
    others = {role: w for role, w in wanted.items() if role != "llm"}
    changes = plan(ctx, others) if others else {}
    persist = bool(_flag(body, "persist"))
    if persist:
        _check_writable(s.env_file)
    params = {
        "host": s.hostname,
        "model": served["file_id"],
        "name": served["name"],
        "changes": {r: {"provider": c.provider, "model": c.model} for r, c in changes.items()},
        "verify": _flag(body, "verify") is not False,
        "persist": persist,
        "by": by,
    }
    message = f"Loading {served['name']} in llama.cpp, then the test prompt"
    return submit(SWITCH, params, dedup=start_dedup(s.hostname, NAME), message=message), body


def _renamed(body: dict[str, Any], name: str) -> dict[str, Any]:
    """The body with the LLM's model spelled as llama.cpp lists it (file id -> name)."""
    if "llm" in body and isinstance(body["llm"], dict):
        return {**body, "llm": {**body["llm"], "model": name}}
    if isinstance(body.get("llm"), str):
        return {**body, "llm": {"provider": body["llm"], "model": name}}
    return {**body, "model": name}
