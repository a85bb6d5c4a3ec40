"""Health of every provider service for the API: what to check, the shared cache, discovery.

Checks run through providers/health.py (concurrent, each bounded by `health_timeout_s`);
results go through core/health_cache.py (Redis, single-flight across API processes).
"""

from __future__ import annotations

import threading
from dataclasses import replace
from functools import lru_cache
from typing import Any

from roundhouse.api.deps import AppContext
from roundhouse.core.health_cache import Cached, HealthCache, Results
from roundhouse.core.settings import Settings
from roundhouse.providers.health import Target, check_all, openai_target, target_for
from roundhouse.providers.services.specs import SPEC_FIELDS, build_specs

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
TARGET_FIELDS = (*SPEC_FIELDS, "compat_api_key", "openai_base_url", "openai_api_key")


def targets(settings: Settings) -> dict[str, Target]:
    """Every service we can check: the local service specs plus OpenAI."""
    return dict(_targets(tuple(getattr(settings, name) for name in TARGET_FIELDS)))


@lru_cache(maxsize=16)
def _targets(values: tuple[Any, ...]) -> dict[str, Target]:
    """Built once per distinct settings (the service specs look for llama.cpp's engine on disk)."""
    given = dict(zip(TARGET_FIELDS, values, strict=True))
    specs = build_specs(**{name: given[name] for name in SPEC_FIELDS})
    found = {name: target_for(spec) for name, spec in specs.items()}
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


def cache(ctx: AppContext) -> HealthCache:
    """This app's health cache (built once)."""
    with ctx.shared.building:
        found = ctx.shared.health
        if found is None:
            lock_s = ctx.settings.health_timeout_s + LOCK_SLACK_S
            found = ctx.shared.health = ctx.stores.health_cache(lock_s)
        return found


def current(ctx: AppContext, *, refresh: bool = False) -> Cached:
    """Fresh health: cached, or checked once across all processes (others wait briefly)."""
    wait_s = ctx.settings.health_timeout_s + 1.0
    found = cache(ctx).get(lambda: check(ctx.settings), refresh=refresh, wait_s=wait_s)
    return settled(ctx, found)


def cached(ctx: AppContext) -> Cached:
    """What the cache holds right now (one round trip); a stale cache is refreshed behind us."""
    found = cache(ctx).read()
    if not found.fresh:
        refresh_behind(ctx)
    return settled(ctx, found)


def moved(settings: Settings, results: Results) -> list[str]:
    """AppContext whose cached verdict was taken at another address than their settings name now:
    a URL changed since (a check begun before the change may even finish after it)."""
    now = {name: target.url for name, target in targets(settings).items()}
    return sorted(n for n, v in results.items() if n in now and (v.get("url") or "") != now[n])


def settled(ctx: AppContext, found: Cached) -> Cached:
    """`found`, with any service whose address moved checked again now (bounded, rare)."""
    names = moved(ctx.settings, found.results)
    if names:
        found.results.update(check_now(ctx, names))
    return found


def refresh_behind(ctx: AppContext) -> None:
    """Refresh in the background, at most one refresh per process at a time."""
    guard = ctx.shared.health_refreshing
    if not guard.acquire(blocking=False):
        return

    def run() -> None:
        try:
            cache(ctx).get(lambda: check(ctx.settings), wait_s=0)
        except Exception:  # noqa: BLE001 - a failed refresh leaves the stale cache in place
            pass
        finally:
            guard.release()

    threading.Thread(target=run, name="health-refresh", daemon=True).start()


def check_now(ctx: AppContext, names: list[str]) -> Results:
    """Check some services now (a switch must not trust a stale verdict); merged into the cache."""
    results = check(ctx.settings, names)
    cache(ctx).record(results)
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
