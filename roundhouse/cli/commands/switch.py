"""`roundhouse switch llm=ollama --model llama3.2 [--persist] [--no-verify]`."""

from __future__ import annotations

import argparse
from typing import Any

from roundhouse.cli import attach
from roundhouse.cli.commands.status import ROLES, roles_of
from roundhouse.cli.context import Ctx, add_common, command
from roundhouse.cli.errors import OK, Usage


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("switch", help="choose the active provider of a role, verified first")
    add_common(p)
    p.add_argument("changes", nargs="+", metavar="ROLE=PROVIDER", help="e.g. llm=ollama")
    p.add_argument("--model", help="the model to use (only with one ROLE=PROVIDER)")
    p.add_argument("--persist", action="store_true", help="also write the choice to .env")
    p.add_argument("--no-verify", action="store_true", help="skip the test prompt")
    p.set_defaults(func=switch)


def body_of(changes: list[str], model: str | None, verify: bool, persist: bool) -> dict:
    """The request body; a Usage error (exit 2) for a malformed ROLE=PROVIDER."""
    body: dict[str, Any] = {"verify": verify, "persist": persist}
    for change in changes:
        role, sep, provider = change.partition("=")
        if not sep or not provider or role not in ROLES:
            raise Usage(
                f"{change!r} is not ROLE=PROVIDER.",
                f"Roles are {', '.join(ROLES)}; for example: roundhouse switch llm=ollama",
            )
        body[role] = {"provider": provider}
    if model:
        if len(changes) != 1:
            raise Usage(
                "--model goes with exactly one ROLE=PROVIDER.",
                "Switch roles one at a time to give each a model.",
            )
        next(v for k, v in body.items() if k in ROLES)["model"] = model
    return body


@command
def switch(ctx: Ctx, args: argparse.Namespace) -> int:
    body = body_of(args.changes, args.model, not args.no_verify, args.persist)
    answer = ctx.client.post("/api/providers/switch", body, feature="provider switching")
    if isinstance(answer, dict) and answer.get("events_url"):  # verification runs as a job
        return attach.start(ctx, args, answer)
    if ctx.json:
        ctx.emit(answer)
        return OK
    roles = roles_of(answer if isinstance(answer, dict) else {})
    for role in (r for r in ROLES if r in body):
        choice = roles.get(role) or body[role]
        model = choice.get("model")
        ctx.say(f"{role} is now {choice.get('provider')}" + (f" / {model}" if model else ""))
    verification = answer.get("verification") if isinstance(answer, dict) else None
    if isinstance(verification, dict) and verification.get("message"):
        ctx.say(f"verified: {verification['message']}")
    elif isinstance(verification, dict) and verification:
        ctx.say(f"verified: {verification}")
    if answer.get("persisted"):
        ctx.say(f"Saved to {answer.get('env_file') or '.env'}: the choice survives a restart.")
    return OK
