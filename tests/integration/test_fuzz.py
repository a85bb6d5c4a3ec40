"""Fuzz the running stack from its own OpenAPI description (schemathesis + hypothesis).

Every operation gets schema-valid and schema-breaking requests, derandomized so CI repeats the
same run. Checks: never a 5xx; status, content type, headers and body as described; schema-
breaking input is rejected; and a rejected request changes nothing (jobs, provider state,
service records, downloaded-model records). Jobs a valid request starts are cancelled at once.
Operations that would disturb the shared stack are fuzzed with invalid input only, or skipped.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from roundhouse.core.keys import Keys
from roundhouse.core.redis import connect
from tests.stacks import TestStack

pytestmark = pytest.mark.stack

#: Per operation: at most this many deterministic coverage cases, then this many generated
#: ones per mode (~40 operations: about 1,000 requests, half a minute on a quiet machine).
COVERAGE_CAP = 50
EXAMPLES = 6
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
#: A valid request here would switch providers or start/stop real processes for every later
#: test in this process: only schema-breaking input, which must be rejected.
INVALID_ONLY = {
    ("POST", "/api/providers/switch"),
    ("POST", "/api/connections/{name}"),  # a valid URL could send a test request off loopback
    ("POST", "/api/providers/services/start"),
    ("POST", "/api/providers/services/stop"),
    ("POST", "/api/jobs/clear"),  # would purge finished jobs other tests may still read
    ("POST", "/api/providers/services/setup"),  # a valid one would build llama.cpp
}
#: Takes no input at all and re-pulls every model the shared fake Ollama has.
SKIPPED = {("POST", "/api/providers/models/check-updates")}


def state(stack: TestStack) -> dict[str, Any]:
    """What a rejected request must not change."""
    r, keys = connect(stack.redis_url), Keys(stack.prefix)
    services = {}
    for host in sorted(r.smembers(keys.service_hosts)):
        rows = {name: json.loads(raw) for name, raw in r.hgetall(keys.services(host)).items()}
        services[host] = {n: (row.get("state"), row.get("pid")) for n, row in rows.items()}
    return {
        "jobs": r.zcard(keys.jobs),
        "providers": r.hgetall(keys.providers),
        "history": r.xlen(keys.providers_history),
        "connections": (r.hgetall(keys.connections), r.hgetall(keys.connections_meta)),
        "services": services,
        "downloads": sorted(r.hkeys(keys.downloads)),
    }


def settled(stack: TestStack) -> dict[str, Any]:
    """The state once it holds still: a job an earlier case started (and cancelled) may still
    be moving a service or a download along in the background."""
    last = state(stack)
    for _ in range(100):
        time.sleep(0.1)
        now = state(stack)
        if now == last:
            return now
        last = now
    return last


def changed_again(case: Any, stack: TestStack, session: requests.Session) -> bool:
    """A change seen around a rejected request is the request's only if sending it again, once
    the state holds still, changes it again."""
    before = settled(stack)
    response = case.call(base_url=stack.url, session=session, timeout=60)
    return 400 <= response.status_code < 500 and state(stack) != before


def cancel_started(session: requests.Session, stack: TestStack, response: Any) -> None:
    """A job a valid request started is cancelled at once, so it never loads the workers."""
    try:
        body = response.json()
    except ValueError:
        return
    rows = body.get("jobs", [body]) if isinstance(body, dict) else []
    for row in rows:
        if isinstance(row, dict) and row.get("id") and not row.get("joined"):
            session.post(f"{stack.url}/api/jobs/{row['id']}/cancel", timeout=30)


def probe(case: Any, stack: TestStack, session: requests.Session, failures: list[str]) -> None:
    """Send one case; failures are collected, not raised, so one run shows them all."""
    before = state(stack)
    response = case.call(base_url=stack.url, session=session, timeout=60)
    mode = case.meta.generation.mode.value if case.meta else "?"
    label = f"{mode} {case.method} {case.formatted_path} -> {response.status_code}"
    try:
        case.validate_response(response, checks=CHECKS)
    except (Exception, BaseExceptionGroup) as exc:  # FailureGroup: every failed check
        failures.append(f"{label}: {str(exc)[:700]}")
    if (
        400 <= response.status_code < 500
        and state(stack) != before
        and changed_again(case, stack, session)
    ):
        failures.append(f"{label}: a rejected request changed state\n  {case.body!r}"[:600])
    if response.status_code == 202:
        cancel_started(session, stack, response)


def coverage(schema: Any, operation: Any, modes: list[GenerationMode]) -> list[Any]:
    """Schemathesis' deterministic cases: boundaries, wrong types, missing and extra fields."""
    config = schema.config.generation_for(operation=operation)
    cases = schema.iter_coverage_cases(operation, generation_modes=modes, generation_config=config)
    return list(itertools.islice(cases, COVERAGE_CAP))


def fuzz(operation: Any, mode: GenerationMode, run_case: Callable[[Any], None]) -> int:
    """Hypothesis-generated cases for one operation in one mode, derandomized."""
    calls = 0

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        nonlocal calls
        calls += 1
        run_case(case)

    with contextlib.suppress(Unsatisfiable):  # nothing to break: the operation takes no input
        run()
    return calls


def modes_for(key: tuple[str, str]) -> list[GenerationMode]:
    if key in SKIPPED:
        return []
    if key in INVALID_ONLY:
        return [GenerationMode.NEGATIVE]
    return [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]


# About 1,000 requests: half a minute on a quiet machine, several minutes at load average 16;
# the bound only decides how long a hung run takes to fail.
@pytest.mark.timeout(900)
def test_fuzz_the_api_from_its_description(stack: TestStack) -> None:
    schema = schemathesis.openapi.from_url(f"{stack.url}/api/openapi.json")
    schema.validate()
    failures: list[str] = []
    counted: dict[str, int] = {}
    started = time.monotonic()
    with requests.Session() as session:

        def run_case(case: Any) -> None:
            probe(case, stack, session, failures)

        for result in schema.get_all_operations():
            operation = result.ok()
            modes = modes_for((operation.method.upper(), operation.path))
            if not modes:
                continue
            cases = coverage(schema, operation, modes)
            for case in cases:
                run_case(case)
            counted[operation.label] = len(cases) + sum(
                fuzz(operation, mode, run_case) for mode in modes
            )
    elapsed = time.monotonic() - started
    print(f"fuzz: {sum(counted.values())} requests, {len(counted)} operations, {elapsed:.1f} s")
    assert not failures, f"{len(failures)} failure(s):\n" + "\n".join(failures[:30])
    assert sum(counted.values()) > 500  # the run really ran
