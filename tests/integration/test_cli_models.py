"""`roundhouse models` lists installed models like `ollama list`; `roundhouse try` streams."""

from __future__ import annotations

import json

import pytest

from tests.conftest import Fakes
from tests.integration.cli_run import json_lines, rh
from tests.stacks import TestStack

pytestmark = pytest.mark.stack


def test_models_lists_each_backends_installed_models(stack: TestStack, fakes: Fakes) -> None:
    fakes.ollama.publish({"cli-listed": [2_000_000, 100]})
    with fakes.ollama.state.lock:
        fakes.ollama.state.install(fakes.ollama.state.registry["cli-listed:latest"])
    out = rh(stack.url, "models")
    assert out.returncode == 0, out.stderr
    header, *lines = out.stdout.splitlines()
    assert header.split() == ["NAME", "BACKEND", "SIZE", "PARAMS", "QUANT", "MODIFIED"]
    row = next(line for line in lines if line.startswith("cli-listed:latest"))
    assert "ollama" in row and "MB" in row and "just now" in row
    parsed = json.loads(rh(stack.url, "--json", "models").stdout)
    assert "cli-listed:latest" in [m["name"] for m in parsed["ollama"]["models"]]


def test_try_prints_the_streamed_answer(stack: TestStack, fakes: Fakes) -> None:
    out = rh(
        stack.url, "try", "gpt-4o-mini", "Reply with the single word OK.", "--provider", "openai"
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "OK"
    events = json_lines(
        rh(
            stack.url, "--json", "try", "gpt-4o-mini", "one two three", "--provider", "openai"
        ).stdout
    )
    assert [e["delta"] for e in events if "delta" in e] == ["echo: ", "one ", "two ", "three"]
    assert events[-1]["done"] is True
    bad = rh(stack.url, "try", "no-such-model", "hi")
    assert bad.returncode == 1 and "not found" in bad.stderr
