"""Active provider per role, health, model discovery, switching, history."""

from __future__ import annotations

from typing import Any

from roundhouse.api.openapi.common import accepted, json_ok, obj, op, query
from roundhouse.api.provider_switch import MAX_NAME
from roundhouse.core.active_providers import ROLES

TAG = "providers"
NAME = {"type": ["string", "null"], "maxLength": MAX_NAME}
CHOICE_IN = {
    "anyOf": [
        NAME,
        obj({"provider": NAME, "model": NAME}, closed=True),
    ],
    "description": "a provider name (aliases accepted) or {provider?, model?}",
}
CHOICE = obj({"provider": {"type": "string"}, "model": {"type": ["string", "null"]}}, ("provider",))
SWITCH = {
    **obj(
        {
            **{role: CHOICE_IN for role in ROLES},
            "provider": NAME,
            "model": NAME,
            "role": {"type": "string", "enum": list(ROLES)},
            "verify": {"type": ["boolean", "null"]},
            "persist": {"type": ["boolean", "null"]},
            "by": {"type": ["string", "null"], "maxLength": 100},
        },
        closed=True,
    ),
    "anyOf": [{"required": [name]} for name in (*ROLES, "provider", "model", "role")],
}
STATE = obj(
    {
        **{role: CHOICE for role in ROLES},
        "version": {"type": "integer"},
        "updated_at": {"type": ["number", "string", "null"]},
        "updated_by": {"type": ["string", "null"]},
        "verification": {"type": ["object", "null"]},
        "persisted": {"type": "boolean"},
    },
    required=(*ROLES, "version", "persisted"),
)
STATUS = obj(
    {
        "active": obj({role: CHOICE for role in ROLES}, tuple(ROLES)),
        "version": {"type": "integer"},
        "local": {"type": "boolean"},
        "health": {"type": "object"},
        "health_fresh": {"type": "boolean"},
        "environment": {"type": "string"},
        "catalog": {"type": "object"},
    },
    required=("active", "version", "local", "health", "catalog"),
)
VERDICT = obj({"ok": {"type": "boolean"}, "error": {"type": ["string", "null"]}}, ("ok",))
HEALTH = obj(
    {
        "services": {"type": "object", "additionalProperties": VERDICT},
        "checked_at": {"type": ["number", "null"]},
        "fresh": {"type": "boolean"},
    },
    required=("services",),
)
LLM_MODELS = obj(
    {
        "backends": {"type": "object", "additionalProperties": VERDICT},
        "models": {
            "type": "array",
            "items": obj({"provider": {"type": "string"}, "model": {"type": "string"}}),
        },
    },
    required=("backends", "models"),
)
HISTORY = obj({"history": {"type": "array", "items": {"type": "object"}}}, ("history",))


def paths() -> dict[str, Any]:
    return {
        "/api/providers/status": {
            "get": op(
                "Active providers, version, cached health, catalog", TAG, {"200": json_ok(STATUS)}
            )
        },
        "/api/providers/health": {
            "get": op(
                "Every service's health (cached a few seconds)",
                TAG,
                {"200": json_ok(HEALTH)},
                parameters=[query("refresh", "1, true or yes forces a check", {"type": "string"})],
            )
        },
        "/api/providers/llm/models": {
            "get": op("Chat models of every running LLM backend", TAG, {"200": json_ok(LLM_MODELS)})
        },
        "/api/providers/switch": {
            "post": op(
                "Switch one or more roles, all or none, after health, model and test checks; "
                "the LLM to llamacpp on a GGUF it is not serving answers 202 with a "
                "llamacpp.switch job that loads it, verifies it, then switches",
                TAG,
                {"200": json_ok(STATE, "The new state"), "202": accepted()},
                "400",
                "409",
                "422",
                "502",
                "503",
                body=(SWITCH, True),
            )
        },
        "/api/providers/history": {
            "get": op(
                "The latest switches, newest first",
                TAG,
                {"200": json_ok(HISTORY)},
                "400",
                parameters=[
                    query("limit", "how many", {"type": "integer", "minimum": 1, "maximum": 1000})
                ],
            )
        },
    }
