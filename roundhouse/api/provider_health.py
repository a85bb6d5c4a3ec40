"""Health of every provider service for the API: what to check, the shared cache, discovery.

Checks run through providers/health.py (concurrent, each bounded by `health_timeout_s`);
results go through core/health_cache.py (Redis, single-flight across API processes).
"""

from __future__ import annotations

import threading
from dataclasses import replace
from functools import lru_cache
from typing import Any

from roundhouse.api.deps import Services
from roundhouse.core.health_cache import Cached, HealthCache, Results
from roundhouse.core.settings import Settings
from roundhouse.providers.health import Target, check_all, openai_target, target_for
from roundhouse.providers.services.catalog import CATALOG_FIELDS, build_catalog

#: LLM backends by health-service name (the same names as the providers).
LLM_SERVICES = ("ollama", "lmstudio", "openai-compatible", "llamacpp", "openai")
#: OpenAI lists every model it has; these families cannot chat.
NOT_CHAT = (
    "dall-e",
    "gpt-image",
    "tts",
    "whisper",
    "text-embedding",
    "omni-moderation",
    "text-moderation",
    "davinci",
    "babbage",
    "sora",
)
#: How long past the check timeout a lock holder may take before another process takes over.
LOCK_SLACK_S = 2.0
#: The settings a health target is made of.
TARGET_FIELDS = (*CATALOG_FIELDS, "compat_api_key", "openai_base_url", "openai_api_key")


def targets(settings: Settings) -> dict[str, Target]:
    """Every service we can check: the local services catalog plus OpenAI."""
    return dict(_targets(tuple(getattr(settings, name) for name in TARGET_FIELDS)))


@lru_cache(maxsize=16)
def _targets(values: tuple[Any, ...]) -> dict[str, Target]:
    """Built once per distinct settings (the catalog looks for llama.cpp's engine on disk)."""
    given = dict(zip(TARGET_FIELDS, values, strict=True))
    catalog = build_catalog(**{name: given[name] for name in CATALOG_FIELDS})
    found = {name: target_for(spec) for name, spec in catalog.items()}
    if given["compat_api_key"]:
        found["openai-compatible"] = replace(
            found["openai-compatible"], api_key=given["compat_api_key"]
        )
    found["openai"] = openai_target(given["openai_base_url"], given["openai_api_key"])
    return found


def check(settings: Settings, names: list[str] | None = None) -> Results:
    """Check `names` (default: everything) now, concurrently, each within the timeout."""
    every = targets(settings)
    chosen = [every[name] for name in (names or list(every)) if name in every]
    results = check_all(chosen, timeout_s=settings.health_timeout_s)
    for name, verdict in results.items():
        if name == "openai" and "models" in verdict:
            verdict["models"] = [m for m in verdict["models"] if not m.startswith(NOT_CHAT)]
    return results


def cache(svc: Services) -> HealthCache:
    """This app's health cache (built once)."""
    found = svc.extras.get("health_cache")
    if found is None:
        s = svc.settings
        found = svc.extras["health_cache"] = HealthCache(
            svc.redis,
            svc.keys,
            ttl_s=s.health_ttl_s,
            lock_s=s.health_timeout_s + LOCK_SLACK_S,
            feed_cap=s.feed_max,
        )
    return found


def current(svc: Services, *, refresh: bool = False) -> Cached:
    """Fresh health: cached, or checked once across all processes (others wait briefly)."""
    wait_s = svc.settings.health_timeout_s + 1.0
    found = cache(svc).get(lambda: check(svc.settings), refresh=refresh, wait_s=wait_s)
    return settled(svc, found)


def cached(svc: Services) -> Cached:
    """What the cache holds right now (one round trip); a stale cache is refreshed behind us."""
    found = cache(svc).read()
    if not found.fresh:
        refresh_behind(svc)
    return settled(svc, found)


def moved(settings: Settings, results: Results) -> list[str]:
    """Services whose cached verdict was taken at another address than their settings name now:
    a URL changed since (a check begun before the change may even finish after it)."""
    now = {name: target.url for name, target in targets(settings).items()}
    return sorted(n for n, v in results.items() if n in now and (v.get("url") or "") != now[n])


def settled(svc: Services, found: Cached) -> Cached:
    """`found`, with any service whose address moved checked again now (bounded, rare)."""
    names = moved(svc.settings, found.results)
    if names:
        found.results.update(check_now(svc, names))
    return found


def refresh_behind(svc: Services) -> None:
    """Refresh in the background, at most one refresh per process at a time."""
    guard = svc.extras.setdefault("health_refreshing", threading.Lock())
    if not guard.acquire(blocking=False):
        return

    def run() -> None:
        try:
            cache(svc).get(lambda: check(svc.settings), wait_s=0)
        except Exception:  # noqa: BLE001 - a failed refresh leaves the stale cache in place
            pass
        finally:
            guard.release()

    threading.Thread(target=run, name="health-refresh", daemon=True).start()


def check_now(svc: Services, names: list[str]) -> Results:
    """Check some services now (a switch must not trust a stale verdict); merged into the cache."""
    results = check(svc.settings, names)
    cache(svc).record(results)
    return results


def llm_models(results: Results) -> dict[str, Any]:
    """Chat models of every LLM backend that answered, and the state of each backend."""
    backends: dict[str, Any] = {}
    models = []
    for name in LLM_SERVICES:
        verdict = results.get(name)
        if verdict is None:
            continue
        names = verdict.get("models", []) if verdict.get("ok") else []
        backends[name] = {
            "ok": bool(verdict.get("ok")),
            "error": verdict.get("error"),
            "models": names,
        }
        models += [{"provider": name, "model": model} for model in names]
    return {"backends": backends, "models": models}
