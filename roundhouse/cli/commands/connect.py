"""`roundhouse connect [NAME --url URL | --key KEY | --reset url,key] [--persist]`.

`--url` here is the service's address; the server to talk to goes before the subcommand
(`roundhouse --url http://server:8000 connect ollama --url http://gpu:11434`) or comes from
ROUNDHOUSE_URL / the config file. `--key -` reads the key from stdin, so it stays out of the
shell history and the process list.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any
from urllib.parse import quote

from roundhouse.cli.context import Ctx, command
from roundhouse.cli.errors import OK, Usage


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "connect",
        help="show or set service URLs and keys (tested before they are saved)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "name",
        nargs="?",
        help="ollama, lmstudio, openai-compatible, flux, vision, "
        "openai or huggingface; none: list every connection",
    )
    p.add_argument("--url", dest="service_url", help="the service's base URL (http or https)")
    p.add_argument("--key", help="an API key or token; '-' reads it from stdin")
    p.add_argument("--reset", help="url, key or url,key: back to the environment's default")
    p.add_argument("--persist", action="store_true", help="also write the value to .env")
    p.add_argument("--token", default=argparse.SUPPRESS, help="Roundhouse's API token")
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    p.set_defaults(func=connect)


@command
def connect(ctx: Ctx, args: argparse.Namespace) -> int:
    if not args.name:
        return show(ctx, ctx.client.get("/api/connections", feature="connections"))
    body = body_of(args)
    path = f"/api/connections/{quote(args.name, safe='')}"
    answer = ctx.client.post(path, body, feature="connections")
    if ctx.json:
        ctx.emit(answer)
        return OK
    entry = answer["connection"]
    ctx.say(f"{entry['title']}: {describe(entry)} (tested: ok)")
    if answer.get("persisted"):
        ctx.say("  saved to .env too")
    return OK


def body_of(args: argparse.Namespace) -> dict[str, Any]:
    body: dict[str, Any] = {"persist": args.persist}
    if args.service_url:
        body["url"] = args.service_url
    if args.key:
        body["key"] = sys.stdin.readline().strip() if args.key == "-" else args.key
    if args.reset:
        body["reset"] = [part.strip() for part in args.reset.split(",") if part.strip()]
    if len(body) == 1:
        raise Usage(
            "Give --url, --key or --reset.",
            f"e.g. roundhouse connect {args.name} --url http://127.0.0.1:11434",
        )
    return body


def describe(entry: dict[str, Any]) -> str:
    parts = []
    if "url" in entry:
        parts.append(f"{entry['url'] or '(not set)'} [{entry['url_source']}]")
    key = entry.get("key")
    if key is not None:
        shown = f"key {key['masked']}" if key["set"] else "no key"
        parts.append(shown + (f" [{key['source']}]" if key.get("source") else ""))
    return ", ".join(parts)


def show(ctx: Ctx, listing: dict[str, Any]) -> int:
    if ctx.json:
        ctx.emit(listing)
        return OK
    rows = listing["connections"]
    width = max(len(name) for name in rows)
    for name, entry in rows.items():
        ctx.say(f"{name:<{width}}  {describe(entry)}")
    return OK
