"""What a handler is handed besides its job and its control, like arq's `ctx`: this machine's
settings, the stores (core/stores.py: the job store and every other) and a way to send a job.
Built once per worker process by the Celery factory (tasks/app.py); a test builds its own
around a test Redis and a list."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import redis

from roundhouse.core.job_types import Job
from roundhouse.core.jobs import JobStore
from roundhouse.core.keys import Keys
from roundhouse.core.redis import connect
from roundhouse.core.settings import Settings
from roundhouse.core.stores import Stores

#: sends a job's task now (only its id crosses the broker; see tasks/enqueue.py)
Enqueue = Callable[[Job], None]


@dataclass(frozen=True)
class WorkerContext:
    """One worker process's shared handles; handlers build nothing of their own."""

    base_settings: Settings  # this machine's own: the environment, then `.env`
    stores: Stores
    enqueue: Enqueue

    @classmethod
    def build(
        cls, settings: Settings, enqueue: Enqueue, client: redis.Redis | None = None
    ) -> WorkerContext:
        """The context for `settings`, on `client` (else a new client to settings.redis_url)."""
        if client is None:  # as patient as the claim of a job cut off from Redis is long
            client = connect(settings.redis_url, patience_s=settings.host_grace_s)
        return cls(settings, Stores(client, Keys(settings.key_prefix), settings), enqueue)

    @property
    def jobs(self) -> JobStore:
        return self.stores.jobs

    def settings(self) -> Settings:
        """This machine's settings with the runtime connections (URLs, keys) every host shares,
        read now (one HGETALL), so a job uses the addresses set when it runs."""
        return self.stores.connections.apply(self.base_settings)


class PerProcess:
    """A context built on first use in each process: a pool's child builds its own after the
    fork (`forget` runs at worker_process_init) instead of sharing its parent's sockets."""

    def __init__(self, build: Callable[[], WorkerContext]) -> None:
        self._build, self._lock = build, threading.Lock()
        self._ctx: WorkerContext | None = None

    def __call__(self) -> WorkerContext:
        with self._lock:
            if self._ctx is None:
                self._ctx = self._build()
            return self._ctx

    def forget(self, **_: object) -> None:
        self._ctx, self._lock = None, threading.Lock()  # a lock held at the fork stays held
