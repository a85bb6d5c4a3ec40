"""Endpoint policy against a real loopback server: what is retried, what is not, and the errors."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from roundhouse.core.errors import ProviderError, Unavailable
from roundhouse.providers.generation import Endpoint, Retry
from tests.fakes.flux import FakeFlux
from tests.helpers import free_port, wait_for

ROOT = Path(__file__).resolve().parents[3]

FAST = Retry(attempts=3, backoff_s=0.01)
BODY = {"prompt": "a cat", "width": 256, "height": 256}


def endpoint(url: str, **kw: object) -> Endpoint:
    return Endpoint("Flux", url, retry=FAST, hint="start Flux", role="image", **kw)  # type: ignore[arg-type]


def through_transport(flux: FakeFlux) -> Endpoint:
    """The fake reached without a socket (what status handling needs); timeouts need one."""
    return endpoint(flux.url, transport=flux.transport())


def test_retries_503_then_succeeds() -> None:
    flux = FakeFlux()
    flux.fail_next(503, times=2)
    data = through_transport(flux).post_json("/generate", BODY)
    assert data["image"]
    assert len(flux.calls) == 3


@pytest.mark.parametrize("status", [429, 500, 502, 504])
def test_other_transient_statuses_are_retried(status: int) -> None:
    flux = FakeFlux()
    flux.fail_next(status)
    through_transport(flux).post_json("/generate", BODY)
    assert len(flux.calls) == 2


def test_gives_up_after_the_attempts_with_the_providers_words() -> None:
    flux = FakeFlux()
    flux.fail_next(503, times=5)
    with pytest.raises(ProviderError) as err:
        through_transport(flux).post_json("/generate", BODY)
    assert len(flux.calls) == 3
    assert not isinstance(err.value, Unavailable)
    assert err.value.message.startswith("Flux: injected failure")
    assert err.value.details["status"] == 503


def test_400_is_not_retried() -> None:
    flux = FakeFlux()
    with pytest.raises(ProviderError) as err:
        through_transport(flux).post_json("/generate", {"prompt": "x", "width": 100})
    assert len(flux.calls) == 1
    assert "width must be" in err.value.message and err.value.details["status"] == 422


def test_slow_answer_times_out_without_retry() -> None:
    with FakeFlux(latency=5.0) as flux:
        started = time.monotonic()
        with pytest.raises(ProviderError, match="no answer within 0.2s"):
            endpoint(flux.url, timeout_s=0.2).post_json("/generate", BODY)
    assert time.monotonic() - started < 4.0  # gave up long before the 5 s answer came
    assert len(flux.calls) == 1


def test_down_is_unavailable_naming_provider_and_fix() -> None:
    with FakeFlux(down=True) as flux, pytest.raises(Unavailable) as err:
        endpoint(flux.url).post_json("/generate", BODY)
    assert err.value.message == f"Flux: cannot connect to {flux.url}"
    assert err.value.hint == "start Flux"
    assert err.value.to_dict()["role"] == "image"


def test_a_service_back_up_between_retries_is_used() -> None:
    with FakeFlux() as flux:
        flux.go_down()
        sleeps: list[float] = []

        def sleep(s: float) -> None:
            sleeps.append(s)
            flux.go_up()

        ep = Endpoint("Flux", flux.url, retry=FAST, sleep=sleep)
        assert ep.post_json("/generate", BODY)["image"]
    assert len(sleeps) == 1 and 0.005 <= sleeps[0] <= 0.01  # core.backoff: 0.01 less jitter


def test_backoff_grows_and_honours_retry_after() -> None:
    retry = Retry(attempts=5, backoff_s=0.5, max_backoff_s=4.0, jitter=0)
    assert [retry.delay(n) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    jittered = [Retry(backoff_s=0.5).delay(1) for _ in range(50)]
    assert all(0.25 <= d <= 0.5 for d in jittered) and len(set(jittered)) > 1
    assert retry.delay(1, retry_after=2.0) == 2.0
    assert retry.delay(1, retry_after=60.0) == 4.0


def test_error_inside_a_200_is_an_error() -> None:
    """LM Studio answers unknown routes with 200 {"error": ...}."""
    with FakeFlux() as flux:
        flux.routes = lambda: {}  # type: ignore[method-assign]
        with pytest.raises(ProviderError, match="no route"):
            endpoint(flux.url).get_json("/nowhere")


def test_deadline_caps_the_timeout() -> None:
    with FakeFlux(latency=1.0) as flux, pytest.raises(ProviderError, match="within 0.15s"):
        endpoint(flux.url).post_json("/generate", BODY, deadline_s=0.15)


@pytest.mark.parametrize(
    ("module", "path"),
    [("flux", "/health"), ("vision", "/health"), ("openai", "/v1/models")],
)
def test_fakes_run_as_processes_with_knobs(module: str, path: str) -> None:
    port = free_port()
    cmd = [sys.executable, "-m", f"tests.fakes.{module}", "--port", str(port), "--fail-nth", "1"]
    if module == "openai":
        cmd += ["--api-key", "sk-proc"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert proc.stdout is not None and f"127.0.0.1:{port}" in proc.stdout.readline()
        headers = {"Authorization": "Bearer sk-proc"}
        url = f"http://127.0.0.1:{port}"
        first = httpx.get(url + "/v1/models", headers=headers)  # counted call 1: injected 503
        assert first.status_code == 503
        assert httpx.get(url + path, headers=headers).status_code == 200
        httpx.post(url + "/_fake/faults", json={"down_for": 3.0})
        wait_for(lambda: outcome(url + path, headers) == "refused", 10, what="refused")
        wait_for(lambda: outcome(url + path, headers) == 200, 10, what="the fake back up")
    finally:
        proc.terminate()
        proc.wait(timeout=5)


def outcome(url: str, headers: dict[str, str]) -> int | str:
    """The status, "refused", or "cut" (a connection accepted while going down)."""
    try:
        return httpx.get(url, headers=headers, timeout=5).status_code
    except httpx.ConnectError:
        return "refused"
    except httpx.TransportError:
        return "cut"
