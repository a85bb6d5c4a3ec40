"""Shared pieces of the OpenAPI document: the error body, the job, and small builders.

Request schemas are never stricter than the server (a value the server accepts must not be
called invalid here), so the fuzz's "invalid input is rejected" check holds; response schemas
name the fields clients rely on and leave the rest open.
"""

from __future__ import annotations

import re
from typing import Any

from roundhouse.api.credentials import COOKIE
from roundhouse.core.models import JobState

Schema = dict[str, Any]

ERRORS = {
    "400": "Bad input; nothing was changed (the message says what, the hint what is right).",
    "401": "An API token is required (ROUNDHOUSE_API_TOKEN is set) and was missing or wrong.",
    "403": "Not from here: an Origin or Host that is not this Roundhouse's own.",
    "404": "No such thing (job, model, file, image).",
    "409": "Valid, but the current state says no.",
    "413": "The request body is over the size limit.",
    "429": "Too many wrong API tokens from this address (ROUNDHOUSE_AUTH_FAILURES_PER_MINUTE, "
    "default 10 a minute); wait Retry-After seconds.",
    "422": "Verification failed (a switch's test prompt); the old state is kept.",
    "502": "A provider answered badly.",
    "503": "A provider (or the broker) is down; start it first. Redis not answering is "
    '`{"error": "redis_unavailable"}` within ~1.5 s (also `redis_read_only`, '
    "`redis_out_of_memory` when it refuses writes).",
    "507": 'Redis refuses writes for lack of disk space: `{"error": "disk_full", "message": '
    '"disk full on <host>: free space, then retry"}`.',
}
ERROR_NAMES = {"400": "BadRequest", "401": "Unauthorized", "403": "Forbidden"}
ERROR_NAMES |= {"404": "NotFound", "409": "Conflict", "413": "PayloadTooLarge"}
ERROR_NAMES |= {"422": "VerificationFailed", "502": "ProviderError", "503": "Unavailable"}
ERROR_NAMES |= {"507": "InsufficientStorage", "429": "TooManyRequests"}
#: Every operation may meet Redis down (503) or Redis out of disk (507).
ALWAYS = ("403", "503", "507")

ERROR: Schema = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {
            "type": "string",
            "description": "a short code: invalid_request, unauthorized, forbidden, not_found, "
            "conflict, payload_too_large, verification_failed, provider_error, unavailable, "
            "redis_unavailable, ...",
        },
        "message": {"type": "string", "description": "what was wrong, for a person"},
        "hint": {"type": ["string", "null"], "description": "what would be right"},
        "provider": {"type": "string", "description": "the provider that failed (502/503)"},
    },
    "additionalProperties": {"description": "details of this error, e.g. needed_bytes"},
}

NULL_STR: Schema = {"type": ["string", "null"]}
NULL_NUM: Schema = {"type": ["number", "null"]}

#: The `host` of host-bound work (core/hosts.py); a 400 for it carries `known` (and `online`).
HOST: Schema = {
    "type": ["string", "null"],
    "maxLength": 253,
    "description": "an ASCII host name whose worker has announced itself and is online "
    "(default: the API's own host if a worker serves it, else the only online host; "
    "otherwise a 400 asks to choose). Unknown or offline hosts are a 400 listing `known`.",
}

JOB: Schema = {
    "type": "object",
    "required": ["id", "kind", "state"],
    "properties": {
        "id": {"type": "string"},
        "kind": {"type": "string"},
        "state": {"type": "string", "enum": [s.value for s in JobState]},
        "stage": NULL_STR,
        "progress": NULL_NUM,
        "done": NULL_NUM,
        "total": NULL_NUM,
        "speed": NULL_NUM,
        "eta": NULL_NUM,
        "message": NULL_STR,
        "error": NULL_STR,
        "hint": NULL_STR,
        "params": {"type": ["object", "null"]},
        "result": {"description": "what the job produced (kind-specific; null until it ends)"},
        "host": NULL_STR,
        "queue": NULL_STR,
        "attempts": {"type": ["integer", "null"], "description": "times a worker claimed it"},
        "pausable": {"type": ["boolean", "null"]},
        "place": {"type": ["integer", "null"], "description": "place in line for a slot"},
        "created_at": NULL_NUM,
        "updated_at": NULL_NUM,
        "started_at": NULL_NUM,
        "finished_at": NULL_NUM,
        "seq": {"type": ["integer", "null"]},
    },
    "additionalProperties": True,
}

