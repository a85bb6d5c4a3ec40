"""`python -m tests.hosts.world ...`: the outside world one host sees, in one process.

Run inside a host's namespace: a Hub (+ CDN), OpenAI, and on worker hosts an Ollama, Flux and
a vision service, each on that namespace's own loopback at the port a real install would use.
One process instead of five keeps the many-hosts test light on a shared machine.
"""

from __future__ import annotations

import argparse
import signal
import threading
from contextlib import ExitStack
from pathlib import Path

from tests.fakes.flux import FakeFlux
from tests.fakes.hub import FakeHub
from tests.fakes.ollama import FakeOllama
from tests.fakes.openai import FakeOpenAI
from tests.fakes.vision import FakeVision

PORTS = {"ollama": 11434, "hub": 18080, "cdn": 18081, "openai": 18082, "flux": 8001, "vision": 8002}


def urls() -> dict[str, str]:
    """Where each fake listens, as every namespace sees its own."""
    return {name: f"http://127.0.0.1:{port}" for name, port in PORTS.items()}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hub-root", type=Path, required=True)
    p.add_argument("--worker-host", action="store_true", help="also Ollama, Flux and vision")
    p.add_argument("--ollama-registry", default="")
    a = p.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with ExitStack() as es:
        es.enter_context(FakeHub(a.hub_root, port=PORTS["hub"], cdn_port=PORTS["cdn"]))
        es.enter_context(FakeOpenAI(api_key=None, port=PORTS["openai"]))
        if a.worker_host:
            registry = _registry(a.ollama_registry)
            es.enter_context(FakeOllama(registry=registry, tick=0.02, port=PORTS["ollama"]))
            es.enter_context(FakeFlux(port=PORTS["flux"]))
            es.enter_context(FakeVision(port=PORTS["vision"]))
        print("world ready", flush=True)
        stop.wait()


def _registry(spec: str) -> dict[str, list[int]] | None:
    """`name=size,size;name=size` -> {name: [layer sizes]} (None: the fake's default registry)."""
    if not spec:
        return None
    out = {}
    for item in spec.split(";"):
        name, sizes = item.split("=")
        out[name] = [int(s) for s in sizes.split(",")]
    return out


if __name__ == "__main__":
    main()
