"""The page, the WebSocket, health, log-in and this document itself."""

from __future__ import annotations

from typing import Any

from roundhouse.api.openapi.common import json_ok, obj, op

TAG = "system"
SESSION = obj(
    {"auth_required": {"type": "boolean"}, "authenticated": {"type": "boolean"}},
    required=("auth_required", "authenticated"),
)
HEALTHZ = obj(
    {
        "ok": {"type": "boolean"},
        "redis": obj({"ok": {"type": "boolean"}, "latency_ms": {"type": "number"}}, ("ok",)),
        "workers": {
            "type": "array",
            "items": {"type": "string"},
            "description": "live workers, `pid@host`",
        },
        "hosts": {
            "type": "array",
            "description": "every known host (ROUNDHOUSE_HOSTNAME of a worker serving its "
            "queue): `last_seen`, `online` (a beat within ROUNDHOUSE_HOST_OFFLINE_S) and its "
            "live `workers`",
            "items": obj(
                {
                    "host": {"type": "string"},
                    "online": {"type": "boolean"},
                    "last_seen": {"type": ["number", "null"]},
                    "workers": {"type": "array", "items": {"type": "string"}},
                },
                ("host", "online", "workers"),
            ),
        },
        "relay_clients": {"type": "integer"},
        "message": {"type": "string"},
    },
    required=("ok", "redis", "workers"),
)
WS = (
    'Upgrade to a WebSocket. Send {"subscribe": "all", "cursor"?} or {"subscribe": [job ids], '
    '"after"?: {id: seq}} first; events follow (see docs/architecture.md, "WebSocket protocol").'
)


def paths() -> dict[str, Any]:
    auth = obj({"authenticated": {"type": "boolean"}}, ("authenticated",))
    return {
        "/": {
            "get": op(
                "The web page",
                TAG,
                {"200": {"description": "index.html", "content": {"text/html": {}}}},
                guarded=False,
            )
        },
        "/favicon.ico": {
            "get": op(
                "The page's icon (SVG)",
                TAG,
                {"200": {"description": "favicon.svg", "content": {"image/svg+xml": {}}}},
                guarded=False,
            )
        },
        "/ws": {
            "get": op(
                "Live events over a WebSocket",
                TAG,
                {
                    "101": {"description": "Switching Protocols: " + WS},
                    "400": {"$ref": "#/components/responses/BadRequest"},
                },
                description="A plain GET without the WebSocket upgrade headers is a 400.",
            )
        },
        "/healthz": {
            "get": op(
                "Is Redis answering, which workers checked in lately",
                TAG,
                {"200": json_ok(HEALTHZ), "503": json_ok(HEALTHZ, "Redis is down")},
                guarded=False,
            )
        },
        "/metrics": {
            "get": op(
                "Counts and gauges in Prometheus' text format (jobs, queues, downloads, "
                "switches, service health, relay)",
                TAG,
                {
                    "200": {
                        "description": "Prometheus text exposition format 0.0.4",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    }
                },
            )
        },
        "/api/openapi.json": {
            "get": op(
                "This description (OpenAPI 3.1)",
                TAG,
                {"200": json_ok({"type": "object", "required": ["openapi", "paths"]})},
            )
        },
        "/api/session": {
            "get": op(
                "Whether a token is needed and presented",
                TAG,
                {"200": json_ok(SESSION)},
                guarded=False,
            )
        },
        "/api/login": {
            "post": op(
                "Log in: a signed session id (never the token) goes into an HttpOnly, "
                "SameSite=Strict cookie, Secure over HTTPS; 10 wrong tokens a minute from one "
                "address, then 429 with Retry-After",
                TAG,
                {"200": json_ok(auth)},
                "400",
                "401",
                "429",
                guarded=False,
                body=(obj({"token": {"type": "string", "minLength": 1}}, ("token",), True), True),
            )
        },
        "/api/logout": {
            "post": op(
                "End the session: revoked in Redis (a copied cookie stops working) and cleared",
                TAG,
                {"200": json_ok(auth)},
                guarded=False,
            )
        },
    }
