from __future__ import annotations

import pytest

from roundhouse.core.errors import InvalidRequest
from roundhouse.providers.ollama import names
from tests.fakes.ollama import names as oracle


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("llama3.2", "llama3.2:latest"),
        ("  qwen2.5:0.5b ", "qwen2.5:0.5b"),
        ("user/my-model:v1", "user/my-model:v1"),
        ("library/mistral", "mistral:latest"),
        (
            "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M",
            "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M",
        ),
        ("localhost:5000/ns/m:t", "localhost:5000/ns/m:t"),
        ("registry.ollama.ai/library/llama3.2:latest", "llama3.2:latest"),
    ],
)
def test_accepted_names_normalise_like_ollama(raw: str, canonical: str) -> None:
    assert names.normalise(raw) == canonical
    assert oracle.canonical(raw) == canonical


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ("", "required"),
        ("my model", "must start with"),
        ("-x", "must start with"),
        ("ns.with.dot/m", "no '.'"),
        ("a/b/c/d", "too many"),
        ("llamä", "ASCII"),
        ("foo:", "empty tag"),
        (":tag", "empty model"),
        ("m@sha256:abc", "@digest"),
        ("x" * 81, "longer than 80"),
    ],
)
def test_rejected_names_say_which_rule(raw: str, rule: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        names.parse(raw)
    assert rule in caught.value.message
    assert oracle.canonical(raw) is None


def test_matching_is_case_insensitive() -> None:
    assert names.same_model("Llama3.2", "llama3.2:LATEST")
    assert not names.same_model("llama3.2", "llama3.2:1b")
