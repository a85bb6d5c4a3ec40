"""One outside HTTP service: timeouts, bounded retries with backoff, and errors that name it.

Retried (transient): connection failures, 429 and 5xx. Never retried: other 4xx (the request
is wrong and will stay wrong) and read timeouts (a slow generation retried is twice as slow).
Every failure becomes core.errors.ProviderError naming the provider; a service that cannot be
reached becomes Unavailable with a hint saying how to bring it up.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from roundhouse.core import backoff
from roundhouse.core.errors import ProviderError, Unavailable

TRANSIENT_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Retry:
    """How often and how patiently a transient failure is retried."""

    attempts: int = 3
    backoff_s: float = 0.5
    max_backoff_s: float = 4.0
    jitter: float = 0.5

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """core.backoff's wait: exponential with jitter; a server's Retry-After wins, capped."""
        policy = backoff.Backoff(self.backoff_s, self.max_backoff_s, self.jitter)
        return policy.delay(attempt, retry_after)


class Endpoint:
    """A base URL plus the policy for talking to it; safe to share between threads."""

    def __init__(
        self,
        provider: str,
        base_url: str,
        *,
        headers: dict[str, str] | None = None,
        timeout_s: float = 60.0,
        retry: Retry | None = None,
        hint: str | None = None,
        role: str | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.provider = provider
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.retry = retry or Retry()
        self.hint = hint
        self.role = role
        self._sleep = sleep
        self._http = httpx.Client(headers=headers or {}, transport=transport)

    def close(self) -> None:
        """Release pooled connections."""
        self._http.close()

    def get_json(self, path: str, *, deadline_s: float | None = None) -> Any:
        """GET base_url + path and return the decoded JSON body."""
        return self.request("GET", path, deadline_s=deadline_s)

    def post_json(self, path: str, body: dict[str, Any], *, deadline_s: float | None = None) -> Any:
        """POST a JSON body and return the decoded JSON answer."""
        return self.request("POST", path, body=body, deadline_s=deadline_s)

    def request(
        self, method: str, path: str, *, body: Any = None, deadline_s: float | None = None
    ) -> Any:
        """Send with retries until success, a permanent error, or the deadline."""
        budget = self.timeout_s if deadline_s is None else min(deadline_s, self.timeout_s)
        deadline = time.monotonic() + budget
        url = self.base_url + path
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._send(method, url, body, deadline, budget)
            except (httpx.TransportError, _StatusFailure) as exc:
                wait = self.retry.delay(attempt, getattr(exc, "retry_after", None))
                if attempt >= self.retry.attempts or time.monotonic() + wait >= deadline:
                    raise self._final(exc, url, attempt) from exc
                self._sleep(wait)
            else:
                return self._decode(response)

    def _send(
        self, method: str, url: str, body: Any, deadline: float, budget: float
    ) -> httpx.Response:
        """One attempt; raises what is worth retrying, answers what is not."""
        timeout = max(deadline - time.monotonic(), 0.01)
        try:
            response = self._http.request(method, url, json=body, timeout=timeout)
        except httpx.TimeoutException as exc:
            if isinstance(exc, httpx.ConnectTimeout):
                raise
            raise self.error(f"no answer within {budget:g}s from {url}") from exc
        if response.status_code in TRANSIENT_STATUS:
            raise _StatusFailure(response)
        return response

    def error(
        self, message: str, *, status: int | None = None, hint: str | None = None, **details: Any
    ) -> ProviderError:
        """A ProviderError naming this provider (and its role, for the UI)."""
        extra = {k: v for k, v in (("role", self.role), ("status", status)) if v is not None}
        return ProviderError(self.provider, message, hint=hint, **extra, **details)

    def unavailable(self, message: str) -> Unavailable:
        """The service cannot be reached: say so and say how to fix it."""
        extra = {"role": self.role} if self.role else {}
        return Unavailable(self.provider, message, hint=self.hint, **extra)

    def _final(self, failure: Exception, url: str, attempts: int) -> ProviderError:
        tries = f", {attempts} attempts" if attempts > 1 else ""
        if isinstance(failure, _StatusFailure):
            status = failure.response.status_code
            return self.error(f"{_message(failure.response)} (HTTP {status}{tries})", status=status)
        if isinstance(failure, httpx.ConnectError | httpx.ConnectTimeout):
            return self.unavailable(f"cannot connect to {self.base_url}")
        return self.error(f"connection to {url} failed: {failure}{tries}")

    def _decode(self, response: httpx.Response) -> Any:
        status = response.status_code
        try:
            data = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            if status >= 400:
                raise self._status_error(response) from None
            raise self.error(f"answered with non-JSON (HTTP {status})", status=status) from None
        if status >= 400 or (isinstance(data, dict) and data.get("error")):
            raise self._status_error(response)
        return data

    def _status_error(self, response: httpx.Response) -> ProviderError:
        status = response.status_code
        message = f"{_message(response)} (HTTP {status})"
        hint = "check the API key" if status in (401, 403) else None
        return self.error(message, status=status, hint=hint)


class _StatusFailure(Exception):
    """A transient HTTP status, carried until retries run out."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response
        self.retry_after = _after(response)


def _after(response: httpx.Response) -> float | None:
    return backoff.retry_after(response.headers.get("retry-after"))


def _message(response: httpx.Response) -> str:
    """The provider's own words: OpenAI {"error": {"message"}}, Ollama {"error"}, {"detail"}."""
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return response.text.strip()[:300] or response.reason_phrase
    if isinstance(data, dict):
        error = data.get("error") or data.get("detail") or data.get("message")
        if isinstance(error, dict):
            error = error.get("message") or error
        if error:
            return str(error)[:500]
    return str(data)[:300]
