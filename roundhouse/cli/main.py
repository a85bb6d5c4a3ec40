"""The `roundhouse` command: one subcommand per module, each adding its own parser."""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import PackageNotFoundError, version

from roundhouse.cli import up
from roundhouse.cli.commands import (
    beam,
    connect,
    installed,
    jobs,
    models,
    services,
    status,
    switch,
)
from roundhouse.cli.context import add_common
from roundhouse.core.settings import SettingsError

COMMANDS = (up, status, switch, connect, installed, models, services, jobs, beam)

EPILOG = """exit codes: 0 done, 1 failed, 2 usage, 3 cancelled (or paused), 4 server unreachable,
130 detached with Ctrl-C (the job keeps running).
server: --url, else ROUNDHOUSE_URL, else url in ~/.config/roundhouse/config.toml,
else http://127.0.0.1:8000 (token likewise: --token, ROUNDHOUSE_API_TOKEN, token)."""


def _version() -> str:
    """The installed package's version (pyproject.toml's)."""
    try:
        return version("roundhouse")
    except PackageNotFoundError:  # running from a tree that was never installed
        return "unknown (not installed)"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="roundhouse",
        description="Run and drive Roundhouse from a terminal.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"roundhouse {_version()}")
    add_common(p, top=True)
    sub = p.add_subparsers(dest="command", required=True)
    for module in COMMANDS:
        module.add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except SettingsError as e:  # a mistyped setting stops everything before it starts
        print(f"roundhouse: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
