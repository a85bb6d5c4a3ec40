"""Ollama models: installed lists, recommendations, pulls, updates, uninstall."""

from __future__ import annotations

from typing import Any

from roundhouse.api.openapi.common import HOST, accepted, json_ok, obj, op, path_param, ref

TAG = "models"
BACKEND = obj(
    {
        "ok": {"type": "boolean"},
        "error": {"type": ["string", "null"]},
        "models": {"type": "array", "items": {"type": "object"}},
    },
    ("ok",),
)
STATUS = obj(
    {
        "environment": {"type": "string"},
        "local": {"type": "boolean"},
        "max_pulls": {"type": "integer"},
        "backends": obj({"ollama": BACKEND, "lmstudio": BACKEND}, ("ollama", "lmstudio")),
    },
    ("environment", "local", "backends"),
)
FIT = obj({"verdict": {"type": "string", "enum": ["fits", "tight", "will not fit"]}})
RECOMMENDATIONS = obj(
    {
        "models": {"type": "array", "items": obj({"installed": {"type": "boolean"}, "fit": FIT})},
        "ram_bytes": {"type": ["integer", "null"]},
        "disk_free_bytes": {"type": ["integer", "null"]},
        "ollama": obj({"ok": {"type": "boolean"}}, ("ok",)),
    },
    ("models", "ollama"),
)
PULL = obj(
    {
        "provider": {"type": "string", "enum": ["ollama"], "default": "ollama"},
        "model": {"type": "string", "description": "[host/][namespace/]model[:tag]"},
        "host": {
            **HOST,
            "description": "run the pull on this host's worker, into that host's own Ollama "
            "(its OLLAMA_BASE_URL); a known, online host, else a 400 listing `known`. Without "
            "it: any worker, into the API's OLLAMA_BASE_URL.",
        },
    },
    ("model",),
    closed=True,
)
PULL_SSE = {
    "description": "With Accept: text/event-stream: the pull's events in the original shape, "
    '`data: {"status", "progress", "message"}`, ending with complete or error; the job id is '
    "in X-Job-Id.",
    "content": {"text/event-stream": {"schema": {"type": "string"}}},
}
UPDATES = obj(
    {
        "jobs": {"type": "array", "items": ref("Job")},
        "models": {"type": "array", "items": {"type": "string"}},
    },
    ("jobs", "models"),
)


def paths() -> dict[str, Any]:
    return {
        "/api/providers/models/status": {
            "get": op(
                "Installed models per backend (a backend that is down is ok: false)",
                TAG,
                {"200": json_ok(STATUS)},
            )
        },
        "/api/providers/models/recommendations": {
            "get": op(
                "Catalog models with install state and fit", TAG, {"200": json_ok(RECOMMENDATIONS)}
            )
        },
        "/api/providers/models/download": {
            "post": op(
                "Pull an Ollama model (an ollama.pull job; the same model joins the live pull)",
                TAG,
                {"200": PULL_SSE, "202": accepted()},
                "400",
                "502",
                "503",
                body=(PULL, True),
            )
        },
        "/api/providers/models/check-updates": {
            "post": op(
                "Re-pull every installed Ollama model (one ollama.pull job each)",
                TAG,
                {"202": json_ok(UPDATES, "Accepted: the jobs")},
                "502",
                "503",
            )
        },
        "/api/providers/models/ollama/{name}": {
            "parameters": [path_param("name", "an Ollama model name (may contain '/')")],
            "delete": op(
                "Uninstall an Ollama model",
                TAG,
                {"200": json_ok(obj({"deleted": {"type": "string"}}, ("deleted",)))},
                "400",
                "404",
                "409",
                "502",
                "503",
            ),
        },
    }
