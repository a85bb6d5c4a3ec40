"""/api/providers: which provider is active per role, health, model discovery, switch, history.

The services endpoints (`/services/...`) and the models endpoints (`/models/...`) under the
same prefix belong to other areas and live in their own modules.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from roundhouse.api import llamacpp
from roundhouse.api import provider_health as health
from roundhouse.api.body import int_arg, json_object
from roundhouse.api.deps import app_ctx
from roundhouse.api.provider_switch import FIELDS, switch
from roundhouse.api.submit import accepted
from roundhouse.core.active_providers import CLOUD, ROLES, SERVICE, ProviderStore, default_model
from roundhouse.core.errors import InvalidRequest
from roundhouse.core.settings import Settings
from roundhouse.providers.generation.snapshot import DISPLAY

bp = Blueprint("providers", __name__, url_prefix="/api/providers")


def _store() -> ProviderStore:
    ctx = app_ctx()
    return ctx.stores.providers(ctx.settings)


def registry(settings: Settings) -> dict[str, list[dict[str, Any]]]:
    """Roles and their providers, for the page's dropdowns."""
    return {
        role: [
            {
                "provider": p,
                "title": DISPLAY.get(p, p),
                "service": SERVICE[p],
                "cloud": p in CLOUD,
                "default_model": default_model(settings, role, p),
            }
            for p in providers
        ]
        for role, providers in ROLES.items()
    }


@bp.get("/status")
def status() -> ResponseReturnValue:
    """Active providers and models, version, cached health of every service, environment."""
    ctx = app_ctx()
    state = _store().state()
    found = health.cached(ctx)
    active = {role: state[role] for role in ROLES}
    body = {
        "active": active,
        "version": state["version"],
        "updated_at": state["updated_at"],
        "updated_by": state["updated_by"],
        "local": any(choice["provider"] not in CLOUD for choice in active.values()),
        "health": found.results,
        "health_checked_at": found.checked_at,
        "health_fresh": found.fresh,
        "environment": ctx.settings.environment,
        "catalog": registry(ctx.settings),  # the provider registry (the wire keeps its name)
    }
    return jsonify(body)


@bp.get("/health")
def health_check() -> ResponseReturnValue:
    """Every service checked concurrently (cached for a few seconds; ?refresh=1 forces)."""
    refresh = request.args.get("refresh", "") in ("1", "true", "yes")
    found = health.current(app_ctx(), refresh=refresh)
    return jsonify(
        {"services": found.results, "checked_at": found.checked_at, "fresh": found.fresh}
    )


@bp.get("/llm/models")
def llm_models() -> ResponseReturnValue:
    """Chat-capable models of every running LLM backend (embedding-only models left out)."""
    results = health.check_now(app_ctx(), list(health.LLM_SERVICES))
    return jsonify(llamacpp.with_models(app_ctx(), health.llm_models(results)))


@bp.post("/switch")
def switch_providers() -> ResponseReturnValue:
    """Switch one or more roles, all or none, after health, model and test-prompt checks."""
    body = json_object(FIELDS)
    by = body.get("by")
    if by is not None and not isinstance(by, str):
        raise InvalidRequest("'by' must be a short printable name.")
    by = by or request.headers.get("X-Roundhouse-User") or "api"
    if len(by) > 100 or not by.isprintable():
        raise InvalidRequest("'by' must be a short printable name.")
    if by == "api" and request.remote_addr:
        by = f"api ({request.remote_addr})"
    job, body = llamacpp.switch_job(app_ctx(), body, by)  # loading a GGUF takes a job
    if job is not None:
        return accepted(*job)
    return jsonify(switch(app_ctx(), body, by))


@bp.get("/history")
def history() -> ResponseReturnValue:
    """The latest switches, newest first: from, to, verification, when, who."""
    return jsonify({"history": _store().history(int_arg("limit", 50, 1, 1000))})
