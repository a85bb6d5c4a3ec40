"""Local services: start, stop and watch them on any host with a worker."""

from __future__ import annotations

from typing import Any

from roundhouse.api.openapi.common import HOST, accepted, json_ok, obj, op, query

TAG = "services"
STATUS = obj(
    {
        "host": {"type": "string"},
        "hosts": {
            "type": "array",
            "items": {"type": "string"},
            "description": "hosts a worker has announced (online or not)",
        },
        "host_states": {
            "type": "array",
            "items": obj(
                {
                    "host": {"type": "string"},
                    "last_seen": {"type": "number"},
                    "online": {"type": "boolean"},
                },
                ("host", "last_seen", "online"),
            ),
            "description": "every known host with its last beat; offline after "
            "ROUNDHOUSE_HOST_OFFLINE_S, forgotten after ROUNDHOUSE_HOST_FORGET_S",
        },
        "online": {"type": "boolean", "description": "has this host's worker beaten lately?"},
        "last_seen": {"type": ["number", "null"]},
        "seen_by": {
            "type": "string",
            "description": "whose view the URLs and health are: the host's own worker's "
            "(published every 5 s) or, for the API's own host, the API's",
        },
        "view_at": {"type": ["number", "null"], "description": "when that host published it"},
        "services": {
            "type": "array",
            "items": obj(
                {
                    "service": {"type": "string"},
                    "state": {
                        "type": "string",
                        "enum": ["running", "external", "starting", "crashed", "stopped"],
                    },
                    "actions": obj(
                        {
                            "start": {"type": "boolean"},
                            "stop": {"type": "boolean"},
                            "setup": {"type": "boolean"},
                        }
                    ),
                },
                ("service", "state"),
            ),
        },
    },
    required=("host", "hosts", "host_states", "online", "services"),
)


def paths(service_names: list[str]) -> dict[str, Any]:
    target = obj(
        {"service": {"type": "string", "enum": service_names}, "host": HOST},
        ("service",),
        closed=True,
    )
    model = {
        "type": ["string", "null"],
        "maxLength": 200,
        "description": "llamacpp only: the GGUF to serve (file id or name; default: "
        "ROUNDHOUSE_LLAMACPP_MODEL, else the newest download)",
    }
    start = obj(
        {"service": {"type": "string", "enum": service_names}, "host": HOST, "model": model},
        ("service",),
        closed=True,
    )
    setup = obj(
        {
            "service": {"type": "string", "enum": service_names},
            "host": HOST,
            "force": {"type": "boolean", "description": "reinstall even when already set up"},
        },
        ("service",),
        closed=True,
    )
    return {
        "/api/providers/services/start": {
            "post": op(
                "Start a catalog service (a service.start job on that host's queue); llamacpp "
                "serves the GGUF named by model (409: not on disk, too big for free RAM, the "
                "engine is not set up, or its port is held by a server Roundhouse did not start)",
                TAG,
                {"202": accepted()},
                "400",
                "409",
                "503",
                body=(start, True),
            )
        },
        "/api/providers/services/setup": {
            "post": op(
                "Build a service's engine on its host (llamacpp only: llama-cpp-python[server] "
                "into a virtualenv under the data dir), as a llamacpp.setup job",
                TAG,
                {"202": accepted()},
                "400",
                "503",
                body=(setup, True),
            )
        },
        "/api/providers/services/stop": {
            "post": op(
                "Stop a service started by Roundhouse (a service.stop job)",
                TAG,
                {"202": accepted()},
                "400",
                "409",
                "503",
                body=(target, True),
            )
        },
        "/api/providers/services/status": {
            "get": op(
                "One row per catalog service on a host",
                TAG,
                {"200": json_ok(STATUS)},
                "400",
                parameters=[
                    query(
                        "host",
                        "a known host, online or not (default: the API's own host, or the "
                        "only online one when no worker serves the API's)",
                        {"type": "string"},
                    )
                ],
            )
        },
    }
