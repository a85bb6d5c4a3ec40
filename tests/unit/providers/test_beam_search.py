"""beam.run with in-process provider stand-ins: arithmetic, order, failures, cancel, concurrency.

The stand-ins follow the same deterministic rules as the HTTP fakes: the LLM's k-th refinement
adds k "vivid"s, and the score (tests.fakes.vision.score_for) grows with the count of "vivid".
"""

from __future__ import annotations

import json
import re
import threading
import time
from types import SimpleNamespace
from typing import Any

import pytest

from roundhouse.core.errors import Cancelled, ProviderError, Unavailable
from roundhouse.providers.beam import Params, run
from roundhouse.providers.generation.vision import Score
from tests.fakes.control import RecordingControl
from tests.fakes.png import render
from tests.fakes.vision import score_for


class StubLLM:
    provider, model = "stub-llm", "m"

    def __init__(self, answer: str | None = None, error: Exception | None = None) -> None:
        self.answer, self.error, self.calls = answer, error, 0

    def complete(self, messages: Any, *, max_tokens: int = 512, temperature: float = 0.7) -> str:
        self.calls += 1
        if self.error:
            raise self.error
        text = messages[-1]["content"]
        base = re.search(r"^Prompt: (.+)$", text, re.M).group(1)  # type: ignore[union-attr]
        n = int(re.search(r"Write (\d+)", text).group(1))  # type: ignore[union-attr]
        default = json.dumps([f"{base}, {'vivid ' * k}take {k + 1}" for k in range(n)])
        return default if self.answer is None else self.answer

    def close(self) -> None: ...


class StubImage:
    provider, model = "stub-image", "m"

    def __init__(self, delay: float = 0.0, fail: Any = None) -> None:
        self.delay, self.fail = delay, fail or (lambda prompt: None)
        self.calls = 0
        self.in_flight = self.max_in_flight = 0
        self.lock = threading.Lock()

    def generate(self, prompt: str, *, width: int, height: int, seed: int | None = None) -> bytes:
        with self.lock:
            self.calls += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            time.sleep(self.delay)
            error = self.fail(prompt)
            if error:
                raise error
            return render(prompt, 8, 8)
        finally:
            with self.lock:
                self.in_flight -= 1

    def close(self) -> None: ...


class StubVision:
    provider, model = "stub-vision", "m"

    def score(self, png: bytes, prompt: str) -> Score:
        return Score(score_for(prompt), {"clip_score": 0.1})

    def close(self) -> None: ...


class MainThreadControl(RecordingControl):
    """Fails the test if beam search touches the control from a worker thread."""

    def event(self, type_: str, **data: Any) -> None:
        assert threading.current_thread() is threading.main_thread()
        super().event(type_, **data)


def clients(**kw: Any) -> SimpleNamespace:
    return SimpleNamespace(
        llm=kw.get("llm", StubLLM()),
        image=kw.get("image", StubImage()),
        vision=kw.get("vision", StubVision()),
    )


def save(saved: dict[str, bytes]) -> Any:
    def save_image(candidate_id: str, png: bytes) -> str:
        saved[candidate_id] = png
        return f"/media/{candidate_id}.png"

    return save_image


def candidates(control: RecordingControl) -> list[dict[str, Any]]:
    return [data for kind, data in control.events if kind == "candidate"]


@pytest.mark.parametrize(
    ("beam_width", "per_beam", "depth"), [(1, 1, 1), (2, 3, 3), (3, 2, 4), (8, 2, 3), (4, 4, 2)]
)
def test_candidates_made_and_kept_per_round(beam_width: int, per_beam: int, depth: int) -> None:
    params = Params(beam_width=beam_width, candidates=per_beam, depth=depth)
    control, saved = MainThreadControl(), {}
    result = run("a red fox", params, clients(), control, save(saved))
    planned = params.planned()
    assert [r.made for r in result.rounds] == planned
    assert [len(r.kept) for r in result.rounds] == [min(beam_width, m) for m in planned]
    assert len(candidates(control)) == len(saved) == sum(planned)
    assert len(result.nodes) == sum(planned) + 1  # plus the root
    for r in result.rounds:  # the kept are the round's best
        scores = sorted((n.score for n in result.nodes if n.round == r.round), reverse=True)
        kept = [n.score for n in result.nodes if n.id in r.kept]
        assert sorted(kept, reverse=True) == scores[: len(kept)]
        assert [n.id for n in result.nodes if n.round == r.round] == sorted(
            (n.id for n in result.nodes if n.round == r.round), key=lambda i: (len(i), i)
        )
    assert result.score == max(n.score for n in result.nodes if n.score is not None)


