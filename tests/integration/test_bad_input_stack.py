"""The probe's 500s (issue #12 D6-D8) are 400s on the real server (gunicorn + gevent) too."""

from __future__ import annotations

import httpx
import pytest

from tests.stacks import TestStack

pytestmark = pytest.mark.stack
JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    ("path", "raw", "needle"),
    [
        ("/api/jobs", "[" * 30000 + "]" * 30000, "nested deeper than 32 levels"),
        ("/api/beam-search", '{"prompt": "\\ud800"}', "lone surrogate"),
        (
            "/api/providers/models/hf-download",
            '{"repo_id": "org/x\\n", "quant": "Q4_K_M"}',
            "repo id",
        ),
    ],
)
def test_the_probes_inputs_are_400s(stack: TestStack, path: str, raw: str, needle: str) -> None:
    r = httpx.post(f"{stack.url}{path}", content=raw.encode(), headers=JSON, timeout=10)
    assert r.status_code == 400 and needle in r.json()["message"], r.text
