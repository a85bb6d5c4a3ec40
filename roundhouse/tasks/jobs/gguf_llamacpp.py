"""llama.cpp as an install target: nothing to import (it serves the verified file where it lies);
the test stage loads the file in a server of its own on a free port and sends the test prompt,
so the server the LLM role may be using is never disturbed."""

from __future__ import annotations

import socket
from dataclasses import replace
from typing import Any

from roundhouse.core.settings import Settings
from roundhouse.providers.base import Control
from roundhouse.providers.generation import build_llm, probe_llm
from roundhouse.providers.llamacpp import models
from roundhouse.providers.services import launch, process
from roundhouse.providers.services.specs import openai_models_url
from roundhouse.tasks import llamacpp_serve
from roundhouse.tasks.context import WorkerContext
from roundhouse.tasks.jobs import services
from roundhouse.tasks.requests.services import service_specs

NAME = llamacpp_serve.NAME


def model_name(record: dict[str, Any]) -> str:
    """The name llama.cpp lists the download by (its first .gguf's stem)."""
    first = next(f for f in record["files"] if f["filename"].endswith(".gguf"))
    return models.name_of(first["filename"])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _probe(base_url: str, name: str, s: Settings) -> dict[str, Any]:
    llm = build_llm({"llm": {"provider": NAME, "model": name, "base_url": base_url}})
    try:
        return probe_llm(llm, deadline_s=max(30.0, s.verify_timeout_s))
    finally:
        llm.close()


def test_prompt(
    ctx: WorkerContext, s: Settings, record: dict[str, Any], control: Control
) -> dict[str, Any]:
    """Load the file and send the 10-token prompt: through the running server if it serves this
    file already, else through a temporary one that is stopped afterwards."""
    entry = services.store(ctx).get(s.hostname, NAME) or {}
    name = model_name(record)
    if (
        entry.get("state") == "running"
        and (entry.get("model") or {}).get("file_id") == record["id"]
    ):
        return {**_probe(s.llamacpp_base_url, name, s), "server": "running"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    spec = replace(
        service_specs(s)[NAME],
        name=f"{NAME}-test",
        port=port,
        base_url=base,
        health_url=openai_models_url(base),
    )
    spec, served = llamacpp_serve.prepare(s, spec, record["id"], [record])
    out = launch.start(spec, log_dir=s.data_dir / "services", control=control)
    try:
        return {**_probe(base, served["name"], s), "server": "temporary", "port": port}
    finally:
        process.stop(out["record"], timeout_s=5.0)
