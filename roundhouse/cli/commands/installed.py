"""`roundhouse models` (installed models per backend, like `ollama list`) and
`roundhouse try MODEL "prompt"` (one prompt, the answer printed as it streams)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from roundhouse.cli import fmt
from roundhouse.cli.context import Ctx, add_common, command
from roundhouse.cli.errors import OK, CliError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="list installed models per backend (like `ollama list`)")
    add_common(p)
    p.set_defaults(func=models)

    p = sub.add_parser("try", help="send one prompt to a model and print the answer as it comes")
    add_common(p)
    p.add_argument("model", help="e.g. llama3.2:latest")
    p.add_argument("prompt", help="what to ask")
    p.add_argument("--provider", default="ollama", help="ollama (default), lmstudio, ...")
    p.add_argument("--max-tokens", type=int, default=256)
    p.set_defaults(func=try_model)


def ago(stamp: str | None) -> str:
    """`ollama list`'s MODIFIED column: how long ago, roughly."""
    if not stamp:
        return ""
    try:
        then = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp
    seconds = (datetime.now(UTC) - then.astimezone(UTC)).total_seconds()
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def rows(backends: dict[str, Any]) -> list[list[str]]:
    out = [["NAME", "BACKEND", "SIZE", "PARAMS", "QUANT", "MODIFIED"]]
    for m in backends["ollama"].get("models", []):
        out.append(
            [
                m["name"],
                "ollama",
                fmt.size(m["size"]),
                m.get("parameter_size") or "",
                m.get("quantization") or "",
                ago(m.get("modified")),
            ]
        )
    lms = backends["lmstudio"]
    sizes = {f["name"].lower(): f["size"] for f in lms.get("files", [])}
    for m in lms.get("models", []):
        size = next((v for k, v in sizes.items() if k.startswith(m["id"].lower())), None)
        out.append([m["id"], "lmstudio", fmt.size(size) if size else "", "", "", ""])
    return out


@command
def models(ctx: Ctx, args: argparse.Namespace) -> int:
    body = ctx.client.get("/api/providers/models/status", feature="installed models")
    if ctx.json:
        ctx.emit(body["backends"])
        return OK
    table = rows(body["backends"])
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    for r in table:
        ctx.say("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())
    for name, backend in body["backends"].items():
        if not backend.get("ok"):
            ctx.err.write(f"roundhouse: {name}: {backend.get('error')}\n")
    return OK


@command
def try_model(ctx: Ctx, args: argparse.Namespace) -> int:
    body = {"provider": args.provider, "model": args.model, "prompt": args.prompt}
    body["max_tokens"] = args.max_tokens
    for event in ctx.client.events("/api/models/try", body, feature="trying a model"):
        if ctx.json:
            ctx.emit(event)
        elif "delta" in event:
            ctx.out.write(event["delta"])
            ctx.out.flush()
        if event.get("error"):
            raise CliError(event["error"], event.get("hint"))
        if event.get("done"):
            ctx.say("")
            return OK
    raise CliError("The answer ended early.", "Try again; check the model's server log.")
