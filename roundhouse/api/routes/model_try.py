"""/api/models: an installed model's details, and "Try": one prompt, the answer streamed (SSE)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, jsonify, request, stream_with_context
from flask.typing import ResponseReturnValue

from roundhouse.api import model_details
from roundhouse.api.body import json_object
from roundhouse.api.deps import app_ctx
from roundhouse.core.errors import AppError, InvalidRequest
from roundhouse.core.provider_registry import base_url, canonical
from roundhouse.core.settings import Settings
from roundhouse.providers.generation.stream import StreamedChat
from roundhouse.providers.ollama import names

bp = Blueprint("model_try", __name__, url_prefix="/api/models")
TRY_FIELDS = {"provider", "model", "prompt", "max_tokens"}
MAX_PROMPT = 4000
MAX_TOKENS = 2048


def _text(value: Any, what: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise InvalidRequest(f"'{what}' must be non-empty text of at most {limit} characters.")
    return value.strip()


def _provider(raw: Any) -> str:
    if not isinstance(raw, str):
        raise InvalidRequest(
            "'provider' must be one of ollama, lmstudio, openai-compatible, openai."
        )
    return canonical("llm", raw)


@bp.get("/details")
def details() -> ResponseReturnValue:
    """Parameters, quantization, context length, size, licence and date of an installed model."""
    provider = _provider(request.args.get("provider", "ollama"))
    model = _text(request.args.get("model"), "model", 200)
    s = app_ctx().settings
    if provider == "ollama":
        return jsonify(model_details.ollama(s, model))
    if provider == "lmstudio":
        return jsonify(model_details.lmstudio(s, model))
    if provider == "llamacpp":
        records = app_ctx().stores.downloads.list()
        return jsonify(model_details.llamacpp(s, records, model))
    raise InvalidRequest("Details are available for Ollama, LM Studio and llama.cpp models.")


def _key(s: Settings, provider: str) -> str:
    return {"openai": s.openai_api_key, "openai-compatible": s.compat_api_key}.get(provider, "")


@bp.post("/try")
def try_model() -> ResponseReturnValue:
    """One prompt to one model; the answer as Server-Sent Events, piece by piece."""
    body = json_object(TRY_FIELDS)
    provider = _provider(body.get("provider", "ollama"))
    model = _text(body.get("model"), "model", 200)
    if provider == "ollama":
        names.validate(model)  # a name Ollama would refuse is a 400 here, not its 400 as a 502
    prompt = _text(body.get("prompt"), "prompt", MAX_PROMPT)
    limit = body.get("max_tokens", 256)
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_TOKENS:
        raise InvalidRequest(f"'max_tokens' must be a whole number from 1 to {MAX_TOKENS}.")
    s = app_ctx().settings
    url = base_url(s, provider)
    if not url:
        raise InvalidRequest(f"{provider} has no URL set.", hint="Set it in Connections.")
    chat = StreamedChat(provider, url, model, api_key=_key(s, provider))
    began = time.monotonic()
    try:
        chat.start(prompt, limit)  # refusals become proper statuses, before any byte is sent
    except Exception:
        chat.close()
        raise
    return Response(
        stream_with_context(_events(chat, began)),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _events(chat: StreamedChat, began: float) -> Iterator[str]:
    sent = 0
    try:
        for piece in chat.pieces():
            sent += len(piece)
            yield _frame({"delta": piece})
        ms = round((time.monotonic() - began) * 1000)
        done = {"done": True, "model": chat.model, "provider": chat.provider, "chars": sent}
        yield _frame(done | {"finish_reason": chat.finish_reason, "latency_ms": ms})
    except AppError as exc:
        yield _frame({"error": exc.message, "hint": exc.hint})
    finally:
        chat.close()


def _frame(data: dict[str, Any]) -> str:
    return f"data: {json.dumps(data, separators=(',', ':'))}\n\n"
