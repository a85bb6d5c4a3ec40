"""What a llama.cpp start serves: the GGUF a request names, checked on disk and against free RAM,
and the command line for it. Used by the API (a 409 before any job) and by the start job."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from roundhouse.core.errors import Conflict
from roundhouse.core.services import ServiceStore
from roundhouse.core.settings import Settings
from roundhouse.providers import gguf
from roundhouse.providers.base import Control
from roundhouse.providers.gguf import CHAT_TEMPLATE
from roundhouse.providers.llamacpp import engine, memory, models
from roundhouse.providers.services import process
from roundhouse.providers.services.specs import LLAMACPP_HINT, ServiceSpec
from roundhouse.tasks.requests.llamacpp import NAME


def threads(s: Settings) -> int:
    return s.llamacpp_threads if s.llamacpp_threads > 0 else (os.cpu_count() or 1)


def downloaded(s: Settings, records: list[dict[str, Any]]) -> list[models.GGUF]:
    """llama.cpp's model list on this host: the GGUFs downloaded here and still on disk."""
    return models.on_host(records, s.hostname)


def rss_bytes(pid: int | None) -> int:
    """Resident memory of a process we are about to replace (it is freed before the load)."""
    try:
        for line in Path(f"/proc/{int(pid or 0)}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def require_engine(s: Settings) -> engine.Engine:
    found = engine.find(s.llamacpp_command, s.data_dir)
    if not found.ready:
        raise Conflict(
            "llama.cpp is not set up on this host", hint=LLAMACPP_HINT, service=NAME, setup=True
        )
    return found


def prepare(
    s: Settings,
    spec: ServiceSpec,
    wanted: str | None,
    records: list[dict[str, Any]],
    freed_pid: int | None = None,
) -> tuple[ServiceSpec, dict[str, Any]]:
    """(the spec whose argv serves the file, what is served); 409 when missing or too big."""
    found = require_engine(s)
    model = models.resolve(downloaded(s, records), wanted, s.llamacpp_model)
    summary = gguf.read_summary(model.path)
    free = memory.available_bytes() + rss_bytes(freed_pid)
    numbers = memory.require_fit(
        model.name, model.size, summary.metadata, summary.architecture, s.llamacpp_ctx, free
    )
    argv = engine.serve_argv(
        found,
        model.path,
        host=spec.host,
        port=spec.port,
        ctx=s.llamacpp_ctx,
        threads=threads(s),
        alias=model.name,
        chat=engine.chat_format(summary.architecture, bool(summary.metadata.get(CHAT_TEMPLATE))),
    )
    served = {**model.public(), "engine": found.kind, "threads": threads(s), **numbers}
    return replace(spec, argv=argv), served


def stop_serving(
    services: ServiceStore,
    host: str,
    spec: ServiceSpec,
    entry: dict[str, Any],
    served: dict[str, Any],
    control: Control,
) -> None:
    """Another GGUF is being served: stop that server first (one model per server)."""
    old = (entry.get("model") or {}).get("name") or "another model"
    control.report(stage="stopping", message=f"stopping {spec.title} serving {old}")
    out = process.stop(entry["record"], stop_argv=spec.stop_argv)
    fields: dict[str, Any] = {
        "state": "stopped",
        "pid": None,
        "message": f"{out['message']} (to serve {served['name']})",
        "error": None,
        "returncode": None,
        "log_tail": [],
    }
    services.change(host, spec.name, fields)
