"""A pull sent to a host is checked against that host's Ollama as the host itself sees it."""

from __future__ import annotations

from roundhouse.api.deps import app_ctx
from roundhouse.core.errors import Unavailable


def host_ollama_answers(host: str) -> None:
    """503 before any job exists when the host's worker last saw its own Ollama down."""
    ctx = app_ctx()
    view = ctx.stores.host_views.get(host)
    entry = (view or {}).get("services", {}).get("ollama") or {}
    health = entry.get("health")
    if health and not health.get("ok"):
        raise Unavailable(
            "ollama",
            f"Ollama on {host} is not answering at {entry.get('base_url')} "
            f"(as {host}'s worker sees it): {health.get('error')}",
            hint=f"Start Ollama on {host} (the AppContext grid, host {host}) and try again.",
        )
