"""What every command gets: the server, a REST client, the output mode; and one error path."""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from roundhouse.cli.client import Client
from roundhouse.cli.config import ConfigError, Target, resolve
from roundhouse.cli.errors import USAGE, CliError


@dataclass
class Ctx:
    """One command's run: where to talk and how to answer."""

    target: Target
    client: Client
    json: bool
    out: TextIO
    err: TextIO
    give_up_after: float = 60.0

    def emit(self, data: Any) -> None:
        """Machine-readable output (one JSON document or line)."""
        self.out.write(json.dumps(data, default=str) + "\n")
        self.out.flush()

    def say(self, text: str) -> None:
        """Human output; silent under --json so stdout stays parseable."""
        if not self.json:
            self.out.write(text + "\n")
            self.out.flush()


def add_common(p: argparse.ArgumentParser, top: bool = False) -> None:
    """--url/--token/--json, accepted before or after the subcommand."""
    default = None if top else argparse.SUPPRESS
    p.add_argument("--url", default=default, help="server (env ROUNDHOUSE_URL, config file)")
    p.add_argument("--token", default=default, help="API token (env ROUNDHOUSE_API_TOKEN)")
    p.add_argument(
        "--json",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help="machine-readable output",
    )


def add_follow_flags(p: argparse.ArgumentParser) -> None:
    """Flags of every command that starts long work."""
    p.add_argument("--detach", action="store_true", help="print the job and return at once")
    p.add_argument(
        "--cancel-on-interrupt",
        action="store_true",
        help="Ctrl-C cancels the job (default: detach, the job keeps running)",
    )


def command(fn: Callable[[Ctx, argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Build the context, run the command, print any failure with what to do; the exit code."""

    @functools.wraps(fn)
    def run(args: argparse.Namespace) -> int:
        as_json = bool(getattr(args, "json", False))
        try:
            target = resolve(getattr(args, "url", None), getattr(args, "token", None))
        except ConfigError as exc:
            print(f"roundhouse: {exc}", file=sys.stderr)
            return USAGE
        ctx = Ctx(target, Client(target), as_json, sys.stdout, sys.stderr)
        try:
            return fn(ctx, args)
        except CliError as exc:
            report(ctx, exc)
            return exc.exit_code
        finally:
            ctx.client.close()

    return run


def report(ctx: Ctx, exc: CliError) -> None:
    if ctx.json:
        ctx.emit(exc.to_dict())
    print(f"roundhouse: {exc.message}", file=ctx.err)
    if exc.hint:
        print(f"  hint: {exc.hint}", file=ctx.err)
