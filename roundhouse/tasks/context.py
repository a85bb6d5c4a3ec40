"""Per-process handles for workers: settings, Redis and stores, built lazily after fork."""

from __future__ import annotations

from functools import cache

import redis

from roundhouse.core.connections import ConnectionStore
from roundhouse.core.jobs import JobStore, Limits
from roundhouse.core.keys import Keys
from roundhouse.core.redis import connect
from roundhouse.core.settings import Settings


@cache
def base_settings() -> Settings:
    """This machine's own settings: the environment, then `.env`."""
    return Settings.from_env()


def settings() -> Settings:
    """This machine's settings with the runtime connections (URLs, keys) every host shares,
    read now (one HGETALL), so a job uses the addresses set when it runs."""
    return ConnectionStore(client(), keys()).apply(base_settings())


@cache
def keys() -> Keys:
    return Keys(base_settings().key_prefix)


@cache
def client() -> redis.Redis:
    return connect(base_settings().redis_url)


def limits(s: Settings) -> Limits:
    return Limits(
        job_events_max=s.job_events_max, feed_max=s.feed_max, retention_s=s.job_retention_s
    )


@cache
def jobs() -> JobStore:
    return JobStore(client(), keys(), limits(base_settings()))
