"""Per-process handles for workers: settings, Redis and stores, built lazily after fork."""

from __future__ import annotations

from functools import cache

import redis

from roundhouse.core.jobs import JobStore, Limits
from roundhouse.core.keys import Keys
from roundhouse.core.redis import connect
from roundhouse.core.settings import Settings


@cache
def settings() -> Settings:
    return Settings.from_env()


@cache
def keys() -> Keys:
    return Keys(settings().key_prefix)


@cache
def client() -> redis.Redis:
    return connect(settings().redis_url)


def limits(s: Settings) -> Limits:
    return Limits(
        job_events_max=s.job_events_max, feed_max=s.feed_max, retention_s=s.job_retention_s
    )


@cache
def jobs() -> JobStore:
    return JobStore(client(), keys(), limits(settings()))
