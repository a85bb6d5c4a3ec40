"""Typed access to the per-app services, so views never build clients themselves."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import redis
from flask import current_app, g, has_request_context

from roundhouse.core.connections import ConnectionStore
from roundhouse.core.hosts import Hosts
from roundhouse.core.job_types import Job
from roundhouse.core.jobs import JobStore
from roundhouse.core.keys import Keys
from roundhouse.core.settings import Settings

if TYPE_CHECKING:
    from roundhouse.api.relay import Relay


@dataclass
class Services:
    settings: Settings
    redis: redis.Redis
    keys: Keys
    jobs: JobStore
    enqueue: Callable[[Job], None]
    relay: Relay
    extras: dict[str, Any] = field(default_factory=dict)


def base_services() -> Services:
    """The app's services with this process's own settings (environment and `.env`)."""
    return current_app.extensions["roundhouse"]


def services() -> Services:
    """The app's services, with the runtime connections (URLs, keys) laid over the settings,
    read once per request: a change made through any API process applies to the next request."""
    base = base_services()
    if not has_request_context():
        return base
    found = g.get("rh_services")
    if found is None:
        settings = ConnectionStore(base.redis, base.keys).apply(base.settings)
        found = g.rh_services = replace(base, settings=settings)
    return found


def jobs() -> JobStore:
    return services().jobs


def settings() -> Settings:
    return services().settings


def hosts() -> Hosts:
    svc = services()
    return Hosts.of(svc.redis, svc.keys, svc.settings)


def host_of(raw: object) -> str:
    """The host a host-bound endpoint was asked for (or the default), validated (400)."""
    return hosts().choose(raw, settings().hostname)
