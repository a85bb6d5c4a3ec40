"""The Redis broker transport, with two fixes so a worker outlives trouble with Redis.

1. Losing Redis mid-task. kombu 5.7's Redis channel builds a client from its transport's
   `client`; after Celery's consumer has collected a broken connection that is None, so
   closing the channel (which restores unacked messages) or acking a task that finishes later
   raised AttributeError. Celery treats that as unrecoverable and the worker's main process
   exited: with `task_acks_late`, every worker running a job when Redis restarted stopped
   taking work. Raising the transport's own connection error instead lets Celery ignore it,
   reconnect and consume again; the unacked message stays in Redis and is redelivered after
   the visibility timeout, where the runner's claim drops it.
2. Redis refusing writes (MISCONF when its disk is full, READONLY, OOM). BRPOP and the ack's
   ZREM are writes; kombu raised the ResponseError, which Celery calls unrecoverable, so the
   worker exited and never came back once space was freed. Now a refusal is raised as a lost
   connection; in the consumer's loop (BRPOP, acks) it is logged and paused first (0.5 s
   doubling to 10 s), so Celery reconnects calmly and carries on once Redis accepts writes.

`register()` installs it as kombu's "redis" transport (see there for why not by class).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import redis
from kombu import transport as kombu_transport
from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError

from roundhouse.core.redis import write_refusal

log = logging.getLogger(__name__)


class _Pause:
    """Backoff between refused writes: grows while they keep coming, resets after a quiet minute."""

    def __init__(self, first: float = 0.5, most: float = 10.0) -> None:
        self.first, self.most, self.seconds, self.last = first, most, 0.0, 0.0

    def next(self) -> float:
        now = time.monotonic()
        quiet = now - self.last > 60
        self.seconds = self.first if quiet else min(self.seconds * 2, self.most)
        self.last = now
        return self.seconds


PAUSE = _Pause()


@contextmanager
def refusal_as_lost_connection(pause: bool) -> Iterator[None]:
    """A refused write: log it, pause (the consumer's loop only), and raise it as the
    connection error Celery survives. A publisher (the API sending a task) is not held up."""
    try:
        yield
    except redis.ResponseError as exc:
        if write_refusal(exc) is None:
            raise
        if pause:
            seconds = PAUSE.next()
            log.warning("Redis refuses writes (%s); the consumer retries in %.1f s", exc, seconds)
            time.sleep(seconds)
        raise RedisConnectionError(f"Redis refuses writes: {exc}") from exc


class Pipeline(redis.client.Pipeline):
    """kombu uses pipelines in the worker only (acks, restoring unacked messages)."""

    def execute(self, raise_on_error: bool = True) -> list[Any]:
        with refusal_as_lost_connection(pause=True):
            return super().execute(raise_on_error)


class Client(redis.Redis):
    """kombu's client: commands, BRPOP replies and pipelines turn refusals into lost links."""

    def execute_command(self, *args: Any, **options: Any) -> Any:
        with refusal_as_lost_connection(pause=False):
            return super().execute_command(*args, **options)

    def parse_response(self, connection: Any, command_name: Any, **options: Any) -> Any:
        with refusal_as_lost_connection(pause=command_name == "BRPOP"):
            return super().parse_response(connection, command_name, **options)

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> Pipeline:
        return Pipeline(self.connection_pool, self.response_callbacks, transaction, shard_hint)


class Channel(kombu_redis.Channel):
    """A channel whose closed transport reads as a lost connection, not an AttributeError,
    and that keeps one client over its pool for plain commands: kombu builds a new redis.Redis
    for every publish (~0.3 ms of CPU in the API per task sent: its reply-callback table)."""

    _sync_client: Any = None

    def _create_client(self, asynchronous: bool = False) -> Any:
        if asynchronous:
            return super()._create_client(asynchronous=True)
        pool = self.pool
        cached = self._sync_client
        if cached is None or cached.connection_pool is not pool:
            cached = self._sync_client = super()._create_client()
        return cached

    def _connparams(self, asynchronous: bool = False) -> Any:
        if self.connection.client is None:
            raise RedisConnectionError("the broker connection was closed")
        return super()._connparams(asynchronous=asynchronous)

    def _get_client(self) -> Any:
        return super()._get_client() if self.global_keyprefix else Client


class Transport(kombu_redis.Transport):
    """kombu's Redis transport with the Channel above."""

    Channel = Channel


def register() -> None:
    """Make `redis://` (and `rediss://`) URLs use this transport, under kombu's own name.

    Passing the class as `broker_transport` also worked for the worker, but the connection's
    info then held a class object: `celery inspect stats` could not encode its answer, and
    Flower could not tell which broker it was talking to. An alias keeps the name "redis".
    """
    for scheme in ("redis", "rediss"):
        kombu_transport.TRANSPORT_ALIASES[scheme] = f"{__name__}:Transport"
