"""What each host's worker sees: its service catalog and their health, as that host checks it.

A remote host's `127.0.0.1:11434` means its own Ollama, which the API cannot reach or judge;
so the worker publishes its view (`rh:hostview:{host}`, JSON, refreshed every few seconds and
expiring with the host registry's forget period) and the API shows that for the host.
"""

from __future__ import annotations

import json
from typing import Any

import redis

from roundhouse.core.keys import Keys
from roundhouse.core.models import now


class HostViews:
    def __init__(self, r: redis.Redis, keys: Keys, keep_s: float) -> None:
        self.r, self.keys, self.keep_s = r, keys, keep_s

    def publish(
        self,
        host: str,
        services: dict[str, dict[str, Any]],
        machine: dict[str, Any] | None = None,
    ) -> None:
        """`machine`: RAM and free disk of the models folder, for fit verdicts made elsewhere."""
        body = {"host": host, "at": now(), "services": services, "machine": machine or {}}
        self.r.set(self.keys.host_view(host), json.dumps(body), ex=max(1, int(self.keep_s)))

    def get(self, host: str) -> dict[str, Any] | None:
        raw = self.r.get(self.keys.host_view(host))
        return json.loads(raw) if raw else None
