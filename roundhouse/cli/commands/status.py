"""`roundhouse status`: is the server up, which providers are active, what is running."""

from __future__ import annotations

import argparse
from typing import Any

import httpx

from roundhouse.cli.client import decode, unreachable
from roundhouse.cli.context import Ctx, add_common, command
from roundhouse.cli.errors import OK, ApiError, Unsupported

ROLES = ("llm", "image", "vision")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("status", help="server health, active providers, running jobs")
    add_common(p)
    p.set_defaults(func=status)


@command
def status(ctx: Ctx, args: argparse.Namespace) -> int:
    health = _health(ctx)
    try:
        providers = ctx.client.get("/api/providers/status", feature="provider status")
    except (Unsupported, ApiError) as exc:
        providers = {"error": exc.to_dict()}
    running = ctx.client.get("/api/jobs", state="running", limit=100)["jobs"]
    queued = ctx.client.get("/api/jobs", state="queued", limit=100)["jobs"]
    if ctx.json:
        ctx.emit(
            {
                "url": ctx.target.url,
                "health": health,
                "providers": providers,
                "running": running,
                "queued": len(queued),
            }
        )
        return OK
    _print_health(ctx, health)
    _print_providers(ctx, providers)
    ctx.say(f"jobs: {len(running)} running, {len(queued)} queued")
    for job in running:
        ctx.say(f"  {job['id']}  {job['kind']}  {job.get('message') or ''}".rstrip())
    return OK


def _health(ctx: Ctx) -> dict[str, Any]:
    """/healthz answers 503 with a body when Redis is down: show it rather than fail."""
    try:
        response = ctx.client.http.get("/healthz")
    except httpx.HTTPError as exc:
        raise unreachable(ctx.target.url) from exc
    if response.status_code == 503:
        return response.json()
    return decode(response)


def _print_health(ctx: Ctx, health: dict[str, Any]) -> None:
    redis = health.get("redis", {})
    workers = health.get("workers") or []
    ctx.say(f"server: {ctx.target.url}  {'ok' if health.get('ok') else 'NOT READY'}")
    ctx.say(f"redis: {'ok' if redis.get('ok') else 'DOWN ' + str(redis.get('error', ''))}")
    ctx.say(f"workers: {len(workers)} live" + ("" if workers else f" ({health.get('message')})"))


def roles_of(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{role: {provider, model, ...}} wherever the status answer keeps it."""
    for holder in (body, body.get("active") or {}, body.get("providers") or {}):
        found = {r: holder[r] for r in ROLES if isinstance(holder.get(r), dict)}
        if found:
            return found
    return {}


def _print_providers(ctx: Ctx, providers: dict[str, Any]) -> None:
    if isinstance(providers.get("error"), dict):
        ctx.say(f"providers: {providers['error'].get('message')}")
        return
    roles = roles_of(providers)
    for role, choice in roles.items():
        model = choice.get("model")
        line = f"{role}: {choice.get('provider')}" + (f" / {model}" if model else "")
        healthy = choice.get("healthy", choice.get("ok"))
        ctx.say(line + ("" if healthy is None else ("  (up)" if healthy else "  (DOWN)")))
    if not roles:
        ctx.say("providers: (no roles in the answer)")
