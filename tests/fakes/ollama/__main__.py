"""`python -m tests.fakes.ollama --port N [...]`: the fake as a process (or a service command)."""

from __future__ import annotations

import argparse
import json

from tests.fakes.ollama.server import FakeOllama


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m tests.fakes.ollama", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=11434)
    p.add_argument("--registry", type=json.loads, help='JSON {"name": [layer sizes...]}')
    p.add_argument("--installed", action="append", default=[], help="pre-installed model name")
    p.add_argument("--tick", type=float, default=0.06, help="seconds per progress line; 0 = fast")
    p.add_argument("--bytes-per-tick", type=int, default=512 * 1024)
    p.add_argument("--fail-after", type=int, help="bytes into a pull before an in-band error")
    p.add_argument("--fail-message", default="max retries exceeded: unexpected EOF")
    p.add_argument("--fail-times", type=int, default=1)
    p.add_argument("--retry-at", type=int, help="bytes into a pull before completed goes back")
    p.add_argument("--retry-bytes", type=int)
    p.add_argument("--verify-delay", type=float, default=0.0)
    p.add_argument("--version", dest="server_version", default="0.12.3")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    a = parse_args(argv)
    FakeOllama(
        registry=a.registry,
        installed=a.installed,
        tick=a.tick,
        bytes_per_tick=a.bytes_per_tick,
        fail_after=a.fail_after,
        fail_message=a.fail_message,
        fail_times=a.fail_times,
        retry_at=a.retry_at,
        retry_bytes=a.retry_bytes,
        verify_delay=a.verify_delay,
        version=a.server_version,
        host=a.host,
        port=a.port,
    ).serve()


if __name__ == "__main__":
    main()
