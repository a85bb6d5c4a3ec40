"""GGUF models from the Hugging Face Hub: install, download, import, files, updates, uninstall."""

from __future__ import annotations

from typing import Any

from roundhouse.api.openapi.common import HOST, accepted, json_ok, obj, op, path_param
from roundhouse.tasks.requests.gguf import TARGETS

TAG = "gguf"
HUB_ERRORS = ("400", "403", "404", "409", "502", "503")
TEXT = {"type": ["string", "null"]}
TARGET_LIST = {
    "anyOf": [
        {"type": "string", "enum": list(TARGETS)},
        {"type": "array", "minItems": 1, "items": {"type": "string", "enum": list(TARGETS)}},
    ],
    "description": "where to import (default: both)",
}
FETCH: dict[str, Any] = {
    "repo_id": {"type": "string", "maxLength": 96, "description": "<namespace>/<name>"},
    "quant": {**TEXT, "description": "e.g. Q4_K_M (exactly one of quant, file, files)"},
    "file": {**TEXT, "description": "a .gguf in the repo"},
    "files": {"type": ["array", "null"], "maxItems": 64, "items": {"type": "string"}},
    "revision": {**TEXT, "maxLength": 128, "default": "main"},
    "host": HOST,
}
INSTALL = obj(
    {
        **FETCH,
        "targets": TARGET_LIST,
        "ollama_name": TEXT,
        "replace": {"description": "re-import over an older install (truthy)"},
    },
    ("repo_id",),
    closed=True,
)
DOWNLOAD = obj(FETCH, ("repo_id",), closed=True)
IMPORT = obj(
    {
        "file_id": {"description": "a downloaded model's id (or give path + repo_id)"},
        "path": {"description": "a .gguf inside the models folder"},
        "repo_id": {"type": ["string", "null"]},
        "targets": TARGET_LIST,
        "ollama_name": TEXT,
        "host": HOST,
    },
    closed=True,
)
FILES = obj(
    {
        "files": {
            "type": "array",
            "items": obj({"id": {"type": "string"}, "repo_id": {"type": "string"}}),
        },
        "disk": obj(
            {
                "host": {"type": "string"},
                "free_bytes": {"type": ["integer", "null"]},
                "reserved": {"type": "object"},
                "floor_bytes": {
                    "type": "integer",
                    "description": "free space every download leaves (ROUNDHOUSE_DISK_FLOOR)",
                },
            },
            ("host",),
        ),
    },
    ("files", "disk"),
)
VERDICTS = obj({"files": {"type": "array", "items": obj({"id": {"type": "string"}})}}, ("files",))
UPDATES_IN = obj({"ids": {"type": ["array", "null"], "items": {"type": "string"}}}, closed=True)
FILE_ID = path_param("file_id", "a downloaded model's id")


def paths() -> dict[str, Any]:
    base = "/api/providers/models"
    return {
        f"{base}/install": {
            "post": op(
                "Download, verify, import and test a GGUF (a model.install job)",
                TAG,
                {"202": accepted()},
                *HUB_ERRORS,
                body=(INSTALL, True),
            )
        },
        f"{base}/hf-download": {
            "post": op(
                "Download files of a Hub repo (an hf.download job)",
                TAG,
                {"202": accepted()},
                *HUB_ERRORS,
                body=(DOWNLOAD, True),
            )
        },
        f"{base}/import": {
            "post": op(
                "Import a downloaded GGUF (a model.import job)",
                TAG,
                {"202": accepted()},
                "400",
                "404",
                "409",
                "503",
                body=(IMPORT, True),
            )
        },
        f"{base}/files": {
            "get": op("Downloaded models and the disk", TAG, {"200": json_ok(FILES)})
        },
        f"{base}/files/updates": {
            "get": op("The last update verdicts", TAG, {"200": json_ok(VERDICTS)}),
            "post": op(
                "Ask the Hub now whether downloaded models changed",
                TAG,
                {"200": json_ok(VERDICTS)},
                "400",
                "404",
                body=(UPDATES_IN, False),
            ),
        },
        f"{base}/files/{{file_id}}/update": {
            "parameters": [FILE_ID],
            "post": op(
                "Download the Hub's current files and re-import them",
                TAG,
                {"202": accepted()},
                *HUB_ERRORS,
            ),
        },
        f"{base}/files/{{file_id}}": {
            "parameters": [FILE_ID],
            "delete": op(
                "Remove a downloaded model's files: at once on the API's own host (200), by a "
                "model.delete job on the file's host otherwise (202)",
                TAG,
                {"200": json_ok({"type": "object"}), "202": accepted()},
                "400",
                "404",
                "409",
            ),
        },
        f"{base}/lmstudio/{{model_path}}": {
            "parameters": [path_param("model_path", "<publisher>/<repo>/<file>.gguf")],
            "delete": op(
                "Remove a GGUF from LM Studio's folder",
                TAG,
                {
                    "200": json_ok(
                        obj(
                            {"removed": {"type": "array", "items": {"type": "string"}}},
                            ("removed",),
                        )
                    )
                },
                "400",
                "404",
            ),
        },
    }
