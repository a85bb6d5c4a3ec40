"""/api/providers/models: installed models, recommendations, Ollama pulls, uninstall, updates."""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from roundhouse.api import installed, pull_stream
from roundhouse.api.body import json_object
from roundhouse.api.deps import app_ctx, host_of, settings
from roundhouse.api.remote_ollama import host_ollama_answers
from roundhouse.api.submit import accepted, submit_in_line
from roundhouse.core.errors import Conflict, InvalidRequest, NotFound
from roundhouse.core.job_types import Job
from roundhouse.providers import catalog
from roundhouse.providers.ollama import OllamaClient, names
from roundhouse.tasks.requests import ollama as pulls

bp = Blueprint("models", __name__, url_prefix="/api/providers/models")
#: An Ollama that answered this recently is taken as up: at 200 download POSTs a second each
#: check cost the API ~1 ms and Ollama a connection. A failed check is never remembered.
SEEN_UP_S = 1.0


def _client() -> OllamaClient:
    """Ollama through the process's one httpx.Client (shared: bench.load went 26 -> 200
    download POSTs/s), built when the server starts (api/warm.py)."""
    ctx = app_ctx()
    s = ctx.settings
    http = ctx.shared.ollama_client(s.health_timeout_s)
    return OllamaClient(s.ollama_base_url, timeout=s.health_timeout_s, client=http)


@bp.get("/status")
def status() -> ResponseReturnValue:
    s = settings()
    return jsonify(
        {
            "environment": s.environment,
            "local": s.environment == "local",
            "max_pulls": s.ollama_max_pulls,
            "backends": installed.installed(s),
        }
    )


@bp.get("/recommendations")
def recommendations() -> ResponseReturnValue:
    s = settings()
    ollama = installed.ollama_models(s)
    names_in = [m["name"] for m in ollama["models"]]
    ram, disk = catalog.total_ram_bytes(), catalog.free_disk_bytes(s.models_dir)
    rows = catalog.recommendations(catalog.load(), names_in, ram, disk)
    body = {"models": rows, "ram_bytes": ram, "disk_free_bytes": disk, "ollama": _brief(ollama)}
    return jsonify(body)


def _brief(backend: dict[str, Any]) -> dict[str, Any]:
    return {k: backend.get(k) for k in ("ok", "url", "error", "hint")}


def _model_param(body: dict[str, Any]) -> str:
    provider = body.get("provider", "ollama")
    if provider != "ollama":
        raise InvalidRequest(
            f"Downloads here are Ollama pulls; provider {provider!r} is not one.",
            hint='Send {"provider": "ollama", "model": "llama3.2"}; GGUF files for LM Studio '
            "are installed through the GGUF install endpoint.",
            field="provider",
        )
    model = body.get("model")
    if not isinstance(model, str):
        raise InvalidRequest(
            "model must be an Ollama model name such as llama3.2", hint=names.GRAMMAR, field="model"
        )
    try:
        return names.normalise(model)
    except InvalidRequest as exc:
        raise InvalidRequest(exc.message, hint=names.GRAMMAR, field="model") from None


def start_pull(model: str, update: bool = False, host: str | None = None) -> tuple[Job, bool]:
    """A pull job for `model` (or the running one it joins), its place in line shown at once.

    With `host` it runs on that host's queue, into that host's own Ollama.
    """
    ctx = app_ctx()
    url = "" if host else ctx.settings.ollama_base_url
    params: dict[str, Any] = {"model": model, "ollama_url": url, "update": update}
    if host:
        params["host"] = host
    line = pulls.slots(ctx.stores, ctx.settings, url, host)
    dedup = pulls.dedup_key(url, model, host)
    job, created, place = submit_in_line(pulls.PULL, params, dedup=dedup, line=line)
    if created:
        _, job = pulls.show_place(ctx.jobs, line, job, place=place)
    return job, created


@bp.post("/download")
def download() -> ResponseReturnValue:
    body = json_object({"provider", "model", "host"})
    model = _model_param(body)
    host = host_of(body["host"]) if body.get("host") is not None else None
    if host is None:
        _check_ollama()
    else:
        host_ollama_answers(host)
    job, created = start_pull(model, host=host)
    if "text/event-stream" in request.headers.get("Accept", ""):
        return pull_stream.stream(app_ctx(), job)
    return accepted(job, created)


def _check_ollama() -> None:
    """Ollama down: a 503 with what to do, before any job exists (unless it answered within
    SEEN_UP_S; a pull sent in that window fails in the worker with the same message)."""
    ctx = app_ctx()
    seen = ctx.shared.ollama_seen_up
    url = ctx.settings.ollama_base_url
    if time.monotonic() - seen.get(url, -SEEN_UP_S) < SEEN_UP_S:
        return
    with _client() as client:
        client.version()
    seen[url] = time.monotonic()


@bp.post("/check-updates")
def check_updates() -> ResponseReturnValue:
    """Re-pull every installed Ollama model: Ollama says up to date or fetches changed layers."""
    with _client() as client:
        models = [m.name for m in client.tags()]
    started = [start_pull(names.normalise(m), update=True) for m in models]
    jobs = [{**job, "joined": not created} for job, created in started]
    return jsonify({"jobs": jobs, "models": models}), 202


@bp.delete("/ollama/<path:name>")
def uninstall(name: str) -> ResponseReturnValue:
    ctx = app_ctx()
    model = _model_param({"provider": "ollama", "model": name})
    if owner := _active_pull(model):
        raise Conflict(
            f"{model} is being pulled (job {owner}).", hint="Cancel that job first, then uninstall."
        )
    try:
        with _client() as client:
            client.delete(model)
    except NotFound:
        raise NotFound(
            f"{model} is not installed in Ollama.", hint="See GET /api/providers/models/status."
        ) from None
    body = {"backend": "ollama", "action": "deleted", "model": model}
    ctx.stores.feed.publish("models", body)
    return jsonify({"deleted": model})


def _active_pull(model: str) -> str | None:
    """The id of a queued/running/paused pull of `model`, if any."""
    ctx = app_ctx()
    job = ctx.jobs.live_owner(pulls.dedup_key(ctx.settings.ollama_base_url, model))
    return job["id"] if job else None
