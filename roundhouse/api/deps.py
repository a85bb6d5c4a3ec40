"""Typed access to the app's context, so views never build clients or stores themselves."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import httpx
from flask import current_app, g, has_request_context

from roundhouse.core.hosts import Hosts
from roundhouse.core.job_types import Job
from roundhouse.core.jobs import JobStore
from roundhouse.core.settings import Settings
from roundhouse.core.stores import Stores

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

    from roundhouse.api.relay import Relay
    from roundhouse.core.health_cache import HealthCache


NO_KEEPALIVE = httpx.Limits(max_connections=None, max_keepalive_connections=0)


@dataclass
class Shared:
    """Built on first use and shared by every request's AppContext (each is a copy)."""

    ollama_http: httpx.Client | None = None
    #: Ollama URL -> when it last answered (routes/models.SEEN_UP_S)
    ollama_seen_up: dict[str, float] = field(default_factory=dict)
    health: HealthCache | None = None
    metrics_registry: CollectorRegistry | None = None
    health_refreshing: threading.Lock = field(default_factory=threading.Lock)
    building: threading.Lock = field(default_factory=threading.Lock)

    def ollama_client(self, timeout: float) -> httpx.Client:
        """One httpx.Client per process for Ollama checks: building one costs ~20-40 ms of CPU
        (its TLS context), which stalled every request of a gevent process while it ran.

        No keep-alive: every call opens its own connection, so a stopped Ollama is seen at once.
        """
        with self.building:
            if self.ollama_http is None:
                self.ollama_http = httpx.Client(timeout=timeout, limits=NO_KEEPALIVE)
            return self.ollama_http


@dataclass
class AppContext:
    """What every view shares: settings, the stores, the broker and the relay."""

    settings: Settings
    stores: Stores
    enqueue: Callable[[Job], None]
    relay: Relay
    shared: Shared = field(default_factory=Shared)

    @property
    def jobs(self) -> JobStore:
        return self.stores.jobs

    @property
    def hosts(self) -> Hosts:
        return self.stores.hosts


def base_ctx() -> AppContext:
    """The app's context with this process's own settings (environment and `.env`)."""
    return current_app.extensions["roundhouse"]


def app_ctx() -> AppContext:
    """The app's context, with the runtime connections (URLs, keys) laid over the settings,
    read once per request: a change made through any API process applies to the next request."""
    base = base_ctx()
    if not has_request_context():
        return base
    found = g.get("rh_ctx")
    if found is None:
        settings = base.stores.connections.apply(base.settings)
        found = g.rh_ctx = replace(base, settings=settings)
    return found


def jobs() -> JobStore:
    return app_ctx().jobs


def settings() -> Settings:
    return app_ctx().settings


def hosts() -> Hosts:
    return app_ctx().hosts


def host_of(raw: object) -> str:
    """The host a host-bound endpoint was asked for (or the default), validated (400)."""
    return hosts().choose(raw, settings().hostname)
