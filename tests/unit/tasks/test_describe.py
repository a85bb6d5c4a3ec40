"""The line Flower shows for a task (`argsrepr`): kind, what it works on, where."""

from __future__ import annotations

from roundhouse.tasks.describe import label


def test_a_pull_names_its_model_and_ollama() -> None:
    job = {
        "kind": "ollama.pull",
        "queue": "downloads",
        "params": {"model": "llama3.2", "ollama_url": "http://127.0.0.1:11434"},
    }
    assert label(job) == "ollama.pull llama3.2 @127.0.0.1:11434"


def test_host_bound_work_names_its_host() -> None:
    job = {
        "kind": "model.install",
        "queue": "host.gpu",
        "params": {"repo_id": "bartowski/X-GGUF", "quant": "Q4_K_M"},
    }
    assert label(job) == "model.install bartowski/X-GGUF Q4_K_M @gpu"
    service = {
        "kind": "service.start",
        "queue": "host.a",
        "params": {"service": "ollama", "host": "b"},
    }
    assert label(service) == "service.start ollama @b"


def test_a_long_prompt_is_shortened_and_plain_kinds_keep_their_name() -> None:
    beam = label({"kind": "beam.search", "queue": "beam", "params": {"prompt": "a fox " * 40}})
    assert beam.startswith("beam.search a fox a fox") and beam.endswith("…")
    assert len(beam) < 80
    assert label({"kind": "demo.count", "queue": "default", "params": {"steps": 3}}) == (
        "demo.count"
    )
