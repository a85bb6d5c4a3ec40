"""The host registry: which machines have a worker serving their `host.<name>` queue, and when
each last said so. Host-bound work (installs, downloads, imports, services) may only go to a
host listed here and beating; everything else would wait on a queue nobody reads.

API: `beat(host)` (a worker announces itself and repeats it), `known()`, `last_seen()`,
`offline_since(host)`, `describe()` for answers, `choose(raw, own)` for an endpoint's `host`.
"""

from __future__ import annotations

import re
import time
from typing import Any

import redis

from roundhouse.core.errors import InvalidRequest
from roundhouse.core.keys import Keys

#: An ASCII host name (RFC 1123 letters, digits, dot, hyphen, underscore), 1-253 characters.
HOSTNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,252}")
#: A host not heard from for this long is offline (workers beat every 2 s).
OFFLINE_AFTER_S = 30.0
#: A host silent this long is forgotten (no longer listed as known).
FORGET_AFTER_S = 7 * 24 * 3600.0


def valid_name(raw: object) -> bool:
    """Is `raw` a host name we could route to (ASCII only, so `höst` and `١٢٣` are not)?"""
    return isinstance(raw, str) and raw.isascii() and HOSTNAME.fullmatch(raw) is not None


class Hosts:
    """Reads and writes `keys.hosts` (hash: host -> last beat, epoch seconds)."""

    def __init__(
        self,
        r: redis.Redis,
        keys: Keys,
        offline_after_s: float = OFFLINE_AFTER_S,
        forget_after_s: float = FORGET_AFTER_S,
    ):
        self.r, self.keys, self.offline_after_s = r, keys, offline_after_s
        self.forget_after_s = forget_after_s

    @classmethod
    def of(cls, r: redis.Redis, keys: Keys, settings: Any) -> Hosts:
        """The registry with the deployment's ROUNDHOUSE_HOST_OFFLINE_S / _FORGET_S."""
        return cls(r, keys, settings.host_offline_after_s, settings.host_forget_s)

    def beat(self, host: str, at: float | None = None) -> None:
        """A worker consuming `host.<host>` says it is alive (first call announces it)."""
        self.r.hset(self.keys.hosts, host, at if at is not None else time.time())

    announce = beat

    def last_seen(self) -> dict[str, float]:
        """Host -> its last beat; hosts silent longer than `forget_after_s` are dropped."""
        seen = {h: float(t) for h, t in self.r.hgetall(self.keys.hosts).items()}
        cutoff = time.time() - self.forget_after_s
        gone = [h for h, t in seen.items() if t < cutoff]
        if gone:
            self.r.hdel(self.keys.hosts, *gone)
        return {h: t for h, t in seen.items() if h not in gone}

    def known(self) -> list[str]:
        return sorted(self.last_seen())

    def online(self) -> list[str]:
        cutoff = time.time() - self.offline_after_s
        return sorted(h for h, t in self.last_seen().items() if t >= cutoff)

    def last_beat(self, host: str) -> float | None:
        """When `host` was last heard from (None: never)."""
        raw = self.r.hget(self.keys.hosts, host)
        return None if raw is None else float(raw)

    def offline_since(self, host: str) -> float | None:
        """When `host` was last heard from, if that is too long ago; None when online/unknown."""
        raw = self.r.hget(self.keys.hosts, host)
        if raw is None or float(raw) >= time.time() - self.offline_after_s:
            return None
        return float(raw)

    def describe(self) -> list[dict[str, Any]]:
        """Every known host with its last beat and whether it is online, for answers and pages."""
        cutoff = time.time() - self.offline_after_s
        return [
            {"host": h, "last_seen": t, "online": t >= cutoff}
            for h, t in sorted(self.last_seen().items())
        ]

    def choose(self, raw: object, own: str) -> str:
        """The host a job is sent to: `raw` (known and online) or the default, else a 400."""
        if raw in (None, ""):
            return self._default(own)
        host = self.check_known(raw)
        self.refuse_offline(host)
        return host

    def choose_to_read(self, raw: object, own: str) -> str:
        """The host whose records to show: `raw` if known (offline is fine), or a best guess."""
        if raw in (None, ""):
            online = self.online()
            return online[0] if own not in online and len(online) == 1 else own
        return self.check_known(raw)

    def check_known(self, raw: object) -> str:
        """`raw` if it is an ASCII host name some worker announced, else a 400 listing them."""
        known = self.known()
        if not valid_name(raw) or raw not in known:
            raise InvalidRequest(
                f"unknown host {raw!r}; known hosts: {', '.join(known) or '(none)'}",
                hint="A host is known once a worker started with its ROUNDHOUSE_HOSTNAME runs.",
                known=known,
            )
        assert isinstance(raw, str)
        return raw

    def refuse_offline(self, host: str) -> None:
        since = self.offline_since(host)
        if since is not None:
            raise InvalidRequest(
                f"host {host!r} is offline (no worker heard from since {_clock(since)})",
                hint=f"Start a worker on {host}, or choose an online host.",
                known=self.known(),
                online=self.online(),
                offline_since=since,
            )

    def _default(self, own: str) -> str:
        """Own host if a worker serves it; else the one online (or only known) host; else 400."""
        online = self.online()
        if own in online:
            return own
        if len(online) == 1:
            return online[0]
        known = self.known()
        if not online and len(known) == 1:
            self.refuse_offline(known[0])
        raise InvalidRequest(
            "choose a host: "
            + (
                f"{len(online)} hosts have workers ({', '.join(online)})"
                if online
                else "no worker has announced itself"
            ),
            hint='Send "host" with one of the known hosts, or start a worker on this machine.',
            known=known,
            online=online,
        )


def _clock(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(ts))


def by_host(known: list[dict[str, Any]], workers: list[str]) -> list[dict[str, Any]]:
    """Every known host (online or not, with its last beat) and its live workers (`pid@host`)."""
    rows = {h["host"]: {**h, "workers": []} for h in known}
    for name in workers:
        host = name.rpartition("@")[2]
        rows.setdefault(host, {"host": host, "last_seen": None, "online": True, "workers": []})
        rows[host]["workers"].append(name)
    return [rows[h] for h in sorted(rows)]
