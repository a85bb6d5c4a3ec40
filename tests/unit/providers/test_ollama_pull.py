from __future__ import annotations

import threading
import time

import httpx
import pytest

from roundhouse.core.errors import Cancelled, Paused, ProviderError
from roundhouse.providers.ollama import OllamaClient, PullProgress, pull
from tests.fakes.control import RecordingControl
from tests.fakes.ollama import FakeOllama
from tests.helpers import wait_for

WEIGHTS = 1_000_000
REGISTRY = {"tiny": [WEIGHTS, 1_429, 96]}


def fake(**knobs: object) -> FakeOllama:
    knobs = {"registry": REGISTRY, "tick": 0.002, "bytes_per_tick": 100_000} | knobs
    return FakeOllama(**knobs)  # type: ignore[arg-type]


def client_of(srv: FakeOllama) -> OllamaClient:
    """The fake through its transport: no socket (the stall tests below need a real one)."""
    return OllamaClient(srv.url, client=httpx.Client(transport=srv.transport()))


def assert_never_backwards(control: RecordingControl) -> None:
    done = control.done_values
    assert done == sorted(done)
    fractions = [r["progress"] for r in control.reports if r["progress"] is not None]
    assert fractions == sorted(fractions)


def test_pull_reports_stages_and_aggregate_bytes() -> None:
    with fake() as srv:
        control = RecordingControl()
        result = pull(client_of(srv), "tiny", control)
        assert srv.snapshot()["installed"] == ["tiny:latest"]
    total = WEIGHTS + 1_429 + 96 + 485
    assert control.stages == ["manifest", "downloading", "verifying", "writing", "done"]
    assert control.last["done"] == control.last["total"] == total
    assert_never_backwards(control)
    assert result["model"] == "tiny:latest"
    assert result["bytes"] == total and not result["up_to_date"]
    assert len(result["layers"]) == 4
    assert control.checks >= 5


def test_completed_going_backwards_never_moves_progress_back() -> None:
    with fake(retry_at=500_000, retry_bytes=300_000) as srv:
        control = RecordingControl()
        pull(client_of(srv), "tiny", control)
        assert srv.state.served[srv.state.registry["tiny:latest"].layers[0].digest] > WEIGHTS
    assert_never_backwards(control)


def test_cancel_closes_the_stream_and_the_next_pull_resumes() -> None:
    with fake(tick=0.01) as srv:
        client = client_of(srv)
        stop = RecordingControl(
            stop_when=lambda r: Cancelled if (r["done"] or 0) >= 300_000 else None
        )
        with pytest.raises(Cancelled):
            pull(client, "tiny", stop)
        wait_for(lambda: srv.snapshot()["pulls_cancelled"] == 1)
        weights = srv.state.registry["tiny:latest"].layers[0].digest
        kept = srv.snapshot()["partial"][weights]
        assert kept >= 300_000

        again = RecordingControl()
        pull(client, "tiny", again)
        downloading = [r for r in again.reports if r["stage"] == "downloading"]
        assert downloading[0]["done"] >= kept  # the first line jumps to the saved bytes
        assert srv.state.served[weights] == WEIGHTS  # nothing fetched twice


def test_pause_also_stops_the_server_side_pull() -> None:
    with fake(tick=0.01) as srv:
        control = RecordingControl(pause_after_checks=3)
        with pytest.raises(Paused):
            pull(client_of(srv), "tiny", control)
        wait_for(lambda: srv.snapshot()["pulls_cancelled"] == 1)
        assert srv.snapshot()["installed"] == []


def test_repull_of_an_installed_model_is_up_to_date_and_quick() -> None:
    with fake(installed=["tiny"], tick=0.05) as srv:
        result = pull(client_of(srv), "tiny", RecordingControl())
        assert result["up_to_date"] and result["downloaded"] == 0
        assert srv.snapshot()["served"] == {}


def test_a_changed_model_fetches_only_the_changed_layers() -> None:
    with fake(installed=["tiny"]) as srv:
        new = srv.update("tiny", changed=[1])
        control = RecordingControl()
        result = pull(client_of(srv), "tiny", control)
        served = srv.snapshot()["served"]
    assert set(served) == {new.layers[1].digest, new.layers[-1].digest}
    assert not result["up_to_date"]
    assert any(r["message"] == "removing unused layers" for r in control.reports)


