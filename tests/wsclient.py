"""A small WebSocket test client for /ws that reads JSON frames with timeouts (generous: they
only decide how long a broken run takes to fail, and must hold at load average 16)."""

from __future__ import annotations

import json
import time
from typing import Any

from simple_websocket import Client


class Live:
    def __init__(self, url: str, hello: dict[str, Any], **headers: str) -> None:
        self.ws = Client.connect(url, headers=headers or None)
        self.ws.send(json.dumps(hello))

    def recv(self, timeout: float = 30.0) -> dict[str, Any]:
        raw = self.ws.receive(timeout=timeout)
        if raw is None:
            raise TimeoutError("no frame within timeout")
        return json.loads(raw)

    def until(self, pred, timeout: float = 60.0) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
        """Frames up to and including the first one matching `pred`."""
        got: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            frame = self.recv(max(0.1, deadline - time.monotonic()))
            got.append(frame)
            if pred(frame):
                return got
        raise TimeoutError(f"predicate not met; got {len(got)} frames")

    def close(self) -> None:
        self.ws.close()


def final(frame: dict[str, Any]) -> bool:
    return frame.get("type") == "job" and frame.get("state") in ("succeeded", "failed", "cancelled")
