"""Runs one service and writes how it ended, so any process can tell a crash from a stop.

Usage: python -m roundhouse.providers.services.keeper --exit-file F --pid-file P
       --stop-file S [--setenv KEY=VALUE ...] -- argv...
The keeper's stdout/stderr are the service's log; it adds a line when the service starts and
ends. SIGTERM/SIGINT sent to the keeper alone are forwarded to the service; when the stop file
exists the whole process group was signalled already, so nothing is forwarded twice.
Kept to the standard library: it starts on every service start.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="roundhouse-keeper")
    parser.add_argument("--exit-file", required=True)
    parser.add_argument("--pid-file", required=True)
    parser.add_argument("--stop-file", required=True)
    parser.add_argument("--setenv", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.command[:1] == ["--"]:
        args.command = args.command[1:]
    if not args.command:
        parser.error("a command is required after --")
    return args


def _write(path: str, text: str) -> None:
    """Write atomically, so a reader never sees half a file."""
    tmp = f"{path}.tmp"
    with open(tmp, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


def _note(message: str) -> None:
    print(f"[roundhouse {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _ended(path: str, returncode: int) -> None:
    signame = signal.Signals(-returncode).name if returncode < 0 else None
    how = f"was killed by {signame}" if signame else f"exited with code {returncode}"
    _note(f"service {how}")
    body = {"returncode": returncode, "signal": signame, "ended_at": time.time()}
    _write(path, json.dumps(body))


def main(argv: list[str] | None = None) -> int:
    """Start the service, forward stop signals, record the exit code; return it."""
    args = _parse(sys.argv[1:] if argv is None else argv)
    child: subprocess.Popen[bytes] | None = None

    def forward(signum: int, _frame: object) -> None:
        if child is not None and not os.path.exists(args.stop_file):
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    for pair in args.setenv:
        key, _, value = pair.partition("=")
        os.environ[key] = value
    _note(f"starting {' '.join(args.command)}")
    try:
        child = subprocess.Popen(args.command, stdin=subprocess.DEVNULL)
    except OSError as exc:
        _note(f"cannot start {args.command[0]}: {exc}")
        _write(
            args.exit_file, json.dumps({"returncode": 127, "signal": None, "ended_at": time.time()})
        )
        return 127
    _write(args.pid_file, str(child.pid))
    if os.path.exists(args.stop_file):  # a stop arrived before the service existed
        child.terminate()
    returncode = child.wait()
    _ended(args.exit_file, returncode)
    return returncode if returncode >= 0 else 128 - returncode


if __name__ == "__main__":
    sys.exit(main())
