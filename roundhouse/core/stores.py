"""Every Redis-backed store of one deployment, built over one client: what the API and the
workers hold instead of the client itself (no file outside core touches `.r` or `.redis`)."""

from __future__ import annotations

from functools import cached_property

import redis

from roundhouse.core.active_providers import ProviderStore
from roundhouse.core.auth_store import FailedAttempts, Sessions
from roundhouse.core.connections import ConnectionStore
from roundhouse.core.disk import DiskReservations
from roundhouse.core.downloads import Downloads
from roundhouse.core.feed import Feed
from roundhouse.core.health_cache import HealthCache
from roundhouse.core.host_view import HostViews
from roundhouse.core.hosts import Hosts
from roundhouse.core.job_types import Limits
from roundhouse.core.jobs import JobStore
from roundhouse.core.keys import Keys
from roundhouse.core.media import MediaStore
from roundhouse.core.metrics import Metrics
from roundhouse.core.redis import open_connections
from roundhouse.core.services import ServiceStore
from roundhouse.core.settings import Settings
from roundhouse.core.slots import Slots
from roundhouse.core.workers import Workers


def limits(s: Settings) -> Limits:
    return Limits(
        job_events_max=s.job_events_max, feed_max=s.feed_max, retention_s=s.job_retention_s
    )


class Stores:
    """Built once per process from its own settings; each store is made on first use."""

    def __init__(self, r: redis.Redis, keys: Keys, settings: Settings) -> None:
        self._r, self.keys, self.settings = r, keys, settings

    @cached_property
    def jobs(self) -> JobStore:
        return JobStore(self._r, self.keys, limits(self.settings))

    @cached_property
    def feed(self) -> Feed:
        return Feed(self._r, self.keys, self.settings.feed_max)

    @cached_property
    def hosts(self) -> Hosts:
        return Hosts.of(self._r, self.keys, self.settings)

    @cached_property
    def workers(self) -> Workers:
        return Workers(self._r, self.keys)

    @cached_property
    def metrics(self) -> Metrics:
        return Metrics(self._r, self.keys)

    @cached_property
    def services(self) -> ServiceStore:
        return ServiceStore(self._r, self.keys, self.settings.feed_max)

    @cached_property
    def downloads(self) -> Downloads:
        return Downloads(self._r, self.keys)

    @cached_property
    def host_views(self) -> HostViews:
        """What each host's worker published of its services (kept `host_forget_s`)."""
        return HostViews(self._r, self.keys, self.settings.host_forget_s)

    @cached_property
    def media(self) -> MediaStore:
        s = self.settings
        return MediaStore(self._r, self.keys, s.media_max_bytes, s.media_retention_days * 86400)

    @cached_property
    def connections(self) -> ConnectionStore:
        return ConnectionStore(self._r, self.keys)

    @cached_property
    def sessions(self) -> Sessions:
        return Sessions(self._r, self.keys)

    @cached_property
    def failed_attempts(self) -> FailedAttempts:
        return FailedAttempts(self._r, self.keys, self.settings.auth_failures_per_minute)

    def health_cache(self, lock_s: float) -> HealthCache:
        s = self.settings
        return HealthCache(
            self._r, self.keys, ttl_s=s.health_ttl_s, lock_s=lock_s, feed_cap=s.feed_max
        )

    def providers(self, settings: Settings | None = None) -> ProviderStore:
        """The active providers, with defaults from `settings` (a request's, with connections)."""
        return ProviderStore(self._r, self.keys, settings or self.settings)

    def reservations(self, host: str) -> DiskReservations:
        return DiskReservations(self._r, self.keys, host)

    def slots(self, pool: str, limit: int, stale_after_s: float) -> Slots:
        return Slots(self._r, self.keys, pool, limit, stale_after_s)

    def open_connections(self, count: int) -> None:
        """Connect ahead of need (a server starting): see core/redis.open_connections."""
        open_connections(self._r, count)

    def ping(self) -> None:
        """Raises redis.RedisError when Redis does not answer."""
        self._r.ping()
