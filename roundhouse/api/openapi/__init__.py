"""The OpenAPI 3.1 description of every endpoint, built from the same constants the routes use.

One module per area returns its `paths`; this module puts them together. Served at
GET /api/openapi.json; tests/unit/api/test_openapi.py checks every Flask rule is described.
"""

from __future__ import annotations

from typing import Any

from roundhouse.api.openapi import (
    beam,
    connections,
    install,
    jobs,
    library,
    model_try,
    models,
    providers,
    services,
    system,
)
from roundhouse.api.openapi.common import components, operation_ids
from roundhouse.core.settings import Settings
from roundhouse.tasks.requests.services import service_specs

TAGS = {
    "system": "The page, live events, health, access",
    "jobs": "Jobs of every kind",
    "providers": "Active provider per role, health, switching",
    "connections": "Service addresses and keys set at runtime",
    "services": "Local services: start, stop, watch",
    "models": "Ollama models",
    "gguf": "GGUF models from the Hugging Face Hub",
    "beam": "Beam-search prompt refinement",
}


def document(settings: Settings) -> dict[str, Any]:
    """The whole description; service names come from this deployment's catalog."""
    paths: dict[str, Any] = {}
    for part in (
        system.paths(),
        jobs.paths(),
        providers.paths(),
        connections.paths(),
        services.paths(sorted(service_specs(settings))),
        models.paths(),
        model_try.paths(),
        install.paths(),
        library.paths(),
        beam.paths(),
    ):
        paths.update(part)
    operation_ids(paths)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Roundhouse",
            "version": "0.1.0",
            "description": "Jobs, live progress and runtime switching of AI providers. Errors "
            'are {"error", "message", "hint"?} plus details; prose in docs/api.md.',
        },
        "tags": [{"name": name, "description": text} for name, text in TAGS.items()],
        "paths": paths,
        "components": components(),
    }
