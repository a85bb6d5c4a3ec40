"""The record of every downloaded model: what it is (repo, commit, sha256), where, and where
it was imported, so updates can be checked and uninstall knows what to remove."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import redis

from roundhouse.core.errors import NotFound
from roundhouse.core.keys import Keys
from roundhouse.core.models import now


def record_id(host: str, repo_id: str, filename: str) -> str:
    """Stable per host and artifact (the first file of a split set), so a re-download updates it."""
    return hashlib.sha1(f"{host}\0{repo_id}\0{filename}".encode()).hexdigest()[:16]


class Downloads:
    """Records in one hash (`keys.downloads`): id -> JSON."""

    def __init__(self, r: redis.Redis, keys: Keys) -> None:
        self.r, self.key = r, keys.downloads

    def put(self, record: dict[str, Any]) -> dict[str, Any]:
        """Write a record (its `id` is derived if missing); keeps earlier imports."""
        files = record["files"]
        rid = record.get("id") or record_id(record["host"], record["repo_id"], files[0]["filename"])
        old = self.find(rid) or {}
        merged = {**old, **record, "id": rid, "updated_at": now()}
        merged.setdefault("downloaded_at", merged["updated_at"])
        merged["imports"] = {**old.get("imports", {}), **record.get("imports", {})}
        self.r.hset(self.key, rid, json.dumps(merged, separators=(",", ":")))
        return merged

    def find(self, rid: str) -> dict[str, Any] | None:
        raw = self.r.hget(self.key, rid)
        return json.loads(raw) if raw else None

    def get(self, rid: str) -> dict[str, Any]:
        found = self.find(rid)
        if found is None:
            raise NotFound(
                f"no downloaded model with id {rid!r}",
                hint="list them with GET /api/providers/models/files",
            )
        return found

    def list(self) -> list[dict[str, Any]]:
        rows = [json.loads(v) for v in self.r.hvals(self.key)]
        return sorted(rows, key=lambda d: d.get("downloaded_at") or 0, reverse=True)

    def add_import(self, rid: str, target: str, value: Any) -> dict[str, Any]:
        """Remember that the model was imported into `target` (ollama name, LM Studio paths)."""
        record = self.get(rid)
        record.setdefault("imports", {})[target] = value
        return self.put(record)

    def drop_import(self, target: str, value: str) -> None:
        """Forget an import everywhere it is recorded (after an uninstall)."""
        for record in self.list():
            imports = record.get("imports", {})
            current = imports.get(target)
            if current == value or (isinstance(current, list) and value in current):
                imports[target] = (
                    [v for v in current if v != value] if isinstance(current, list) else None
                )
                self.r.hset(self.key, record["id"], json.dumps(record, separators=(",", ":")))

    def delete(self, rid: str) -> None:
        self.r.hdel(self.key, rid)
