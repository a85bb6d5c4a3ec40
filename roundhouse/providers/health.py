"""Cheap liveness checks for every provider at once, each bounded, plus model discovery.

One slow or silent service never delays the others: checks run in threads and the caller
waits at most `timeout_s` (plus a little) for all of them together.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

import httpx

from roundhouse.core.errors import ProviderError, Unavailable
from roundhouse.providers import tls
from roundhouse.providers.services.specs import (
    LOCAL_HOSTS,
    ServiceSpec,
    openai_models_url,
    split_url,
)

MODEL_KINDS = {"ollama", "lmstudio", "openai", "openai-compatible", "llamacpp"}
GRACE_S = 0.25  # how long past the timeout we wait for a thread to hand in its answer


@dataclass(frozen=True)
class Target:
    """Something to check: its name, which protocol it speaks, and the URL to GET."""

    name: str
    kind: str  # ollama | lmstudio | openai | openai-compatible | flux | vision
    url: str  # empty: not configured, nothing is requested
    api_key: str = ""
    needs_key: bool = False


def target_for(spec: ServiceSpec) -> Target:
    """The health target of a catalog service."""
    return Target(name=spec.name, kind=spec.name, url=spec.health_url)


def openai_target(base_url: str, api_key: str, name: str = "openai") -> Target:
    """OpenAI (or a keyed compatible API): GET /v1/models with the Bearer key."""
    return Target(name, "openai", openai_models_url(base_url), api_key=api_key, needs_key=True)


def _is_local(url: str) -> bool:
    """Local services are reached directly, never through a proxy the environment names."""
    return split_url(url)[0] in LOCAL_HOSTS


def _now() -> float:
    return round(time.time(), 3)


def _verdict(target: Target, ok: bool, **fields: Any) -> dict[str, Any]:
    return {
        "ok": ok,
        "latency_ms": None,
        "error": None,
        "checked_at": _now(),
        "url": target.url,
        **fields,
    }


def check(target: Target, timeout_s: float = 2.0) -> dict[str, Any]:
    """One liveness check: ok, latency, error, and the chat models it lists when cheap."""
    if not target.url:
        return _verdict(target, False, error="not configured")
    if target.needs_key and not target.api_key:
        return _verdict(target, False, error="no API key configured")
    headers = {"Authorization": f"Bearer {target.api_key}"} if target.api_key else {}
    began = time.perf_counter()
    try:
        response = httpx.get(
            target.url,
            headers=headers,
            timeout=timeout_s,
            trust_env=not _is_local(target.url),
            verify=tls.context(),
        )
    except httpx.HTTPError as exc:
        return _verdict(target, False, error=_describe(exc, timeout_s))
    latency = round((time.perf_counter() - began) * 1000, 1)
    error, models = _read(target, response)
    fields: dict[str, Any] = {
        "latency_ms": latency,
        "error": error,
        "status_code": response.status_code,
    }
    if target.kind in MODEL_KINDS and error is None:
        fields["models"] = models
        fields["embeddings"] = embedding_models(target.kind, response)
    return _verdict(target, error is None, **fields)


def _describe(exc: httpx.HTTPError, timeout_s: float) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"no answer within {timeout_s:g} s"
    if isinstance(exc, httpx.ConnectError):
        return "not running (connection refused)"
    return f"{type(exc).__name__}: {exc}"


def _read(target: Target, response: httpx.Response) -> tuple[str | None, list[str]]:
    """(error or None, models): a 2xx whose body carries an `error` is still a failure."""
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("error"):
        return f"HTTP {response.status_code}: {error_text(body['error'])[:200]}", []
    if not response.is_success:
        return f"HTTP {response.status_code}", []
    return None, chat_models(target.kind, body) if target.kind in MODEL_KINDS else []


def error_text(error: Any) -> str:
    """The words of an `error` field: Ollama's string or OpenAI's `{"message": ...}`."""
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])
    return str(error)


def check_all(items: Iterable[ServiceSpec | Target], timeout_s: float = 2.0) -> dict[str, dict]:
    """Check everything concurrently; the whole call takes at most about timeout_s."""
    targets = [item if isinstance(item, Target) else target_for(item) for item in items]
    if not targets:
        return {}
    pool = ThreadPoolExecutor(max_workers=len(targets), thread_name_prefix="health")
    futures = {target.name: pool.submit(check, target, timeout_s) for target in targets}
    wait(futures.values(), timeout=timeout_s + GRACE_S)
    pool.shutdown(wait=False, cancel_futures=True)
    results = {}
    for target in targets:
        future = futures[target.name]
        late = _verdict(target, False, error=f"no answer within {timeout_s:g} s")
        results[target.name] = future.result() if future.done() else late
    return results


def _is_embedding(name: str, entry: dict[str, Any]) -> bool:
    """Embedding-only models cannot chat, so model pickers leave them out."""
    if "embed" in name.lower() or entry.get("type") in ("embeddings", "embedding"):
        return True
    caps = entry.get("capabilities")
    return isinstance(caps, list) and "embedding" in caps and "completion" not in caps


def chat_models(kind: str, body: Any) -> list[str]:
    """Model names from /api/tags (Ollama) or /v1/models (the others), embeddings left out."""
    return [name for name, embedding in _entries(kind, body) if not embedding]


def embedding_models(kind: str, response: httpx.Response) -> list[str]:
    """The embedding-only models, so a switch to one can say why it cannot chat."""
    try:
        body = response.json()
    except ValueError:
        return []
    return [name for name, embedding in _entries(kind, body) if embedding]


def _entries(kind: str, body: Any) -> list[tuple[str, bool]]:
    """(name, is embedding-only) of every listed model."""
    if not isinstance(body, dict):
        return []
    key, field = ("models", "name") if kind == "ollama" else ("data", "id")
    entries = body.get(key) or []  # LM Studio and Ollama's /v1 send null for "none"
    out = []
    for entry in entries:
        name = entry.get(field) if isinstance(entry, dict) else None
        if isinstance(name, str) and name:
            out.append((name, _is_embedding(name, entry)))
    return out


def list_models(target: Target, timeout_s: float = 5.0) -> list[str]:
    """The chat models a running service offers; Unavailable when it is down."""
    verdict = check(target, timeout_s)
    if verdict["ok"]:
        return verdict.get("models", [])
    error = verdict["error"] or "unknown error"
    if error.startswith(("not running", "no answer")):
        raise Unavailable(target.name, error, hint=f"Start {target.name} first")
    raise ProviderError(target.name, f"listing models failed: {error}")
