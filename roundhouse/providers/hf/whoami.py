"""Test a Hugging Face token with the Hub's cheapest authenticated call (GET /api/whoami-v2)."""

from __future__ import annotations

import time
from typing import Any

import httpx

from roundhouse.providers import tls
from roundhouse.providers.health import error_text


def whoami(endpoint: str, token: str, timeout_s: float = 5.0) -> dict[str, Any]:
    """A health-style verdict: ok with the account's name, or the Hub's own words."""
    url = f"{endpoint.rstrip('/')}/api/whoami-v2"
    if not token:
        return {"ok": True, "url": url, "user": None, "latency_ms": None}
    began = time.perf_counter()
    try:
        r = httpx.get(
            url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout_s,
            verify=tls.context(),
        )
    except httpx.HTTPError as exc:
        return {"ok": False, "url": url, "error": f"{type(exc).__name__}: {exc}"}
    latency = round((time.perf_counter() - began) * 1000, 1)
    try:
        body: Any = r.json()
    except ValueError:
        body = {}
    if r.is_success and isinstance(body, dict):
        return {"ok": True, "url": url, "user": body.get("name"), "latency_ms": latency}
    words = error_text(body.get("error")) if isinstance(body, dict) and body.get("error") else ""
    return {
        "ok": False,
        "url": url,
        "status_code": r.status_code,
        "error": f"HTTP {r.status_code}" + (f": {words}" if words else ""),
        "latency_ms": latency,
    }
