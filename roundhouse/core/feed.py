"""The global feed: one capped stream every API process follows to relay events live."""

from __future__ import annotations

import json
from typing import Any

import redis

from roundhouse.core.keys import Keys
from roundhouse.core.models import now

#: Entries are {"j": job id or "", "e": event JSON}; `j` lets the relay route without parsing.
Entry = tuple[str, str, str]  # (feed id, job id, event json)


def publish(r: redis.Redis, keys: Keys, type_: str, data: dict[str, Any], cap: int) -> str:
    """Announce a non-job event (a switch, a service state, health) to every open page."""
    event = {"type": type_, **data, "ts": now()}
    body = json.dumps(event, separators=(",", ":"), default=str)
    return r.xadd(keys.feed, {"j": "", "e": body}, maxlen=cap, approximate=True)


def read(r: redis.Redis, keys: Keys, after: str, block_ms: int, count: int = 1000) -> list[Entry]:
    """Entries after `after` ('$' for only new ones), waiting at most `block_ms`."""
    reply = r.xread({keys.feed: after}, count=count, block=block_ms)
    if not reply:
        return []
    return [(fid, f.get("j", ""), f["e"]) for fid, f in reply[0][1]]


def since(r: redis.Redis, keys: Keys, cursor: str, count: int = 5000) -> list[Entry] | None:
    """Entries after `cursor`, or None when the cursor fell off the capped feed."""
    first = r.xrange(keys.feed, "-", "+", count=1)
    if first and _older(cursor, first[0][0]):
        return None
    entries = r.xrange(keys.feed, f"({cursor}", "+", count)
    return [(fid, f.get("j", ""), f["e"]) for fid, f in entries]


def last_id(r: redis.Redis, keys: Keys) -> str:
    latest = r.xrevrange(keys.feed, "+", "-", count=1)
    return latest[0][0] if latest else "0-0"


def _older(cursor: str, first: str) -> bool:
    def parts(x: str) -> tuple[int, int]:
        a, _, b = x.partition("-")
        return int(a), int(b or 0)

    try:
        return parts(cursor) < parts(first) and cursor != "0-0"
    except ValueError:
        return True
