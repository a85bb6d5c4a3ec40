"""POST /api/providers/switch, step by step: parse, check health, resolve models, verify, commit.

Nothing is written until every named role passed: the target services answer, the model is
installed, and (for the LLM) a test prompt came back. Then one WATCH/MULTI applies all roles
(ProviderStore.switch). Verify-then-commit means a failed test prompt has nothing to roll back:
no job ever starts with an unverified choice.
"""

from __future__ import annotations

import os
from typing import Any

from roundhouse.api import provider_health as health
from roundhouse.api.deps import AppContext
from roundhouse.api.provider_models import resolve_model
from roundhouse.core import envfile
from roundhouse.core.active_providers import (
    ROLES,
    SERVICE,
    Choice,
    ProviderStore,
    canonical,
    default_model,
    env_values,
)
from roundhouse.core.connection_specs import fix_url, give_key
from roundhouse.core.errors import AppError, InvalidRequest, Unavailable, VerificationFailed
from roundhouse.providers.generation import build_llm, probe_llm
from roundhouse.providers.generation.snapshot import DISPLAY

FIELDS = {*ROLES, "verify", "persist", "by", "provider", "model", "role"}
MAX_NAME = 200


class ServiceDown(Unavailable):
    """The service behind a provider is not answering; the switch is refused, nothing changed."""

    def __init__(self, provider: str, verdict: dict[str, Any]) -> None:
        title = DISPLAY.get(provider, provider)
        AppError.__init__(
            self,
            f"{title} service not available — {_action(provider)} before switching",
            hint=_hint(provider, verdict),
            provider=provider,
            reason=verdict.get("error"),
        )
        self.provider = title


def _action(provider: str) -> str:
    if SERVICE[provider] == "openai":
        return "configure OpenAI"
    return f"start {DISPLAY.get(provider, provider)}"


def _hint(provider: str, verdict: dict[str, Any]) -> str:
    reason = verdict.get("error") or "unknown error"
    if reason == "no API key configured":
        return give_key("openai").capitalize() + ", then switch again."
    if reason == "not configured":
        return fix_url(SERVICE[provider]).capitalize() + ", then switch again."
    if "HTTP 401" in reason or "HTTP 403" in reason:
        return f"{reason}. " + give_key(SERVICE[provider]).capitalize() + "."
    where = f" at {verdict['url']}" if verdict.get("url") else ""
    service = SERVICE[provider]
    start = (
        "" if service == "openai" else f" Start it from Provider Settings (service '{service}'),"
    )
    return f"{reason}{where}.{start} or {fix_url(service)}; then switch again."


def requested(body: dict[str, Any]) -> dict[str, dict[str, str | None]]:
    """{role: {provider, model}} from the nested shape or the original flat one."""
    flat = {"provider", "model", "role"} & set(body)
    if flat:
        if any(role in body for role in ROLES):
            raise InvalidRequest("Use either the flat shape or one object per role, not both.")
        role = body.get("role", "llm")
        if not isinstance(role, str) or role not in ROLES:
            raise InvalidRequest(f"Unknown role {role!r}.", hint="Roles: " + ", ".join(ROLES))
        body = {role: {"provider": body.get("provider"), "model": body.get("model")}}
    out: dict[str, dict[str, str | None]] = {}
    for role in ROLES:
        if role not in body:
            continue
        entry = body[role]
        if isinstance(entry, str):
            entry = {"provider": entry}
        if not isinstance(entry, dict) or set(entry) - {"provider", "model"}:
            raise InvalidRequest(
                f"'{role}' must be an object with 'provider' and/or 'model'.",
                hint=f'e.g. {{"{role}": {{"provider": "{ROLES[role][0]}", "model": "..."}}}}',
            )
        out[role] = {
            "provider": _name(entry.get("provider"), "provider"),
            "model": _name(entry.get("model"), "model"),
        }
    if not out:
        raise InvalidRequest("Name at least one role to switch.", hint="Roles: " + ", ".join(ROLES))
    return out


