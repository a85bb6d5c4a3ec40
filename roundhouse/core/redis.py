"""The one way to get a Redis client: retries and timeouts set so a restart is survived."""

from __future__ import annotations

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

#: A blocking read (XREAD BLOCK) must return before this socket timeout.
SOCKET_TIMEOUT_S = 10.0
#: Connections per process; callers beyond it wait (up to POOL_WAIT_S) instead of failing,
#: which matters in the API where a thousand WebSocket greenlets may ask at once.
MAX_CONNECTIONS = 64
POOL_WAIT_S = 20.0


def connect(url: str, *, socket_timeout: float = SOCKET_TIMEOUT_S) -> redis.Redis:
    """A client that reconnects with backoff for ~30 s when Redis restarts."""
    pool = redis.BlockingConnectionPool.from_url(
        url,
        max_connections=MAX_CONNECTIONS,
        timeout=POOL_WAIT_S,
        decode_responses=True,
        socket_timeout=socket_timeout,
        socket_connect_timeout=2.0,
        health_check_interval=15,
        retry=Retry(ExponentialBackoff(cap=2.0, base=0.05), retries=20),
        retry_on_error=[redis.ConnectionError, redis.TimeoutError, ConnectionResetError],
    )
    return redis.Redis(connection_pool=pool)
