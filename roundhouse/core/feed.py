"""The global feed: one capped stream every API process follows to relay events live."""

from __future__ import annotations

import json
from typing import Any, NamedTuple

import redis

from roundhouse.core.keys import Keys
from roundhouse.core.models import now
from roundhouse.core.redis import dedicated


class Entry(NamedTuple):
    """One feed entry. A job event's entry carries its job id (`j`), seq (`s`) and event name
    (`k`, e.g. "progress") beside the event JSON (`e`), so the relay routes, orders and
    coalesces without parsing JSON; other events have job "" and seq 0."""

    fid: str
    job: str
    seq: int
    name: str
    event: str

    def with_cursor(self) -> str:
        """The event JSON with this entry's feed id as `cursor` (for watchers of every job,
        who resume from it). The event is always a compact JSON object written by core, so
        the cursor goes in as its first member."""
        return with_cursor(self.event, self.fid)


def with_cursor(event_json: str, cursor: str) -> str:
    """`event_json` (a JSON object) with `"cursor": cursor` as its first member."""
    return '{"cursor":' + json.dumps(cursor) + "," + event_json[1:]


def publish(r: redis.Redis, keys: Keys, type_: str, data: dict[str, Any], cap: int) -> str:
    """Announce a non-job event (a switch, a service state, health) to every open page."""
    event = {"type": type_, **data, "ts": now()}
    body = json.dumps(event, separators=(",", ":"), default=str)
    return r.xadd(keys.feed, {"j": "", "e": body}, maxlen=cap, approximate=True)


class Feed:
    """The feed of one deployment: what the relay reads and what announcements go into."""

    def __init__(self, r: redis.Redis, keys: Keys, cap: int) -> None:
        self.r, self.keys, self.cap = r, keys, cap

    def dedicated(self) -> Feed:
        """The same feed over one connection of its own, for a single reading loop (the relay)."""
        return Feed(dedicated(self.r), self.keys, self.cap)

    def publish(self, type_: str, data: dict[str, Any]) -> str:
        return publish(self.r, self.keys, type_, data, self.cap)

    def read(self, after: str, block_ms: int, count: int = 1000) -> list[Entry]:
        """Entries after `after` ('$' for only new ones), waiting at most `block_ms`."""
        reply = self.r.xread({self.keys.feed: after}, count=count, block=block_ms)
        if not reply:
            return []
        return [_entry(fid, f) for fid, f in reply[0][1]]

    def since(self, cursor: str, count: int = 5000) -> list[Entry] | None:
        """Entries after `cursor`, or None when the cursor fell off the capped feed."""
        first = self.r.xrange(self.keys.feed, "-", "+", count=1)
        if first and _older(cursor, first[0][0]):
            return None
        entries = self.r.xrange(self.keys.feed, f"({cursor}", "+", count)
        return [_entry(fid, f) for fid, f in entries]

    def last_id(self) -> str:
        latest = self.r.xrevrange(self.keys.feed, "+", "-", count=1)
        return latest[0][0] if latest else "0-0"


def _entry(fid: str, fields: dict[str, str]) -> Entry:
    return Entry(
        fid, fields.get("j", ""), int(fields.get("s") or 0), fields.get("k", ""), fields["e"]
    )


def _older(cursor: str, first: str) -> bool:
    def parts(x: str) -> tuple[int, int]:
        a, _, b = x.partition("-")
        return int(a), int(b or 0)

    try:
        return parts(cursor) < parts(first) and cursor != "0-0"
    except ValueError:
        return True