def test_tree_links_events_and_progress() -> None:
    control = RecordingControl()
    result = run(
        "a red fox", {"beam_width": 2, "candidates": 3, "depth": 2}, clients(), control, save({})
    )
    nodes = {n.id: n for n in result.nodes}
    for node in result.nodes[1:]:
        parent = nodes[node.parent]  # type: ignore[index]
        assert parent.round == node.round - 1 and parent.kept
        assert node.prompt.startswith(parent.prompt)  # type: ignore[union-attr]
    first = candidates(control)[0]
    assert set(first) == {"id", "round", "parent", "prompt", "image_url", "score", "error"}
    assert first["image_url"] == f"/media/{first['id']}.png" and first["parent"] == "root"
    assert control.stages == ["round 1/2", "round 2/2", "done"]
    progress = [r["progress"] for r in control.reports]
    assert progress == sorted(progress) and progress[-1] == 1.0
    assert [d["kept"] for k, d in control.events if k == "round"] == [r.kept for r in result.rounds]
    best = result.to_dict()
    assert best["prompt"].count("vivid") == 4 and json.dumps(best)


def test_a_failed_candidate_is_recorded_and_the_round_goes_on() -> None:
    image = StubImage(
        fail=lambda p: ProviderError("Flux", "CUDA out of memory") if "take 3" in p else None
    )
    control = RecordingControl()
    result = run(
        "a fox",
        Params(beam_width=2, candidates=3, depth=1),
        clients(image=image),
        control,
        save({}),
    )
    failed = [c for c in candidates(control) if c["error"]]
    assert [c["error"] for c in failed] == ["Flux: CUDA out of memory"]
    assert failed[0]["score"] is None and failed[0]["prompt"].endswith("take 3")
    assert result.rounds[0].failed == 1 and len(result.rounds[0].kept) == 2
    assert "take 2" in result.prompt


def test_llm_answer_is_parsed_padded_and_deduped() -> None:
    llm = StubLLM(answer="Ideas:\n1. a fox, at dusk\n2. A fox, at dusk.\n3. a fox")
    result = run(
        "a fox",
        Params(beam_width=1, candidates=3, depth=1),
        clients(llm=llm),
        RecordingControl(),
        save({}),
    )
    prompts = [n.prompt for n in result.nodes[1:]]
    assert prompts == ["a fox, at dusk", "a fox, highly detailed", "a fox, cinematic lighting"]


def test_image_provider_down_fails_the_job_naming_it_fast() -> None:
    down = Unavailable(
        "Flux", "cannot connect to http://127.0.0.1:8001", hint="start Flux", role="image"
    )
    image = StubImage(delay=0.01, fail=lambda p: down)
    control = RecordingControl()
    with pytest.raises(Unavailable) as err:
        run(
            "a fox",
            Params(beam_width=2, candidates=8, depth=2, concurrency=2),
            clients(image=image),
            control,
            save({}),
        )
    assert err.value.message == (
        "Flux: every candidate of round 1 failed: cannot connect to http://127.0.0.1:8001"
    )
    assert err.value.hint == "start Flux"
    assert image.calls <= 2  # once Flux is known to be down the rest of the round skips it
    assert len(candidates(control)) == 8 and all(c["error"] for c in candidates(control))


def test_llm_down_fails_the_job_naming_it() -> None:
    llm = StubLLM(error=Unavailable("Ollama", "cannot connect", hint="start Ollama", role="llm"))
    with pytest.raises(Unavailable, match="^Ollama: every candidate of round 1 failed"):
        run("a fox", Params(candidates=2), clients(llm=llm), RecordingControl(), save({}))


def test_every_candidate_failing_otherwise_is_a_provider_error() -> None:
    image = StubImage(fail=lambda p: ProviderError("DALL-E", "content policy violation"))
    with pytest.raises(ProviderError, match="DALL-E: every candidate of round 1 failed: content"):
        run("a fox", Params(candidates=2), clients(image=image), RecordingControl(), save({}))


def test_cancel_stops_promptly() -> None:
    def stop(entry: dict[str, Any]) -> Any:
        return Cancelled if (entry["done"] or 0) >= 3 else None

    control = RecordingControl(stop_when=stop)
    image = StubImage(delay=0.05)
    params = Params(beam_width=4, candidates=8, depth=5, concurrency=2)
    started = time.monotonic()
    with pytest.raises(Cancelled):
        run("a fox", params, clients(image=image), control, save({}))
    assert time.monotonic() - started < 2.0  # the whole search would take ~4 s
    assert len(candidates(control)) < 6
    time.sleep(0.1)
    assert image.calls <= 6  # in-flight work finishes, nothing new starts


@pytest.mark.parametrize("bound", [1, 3])
def test_concurrency_bound_is_respected(bound: int) -> None:
    image = StubImage(delay=0.02)
    run(
        "a fox",
        Params(beam_width=3, candidates=4, depth=2, concurrency=bound),
        clients(image=image),
        RecordingControl(),
        save({}),
    )
    assert image.max_in_flight == bound
