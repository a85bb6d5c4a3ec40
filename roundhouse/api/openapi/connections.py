"""Service addresses and keys set at runtime: list (keys masked), set after a test."""

from __future__ import annotations

from typing import Any

from roundhouse.api.openapi.common import json_ok, obj, op, path_param
from roundhouse.core.connection_specs import CONNECTIONS, MAX_KEY, MAX_URL

TAG = "connections"
PART = {"type": "string", "enum": ["url", "key"]}
CHANGE = obj(
    {
        "url": {
            "type": ["string", "null"],
            "maxLength": MAX_URL,
            "description": "http(s) base URL, no credentials, query or fragment",
        },
        "key": {
            "type": ["string", "null"],
            "maxLength": MAX_KEY,
            "description": "an API key or token; never returned",
        },
        "reset": {
            "anyOf": [PART, {"type": "array", "items": PART}, {"type": "null"}],
            "description": "parts to return to the environment's default",
        },
        "persist": {"type": ["boolean", "null"], "description": "also write the value to .env"},
        "by": {"type": ["string", "null"], "maxLength": 100},
    },
    closed=True,
)
KEY = obj(
    {
        "set": {"type": "boolean"},
        "masked": {"type": "string", "description": "e.g. sk-…abcd"},
        "source": {"type": ["string", "null"], "enum": ["runtime", "default", None]},
        "env": {"type": ["string", "null"]},
    },
    ("set", "masked"),
)
CONNECTION = obj(
    {
        "title": {"type": "string"},
        "page": {"type": "string", "description": "where the page sets it"},
        "url": {"type": "string"},
        "url_source": {"type": "string", "enum": ["runtime", "default"]},
        "key": KEY,
    },
    ("title", "page"),
)
LISTING = obj(
    {
        "connections": obj({name: CONNECTION for name in CONNECTIONS}, tuple(CONNECTIONS)),
        "version": {"type": "integer"},
        "updated_at": {"type": ["number", "null"]},
        "updated_by": {"type": ["string", "null"]},
    },
    ("connections", "version"),
)
CHANGED = obj(
    {
        "name": {"type": "string"},
        "connection": CONNECTION,
        "test": obj({"ok": {"type": "boolean"}}, ("ok",)),
        "persisted": {"type": "boolean"},
    },
    ("name", "connection", "test", "persisted"),
)


def paths() -> dict[str, Any]:
    names = ", ".join(CONNECTIONS)
    return {
        "/api/connections": {
            "get": op(
                "Every connection: URL and source, key set or not (masked)",
                TAG,
                {"200": json_ok(LISTING)},
            )
        },
        "/api/connections/{name}": {
            "post": op(
                "Set or reset a URL and/or key; tested against the service before it is saved "
                "(422 with the provider's words changes nothing); the service's health shows "
                "the new address or key at once (a reset is checked at the default)",
                TAG,
                {"200": json_ok(CHANGED)},
                "400",
                "422",
                parameters=[path_param("name", f"one of {names} (aliases: hf, compat, ...)")],
                body=(CHANGE, True),
            )
        },
    }
