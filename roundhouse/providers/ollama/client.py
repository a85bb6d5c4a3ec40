"""OllamaClient: the HTTP calls, with Ollama's failures turned into errors a user can act on."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import httpx

from roundhouse.core.connection_specs import fix_url
from roundhouse.core.errors import InvalidRequest, NotFound, ProviderError, Unavailable
from roundhouse.providers.ollama import names
from roundhouse.providers.ollama.installed import InstalledModel

DEFAULT_URL = "http://127.0.0.1:11434"
START_HINT = f"Start Ollama (`ollama serve`) or {fix_url('ollama')}."


def error_message(response: httpx.Response) -> str:
    """Ollama's `{"error": ...}` text, else the raw body, else the status."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("error"):
        return str(body["error"])
    return response.text.strip() or f"HTTP {response.status_code}"


class OllamaClient:
    """A thin, synchronous client; pass `client` to share a pool or inject a transport."""

    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        *,
        timeout: float = 10.0,
        stream_timeout: float = 600.0,
        client: httpx.Client | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        # streams go silent during `verifying sha256 digest`; reads there need a long timeout
        self.stream_timeout = httpx.Timeout(timeout, read=stream_timeout)
        self._http = client or httpx.Client(timeout=timeout)
        self._owns_http = client is None

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> OllamaClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plain calls ---------------------------------------------------------------------------

    def version(self) -> str:
        return str(self.request("GET", "/api/version").json().get("version", ""))

    def is_up(self) -> bool:
        try:
            self.version()
        except ProviderError:
            return False
        return True

    def tags(self) -> list[InstalledModel]:
        rows = self.request("GET", "/api/tags").json().get("models") or []
        return [InstalledModel.from_tags(row) for row in rows]

    def installed_names(self) -> list[str]:
        return [model.name for model in self.tags()]

    def has(self, name: str) -> bool:
        wanted = names.key(name)
        return any(names.key(model.name) == wanted for model in self.tags())

    def show(self, name: str) -> dict[str, Any]:
        return self.request("POST", "/api/show", json={"model": names.normalise(name)}).json()

    def delete(self, name: str) -> None:
        """Remove a model; NotFound if it is not installed."""
        self.request("DELETE", "/api/delete", json={"model": names.normalise(name)})

    # -- plumbing ------------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return self.base_url + path

    def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One call, statuses left to the caller (for endpoints where 200 vs 201 matters)."""
        with self.translated():
            return self._http.request(method, self.url(path), **kwargs)

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One call; transport failures and error statuses become AppErrors."""
        response = self.send(method, path, **kwargs)
        raise_for_status(response)
        return response

    @contextmanager
    def stream(self, method: str, path: str, body: dict[str, Any]) -> Iterator[Iterator[dict]]:
        """NDJSON messages of a streaming call; leaving the block closes the connection."""
        with (
            self.translated(),
            self._http.stream(
                method, self.url(path), json=body, timeout=self.stream_timeout
            ) as response,
        ):
            if response.status_code >= 400:
                response.read()
                raise_for_status(response)
            try:
                yield self._messages(response)
            finally:
                if not response.is_closed:  # stopped early: a reader may be blocked
                    wake_reader(response)

    def _messages(self, response: httpx.Response) -> Iterator[dict]:
        with self.translated():
            for line in response.iter_lines():
                if line.strip():
                    yield parse_line(line)

    @contextmanager
    def translated(self) -> Iterator[None]:
        """Map httpx's transport errors to Unavailable/ProviderError with a next step."""
        try:
            yield
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise Unavailable(
                "ollama", f"cannot connect to Ollama at {self.base_url} ({exc})", hint=START_HINT
            ) from exc
        except httpx.TimeoutException as exc:
            raise Unavailable(
                "ollama",
                f"Ollama at {self.base_url} did not answer in time",
                hint="Ollama may be busy loading a model; try again, or restart `ollama serve`.",
            ) from exc
        except httpx.TransportError as exc:
            raise ProviderError(
                "ollama",
                f"the connection to Ollama broke: {exc or type(exc).__name__}",
                hint="Check that Ollama is still running; a pull started again resumes.",
            ) from exc


def wake_reader(response: httpx.Response) -> None:
    """Shut the socket down so a thread blocked reading it returns and the server sees us go
    (closing alone neither wakes the reader nor sends the FIN while the read holds the socket)."""
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if sock is not None:
        with suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def parse_line(line: str) -> dict[str, Any]:
    try:
        message = json.loads(line)
    except ValueError as exc:
        raise ProviderError(
            "ollama", f"unreadable progress line from Ollama: {line[:200]!r}"
        ) from exc
    if not isinstance(message, dict):
        raise ProviderError("ollama", f"unexpected progress line from Ollama: {line[:200]!r}")
    return message


def raise_for_status(response: httpx.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    message = error_message(response)
    if status == 404:
        raise NotFound(f"Ollama: {message}", hint="See installed models with `ollama list`.")
    if status == 400:
        raise InvalidRequest(f"Ollama rejected the request: {message}")
    if status == 403:
        raise ProviderError(
            "ollama", "forbidden (403)", hint="Ollama refuses this Host/Origin; see OLLAMA_ORIGINS."
        )
    if status == 503:
        raise Unavailable("ollama", message, hint="Ollama is busy; try again shortly.")
    raise ProviderError("ollama", message, status=status)
