"""The beam.search handler with its snapshot given: announce, search, store images, result.

Providers are the HTTP fakes on loopback, the provider state a fakeredis ProviderStore (pure
store logic), the control a RecordingControl.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from roundhouse.core.active_providers import Choice, ProviderStore
from roundhouse.core.errors import Cancelled, InvalidRequest, Unavailable
from roundhouse.core.keys import Keys
from roundhouse.core.settings import Settings
from roundhouse.tasks import kinds
from roundhouse.tasks.jobs.beam import KIND, EventWriter, search_with
from tests.fakes.control import RecordingControl
from tests.fakes.flux import FakeFlux
from tests.fakes.openai import FakeOpenAI
from tests.fakes.png import SIGNATURE
from tests.fakes.vision import FakeVision, score_for

LOCAL = {
    "llm": Choice("openai", "gpt-4o-mini"),
    "image": Choice("flux", "flux-schnell"),
    "vision": Choice("local", "clip"),
}


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[FakeOpenAI, FakeFlux, FakeVision]]:
    with FakeOpenAI(api_key="sk-secret") as ai, FakeFlux() as flux, FakeVision() as vision:
        yield ai, flux, vision  # type: ignore[misc]


@pytest.fixture
def providers(fake_redis, servers) -> ProviderStore:  # type: ignore[no-untyped-def]
    ai, flux, vision = servers
    settings = Settings(
        openai_base_url=ai.url + "/v1",
        openai_api_key="sk-secret",
        flux_api_url=flux.url,
        local_vision_api_url=vision.url,
    )
    store = ProviderStore(fake_redis, Keys("rh:"), settings)
    store.switch(LOCAL, by="test")
    return store


def job(**params: Any) -> dict[str, Any]:
    base = {
        "prompt": "a fox",
        "beam_width": 2,
        "candidates": 3,
        "depth": 2,
        "width": 256,
        "height": 256,
        "concurrency": 4,
        "seed": None,
    }
    return {"id": "job1", "params": {**base, **params}}


def test_registered_on_the_beam_queue() -> None:
    kind = kinds.get(KIND)
    assert kind.queue == kinds.BEAM and not kind.resumable and not kind.pausable


def test_announces_providers_first_then_finds_the_predicted_winner(
    providers: ProviderStore, tmp_path: Path
) -> None:
    control = RecordingControl()
    result = search_with(job(), control, providers.current(), tmp_path)

    used = {"llm": "openai/gpt-4o-mini", "image": "flux/flux-schnell", "vision": "local/clip"}
    first = control.reports[0]
    assert first["providers"] == used and first["providers_version"] == 1
    assert (
        first["message"] == "llm: openai/gpt-4o-mini, image: flux/flux-schnell, vision: local/clip"
    )
    assert control.events[0] == (
        "providers",
        {"used": used, "version": 1, "message": first["message"]},
    )

    winner = "a fox, vivid vivid take 3, vivid vivid take 3"
    assert result["prompt"] == winner and result["best_id"] == "r2-b0-c2"
    assert result["score"] == score_for(winner)
    assert result["providers"] == used and result["providers_version"] == 1
    assert result["image_url"] == "/media/beam/job1/r2-b0-c2.png"
    assert result["best"] == {
        "prompt": winner,
        "image_url": result["image_url"],
        "score": result["score"],
        "id": "r2-b0-c2",
    }
    assert [(r["made"], len(r["kept"])) for r in result["rounds"]] == [(3, 2), (6, 2)]
    assert len(result["tree"]) == 1 + 9 and result["message"].startswith("Best score 0.9")
    cands = [data for name, data in control.events if name == "candidate"]
    assert len(cands) == 9 and all("id" not in c for c in cands)  # the job's id stays the job's
    assert {c["candidate"] for c in cands} == {n["id"] for n in result["tree"]} - {"root"}


def test_images_are_stored_per_job_and_no_secret_is_recorded(
    providers: ProviderStore, tmp_path: Path
) -> None:
    control = RecordingControl()
    result = search_with(job(depth=1), control, providers.current(), tmp_path)
    files = sorted(p.name for p in (tmp_path / "beam" / "job1").iterdir())
    assert files == ["r1-b0-c0.png", "r1-b0-c1.png", "r1-b0-c2.png"]
    assert all(p.read_bytes().startswith(SIGNATURE) for p in (tmp_path / "beam").rglob("*.png"))
    recorded = json.dumps([control.reports, control.events, result])
    assert "sk-secret" not in recorded and "127.0.0.1" not in recorded


def test_the_snapshot_given_is_the_one_used(
    providers: ProviderStore, tmp_path: Path, servers
) -> None:  # type: ignore[no-untyped-def]
    snapshot = providers.current()
    providers.switch({"image": Choice("dalle", "dall-e-2")}, by="test")  # after the job read it
    ai = servers[0]
    before = len([c for c in ai.calls if c[1] == "/v1/images/generations"])
    result = search_with(job(depth=1), RecordingControl(), snapshot, tmp_path)
    assert result["providers"]["image"] == "flux/flux-schnell" and result["providers_version"] == 1
    assert len([c for c in ai.calls if c[1] == "/v1/images/generations"]) == before


def test_a_provider_that_is_down_fails_naming_it(
    providers: ProviderStore, tmp_path: Path, servers
) -> None:  # type: ignore[no-untyped-def]
    flux = servers[1]
    flux.go_down()
    try:
        with pytest.raises(Unavailable) as err:
            search_with(job(depth=1), RecordingControl(), providers.current(), tmp_path)
    finally:
        flux.go_up()
    assert err.value.message.startswith("Flux: ") and "cannot connect" in err.value.message


def test_cancel_before_start_calls_no_provider(
    providers: ProviderStore, tmp_path: Path, servers
) -> None:  # type: ignore[no-untyped-def]
    calls = len(servers[0].calls)
    with pytest.raises(Cancelled):
        search_with(job(), RecordingControl(cancel_after_checks=0), providers.current(), tmp_path)
    assert len(servers[0].calls) == calls


def test_bad_params_in_a_stored_job_fail_clearly(providers: ProviderStore, tmp_path: Path) -> None:
    with pytest.raises(InvalidRequest, match="depth"):
        search_with(job(depth=99), RecordingControl(), providers.current(), tmp_path)


def test_the_event_writer_keeps_order_and_renames_candidate_ids() -> None:
    control = RecordingControl()
    writer = EventWriter(control)
    writer.report(stage="round 1/1", done=0)
    writer.event("candidate", id="r1-b0-c0", score=0.5)
    writer.report(done=1)
    writer.event("round", round=1, kept=["r1-b0-c0"])
    assert writer.close() is None
    assert [r["done"] for r in control.reports] == [0, 1]
    assert control.events == [
        ("candidate", {"candidate": "r1-b0-c0", "score": 0.5}),
        ("round", {"round": 1, "kept": ["r1-b0-c0"]}),
    ]


def test_a_failed_write_stops_the_search_at_its_next_check() -> None:
    class RedisGone(RecordingControl):
        def event(self, type_: str, **data: Any) -> None:
            raise ConnectionError("redis gone")

    writer = EventWriter(RedisGone())
    writer.event("candidate", id="r1-b0-c0")
    failure = writer.close()
    assert isinstance(failure, ConnectionError)
    with pytest.raises(ConnectionError):
        writer.check()