ACCEPTED: Schema = {
    "allOf": [
        {"$ref": "#/components/schemas/Job"},
        {
            "type": "object",
            "required": ["joined", "url", "events_url"],
            "properties": {
                "joined": {"type": "boolean", "description": "an identical live job was joined"},
                "url": {"type": "string"},
                "events_url": {"type": "string"},
            },
        },
    ]
}


#: With ROUNDHOUSE_API_TOKEN set, any one of these (without it, none is needed)
SECURITY_SCHEMES: Schema = {
    "bearer": {"type": "http", "scheme": "bearer", "description": "the API token"},
    "token_header": {"type": "apiKey", "in": "header", "name": "X-API-Token"},
    "cookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": COOKIE,
        "description": "a signed session id set by POST /api/login (HttpOnly, "
        "SameSite=Strict, Secure over HTTPS), revoked by POST /api/logout",
    },
}
SECURITY: list[dict[str, list[str]]] = [{name: []} for name in SECURITY_SCHEMES]


def operation_ids(paths: dict[str, Any]) -> None:
    """A unique operationId for every operation that has none: method and path, e.g.
    `post_jobs_by_id_cancel` for POST /api/jobs/{id}/cancel (what client generators name
    their functions after)."""
    for path, item in paths.items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                words = [w for w in re.split(r"[/.\-]+", path) if w and w != "api"]
                words = [f"by_{w[1:-1]}" if w.startswith("{") else w for w in words]
                operation.setdefault("operationId", "_".join([method, *(words or ["page"])]))


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(props: dict[str, Schema], required: tuple[str, ...] = (), closed: bool = False) -> Schema:
    """An object schema; `closed` where the server refuses unknown fields."""
    out: Schema = {"type": "object", "properties": props, "additionalProperties": not closed}
    if required:
        out["required"] = list(required)
    return out


def json_ok(schema: Schema, description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def accepted(description: str = "Accepted: the job (or the live one joined).") -> dict[str, Any]:
    answer = json_ok(ref("Accepted"), description)
    answer["headers"] = {"Location": {"schema": {"type": "string"}, "description": "the job"}}
    return answer


def op(summary: str, tag: str, ok: dict[str, dict[str, Any]], *errors: str, **extra: Any) -> dict:
    """One operation: its answers, the errors it may give, and the access errors all give."""
    guarded = extra.pop("guarded", True)
    codes = sorted({*errors, *ALWAYS} | ({"401", "429"} if guarded else set()))
    refs = {c: {"$ref": f"#/components/responses/{ERROR_NAMES[c]}"} for c in codes if c not in ok}
    responses = {**ok, **refs}
    body = extra.pop("body", None)
    out: dict[str, Any] = {"summary": summary, "tags": [tag], "responses": responses, **extra}
    out["security"] = SECURITY if guarded else []
    if body is not None:
        schema, required = body
        out["requestBody"] = {
            "required": required,
            "content": {"application/json": {"schema": schema}},
        }
        out["responses"].setdefault("413", {"$ref": "#/components/responses/PayloadTooLarge"})
    return out


def path_param(name: str, description: str, schema: Schema | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": schema or {"type": "string", "minLength": 1},
    }


def query(name: str, description: str, schema: Schema) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


def components() -> dict[str, Any]:
    """Schemas and the error answers every operation points at."""
    responses = {
        ERROR_NAMES[code]: {
            "description": text,
            "content": {"application/json": {"schema": ref("Error")}},
        }
        for code, text in ERRORS.items()
    }
    return {
        "schemas": {"Error": ERROR, "Job": JOB, "Accepted": ACCEPTED},
        "responses": responses,
        "securitySchemes": SECURITY_SCHEMES,
    }
