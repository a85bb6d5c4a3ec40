"""The active provider per role, held in Redis so every worker sees a switch at once.

`current()` is one HGETALL: defaults from settings overlaid with the Redis hash, plus the
version, which grows by one on every switch. A switch naming several roles applies all or
none (WATCH/MULTI), appends to the history stream and announces itself on the global feed.
"""

from __future__ import annotations

import json
from typing import Any

import redis

from roundhouse.core.keys import Keys
from roundhouse.core.models import EventType, now
from roundhouse.core.provider_registry import (  # noqa: F401  (re-exported: callers import here)
    ALIASES,
    CLOUD,
    ROLES,
    SERVICE,
    Choice,
    base_url,
    canonical,
    default_model,
    env_values,
)
from roundhouse.core.settings import Settings

HISTORY_MAX = 10_000


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

    def version(self) -> int:
        """How many switches were committed (the state's version, without reading the rest)."""
        return int(self.r.hget(self.keys.providers, "version") or 0)

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
        """Apply every change or none; returns the state this switch wrote, not a later one."""
        key = self.keys.providers
        with self.r.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.hgetall(key)
                    pipe.multi()
                    fields = self._write(pipe, self.state(raw), changes, by, verification)
                    pipe.execute()
                    break
                except redis.WatchError:
                    continue
        return self.state({**raw, **{k: str(v) for k, v in fields.items()}})

    def _write(
        self,
        pipe: Any,
        before: dict[str, Any],
        changes: dict[str, Choice],
        by: str,
        verification: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """Queue the hash fields, history entry and feed event; returns the fields written."""
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
        return fields

    def history(self, count: int = 50) -> list[dict[str, Any]]:
        entries = self.r.xrevrange(self.keys.providers_history, "+", "-", count=count)
        return [json.loads(fields["e"]) for _, fields in entries]
