"""POST /api/connections/<name>: validate, test against the service, then save (or change nothing).

A URL is tested with the service's own health check at the new address; a key with one cheap
authenticated call (OpenAI's and the compatible server's /v1/models, the Hub's whoami). A
failure answers 422 with the provider's own words and leaves Redis and `.env` as they were.
The key never appears in an answer, an event or an error: errors are scrubbed of it.
A reset (back to the environment's default) is not tested: the default is the operator's own.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

from roundhouse.api import provider_health as health
from roundhouse.api.deps import AppContext, base_ctx
from roundhouse.core import envfile
from roundhouse.core.connection_specs import (
    Connection,
    check_key,
    check_url,
    give_key,
    lookup,
    mask,
)
from roundhouse.core.connections import ConnectionStore, describe
from roundhouse.core.errors import AppError, InvalidRequest, VerificationFailed
from roundhouse.core.settings import Settings
from roundhouse.providers.hf.whoami import whoami

FIELDS = {"url", "key", "reset", "persist", "by"}


def wanted(conn: Connection, body: dict[str, Any]) -> dict[str, str | None]:
    """Settings field -> new value (None: back to the default), or a 400 saying what is wrong."""
    values: dict[str, str | None] = {}
    for part, field in (("url", conn.url_field), ("key", conn.key_field)):
        if body.get(part) is None:
            continue
        if field is None:
            raise InvalidRequest(f"{conn.title} has no {part} to set.", hint=_offers(conn))
        values[field] = check_url(body[part]) if part == "url" else check_key(body[part])
    reset = body.get("reset") or []
    if isinstance(reset, str):
        reset = [reset]
    if not isinstance(reset, list) or not set(reset) <= {"url", "key"}:
        raise InvalidRequest('\'reset\' must be a list of "url" and/or "key".')
    for part in reset:
        field = conn.url_field if part == "url" else conn.key_field
        if field is None:
            raise InvalidRequest(f"{conn.title} has no {part} to reset.", hint=_offers(conn))
        if field in values:
            raise InvalidRequest(f"Give a new {part} or reset it, not both.")
        values[field] = None
    if not values:
        raise InvalidRequest("Nothing to change.", hint=_offers(conn))
    if body.get("persist") is not None and not isinstance(body.get("persist"), bool):
        raise InvalidRequest("'persist' must be true or false.")
    return values


def _offers(conn: Connection) -> str:
    parts = [p for p, f in (("url", conn.url_field), ("key", conn.key_field)) if f]
    return f"{conn.title} takes: " + ", ".join(parts) + ' (or "reset": [...])'


def trial(ctx: AppContext, values: dict[str, str | None]) -> Settings:
    """The settings as they would be after the change (a reset falls back to the environment)."""
    defaults = base_ctx().settings
    laid: dict[str, Any] = {f: getattr(defaults, f) if v is None else v for f, v in values.items()}
    return replace(ctx.settings, **laid)


def probe(conn: Connection, settings: Settings) -> dict[str, Any]:
    """Test the connection with `settings`: the verdict, ok or not, in the provider's words."""
    if conn.name == "huggingface":
        return whoami(settings.hf_endpoint, settings.hf_token, settings.health_timeout_s)
    return health.check(settings, [conn.name])[conn.name]  # OpenAI's too: /v1/models, keyed


def refusal(conn: Connection, verdict: dict[str, Any], secrets: list[str]) -> VerificationFailed:
    """Nothing changed: the service's own words (scrubbed of the key) and what to do."""
    reason = scrub(str(verdict.get("error") or "unknown error"), secrets)
    where = f" at {verdict['url']}" if verdict.get("url") else ""
    status = verdict.get("status_code")
    hint = (
        give_key(conn.name).capitalize() + " with a key that works."
        if status in (401, 403)
        else "Check the address and that the service is running; nothing was changed."
    )
    return VerificationFailed(
        f"{conn.title}{where} failed the test: {reason}",
        hint=hint,
        connection=conn.name,
        reason=reason,
        provider_status=status,
    )


def scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, mask(secret))
    return text


def change(ctx: AppContext, name: str, body: dict[str, Any], by: str) -> dict[str, Any]:
    """Validate, test, save; returns the connection as now seen (masked) and the test."""
    conn = lookup(name)
    values = wanted(conn, body)
    new = trial(ctx, values)
    secrets = [v for f, v in values.items() if v and f == conn.key_field]
    verdict: dict[str, Any] = {"ok": True, "url": None, "reset": True}
    if any(v is not None for v in values.values()):  # back to the default needs no test
        try:
            verdict = probe(conn, new)
        except AppError as exc:
            verdict = {"ok": False, "error": exc.message, "status_code": exc.details.get("status")}
    if not verdict.get("ok"):
        raise refusal(conn, verdict, secrets)
    store = ctx.stores.connections
    persisted = bool(body.get("persist"))
    if persisted:
        _save(ctx, conn, values, store, by)
    else:
        store.change(conn, values, by=by, feed_max=ctx.settings.feed_max)
    if conn.name != "huggingface":  # the health badges show the new address or key at once
        fresh = health.check(new, [conn.name])[conn.name] if "reset" in verdict else verdict
        health.cache(ctx).record({conn.name: fresh})
    test = {
        k: scrub(str(v), secrets) if isinstance(v, str) else v
        for k, v in verdict.items()
        if k in ("ok", "latency_ms", "url", "user")
    }
    return {
        "name": conn.name,
        "connection": describe(conn, new, store.raw()),
        "test": test,
        "persisted": persisted,
    }


def _save(
    ctx: AppContext,
    conn: Connection,
    values: dict[str, str | None],
    store: ConnectionStore,
    by: str,
) -> None:
    """Redis and `.env` together, under the same lock as provider switches."""
    path = ctx.settings.env_file
    folder = os.path.dirname(os.path.abspath(path)) or "."
    if not os.access(folder, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        raise InvalidRequest(f"Cannot write {path}; nothing was changed.")
    names = {conn.url_field: conn.url_env, conn.key_field: conn.key_env}
    lines = {env: v for f, v in values.items() if v is not None and (env := names.get(f))}
    with envfile.locked(path):
        store.change(conn, values, by=by, feed_max=ctx.settings.feed_max)
        if lines:
            envfile.write_locked(path, lines)
