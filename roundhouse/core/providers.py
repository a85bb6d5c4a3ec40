"""The active provider per role, held in Redis so every worker sees a switch at once.

`current()` is one HGETALL: defaults from settings overlaid with the Redis hash, plus the
version, which grows by one on every switch. A switch naming several roles applies all or
none (WATCH/MULTI), appends to the history stream and announces itself on the global feed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import redis

from roundhouse.core.errors import InvalidRequest
from roundhouse.core.keys import Keys
from roundhouse.core.models import EventType, now
from roundhouse.core.settings import Settings

ROLES: dict[str, tuple[str, ...]] = {
    "llm": ("openai", "ollama", "lmstudio", "openai-compatible"),
    "image": ("dalle", "flux"),
    "vision": ("gpt-vision", "local"),
}
#: Names people (and the original system) also use, mapped to ours.
ALIASES = {
    "lm_studio": "lmstudio",
    "lm-studio": "lmstudio",
    "compat": "openai-compatible",
    "openai_compatible": "openai-compatible",
    "dall-e": "dalle",
    "openai-image": "dalle",
    "gpt_vision": "gpt-vision",
    "openai-vision": "gpt-vision",
    "clip": "local",
    "local-vision": "local",
}
HISTORY_MAX = 10_000
#: The health-checked service each provider runs on (names as in providers/health.py).
SERVICE = {
    "openai": "openai",
    "dalle": "openai",
    "gpt-vision": "openai",
    "ollama": "ollama",
    "lmstudio": "lmstudio",
    "openai-compatible": "openai-compatible",
    "flux": "flux",
    "local": "vision",
}
#: Providers that run in the cloud; everything else runs on a machine of ours (orange badge).
CLOUD = frozenset({"openai", "dalle", "gpt-vision"})


def canonical(role: str, provider: str) -> str:
    """Our name for `provider` in `role`, or a 400 listing the valid ones."""
    if role not in ROLES:
        raise InvalidRequest(f"Unknown role {role!r}.", hint="Roles: " + ", ".join(ROLES))
    name = ALIASES.get(provider.strip().lower(), provider.strip().lower())
    if role == "vision" and name == "openai":
        name = "gpt-vision"
    if role == "image" and name == "openai":
        name = "dalle"
    if name not in ROLES[role]:
        raise InvalidRequest(
            f"Unknown {role} provider {provider!r}.",
            hint=f"{role} providers: " + ", ".join(ROLES[role]),
        )
    return name


def default_model(settings: Settings, role: str, provider: str) -> str:
    by_provider = {
        "openai": settings.openai_model,
        "ollama": settings.ollama_model,
        "lmstudio": settings.lmstudio_model,
        "openai-compatible": settings.compat_model,
        "dalle": settings.image_model,
        "flux": settings.flux_model,
        "gpt-vision": settings.vision_model,
        "local": "clip",
    }
    if role == "llm" and settings.llm_model and provider == canonical("llm", settings.llm_provider):
        return settings.llm_model
    return by_provider[provider]


def base_url(settings: Settings, provider: str) -> str:
    return {
        "openai": settings.openai_base_url,
        "dalle": settings.openai_base_url,
        "gpt-vision": settings.openai_base_url,
        "ollama": settings.ollama_base_url,
        "lmstudio": settings.lmstudio_base_url,
        "openai-compatible": settings.compat_base_url,
        "flux": settings.flux_api_url,
        "local": settings.local_vision_api_url,
    }[provider]


@dataclass(frozen=True)
class Choice:
    provider: str
    model: str


def env_values(role: str, choice: Choice) -> dict[str, str]:
    """The `.env` lines that make `choice` the default for `role` after a restart."""
    if role == "llm":
        return {"LLM_PROVIDER": choice.provider, "LLM_MODEL": choice.model}
    if role == "image":
        model_key = "FLUX_MODEL" if choice.provider == "flux" else "IMAGE_MODEL"
        return {"IMAGE_PROVIDER": choice.provider, model_key: choice.model}
    out = {"VISION_PROVIDER": choice.provider}
    if choice.provider == "gpt-vision":
        out["VISION_MODEL"] = choice.model
    return out


class ProviderStore:
    """Reads and switches the active providers; one instance per process."""

    def __init__(self, r: redis.Redis, keys: Keys, settings: Settings) -> None:
        self.r, self.keys, self.settings = r, keys, settings

    def defaults(self) -> dict[str, Choice]:
        s = self.settings
        out = {}
        for role, env_provider in (
            ("llm", s.llm_provider),
            ("image", s.image_provider),
            ("vision", s.vision_provider),
        ):
            provider = canonical(role, env_provider)
            out[role] = Choice(provider, default_model(s, role, provider))
        return out

    def state(self, raw: dict[str, str] | None = None) -> dict[str, Any]:
        """Active choice per role, version and who/when, without secrets."""
        raw = self.r.hgetall(self.keys.providers) if raw is None else raw
        state: dict[str, Any] = {}
        for role, choice in self.defaults().items():
            provider = raw.get(f"{role}.provider") or choice.provider
            model = raw.get(f"{role}.model")
            if model is None:
                model = (
                    choice.model
                    if provider == choice.provider
                    else default_model(self.settings, role, provider)
                )
            state[role] = {"provider": provider, "model": model}
        state["version"] = int(raw.get("version", 0))
        state["updated_at"] = float(raw["updated_at"]) if raw.get("updated_at") else None
        state["updated_by"] = raw.get("updated_by")
        return state

    def current(self) -> dict[str, Any]:
        """The snapshot a job generates with (generation.Snapshot shape), in one round trip."""
        return self.snapshot(self.state())

    def preview(self, changes: dict[str, Choice], state: dict[str, Any]) -> dict[str, Any]:
        """`state` as it would be after `changes` (what a verification tests before commit)."""
        after = {**state, **{r: dict(state[r]) for r in ROLES}}
        for role, choice in changes.items():
            after[role] = {"provider": choice.provider, "model": choice.model}
        return after

    def snapshot(self, state: dict[str, Any]) -> dict[str, Any]:
        s = self.settings
        snap: dict[str, Any] = {
            "version": state["version"],
            "openai": {"api_key": s.openai_api_key, "base_url": s.openai_base_url},
        }
        for role in ROLES:
            choice = state[role]
            snap[role] = {
                "provider": choice["provider"],
                "model": choice["model"],
                "base_url": base_url(s, choice["provider"]),
            }
        return snap

    def switch(
        self,
        changes: dict[str, Choice],
        *,
        by: str = "api",
        verification: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Apply every change or none; returns the new state (with its new version)."""
        key = self.keys.providers
        with self.r.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    before = self.state(pipe.hgetall(key))
                    pipe.multi()
                    self._write(pipe, before, changes, by, verification)
                    pipe.execute()
                    break
                except redis.WatchError:
                    continue
        return self.state()

    def _write(
        self,
        pipe: Any,
        before: dict[str, Any],
        changes: dict[str, Choice],
        by: str,
        verification: dict[str, Any] | None,
    ) -> None:
        version = before["version"] + 1
        fields: dict[str, Any] = {"version": version, "updated_at": now(), "updated_by": by}
        after = {role: dict(before[role]) for role in ROLES}
        for role, choice in changes.items():
            fields[f"{role}.provider"] = choice.provider
            fields[f"{role}.model"] = choice.model
            after[role] = {"provider": choice.provider, "model": choice.model}
        pipe.hset(self.keys.providers, mapping=fields)
        record = {
            "version": version,
            "from": {r: before[r] for r in changes},
            "to": {r: after[r] for r in changes},
            "by": by,
            "verification": verification,
            "at": fields["updated_at"],
        }
        pipe.xadd(
            self.keys.providers_history,
            {"e": json.dumps(record)},
            maxlen=HISTORY_MAX,
            approximate=True,
        )
        event = {
            "type": EventType.PROVIDERS.value,
            "event": "switched",
            **record,
            "active": after,
            "ts": fields["updated_at"],
        }
        pipe.xadd(
            self.keys.feed,
            {"j": "", "e": json.dumps(event, separators=(",", ":"))},
            maxlen=self.settings.feed_max,
            approximate=True,
        )

    def history(self, count: int = 50) -> list[dict[str, Any]]:
        entries = self.r.xrevrange(self.keys.providers_history, "+", "-", count=count)
        return [json.loads(fields["e"]) for _, fields in entries]