def _name(value: Any, what: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_NAME or not value.isprintable():
        raise InvalidRequest(f"{what} must be a printable name of at most {MAX_NAME} characters.")
    return value.strip()


def _flag(body: dict[str, Any], name: str) -> bool | None:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise InvalidRequest(f"'{name}' must be true or false.")
    return value


def plan(ctx: AppContext, wanted: dict[str, dict[str, str | None]]) -> dict[str, Choice]:
    """Validated choices: known providers, healthy services, installed models."""
    providers = {
        role: canonical(role, w["provider"]) if w["provider"] else None
        for role, w in wanted.items()
    }
    for role, w in wanted.items():
        if providers[role] is None and (role != "llm" or not w["model"]):
            raise InvalidRequest(
                f"Name a provider for '{role}'.",
                hint=f"{role} providers: " + ", ".join(ROLES[role]),
            )
    search = "llm" in wanted and providers["llm"] is None
    names = {SERVICE[p] for p in providers.values() if p}
    names |= set(health.LLM_SERVICES) if search else set()
    results = health.check_now(ctx, sorted(names))
    changes = {}
    for role, w in wanted.items():
        provider = providers[role]
        if provider is not None and not results[SERVICE[provider]]["ok"]:
            raise ServiceDown(provider, results[SERVICE[provider]])
        if role == "llm":
            provider, model = resolve_model(provider, w["model"], results, ctx.settings)
        else:
            assert provider is not None  # refused above: only llm may name no provider
            model = w["model"] or default_model(ctx.settings, role, provider)
        changes[role] = Choice(provider, model)
    return changes


def verify(
    ctx: AppContext, store: ProviderStore, changes: dict[str, Choice], before: dict[str, Any]
) -> dict[str, Any]:
    """Send the test prompt to the LLM the switch would make active; 422 when it fails."""
    snapshot = store.snapshot(store.preview(changes, before))
    llm_conf = snapshot["llm"]
    title = DISPLAY.get(llm_conf["provider"], llm_conf["provider"])
    try:
        llm = build_llm(snapshot)
        try:
            probe = probe_llm(llm, ctx.settings.verify_timeout_s)
        finally:
            llm.close()
        said = f"{title} ({probe['model']}) answered {probe['answer']!r}"
        return {"ok": True, **probe, "message": f"{said} in {probe['latency_ms']} ms"}
    except AppError as exc:
        raise VerificationFailed(
            f"The test prompt to {title} ({llm_conf['model']}) failed: {exc.message}",
            hint=exc.hint or "Nothing was changed; fix the provider and switch again.",
            provider=llm_conf["provider"],
            model=llm_conf["model"],
            verification={"ok": False, "error": exc.message},
        ) from exc


def switch(ctx: AppContext, body: dict[str, Any], by: str) -> dict[str, Any]:
    """Run the whole switch; returns the new state with its version and the verification."""
    wanted = requested(body)
    verify_flag, persist = _flag(body, "verify"), _flag(body, "persist")
    store = ctx.stores.providers(ctx.settings)
    changes = plan(ctx, wanted)
    before = store.state()
    llm_changed = "llm" in changes and (changes["llm"].provider, changes["llm"].model) != (
        before["llm"]["provider"],
        before["llm"]["model"],
    )
    verification = None
    if verify_flag or (verify_flag is None and llm_changed):
        verification = verify(ctx, store, changes, before)
    if not persist:
        state = store.switch(changes, by=by, verification=verification)
        return {**state, "verification": verification, "persisted": False}
    path = ctx.settings.env_file
    _check_writable(path)
    values = {k: v for role, c in changes.items() for k, v in env_values(role, c).items()}
    with envfile.locked(path):
        state = store.switch(changes, by=by, verification=verification)
        envfile.write_locked(path, values)
    return {**state, "verification": verification, "persisted": True, "env_file": str(path)}


def _check_writable(path: os.PathLike[str]) -> None:
    """Refuse before anything changes when `.env` could not be written."""
    folder = os.path.dirname(os.path.abspath(path)) or "."
    ok = os.access(folder, os.W_OK) and (not os.path.exists(path) or os.access(path, os.W_OK))
    if not ok:
        raise InvalidRequest(
            f"Cannot write {path}; nothing was changed.",
            hint="Fix the file's permissions or switch without persist.",
        )
