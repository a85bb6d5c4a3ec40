"""`llamacpp.setup` / `llamacpp.switch` requests: one engine build per host at a time; a switch
uses the llama.cpp service's start dedup key (requests/services.start_dedup)."""

from __future__ import annotations

from roundhouse.tasks.kinds import HOST, declare

NAME = "llamacpp"  # the service's name in the catalog
SETUP = declare("llamacpp.setup", queue=HOST)
SWITCH = declare("llamacpp.switch", queue=HOST)


def setup_dedup(host: str) -> str:
    return f"service-setup:{host}:{NAME}"
