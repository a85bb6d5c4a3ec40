"""The `roundhouse` command: one subcommand per module, each adding its own parser."""

from __future__ import annotations

import argparse
import sys

from roundhouse.cli import up

COMMANDS = (up,)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="roundhouse", description="Run and drive Roundhouse from a terminal."
    )
    sub = p.add_subparsers(dest="command", required=True)
    for module in COMMANDS:
        module.add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
