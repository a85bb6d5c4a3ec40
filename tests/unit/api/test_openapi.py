"""The OpenAPI description: valid, served, and true to the app's routes (every rule, method)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient

from roundhouse.api import create_app
from roundhouse.api.access import OPEN_PATHS
from roundhouse.core.settings import Settings

METHODS = {"get", "post", "put", "patch", "delete"}
UNDESCRIBED = {"/static/<path:name>"}  # the page's own files


@pytest.fixture
def app(fake_redis) -> Flask:  # type: ignore[no-untyped-def]
    return create_app(Settings(), client=fake_redis, enqueue=lambda job: None)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def doc(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.json  # type: ignore[return-value]


def openapi_path(rule: str) -> str:
    """`/api/jobs/<job_id>` and `/x/<path:name>` -> `/api/jobs/{job_id}`, `/x/{name}`."""
    return re.sub(r"<(?:[a-z]+:)?([A-Za-z_]+)>", r"{\1}", rule)


def routes(app: Flask) -> set[tuple[str, str]]:
    return {
        (openapi_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule not in UNDESCRIBED
        for method in rule.methods or ()
        if method.lower() in METHODS
    }


def described(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(path, m) for path, item in doc["paths"].items() for m in item if m in METHODS}


def test_every_route_and_method_is_described(app: Flask, doc: dict[str, Any]) -> None:
    missing = routes(app) - described(doc)
    assert not missing, f"routes without a description: {sorted(missing)}"


def test_nothing_described_that_the_app_does_not_serve(app: Flask, doc: dict[str, Any]) -> None:
    stale = described(doc) - routes(app)
    assert not stale, f"described but not served: {sorted(stale)}"


def test_the_document_is_valid_openapi_3_1(doc: dict[str, Any]) -> None:
    assert doc["openapi"].startswith("3.1")
    schema = schemathesis.openapi.from_dict(doc)
    schema.validate()  # the OpenAPI 3.1 meta-schema
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(described(doc))


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []


def test_every_ref_resolves(doc: dict[str, Any]) -> None:
    for ref in _refs(doc):
        node: Any = doc
        for part in ref.removeprefix("#/").split("/"):
            assert isinstance(node, dict) and part in node, f"dangling {ref}"
            node = node[part]


def test_path_templates_declare_their_parameters(doc: dict[str, Any]) -> None:
    for path, item in doc["paths"].items():
        wanted = set(re.findall(r"{(\w+)}", path))
        for method, operation in item.items():
            if method not in METHODS:
                continue
            params = item.get("parameters", []) + operation.get("parameters", [])
            declared = {p["name"] for p in params if p["in"] == "path"}
            assert declared == wanted, f"{method} {path}: {declared} != {wanted}"


def test_every_operation_answers_errors_in_the_one_shape(doc: dict[str, Any]) -> None:
    error = {"$ref": "#/components/schemas/Error"}
    for answer in doc["components"]["responses"].values():
        assert answer["content"]["application/json"]["schema"] == error
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                assert "403" in operation["responses"], f"{method} {path}"
                if "requestBody" in operation:
                    assert "413" in operation["responses"], f"{method} {path}"


def test_service_names_come_from_the_catalog(doc: dict[str, Any]) -> None:
    body = doc["paths"]["/api/providers/services/start"]["post"]["requestBody"]
    service = body["content"]["application/json"]["schema"]["properties"]["service"]
    assert {"ollama", "lmstudio", "flux", "vision"} <= set(service["enum"])


# Found by the fuzz (tests/integration/test_fuzz.py): each was a 500, now a 400.
@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("post", "/api/jobs", {"json": {"kind": [None], "params": {}}}),
        ("post", "/api/jobs", {"json": {"kind": "demo.count", "params": [1]}}),
        ("post", "/api/jobs", {"json": {"kind": "demo.count", "params": 0}}),
        ("post", "/api/jobs", {"json": {"kind": "demo.count", "params": {"fail_at": "x"}}}),
        ("get", "/api/jobs?limit=%C2%B2", {}),
        ("get", "/api/providers/history?limit=%D9%A1", {}),
        ("post", "/api/providers/switch", {"json": {"image": "flux", "by": 0}}),
    ],
)
def test_malformed_input_is_a_400(
    client: FlaskClient, method: str, path: str, kwargs: dict[str, Any]
) -> None:
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.json["error"] == "invalid_request"  # type: ignore[index]


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


def _arrays_without_items(node: Any, where: str = "") -> list[str]:
    found = []
    if isinstance(node, dict):
        kinds = node.get("type") if isinstance(node.get("type"), list) else [node.get("type")]
        if "array" in kinds and "items" not in node and "prefixItems" not in node:
            found.append(where)
        for key, value in node.items():
            found += _arrays_without_items(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _arrays_without_items(value, f"{where}[{i}]")
    return found


def test_every_operation_has_a_unique_operation_id(doc: dict[str, Any]) -> None:
    ids = [op.get("operationId") for _, _, op in _operations(doc)]
    assert all(isinstance(i, str) and re.fullmatch(r"[a-z][a-z0-9_]*", i) for i in ids), ids
    assert len(ids) == len(set(ids))
    by_path = {(p, m): op["operationId"] for p, m, op in _operations(doc)}
    assert by_path[("/api/jobs/{job_id}/cancel", "post")] == "post_jobs_by_job_id_cancel"


def test_every_array_says_what_its_items_are(doc: dict[str, Any]) -> None:
    assert _arrays_without_items(doc) == []


def test_guarded_operations_name_the_token_schemes_and_open_ones_none(doc: dict[str, Any]) -> None:
    schemes = doc["components"]["securitySchemes"]
    assert schemes["bearer"] == {"type": "http", "scheme": "bearer", "description": "the API token"}
    assert schemes["cookie"]["in"] == "cookie" and schemes["cookie"]["name"] == "roundhouse_session"
    for path, method, op in _operations(doc):
        guarded = not (path == "/" or path.startswith(OPEN_PATHS))
        assert op["security"] == (
            [{"bearer": []}, {"token_header": []}, {"cookie": []}] if guarded else []
        ), (method, path)
    assert doc["paths"]["/healthz"]["get"]["security"] == []


def test_the_job_and_error_schemas_name_what_the_api_returns(doc: dict[str, Any]) -> None:
    job = doc["components"]["schemas"]["Job"]["properties"]
    assert {"result", "attempts", "started_at", "finished_at", "place"} <= set(job)
    error = doc["components"]["schemas"]["Error"]
    assert error["required"] == ["error", "message"]
    assert {"hint", "provider"} <= set(error["properties"])
