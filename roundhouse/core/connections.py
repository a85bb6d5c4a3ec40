"""Service addresses and keys set at runtime, held in Redis beside the active providers.

`rh:connections` is a hash of Settings field -> value; `apply()` lays it over a process's own
settings (the environment and `.env` stay the defaults), so every worker and API process on
every host uses a change from its next read. Secrets leave this module only masked.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import redis

from roundhouse.core.connection_specs import (
    CONNECTIONS,
    SECRET_FIELDS,
    URL_FIELDS,
    Connection,
    mask,
    page_link,
)
from roundhouse.core.keys import Keys
from roundhouse.core.models import EventType, now
from roundhouse.core.settings import Settings

FIELDS = SECRET_FIELDS | URL_FIELDS


class ConnectionStore:
    """Reads and changes the runtime connections; cheap to build (one per call is fine)."""

    def __init__(self, r: redis.Redis, keys: Keys) -> None:
        self.r, self.keys = r, keys

    def raw(self) -> dict[str, str]:
        return self.r.hgetall(self.keys.connections)

    def apply(self, settings: Settings, raw: dict[str, str] | None = None) -> Settings:
        """`settings` with the runtime values laid over them (one HGETALL)."""
        raw = self.raw() if raw is None else raw
        values: dict[str, Any] = {f: v for f, v in raw.items() if f in FIELDS}
        return replace(settings, **values) if values else settings

    def change(
        self, conn: Connection, values: dict[str, str | None], *, by: str, feed_max: int
    ) -> int:
        """Set (or with None, drop back to the default) fields; announce it, secrets masked."""
        sets = {f: v for f, v in values.items() if v is not None}
        drops = [f for f, v in values.items() if v is None]
        version = 0
        with self.r.pipeline() as pipe:
            if sets:
                pipe.hset(self.keys.connections, mapping=sets)
            if drops:
                pipe.hdel(self.keys.connections, *drops)
            pipe.hincrby(self.keys.connections_meta, "version", 1)
            pipe.hset(self.keys.connections_meta, mapping={"updated_at": now(), "updated_by": by})
            event = {
                "type": EventType.CONNECTIONS.value,
                "event": "changed",
                "name": conn.name,
                "changed": {f: _shown(f, v) for f, v in values.items()},
                "by": by,
                "ts": now(),
            }
            pipe.xadd(
                self.keys.feed,
                {"j": "", "e": json.dumps(event, separators=(",", ":"))},
                maxlen=feed_max,
                approximate=True,
            )
            results = pipe.execute()
            version = int(results[-3])
        return version

    def public(self, base: Settings) -> dict[str, Any]:
        """Every connection as the page and CLI see it: URLs in full, keys masked."""
        raw = self.raw()
        meta = self.r.hgetall(self.keys.connections_meta)
        effective = self.apply(base, raw)
        out = {name: describe(conn, effective, raw) for name, conn in CONNECTIONS.items()}
        return {
            "connections": out,
            "version": int(meta.get("version", 0)),
            "updated_at": float(meta["updated_at"]) if meta.get("updated_at") else None,
            "updated_by": meta.get("updated_by"),
        }


def describe(conn: Connection, effective: Settings, raw: dict[str, str]) -> dict[str, Any]:
    """One connection: its URL and where it comes from, and whether a key is set (masked)."""
    entry: dict[str, Any] = {"title": conn.title, "page": page_link(conn.name)}
    if conn.url_field:
        entry["url"] = getattr(effective, conn.url_field)
        entry["url_source"] = "runtime" if conn.url_field in raw else "default"
        entry["url_env"] = conn.url_env
    if conn.key_field:
        key = getattr(effective, conn.key_field)
        entry["key"] = {
            "set": bool(key),
            "masked": mask(key),
            "source": "runtime" if conn.key_field in raw else ("default" if key else None),
            "env": conn.key_env,
        }
    return entry


def _shown(field: str, value: str | None) -> str | None:
    if value is None:
        return None
    return mask(value) if field in SECRET_FIELDS else value
