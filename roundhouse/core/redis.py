"""The one way to get a Redis client, and the one place that names Redis's refusals.

Two temperaments: workers and the relay are *patient* (they reconnect with backoff for as
long as their patience: 30 s in the API, the host grace of 300 s in a worker, so a Redis restart
or a cut link is outlasted); the API's request path is *quick* (it gives up within ~1.5 s, so a
caller gets a 503 at once instead of a hang).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Any

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from roundhouse.core.backoff import Backoff

log = logging.getLogger(__name__)

#: A blocking read (XREAD BLOCK) must return before this socket timeout.
SOCKET_TIMEOUT_S = 10.0
#: A request's single command; longer means Redis is stuck, which a caller should hear about.
QUICK_SOCKET_TIMEOUT_S = 5.0
#: Connections per process; callers beyond it wait (up to POOL_WAIT_S) instead of failing,
#: which matters in the API where a thousand WebSocket greenlets may ask at once.
MAX_CONNECTIONS = 64
POOL_WAIT_S = 20.0

#: How long a patient client keeps reconnecting before it gives a lost connection up.
PATIENCE_S = 30.0
#: How long a patient client waits out Redis refusing writes before giving the error up.
REFUSAL_PATIENCE_S = 600.0
REFUSAL_LOG_EVERY_S = 30.0
REFUSAL_BACKOFF = Backoff(base_s=0.25, max_s=2.0)
_REFUSAL_WORD = re.compile(r"(?<![A-Za-z])(MISCONF|READONLY|OOM)(?![A-Za-z])")

#: Redis's refusals of a write, by the word that starts its error: (code, what it means).
WRITE_REFUSALS = {
    "MISCONF": ("disk_full", "Redis cannot save to disk (full?) and refuses writes"),
    "READONLY": ("redis_read_only", "Redis is a read-only replica and refuses writes"),
    "OOM": ("redis_out_of_memory", "Redis reached its maxmemory and refuses writes"),
}


def connect(
    url: str,
    *,
    socket_timeout: float = SOCKET_TIMEOUT_S,
    patient: bool = True,
    patience_s: float = PATIENCE_S,
) -> redis.Redis:
    """A patient client (reconnects for `patience_s`) or a quick one (gives up in ~1.5 s)."""
    lost: list[type[Exception]] = [redis.ConnectionError, ConnectionResetError]
    if patient:  # waits out restarts, cut links and refused writes
        backoff = ExponentialBackoff(cap=2.0, base=0.05)
        retry: Retry = PatientRetry(backoff, retries=-1, patience_s=patience_s)
        errors, connect_timeout = [*lost, redis.TimeoutError], 2.0
    else:
        retry = CooperativeRetry(ExponentialBackoff(cap=0.25, base=0.05), retries=2)
        errors, connect_timeout = lost, 0.5
        socket_timeout = min(socket_timeout, QUICK_SOCKET_TIMEOUT_S)
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


def dedicated(client: redis.Redis) -> redis.Redis:
    """One connection of `client`'s pool kept for a single loop (the relay's XREAD): no pool
    check-out and check-in per command, which under gevent cost more than the read itself."""
    return redis.Redis(connection_pool=client.connection_pool, single_connection_client=True)


def open_connections(client: redis.Redis, count: int) -> None:
    """Open `count` of the pool's connections now: redis-py looks up its own version on disk
    for each new connection (~5 ms), a stall a server should pay at start, not mid-request."""
    pool = client.connection_pool
    taken = [pool.get_connection() for _ in range(count)]
    for conn in taken:
        pool.release(conn)


def write_refusal(exc: BaseException) -> tuple[str, str] | None:
    """(code, meaning) when `exc` is Redis refusing a write (full disk, replica, memory)."""
    if not isinstance(exc, redis.ResponseError):
        return None
    # a script's error wraps Redis's own: "Error running script ...: -MISCONF ..."
    found = _REFUSAL_WORD.search(str(exc))
    return WRITE_REFUSALS[found.group(1)] if found else None


class CooperativeRetry(Retry):
    """redis-py's Retry, sleeping through `time.sleep` looked up at each call: redis-py binds
    `sleep` when first imported, which in the API can be before gevent patches it, and a
    blocking backoff sleep would then stall every request of the process. It also gives up
    after `patience_s` (when set), however many tries that took."""

    def __init__(self, *args: Any, patience_s: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.patience_s = patience_s

    def call_with_retry(
        self,
        do: Callable[[], Any],
        fail: Callable[..., Any],
        is_retryable: Callable[[Exception], bool] | None = None,
        with_failure_count: bool = False,
    ) -> Any:
        self._backoff.reset()
        failures, started = 0, time.monotonic()
        while True:
            try:
                return do()
            except self._supported_errors as error:
                if is_retryable and not is_retryable(error):
                    raise
                failures += 1
                fail(error, failures) if with_failure_count else fail(error)
                if self._spent(failures, started):
                    raise error
                pause = self._backoff.compute(failures)
                if pause > 0:
                    time.sleep(pause)

    def _spent(self, failures: int, started: float) -> bool:
        if self._retries >= 0 and failures > self._retries:
            return True
        return self.patience_s is not None and time.monotonic() - started >= self.patience_s


class PatientRetry(CooperativeRetry):
    """Retry that also waits out refused writes: a refused write was not applied, so sending
    it again once Redis accepts writes is safe (workers carry on after a full disk is freed)."""

    def call_with_retry(
        self,
        do: Callable[[], Any],
        fail: Callable[..., Any],
        is_retryable: Callable[[Exception], bool] | None = None,
        with_failure_count: bool = False,
    ) -> Any:
        started = last_log = time.monotonic()
        refusals = 0
        while True:
            try:
                return super().call_with_retry(do, fail, is_retryable, with_failure_count)
            except redis.ResponseError as exc:
                waited = time.monotonic() - started
                if write_refusal(exc) is None or waited > REFUSAL_PATIENCE_S:
                    raise
                refusals += 1
                if refusals == 1 or time.monotonic() - last_log > REFUSAL_LOG_EVERY_S:
                    log.warning("Redis refuses writes (%s); waiting (%.0f s so far)", exc, waited)
                    last_log = time.monotonic()
                time.sleep(REFUSAL_BACKOFF.delay(refusals))
