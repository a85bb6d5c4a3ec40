"""Turn a provider snapshot into ready clients, and the test prompt a switch must pass."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from roundhouse.core.connection_specs import give_key
from roundhouse.core.errors import InvalidRequest, ProviderError
from roundhouse.providers.generation.http import Endpoint, Retry
from roundhouse.providers.generation.image import FluxImage, ImageClient, OpenAIImage
from roundhouse.providers.generation.llm import LLM, ChatCompletionsLLM, OllamaLLM
from roundhouse.providers.generation.snapshot import (
    DEFAULT_MODELS,
    DEFAULT_TIMEOUTS,
    DEFAULT_URLS,
    DISPLAY,
    HINTS,
    IMAGE_PROVIDERS,
    LLM_PROVIDERS,
    OPENAI_PROVIDERS,
    VISION_PROVIDERS,
)
from roundhouse.providers.generation.vision import GptVision, LocalVision, VisionClient

PROBE_PROMPT = "Reply with the single word OK."
PROBE_MAX_TOKENS = 10


@dataclass
class Clients:
    """The three roles of one snapshot; image and vision are None when the snapshot lacks them."""

    llm: LLM
    image: ImageClient | None = None
    vision: VisionClient | None = None
    version: int | None = None

    def describe(self) -> dict[str, Any]:
        """provider/model per role, for a job's first event."""
        roles = {"llm": self.llm, "image": self.image, "vision": self.vision}
        out: dict[str, Any] = {
            role: f"{c.provider}/{c.model}" for role, c in roles.items() if c is not None
        }
        out["version"] = self.version
        return out

    def close(self) -> None:
        """Release every connection pool."""
        for client in (self.llm, self.image, self.vision):
            if client is not None:
                client.close()

    def __enter__(self) -> Clients:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def build(snapshot: Mapping[str, Any], *, retry: Retry | None = None) -> Clients:
    """Clients for every role the snapshot names; bad names or missing settings are 400s."""
    if not isinstance(snapshot.get("llm"), Mapping):
        raise InvalidRequest("provider snapshot has no 'llm' role")
    image = snapshot.get("image")
    vision = snapshot.get("vision")
    return Clients(
        llm=build_llm(snapshot, retry=retry),
        image=build_image(snapshot, retry=retry) if image else None,
        vision=build_vision(snapshot, retry=retry) if vision else None,
        version=snapshot.get("version"),
    )


def build_llm(snapshot: Mapping[str, Any], *, retry: Retry | None = None) -> LLM:
    """The language model of the snapshot."""
    conf, model = _config(snapshot, "llm", LLM_PROVIDERS)
    provider, endpoint = conf["provider"], _endpoint(snapshot, "llm", conf, retry)
    if provider == "ollama":
        return OllamaLLM(provider, endpoint, model)
    return ChatCompletionsLLM(provider, endpoint, model)


def build_image(snapshot: Mapping[str, Any], *, retry: Retry | None = None) -> ImageClient:
    """The image generator of the snapshot."""
    conf, model = _config(snapshot, "image", IMAGE_PROVIDERS)
    endpoint = _endpoint(snapshot, "image", conf, retry)
    if conf["provider"] == "flux":
        return FluxImage(endpoint, model, steps=int(conf.get("steps", 4)))
    return OpenAIImage(endpoint, model)


def build_vision(snapshot: Mapping[str, Any], *, retry: Retry | None = None) -> VisionClient:
    """The image scorer of the snapshot."""
    conf, model = _config(snapshot, "vision", VISION_PROVIDERS)
    endpoint = _endpoint(snapshot, "vision", conf, retry)
    if conf["provider"] == "local":
        return LocalVision(endpoint, model)
    return GptVision(endpoint, model)


def probe_llm(llm: LLM, deadline_s: float = 15.0) -> dict[str, Any]:
    """A tiny test prompt (10 tokens at most) a switch must pass; raises the provider's error."""
    started = time.monotonic()
    limit = PROBE_MAX_TOKENS
    reply = llm.chat(PROBE_PROMPT, max_tokens=limit, temperature=0, deadline_s=deadline_s)
    # LM Studio with one model loaded may answer with that model whatever we asked for.
    if llm.provider == "lmstudio" and reply.model and not reply.model.startswith(llm.model):
        raise ProviderError(
            DISPLAY["lmstudio"],
            f"asked for '{llm.model}' but '{reply.model}' answered",
            hint=f"load '{llm.model}' in LM Studio (`lms load {llm.model}`)",
            role="llm",
        )
    if not reply.text.strip():
        raise empty_reply(llm, reply.finish_reason)
    return {
        "provider": llm.provider,
        "model": llm.model,
        "answered_by": reply.model,
        "answer": reply.text.strip()[:100],
        "finish_reason": reply.finish_reason,
        "latency_ms": round((time.monotonic() - started) * 1000),
    }


def empty_reply(llm: LLM, finish_reason: str | None) -> ProviderError:
    """A reply with no text is no proof the model can chat: say what came back and what not."""
    why = f" (finish_reason {finish_reason!r})" if finish_reason else ""
    return ProviderError(
        DISPLAY.get(llm.provider, llm.provider),
        f"'{llm.model}' answered the test prompt ({PROBE_PROMPT!r}) with no text{why}; "
        "expected a reply such as 'OK'",
        hint="A model without a chat template, or one that spends its first "
        f"{PROBE_MAX_TOKENS} tokens thinking, answers nothing; pick another model, or switch "
        'with "verify": false to skip the test prompt',
        role="llm",
        empty_reply=True,
    )


def _config(
    snapshot: Mapping[str, Any], role: str, allowed: tuple[str, ...]
) -> tuple[Mapping[str, Any], str]:
    """The role's settings and model name, checked before any connection is made."""
    conf = snapshot.get(role)
    if not isinstance(conf, Mapping) or conf.get("provider") not in allowed:
        got = conf.get("provider") if isinstance(conf, Mapping) else conf
        raise InvalidRequest(
            f"unknown {role} provider {got!r}; choose one of {', '.join(allowed)}",
            role=role,
            allowed=list(allowed),
        )
    provider = conf["provider"]
    model = conf.get("model") or DEFAULT_MODELS.get(provider)
    if not model:
        raise InvalidRequest(f"{role} provider {provider!r} needs a model name", role=role)
    return conf, str(model)


def _endpoint(
    snapshot: Mapping[str, Any], role: str, conf: Mapping[str, Any], retry: Retry | None
) -> Endpoint:
    """Where the role's provider listens, with its key, timeout and retry policy."""
    provider = conf["provider"]
    shared = (snapshot.get("openai") or {}) if provider in OPENAI_PROVIDERS else {}
    base_url = conf.get("base_url") or shared.get("base_url") or DEFAULT_URLS.get(provider)
    if not base_url:
        raise InvalidRequest(f"{role} provider {provider!r} needs a base_url", role=role)
    api_key = conf.get("api_key") or shared.get("api_key")
    if provider in OPENAI_PROVIDERS and not api_key:
        raise InvalidRequest(
            f"{DISPLAY[provider]}: no OpenAI API key configured",
            hint=give_key("openai"),
            role=role,
        )
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    return Endpoint(
        DISPLAY[provider],
        str(base_url),
        headers=headers,
        timeout_s=float(conf.get("timeout_s") or DEFAULT_TIMEOUTS[role]),
        retry=retry,
        hint=HINTS[provider],
        role=role,
    )
