"""Installed models: details, and Try (one prompt, the answer streamed)."""

from __future__ import annotations

from typing import Any

from roundhouse.api.openapi.common import json_ok, obj, op, query
from roundhouse.api.routes.model_try import MAX_PROMPT, MAX_TOKENS

TAG = "models"
TEXT = {"type": "string", "minLength": 1}
TRY = obj(
    {
        "provider": {"type": "string", "description": "ollama (default), lmstudio, ..."},
        "model": {**TEXT, "maxLength": 200},
        "prompt": {**TEXT, "maxLength": MAX_PROMPT},
        "max_tokens": {"type": "integer", "minimum": 1, "maximum": MAX_TOKENS},
    },
    ("model", "prompt"),
    closed=True,
)
STREAM = {
    "description": 'Server-sent events: `data: {"delta"}` per piece of the answer, then `data: '
    '{"done": true, "finish_reason", "latency_ms", "chars"}`, or `data: {"error", "hint"}`.',
    "content": {"text/event-stream": {"schema": {"type": "string"}}},
}
DETAILS = obj(
    {
        "provider": {"type": "string"},
        "model": {"type": "string"},
        "parameters": {"type": ["string", "null"]},
        "quantization": {"type": ["string", "null"]},
        "context_length": {"type": ["integer", "null"]},
        "size": {"type": ["integer", "null"]},
        "license": {"type": ["string", "null"]},
        "modified": {"type": ["string", "null"]},
    },
    ("provider", "model"),
)


def paths() -> dict[str, Any]:
    return {
        "/api/models/details": {
            "get": op(
                "An installed model's parameters, quantization, context, size, licence, date",
                TAG,
                {"200": json_ok(DETAILS)},
                "400",
                "404",
                "502",
                "503",
                parameters=[
                    query(
                        "provider",
                        "ollama (default), lmstudio or llamacpp (a GGUF on this host)",
                        {"type": "string"},
                    ),
                    query("model", "the installed name", {"type": "string"}),
                ],
            )
        },
        "/api/models/try": {
            "post": op(
                "One prompt to one model, the answer streamed as it is produced",
                TAG,
                {"200": STREAM},
                "400",
                "404",
                "502",
                "503",
                body=(TRY, True),
            )
        },
    }
