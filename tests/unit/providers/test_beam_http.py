"""beam.run over real HTTP: clients from build(snapshot) against the OpenAI/Flux/vision fakes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from roundhouse.core.errors import Unavailable
from roundhouse.providers import beam
from roundhouse.providers.generation import Retry, build
from tests.fakes.control import RecordingControl
from tests.fakes.flux import FakeFlux
from tests.fakes.openai import FakeOpenAI
from tests.fakes.png import colour_for, read_png
from tests.fakes.vision import FakeVision, score_for


@pytest.fixture
def services() -> Iterator[tuple[FakeOpenAI, FakeFlux, FakeVision]]:
    with FakeOpenAI(list_style="numbered") as openai, FakeFlux() as flux, FakeVision() as vision:
        yield openai, flux, vision


def snapshot(openai: FakeOpenAI, flux: FakeFlux, vision: FakeVision, **llm: Any) -> dict:
    return {
        "llm": {"provider": "openai", "model": "gpt-4o-mini", **llm},
        "image": {"provider": "flux", "base_url": flux.url},
        "vision": {"provider": "local", "base_url": vision.url},
        "openai": {"api_key": "sk-test", "base_url": openai.url + "/v1"},
        "version": 3,
    }


def test_search_over_http_finds_the_most_vivid_prompt(services: Any) -> None:
    saved: dict[str, bytes] = {}

    def save_image(candidate_id: str, png: bytes) -> str:
        saved[candidate_id] = png
        return f"/media/beam/{candidate_id}.png"

    control = RecordingControl()
    params = beam.validate_params(
        {"beam_width": 2, "candidates": 3, "depth": 2, "width": 256, "height": 256}
    )
    with build(snapshot(*services), retry=Retry(backoff_s=0.01)) as clients:
        result = beam.run("a lighthouse", params, clients, control, save_image)
    assert result.prompt == "a lighthouse, vivid vivid take 3, vivid vivid take 3"
    assert result.score == score_for(result.prompt)
    assert read_png(saved[result.best_id])[2] == colour_for(result.prompt)
    assert len(saved) == 3 + 6
    body = json.loads(json.dumps(result.to_dict()))
    assert body["image_url"] == f"/media/beam/{result.best_id}.png" and len(body["tree"]) == 10


def test_gpt_vision_and_dalle_work_as_well(services: Any) -> None:
    openai, flux, vision = services
    snap = snapshot(openai, flux, vision)
    snap["image"] = {"provider": "dalle", "model": "dall-e-2"}
    snap["vision"] = {"provider": "gpt-vision"}
    with build(snap, retry=Retry(backoff_s=0.01)) as clients:
        result = beam.run(
            "a boat",
            {"beam_width": 1, "candidates": 2, "depth": 2, "width": 256, "height": 256},
            clients,
            RecordingControl(),
            lambda i, png: f"/m/{i}",
        )
    assert result.prompt.count("vivid") == 2
    sizes = {body["size"] for _, path, body in openai.calls if path.endswith("generations")}
    assert sizes == {"256x256"}


def test_flux_going_down_mid_search_fails_the_job_naming_flux(services: Any) -> None:
    openai, flux, vision = services
    control = RecordingControl()

    def save_image(candidate_id: str, png: bytes) -> str:
        if candidate_id.startswith("r1-") and len(control.events) >= 2:
            flux.go_down()
        return candidate_id

    params = {"beam_width": 2, "candidates": 3, "depth": 2, "concurrency": 1}
    clients = build(snapshot(openai, flux, vision), retry=Retry(attempts=2, backoff_s=0.01))
    with clients, pytest.raises(Unavailable) as err:
        beam.run("a cat", params, clients, control, save_image)
    assert err.value.message.startswith("Flux: every candidate of round 2 failed: cannot connect")
    assert "start the Flux service" in (err.value.hint or "")
    rounds = [d for kind, d in control.events if kind == "round"]
    assert rounds[0]["failed"] == 0 and rounds[1]["failed"] == rounds[1]["made"] == 6
