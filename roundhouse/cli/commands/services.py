"""`roundhouse services start|stop|status [<name>]`: the local services Roundhouse manages."""

from __future__ import annotations

import argparse
from typing import Any

from roundhouse.cli import attach
from roundhouse.cli.context import Ctx, add_common, add_follow_flags, command
from roundhouse.cli.errors import OK, Usage

FEATURE = "managing services"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("services", help="start, stop or inspect local services (ollama, flux...)")
    add_common(p)
    p.add_argument("action", choices=("start", "stop", "status", "setup"))
    p.add_argument("name", nargs="?", help="service name from the catalog")
    p.add_argument("--model", help="llamacpp: the GGUF to serve (file id or name)")
    add_follow_flags(p)
    p.set_defaults(func=services)


@command
def services(ctx: Ctx, args: argparse.Namespace) -> int:
    if args.action == "status":
        answer = ctx.client.get("/api/providers/services/status", feature=FEATURE)
        return _status(ctx, answer, args.name)
    if not args.name:
        raise Usage(
            f"services {args.action} needs a service name.",
            "See them with: roundhouse services status",
        )
    path = f"/api/providers/services/{args.action}"
    body = {"service": args.name} | ({"model": args.model} if args.model else {})
    answer = ctx.client.post(path, body, feature=FEATURE)
    if isinstance(answer, dict) and answer.get("events_url"):
        return attach.start(ctx, args, answer)
    ctx.emit(answer) if ctx.json else ctx.say(str(answer.get("message") or answer))
    return OK


def entries(answer: Any) -> list[dict[str, Any]]:
    """[{name, state, ...}] from a list, a {"services": ...} wrapper or a name -> info map."""
    if isinstance(answer, dict) and "services" in answer:
        answer = answer["services"]
    if isinstance(answer, dict):
        return [
            {"name": k, **v} if isinstance(v, dict) else {"name": k, "state": v}
            for k, v in answer.items()
        ]
    return [s for s in answer or [] if isinstance(s, dict)]


def _status(ctx: Ctx, answer: Any, name: str | None) -> int:
    found = [s for s in entries(answer) if not name or name in (s.get("name"), s.get("service"))]
    if name and not found:
        raise Usage(f"No service named {name!r}.", "See them with: roundhouse services status")
    if ctx.json:
        ctx.emit(found[0] if name else answer)
        return OK
    for s in found:
        state = s.get("state") or s.get("status") or ("up" if s.get("healthy") else "?")
        where = s.get("url") or (f"port {s['port']}" if s.get("port") else "")
        name = s.get("name") or s.get("service")
        served = (s.get("model") or {}).get("name") if state == "running" else None
        model = f"  serving {served}" if served else ""
        ctx.say(f"{name}: {state}  {where}{model}  {s.get('message') or ''}".rstrip())
    return OK
