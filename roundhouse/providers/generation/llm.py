"""Text completion from OpenAI, Ollama, LM Studio and any OpenAI-compatible server."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from roundhouse.core.errors import ProviderError
from roundhouse.providers.generation.http import Endpoint

Message = dict[str, Any]


@dataclass(frozen=True)
class Reply:
    """The text plus what the server said about it (which model answered, why it stopped)."""

    text: str
    model: str | None
    finish_reason: str | None


class LLM(Protocol):
    """What beam search and the switch check need from a language model."""

    provider: str
    model: str

    def complete(
        self, messages: str | list[Message], *, max_tokens: int = 512, temperature: float = 0.7
    ) -> str:
        """The assistant's answer as text."""
        ...

    def chat(
        self,
        messages: str | list[Message],
        *,
        max_tokens: int = 512,
        temperature: float = 0.7,
        deadline_s: float | None = None,
    ) -> Reply:
        """The answer with the metadata a verification needs."""
        ...

    def close(self) -> None: ...


def as_messages(messages: str | list[Message]) -> list[Message]:
    """A bare prompt is one user message."""
    if isinstance(messages, str):
        return [{"role": "user", "content": messages}]
    return list(messages)


def v1_path(base_url: str, path: str) -> str:
    """OpenAI-style servers are given with or without their /v1 prefix; accept both."""
    return path if base_url.rstrip("/").endswith("/v1") else "/v1" + path


class _Base:
    """Shared plumbing: the endpoint, the model, and `complete` on top of `chat`."""

    def __init__(self, provider: str, endpoint: Endpoint, model: str) -> None:
        self.provider = provider
        self.endpoint = endpoint
        self.model = model

    def complete(
        self, messages: str | list[Message], *, max_tokens: int = 512, temperature: float = 0.7
    ) -> str:
        """The assistant's answer as text."""
        return self.chat(messages, max_tokens=max_tokens, temperature=temperature).text

    def chat(
        self,
        messages: str | list[Message],
        *,
        max_tokens: int = 512,
        temperature: float = 0.7,
        deadline_s: float | None = None,
    ) -> Reply:
        raise NotImplementedError

    def close(self) -> None:
        """Release the connection pool."""
        self.endpoint.close()

    def _post(self, path: str, body: dict[str, Any], deadline_s: float | None) -> Any:
        """POST, turning "no such model" into an error that says how to get it."""
        try:
            return self.endpoint.post_json(path, body, deadline_s=deadline_s)
        except ProviderError as exc:
            if exc.details.get("status") != 404 or exc.hint:
                raise
            raw = exc.message.removeprefix(f"{exc.provider}: ")
            raise self.endpoint.error(raw, status=404, hint=_missing_hint(self)) from exc


def _missing_hint(llm: _Base) -> str:
    if llm.provider == "ollama":
        return f"pull the model first (`ollama pull {llm.model}`) or pick an installed one"
    if llm.provider == "lmstudio":
        return f"download or load '{llm.model}' in LM Studio (`lms load {llm.model}`)"
    return f"check that the server serves a model named '{llm.model}'"


class ChatCompletionsLLM(_Base):
    """POST /v1/chat/completions: OpenAI, LM Studio, vLLM, llama.cpp server, ..."""

    def chat(
        self,
        messages: str | list[Message],
        *,
        max_tokens: int = 512,
        temperature: float = 0.7,
        deadline_s: float | None = None,
    ) -> Reply:
        """One non-streaming completion."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": as_messages(messages),
            "temperature": temperature,
            "stream": False,
        }
        # OpenAI's reasoning models reject max_tokens; other servers may not know the new name.
        limit_key = "max_completion_tokens" if self.provider == "openai" else "max_tokens"
        body[limit_key] = max_tokens
        path = v1_path(self.endpoint.base_url, "/chat/completions")
        data = self._post(path, body, deadline_s)
        try:
            choice = data["choices"][0]
            text = choice["message"].get("content") or ""
        except (KeyError, IndexError, TypeError, AttributeError):
            raise self.endpoint.error("answered without choices[0].message") from None
        return Reply(str(text), data.get("model"), choice.get("finish_reason"))


class OllamaLLM(_Base):
    """POST /api/chat, non-streaming, with thinking off so the budget goes to the answer."""

    def chat(
        self,
        messages: str | list[Message],
        *,
        max_tokens: int = 512,
        temperature: float = 0.7,
        deadline_s: float | None = None,
    ) -> Reply:
        """One non-streaming chat turn."""
        body = {
            "model": self.model,
            "messages": as_messages(messages),
            "stream": False,
            "think": False,
            "options": {"num_predict": max_tokens, "temperature": temperature},
        }
        data = self._post("/api/chat", body, deadline_s)
        message = data.get("message") if isinstance(data, dict) else None
        if not isinstance(message, dict):
            raise self.endpoint.error("answered without a message")
        return Reply(str(message.get("content") or ""), data.get("model"), data.get("done_reason"))
