"""The model library: Hub search for GGUF repos, and a repo's page with fit per file."""

from __future__ import annotations

from typing import Any

from roundhouse.api.openapi.common import json_ok, obj, op, path_param, query

TAG = "gguf"
FIT = obj(
    {
        "verdict": {"type": "string", "enum": ["fits", "tight", "will not fit", "unknown"]},
        "message": {"type": "string", "description": "the verdict with the numbers"},
        "need_ram_bytes": {"type": "integer"},
        "ram_bytes": {"type": ["integer", "null"]},
        "need_disk_bytes": {"type": "integer"},
        "usable_disk_bytes": {"type": ["integer", "null"]},
    },
    ("verdict", "message"),
)
CHOICE = obj(
    {
        "name": {"type": "string"},
        "files": {"type": "array", "items": {"type": "string"}},
        "size": {"type": ["integer", "null"]},
        "quant": {"type": ["string", "null"]},
        "split": {"type": "boolean"},
        "fit": FIT,
    },
    ("name", "files", "size", "quant", "split", "fit"),
)
SEARCH = obj(
    {
        "query": {"type": "string"},
        "models": {
            "type": "array",
            "items": obj(
                {
                    "id": {"type": "string"},
                    "downloads": {"type": ["integer", "null"]},
                    "likes": {"type": ["integer", "null"]},
                    "last_modified": {"type": ["string", "null"]},
                },
                ("id",),
            ),
        },
    },
    ("query", "models"),
)
PAGE = obj(
    {
        "id": {"type": "string"},
        "license": {"type": ["string", "null"]},
        "last_modified": {"type": ["string", "null"]},
        "files": {"type": "array", "items": CHOICE},
        "card_html": {"type": "string", "description": "the README as sanitized HTML"},
        "host": {"type": "string"},
    },
    ("id", "files", "card_html", "host"),
)


def paths() -> dict[str, Any]:
    return {
        "/api/library/search": {
            "get": op(
                "GGUF repos on the Hub (HfApi.list_models, filter gguf, most downloaded first)",
                TAG,
                {"200": json_ok(SEARCH)},
                "400",
                "404",
                "502",
                "503",
                parameters=[
                    query("q", "search text (at most 200 characters)", {"type": "string"}),
                    query("limit", "how many", {"type": "integer", "minimum": 1, "maximum": 100}),
                ],
            )
        },
        "/api/library/repo/{namespace}/{name}": {
            "get": op(
                "A repo's GGUF files (shards grouped) with size, quant and fit for the host; "
                "licence, last modified, the model card as sanitized HTML",
                TAG,
                {"200": json_ok(PAGE)},
                "400",
                "403",
                "404",
                "502",
                "503",
                parameters=[
                    path_param("namespace", "the publisher"),
                    path_param("name", "the repo"),
                    query("host", "the host to judge the fit for", {"type": "string"}),
                ],
            )
        },
    }
