"""Beam search: start a search, ask its bounds, fetch a candidate's image."""

from __future__ import annotations

from typing import Any

from roundhouse.api.openapi.common import accepted, json_ok, obj, op, path_param
from roundhouse.providers.beam import BOUNDS, DEFAULTS
from roundhouse.providers.beam.params import MAX_PROMPT, STEP

TAG = "beam"


def _bound(name: str) -> dict[str, Any]:
    low, high = BOUNDS[name]
    out: dict[str, Any] = {"type": "integer", "minimum": low, "maximum": high}
    if name in STEP:
        out["multipleOf"] = STEP[name]
    if DEFAULTS[name] is None:
        out["type"] = ["integer", "null"]
    else:
        out["default"] = DEFAULTS[name]
    return out


SEARCH = obj(
    {
        "prompt": {
            "type": "string",
            "minLength": 1,
            "description": f"1-{MAX_PROMPT} characters after trimming",
        },
        **{name: _bound(name) for name in BOUNDS},
    },
    ("prompt",),
    closed=True,
)
DESCRIBE = obj(
    {"defaults": {"type": "object"}, "allowed": {"type": "object"}}, ("defaults", "allowed")
)
NAME = {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}\.png$"}


def paths() -> dict[str, Any]:
    return {
        "/api/beam-search": {
            "get": op("Each field's default and range", TAG, {"200": json_ok(DESCRIBE)}),
            "post": op(
                "Start a beam.search job on the beam queue",
                TAG,
                {"202": accepted()},
                "400",
                "503",
                body=(SEARCH, True),
            ),
        },
        "/media/beam/{job_id}/{name}": {
            "parameters": [
                path_param("job_id", "the beam.search job's id"),
                path_param("name", "<candidate>.png", NAME),
            ],
            "get": op(
                "One candidate's image",
                TAG,
                {"200": {"description": "the PNG", "content": {"image/png": {}}}},
                "400",
                "404",
            ),
        },
    }
