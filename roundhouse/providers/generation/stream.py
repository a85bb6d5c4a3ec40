"""One streamed chat: the answer's pieces as the model produces them (for "Try a model").

Ollama streams NDJSON from /api/chat; every OpenAI-style server (OpenAI, LM Studio, llama.cpp,
vLLM, ...) streams Server-Sent Events from /v1/chat/completions ending with `data: [DONE]`.
Failures before the first piece raise with the provider's own words, so the caller can still
answer with a proper HTTP status.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from roundhouse.core.errors import NotFound, ProviderError, Unavailable
from roundhouse.providers.generation.llm import v1_path
from roundhouse.providers.generation.snapshot import DISPLAY, HINTS
from roundhouse.providers.health import error_text


class StreamedChat:
    """Open with `start()` (raises on refusal), then iterate `pieces()`; always `close()`."""

    def __init__(
        self, provider: str, base_url: str, model: str, *, api_key: str = "", timeout: float = 120
    ) -> None:
        self.provider, self.base_url, self.model = provider, base_url.rstrip("/"), model
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.http = httpx.Client(headers=headers, timeout=httpx.Timeout(10.0, read=timeout))
        self.response: httpx.Response | None = None
        self.finish_reason: str | None = None

    def start(self, prompt: str, max_tokens: int) -> None:
        messages = [{"role": "user", "content": prompt}]
        if self.provider == "ollama":
            url, body = f"{self.base_url}/api/chat", {"model": self.model, "stream": True}
            body |= {"messages": messages, "options": {"num_predict": max_tokens}}
        else:
            url = self.base_url + v1_path(self.base_url, "/chat/completions")
            body = {"model": self.model, "messages": messages, "stream": True}
            body["max_tokens"] = max_tokens
        with self.translated():
            request = self.http.build_request("POST", url, json=body)
            self.response = self.http.send(request, stream=True)
        if self.response.status_code >= 400:
            self.response.read()
            raise self.refusal(self.response)

    def pieces(self) -> Iterator[str]:
        assert self.response is not None
        with self.translated():
            for line in self.response.iter_lines():
                piece = self.parse(line.strip())
                if piece is None:
                    return
                if piece:
                    yield piece

    def parse(self, line: str) -> str | None:
        """The text in one line ("" for none); None once the stream says it is done."""
        if not line:
            return ""
        if self.provider != "ollama":
            if not line.startswith("data:"):
                return ""
            line = line[5:].strip()
            if line == "[DONE]":
                return None
        try:
            chunk: Any = json.loads(line)
        except ValueError:
            return ""
        if isinstance(chunk, dict) and chunk.get("error"):
            raise ProviderError(self.title, error_text(chunk["error"]))
        if self.provider == "ollama":
            if chunk.get("done"):
                self.finish_reason = chunk.get("done_reason")
                return None
            return str((chunk.get("message") or {}).get("content") or "")
        choice = (chunk.get("choices") or [{}])[0]
        self.finish_reason = choice.get("finish_reason") or self.finish_reason
        return str((choice.get("delta") or {}).get("content") or "")

    @property
    def title(self) -> str:
        return DISPLAY.get(self.provider, self.provider)

    def refusal(self, response: httpx.Response) -> ProviderError | NotFound:
        try:
            words = error_text(response.json().get("error") or response.text)
        except (ValueError, AttributeError):
            words = response.text.strip() or f"HTTP {response.status_code}"
        if response.status_code == 404:
            return NotFound(
                f"{self.title}: {words}", hint=f"Install '{self.model}' first, or pick another."
            )
        return ProviderError(self.title, f"HTTP {response.status_code}: {words}")

    @contextmanager
    def translated(self) -> Iterator[None]:
        try:
            yield
        except httpx.ConnectError as exc:
            raise Unavailable(
                self.title, f"not running at {self.base_url} ({exc})", hint=HINTS[self.provider]
            ) from exc
        except httpx.TimeoutException as exc:
            raise Unavailable(self.title, "no answer in time", hint=HINTS[self.provider]) from exc
        except httpx.TransportError as exc:
            raise ProviderError(self.title, f"the connection broke: {exc}") from exc

    def close(self) -> None:
        if self.response is not None:
            self.response.close()
        self.http.close()