def test_unknown_model_raises_with_ollamas_message_and_a_hint() -> None:
    with fake() as srv, pytest.raises(ProviderError) as caught:
        pull(client_of(srv), "no-such-model", RecordingControl())
    assert "pull model manifest: file does not exist" in caught.value.message
    assert "ollama.com/library" in (caught.value.hint or "")


@pytest.mark.parametrize(
    ("message", "hint"),
    [
        ("max retries exceeded: unexpected EOF", "network"),
        ("write /x/blobs/sha256-ab-partial: no space left on device", "disk"),
    ],
)
def test_mid_pull_errors_map_to_plain_guidance(message: str, hint: str) -> None:
    with fake(fail_after=400_000, fail_message=message) as srv:
        control = RecordingControl()
        with pytest.raises(ProviderError) as caught:
            pull(client_of(srv), "tiny", control)
        assert message in caught.value.message
        assert hint in (caught.value.hint or "")
        assert "downloading" in control.stages
        pull(client_of(srv), "tiny", RecordingControl())  # the failure fired once: resumes
        assert srv.snapshot()["installed"] == ["tiny:latest"]


def test_progress_counts_a_layer_done_when_the_next_starts() -> None:
    progress = PullProgress()
    progress.layer("sha256:a", 100, None)
    progress.layer("sha256:a", 100, 60)
    progress.layer("sha256:a", 100, 40)  # a part retry rolled back
    assert progress.done == 60
    progress.layer("sha256:b", 10, None)  # `a` finished without a final line
    assert progress.done == 100 and progress.total == 110
    progress.finish_current()
    assert progress.done == 110 and progress.fraction() == 1.0
    assert progress.downloaded == 110 and not progress.up_to_date


def test_fast_mode_streams_many_lines_quickly() -> None:
    with fake(tick=0, bytes_per_tick=2_000) as srv:
        control = RecordingControl()
        pull(client_of(srv), "tiny", control)
    assert len(control.reports) > WEIGHTS // 2_000
    assert_never_backwards(control)


def test_disk_full_discards_the_partial_download() -> None:
    with fake(fail_after=400_000, fail_message="write {blob}: no space left on device") as srv:
        with pytest.raises(ProviderError, match="no space left"):
            pull(client_of(srv), "tiny", RecordingControl())
        assert srv.snapshot()["partial"] == {}


def test_a_silent_ollama_shows_stalled_then_fails_and_a_later_pull_resumes() -> None:
    with fake(tick=0.01, silent_after=300_000, silent_for=60.0) as srv:
        client = OllamaClient(srv.url)
        control = RecordingControl()
        started = time.monotonic()
        with pytest.raises(ProviderError) as caught:
            pull(client, "tiny", control, stall_s=4.0, notice_s=3.0)  # 120 s and 30 s for real
        failed_at = time.monotonic() - started
        notes = [r for r in control.reports if (r["message"] or "").startswith("stalled")]
        assert notes[0]["message"] == "stalled: Ollama has sent nothing for 3 s"
        assert caught.value.message.endswith("stalled: Ollama has sent nothing for 4 s")
        assert "resume" in (caught.value.hint or "")
        assert 4.0 <= failed_at < 20.0  # not before the limit; the bound is loose for load
        wait_for(lambda: srv.snapshot()["pulls_cancelled"] == 1)  # Ollama saw us leave
        weights = srv.state.registry["tiny:latest"].layers[0].digest
        kept = srv.snapshot()["partial"][weights]
        assert kept >= 300_000
        again = RecordingControl()
        pull(client, "tiny", again)
        assert srv.state.served[weights] == WEIGHTS  # resumed: nothing fetched twice
        assert not any((r["message"] or "").startswith("stalled") for r in again.reports)


def test_cancel_is_seen_while_ollama_is_silent() -> None:
    with fake(tick=0.01, silent_after=300_000, silent_for=60.0) as srv:
        control = RecordingControl()
        threading.Timer(2.0, control.cancel).start()
        started = time.monotonic()
        with pytest.raises(Cancelled):
            pull(OllamaClient(srv.url), "tiny", control)
        assert time.monotonic() - started < 30.0  # seen while Ollama is silent for 60 s
