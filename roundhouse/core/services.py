"""Which services each host runs for us, in Redis, with every state change on the global feed.

One hash per host (`rh:services:{host}`): service name -> JSON entry. An entry carries the
state Roundhouse last saw (running / stopped / crashed), the process record the launcher gave
(pid, keeper pid, port, log path, ...), and whatever a page shows (message, error, log tail).
`rh:services:hosts` lists the hosts that have a services worker or recorded a service.
A change is written and announced in one MULTI, and `change(..., expect=)` only writes when
the stored state is still the one the caller saw, so two watchers never announce one crash twice.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import psutil
import redis

from roundhouse.core import feed
from roundhouse.core.keys import Keys
from roundhouse.core.models import EventType, now

#: States a stored entry can hold; "starting" and "external" are derived, never stored.
STORED_STATES = ("running", "stopped", "crashed")
#: Entry fields never sent to pages (process plumbing).
PRIVATE = ("record",)
ANY = object()


def machine_view() -> str:
    """Who can see whose processes: this boot plus this process's pid namespace. Linux names
    both (a boot id, steadier than the boot time, and namespaces for containers); elsewhere
    (macOS) the boot time from psutil stands for the boot and there is one namespace."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        pid_ns = os.readlink("/proc/self/ns/pid")
    except OSError:
        return f"boot-{psutil.boot_time():.0f}/host"
    return f"{boot}/{pid_ns}"


def public(entry: dict[str, Any]) -> dict[str, Any]:
    """The entry as pages and API clients see it."""
    return {k: v for k, v in entry.items() if k not in PRIVATE}


class ServiceStore:
    """Reads and changes the per-host service records; one instance per process."""

    def __init__(self, r: redis.Redis, keys: Keys, feed_cap: int = 20000) -> None:
        self.r, self.keys, self.feed_cap = r, keys, feed_cap

    def hosts(self) -> list[str]:
        return sorted(self.r.smembers(self.keys.service_hosts))

    def add_host(self, host: str) -> None:
        """A worker that can start services on `host` announces it, so pages can pick it."""
        self.r.sadd(self.keys.service_hosts, host)

    def get(self, host: str, name: str) -> dict[str, Any] | None:
        raw = self.r.hget(self.keys.services(host), name)
        return _load(raw)

    def all(self, host: str) -> dict[str, dict[str, Any]]:
        raw = self.r.hgetall(self.keys.services(host))
        return {name: entry for name, value in raw.items() if (entry := _load(value))}

    def change(
        self, host: str, name: str, fields: dict[str, Any], *, expect: object = ANY
    ) -> dict[str, Any] | None:
        """Merge `fields` into the entry and announce it; None if `expect` no longer holds.

        `expect` is the state the caller based its decision on (None: no entry); ANY skips
        the check.
        """
        key = self.keys.services(host)
        with self.r.pipeline() as pipe:
            try:
                pipe.watch(key)
                current = _load(pipe.hget(key, name))
                if expect is not ANY and (current or {}).get("state") != expect:
                    return None
                entry = {**(current or {}), **fields, "service": name, "host": host}
                entry["updated_at"] = now()
                pipe.multi()
                pipe.hset(key, name, json.dumps(entry, default=str))
                pipe.sadd(self.keys.service_hosts, host)
                feed.publish(pipe, self.keys, EventType.SERVICE.value, public(entry), self.feed_cap)
                pipe.execute()
            except redis.WatchError:
                return None
        return entry

    def announce(self, host: str, name: str, data: dict[str, Any]) -> None:
        """A service event that changes nothing stored (starting, already running elsewhere)."""
        body = {"service": name, "host": host, **data}
        feed.publish(self.r, self.keys, EventType.SERVICE.value, body, self.feed_cap)


def _load(raw: str | None) -> dict[str, Any] | None:
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
