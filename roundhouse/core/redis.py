"""The one way to get a Redis client, and the one place that names Redis's refusals.

Two temperaments: workers and the relay are *patient* (they reconnect with backoff for ~30 s,
so a Redis restart is survived); the API's request path is *quick* (it gives up within ~1.5 s,
so a caller gets a 503 at once instead of a hang).
"""

from __future__ import annotations

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

#: A blocking read (XREAD BLOCK) must return before this socket timeout.
SOCKET_TIMEOUT_S = 10.0
#: A request's single command; longer means Redis is stuck, which a caller should hear about.
QUICK_SOCKET_TIMEOUT_S = 5.0
#: Connections per process; callers beyond it wait (up to POOL_WAIT_S) instead of failing,
#: which matters in the API where a thousand WebSocket greenlets may ask at once.
MAX_CONNECTIONS = 64
POOL_WAIT_S = 20.0

#: Redis's refusals of a write, by the first word of its error: (code, what it means).
WRITE_REFUSALS = {
    "MISCONF": ("disk_full", "Redis cannot save to disk (full?) and refuses writes"),
    "READONLY": ("redis_read_only", "Redis is a read-only replica and refuses writes"),
    "OOM": ("redis_out_of_memory", "Redis reached its maxmemory and refuses writes"),
}


def connect(
    url: str, *, socket_timeout: float = SOCKET_TIMEOUT_S, patient: bool = True
) -> redis.Redis:
    """A patient client (reconnects for ~30 s) or a quick one (gives up within ~1.5 s)."""
    if patient:
        retry, errors = (
            Retry(ExponentialBackoff(cap=2.0, base=0.05), retries=20),
            [
                redis.ConnectionError,
                redis.TimeoutError,
                ConnectionResetError,
            ],
        )
        connect_timeout = 2.0
    else:
        retry = Retry(ExponentialBackoff(cap=0.25, base=0.05), retries=2)
        errors = [redis.ConnectionError, ConnectionResetError]
        connect_timeout, socket_timeout = 0.5, min(socket_timeout, QUICK_SOCKET_TIMEOUT_S)
    pool = redis.BlockingConnectionPool.from_url(
        url,
        max_connections=MAX_CONNECTIONS,
        timeout=POOL_WAIT_S,
        decode_responses=True,
        socket_timeout=socket_timeout,
        socket_connect_timeout=connect_timeout,
        health_check_interval=15,
        retry=retry,
        retry_on_error=errors,
    )
    return redis.Redis(connection_pool=pool)


def write_refusal(exc: BaseException) -> tuple[str, str] | None:
    """(code, meaning) when `exc` is Redis refusing a write (full disk, replica, memory)."""
    if not isinstance(exc, redis.ResponseError):
        return None
    text = str(exc)
    for word, found in WRITE_REFUSALS.items():
        # a script's error wraps Redis's own: "Error running script ...: MISCONF ..."
        if text.startswith(word) or f" {word} " in text or f": {word}" in text:
            return found
    return None
