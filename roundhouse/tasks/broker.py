"""The Redis broker transport, with one fix: a worker survives losing Redis mid-task.

kombu 5.7's Redis channel builds a client from its transport's `client`; after Celery's
consumer has collected a broken connection that is None, so closing the channel (which
restores unacked messages) or acking a task that finishes later raised AttributeError.
Celery treats that as unrecoverable and the worker's main process exited: with
`task_acks_late`, every worker running a job when Redis restarted stopped taking work.
Raising the transport's own connection error instead lets Celery ignore it, reconnect
and consume again; the unacked message stays in Redis and is redelivered after the
visibility timeout, where the runner's claim drops it.

`register()` installs it as kombu's "redis" transport (see there for why not by class).
"""

from __future__ import annotations

from typing import Any

from kombu import transport as kombu_transport
from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError


class Channel(kombu_redis.Channel):
    """A channel whose closed transport reads as a lost connection, not an AttributeError."""

    def _connparams(self, asynchronous: bool = False) -> Any:
        if self.connection.client is None:
            raise RedisConnectionError("the broker connection was closed")
        return super()._connparams(asynchronous=asynchronous)


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
