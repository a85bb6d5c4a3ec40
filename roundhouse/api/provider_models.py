"""Which LLM backend has a model: checks a named model is installed, or finds its backend.

Ollama matches names its own way (`llama3.2` is `llama3.2:latest`, case-insensitive); the
OpenAI-style backends compare ids exactly, then case-insensitively. The listed name wins, so
the page's dropdown and the active choice spell a model the same way.
"""

from __future__ import annotations

import json
from typing import Any

from roundhouse.api.provider_health import LLM_SERVICES
from roundhouse.core.active_providers import default_model
from roundhouse.core.errors import Conflict
from roundhouse.core.settings import Settings
from roundhouse.providers.generation.snapshot import DISPLAY
from roundhouse.providers.ollama import names as ollama_names

Results = dict[str, dict[str, Any]]


def find(provider: str, model: str, listed: list[str]) -> str | None:
    """The listed spelling of `model` on `provider`, or None when it is not there."""
    if provider == "ollama":
        key = _ollama_key(model)
        return next((m for m in listed if key and _ollama_key(m) == key), None)
    if model in listed:
        return model
    return next((m for m in listed if m.lower() == model.lower()), None)


def _ollama_key(name: str) -> str | None:
    try:
        return ollama_names.key(name)
    except Exception:  # noqa: BLE001 - a listed name we cannot parse simply never matches
        return None


def download_hint(provider: str | None, model: str) -> str:
    """How to get a model onto the backend that should serve it."""
    if provider == "lmstudio":
        return (
            f"Download a GGUF of '{model}' from the Models tab (or `lms get {model}`), "
            "then switch again."
        )
    if provider == "openai-compatible":
        return f"Load '{model}' in your OpenAI-compatible server, then switch again."
    if provider == "openai":
        return "Pick one of the models your OpenAI key can use (GET /api/providers/llm/models)."
    return (
        f"Download it first: `roundhouse pull {model}` or the Models tab "
        "(POST /api/providers/models/download), then switch again."
    )


def resolve_model(
    provider: str | None, model: str | None, results: Results, settings: Settings
) -> tuple[str, str]:
    """(provider, model) for the LLM role; 409 when the model is missing or ambiguous."""
    if provider is None:
        assert model is not None
        return _search(model, results)
    listed = results[provider].get("models", [])
    wanted = model or default_model(settings, "llm", provider) or (listed[0] if listed else "")
    if not wanted:
        raise Conflict(
            f"{DISPLAY[provider]} has no chat model to switch to.",
            hint=download_hint(provider, "<model>"),
            provider=provider,
        )
    if provider == "ollama":
        ollama_names.validate(wanted)  # a malformed name is a 400, not a 409
    found = find(provider, wanted, listed)
    embedding = find(provider, wanted, results[provider].get("embeddings", []))
    if found is None and embedding is not None:
        raise Conflict(
            f"'{embedding}' is an embedding model: it turns text into vectors and cannot chat.",
            hint=f"Pick a chat model for the LLM role; {DISPLAY[provider]} has: "
            + (", ".join(listed[:10]) or "none installed yet"),
            provider=provider,
            model=embedding,
            embedding=True,
            available=listed,
        )
    if found is None:
        where = "offered by" if provider == "openai" else "installed in"
        raise Conflict(
            f"Model '{wanted}' is not {where} {DISPLAY[provider]}.",
            hint=download_hint(provider, wanted),
            provider=provider,
            model=wanted,
            available=listed,
        )
    return provider, found


def _search(model: str, results: Results) -> tuple[str, str]:
    """The one running backend that has `model`."""
    hits = []
    for name in LLM_SERVICES:
        verdict = results.get(name) or {}
        found = find(name, model, verdict.get("models", [])) if verdict.get("ok") else None
        if found is not None:
            hits.append({"provider": name, "model": found})
    if len(hits) == 1:
        return hits[0]["provider"], hits[0]["model"]
    if hits:
        names = ", ".join(h["provider"] for h in hits)
        raise Conflict(
            f"Model '{model}' is offered by several backends: {names}.",
            hint="Name the provider too, e.g. " + json.dumps({"llm": hits[0]}),
            candidates=hits,
        )
    for name in LLM_SERVICES:
        verdict = results.get(name) or {}
        embedding = find(name, model, verdict.get("embeddings", [])) if verdict.get("ok") else None
        if embedding is not None:
            raise Conflict(
                f"'{embedding}' is an embedding model: it turns text into vectors and cannot chat.",
                hint="Pick a chat model for the LLM role (GET /api/providers/llm/models).",
                provider=name,
                model=embedding,
                embedding=True,
            )
    down = [n for n in LLM_SERVICES if not (results.get(n) or {}).get("ok")]
    raise Conflict(
        f"No running LLM backend has model '{model}'.",
        hint=download_hint(None, model),
        model=model,
        backends_down=down,
    )
