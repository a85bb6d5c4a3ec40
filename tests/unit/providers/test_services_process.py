"""Starting, stopping and inspecting real service processes (tests.fakes.service)."""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from roundhouse.core.errors import Cancelled, Conflict, ProviderError
from roundhouse.providers.services import pids
from roundhouse.providers.services.launch import start
from roundhouse.providers.services.ports import listening
from roundhouse.providers.services.process import inspect, ours, stop
from roundhouse.providers.services.specs import ServiceSpec, build_specs
from tests.fakes.service import running
from tests.helpers import free_port, wait_for

FAKE = f"{sys.executable} -m tests.fakes.service"


class Control:
    """Records reports; raises Cancelled once `cancel_after` checks have passed."""

    def __init__(self, cancel_after: int | None = None) -> None:
        self.reports: list[dict[str, Any]] = []
        self.checks = 0
        self.cancel_after = cancel_after

    def report(self, **fields: Any) -> None:
        self.reports.append(fields)

    def check(self) -> None:
        self.checks += 1
        if self.cancel_after is not None and self.checks > self.cancel_after:
            raise Cancelled()

    def event(self, type_: str, **data: Any) -> None:
        self.reports.append({"event": type_, **data})

    def stages(self) -> list[str]:
        return list(dict.fromkeys(r["stage"] for r in self.reports if r.get("stage")))


def flux(port: int, args: str = "--mode ok", deadline: float = 10.0) -> ServiceSpec:
    """The Flux slot of the catalog, configured to run the fake service."""
    return build_specs(
        flux_command=f"{FAKE} --port {port} {args}",
        flux_api_url=f"http://127.0.0.1:{port}",
        service_start_deadline_s=deadline,
    )["flux"]


@pytest.fixture
def started(tmp_path: Path) -> Any:
    """Start services and stop whatever a test left running."""
    records: list[dict[str, Any]] = []

    def _start(spec: ServiceSpec, control: Control | None = None, **kw: Any) -> dict[str, Any]:
        answer = start(spec, log_dir=tmp_path, control=control or Control(), **kw)
        if answer.get("record"):
            records.append(answer["record"])
        return answer

    yield _start
    for record in records:
        if not record["detached"]:
            stop(record, timeout_s=1.0)


def test_start_waits_for_health_then_stop_is_clean_and_idempotent(started: Any) -> None:
    port, control = free_port(), Control()
    answer = started(flux(port, "--mode ok --delay 0.3"), control)
    record = answer["record"]
    assert answer["status"] == "started" and answer["port"] == port
    assert answer["pid"] == record["pid"] and pids.alive(record["pid"])
    assert pids.alive(record["keeper_pid"]) and record["started_at"] <= time.time()
    assert control.stages() == ["launching", "waiting for health", "ready"]
    assert httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200
    assert inspect(record)["state"] == "running"

    stopped = stop(record, timeout_s=5.0)
    assert stopped["status"] == "stopped" and stopped["was_running"] and not stopped.get("killed")
    assert not pids.alive(record["pid"]) and not listening("127.0.0.1", port)
    assert inspect(record)["state"] == "stopped"
    again = stop(record)
    assert again["status"] == "stopped" and again["was_running"] is False


def test_stop_kills_a_service_that_ignores_sigterm(started: Any) -> None:
    answer = started(flux(free_port(), "--mode ok --ignore-term"))
    began = time.monotonic()
    stopped = stop(answer["record"], timeout_s=0.5)
    assert stopped["killed"] and "SIGKILL" in stopped["message"]
    assert time.monotonic() - began < 10.0  # SIGKILL after 0.5 s, not a wait for ever
    assert ours(answer["record"]) == [] and not pids.alive(answer["pid"])
    assert inspect(answer["record"])["state"] == "stopped"


def test_early_exit_reports_exit_code_and_log_tail(started: Any, tmp_path: Path) -> None:
    with pytest.raises(ProviderError) as caught:
        started(flux(free_port(), "--mode exit"))
    error = caught.value
    assert "exited with code 3" in error.message and error.details["returncode"] == 3
    assert "fatal: could not load the model" in error.message
    assert any("loading part 3" in line for line in error.details["log_tail"])
    assert list(tmp_path.glob("*.exit"))


def test_a_killed_service_is_seen_as_crashed(started: Any) -> None:
    answer = started(flux(free_port()))
    os.kill(answer["pid"], signal.SIGKILL)
    assert wait_for(lambda: inspect(answer["record"])["state"] != "running")
    state = inspect(answer["record"])
    assert state["state"] == "crashed" and state["returncode"] == -9
    assert "SIGKILL" in state["message"] and state["log_tail"]


def test_never_healthy_hits_the_deadline_and_is_stopped(started: Any) -> None:
    port = free_port()
    began = time.monotonic()
    with pytest.raises(ProviderError, match="did not become healthy within 0.6 s") as caught:
        started(flux(port, "--mode never-healthy", deadline=0.6))
    assert time.monotonic() - began < 10.0  # the 0.6 s deadline, not the default one
    assert any("503" in line for line in caught.value.details["log_tail"])
    assert not listening("127.0.0.1", port)


def test_cancel_while_waiting_stops_what_was_started(started: Any, tmp_path: Path) -> None:
    control = Control(cancel_after=4)
    with pytest.raises(Cancelled):
        started(flux(free_port(), "--mode ok --delay 30"), control)
    assert list(tmp_path.glob("*.stop")) and list(tmp_path.glob("*.exit"))


def test_port_held_by_a_healthy_server_is_already_running(started: Any, tmp_path: Path) -> None:
    port = free_port()
    with running(port):
        answer = started(flux(port))
    assert answer["status"] == "already_running" and answer["pid"] is None
    assert answer["record"] is None and "not started by Roundhouse" in answer["message"]
    assert not list(tmp_path.iterdir())
    unconfigured = build_specs(flux_api_url=f"http://127.0.0.1:{port}")["flux"]
    with running(port):
        assert started(unconfigured)["status"] == "already_running"


def test_port_held_by_an_unhealthy_server_is_an_error_naming_it(started: Any) -> None:
    port = free_port()
    with running(port, status=503), pytest.raises(Conflict) as caught:
        started(flux(port))
    assert f"port {port} is in use by pid {os.getpid()}" in caught.value.message
    assert "HTTP 503" in caught.value.message


def test_llamacpps_port_held_by_any_server_is_an_error_naming_port_and_setting(
    started: Any, tmp_path: Path
) -> None:
    """llama.cpp serves the GGUF each start names: a healthy server it did not start (another
    llama-server, any OpenAI-style server) is not adopted as "already running"."""
    port = free_port()
    spec = build_specs(
        llamacpp_command=f"{FAKE} --port {port}", llamacpp_base_url=f"http://127.0.0.1:{port}"
    )["llamacpp"]
    with running(port), pytest.raises(Conflict) as caught:
        started(spec)
    message = caught.value.message
    assert message.startswith(f"cannot start llama.cpp: port {port} is in use by pid {os.getpid()}")
    assert f"which answered HTTP 200 at http://127.0.0.1:{port}/v1/models" in message
    assert "cannot use a server it did not start" in message
    assert caught.value.hint == (
        f"Stop what is using port {port}, or set ROUNDHOUSE_LLAMACPP_BASE_URL to an address "
        "with a free port"
    )
    assert caught.value.details["port"] == port and not list(tmp_path.iterdir())


def test_a_launcher_that_exits_0_hands_the_service_on(started: Any) -> None:
    """Like `lms server start`: the command exits 0 and the server runs elsewhere."""
    port = free_port()
    launch = (
        "import os, subprocess, sys; subprocess.Popen([sys.executable, '-m', 'tests.fakes.service',"
        f" '--port', '{port}', '--after-launcher', str(os.getpid()), '--delay', '1'],"
        " start_new_session=True)"
    )
    spec = build_specs(
        flux_command=f"{sys.executable} -c {launch!r}", flux_api_url=f"http://127.0.0.1:{port}"
    )["flux"]
    try:
        answer = started(spec)
        record = answer["record"]
        assert answer["status"] == "started" and record["detached"]
        assert inspect(record)["state"] == "exited"
        with pytest.raises(Conflict, match="no command to stop it"):
            stop(record)
        server = pids.listeners(port)[0]
        kill = (sys.executable, "-c", f"import os; os.kill({server}, {int(signal.SIGTERM)})")
        assert stop(record, stop_argv=kill)["status"] == "stopped"
        assert wait_for(lambda: not listening("127.0.0.1", port))
    finally:
        for pid in pids.listeners(port):
            os.kill(pid, signal.SIGKILL)


def test_a_reused_pid_is_never_signalled(tmp_path: Path) -> None:
    other = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        record = {
            "service": "flux",
            "port": 1,
            "pid": other.pid,
            "keeper_pid": other.pid,
            "exit_file": str(tmp_path / "x.exit"),
            "stop_file": str(tmp_path / "x.stop"),
            "log_path": str(tmp_path / "x.log"),
        }
        assert stop(record, timeout_s=0.2)["was_running"] is False
        assert other.poll() is None and inspect(record)["state"] == "crashed"
    finally:
        other.kill()
        other.wait()


def _overhead_ms(record: dict[str, Any], called: float, ready: float) -> tuple[float, float]:
    """(launch, detection) ms: call to service exec, and service listening to our "ready".

    The keeper writes the pid file right after the service's exec; the fake logs when it
    starts listening; what lies between is the service's own start-up, not ours.
    """
    exec_at = Path(record["log_path"]).with_suffix(".pid").stat().st_mtime
    line = next(x for x in Path(record["log_path"]).read_text().splitlines() if "listening" in x)
    listening_at = float(line.rsplit(" ", 1)[1])
    return (exec_at - called) * 1000, (ready - listening_at) * 1000


def test_overhead_of_a_start_is_small(started: Any, capsys: Any) -> None:
    """Measured, printed, not asserted: what a start adds to the service's own start-up."""
    runs = []
    for _ in range(5):
        called = time.time()
        answer = started(flux(free_port()))
        runs.append(_overhead_ms(answer["record"], called, time.time()))
        stop(answer["record"])
    totals = [launch + detect for launch, detect in runs]
    with capsys.disabled():
        print(
            f"\nservice start overhead: median {statistics.median(totals):.0f} ms, "
            f"max {max(totals):.0f} ms (launch+keeper "
            f"{statistics.median(r[0] for r in runs):.0f} ms, health detection "
            f"{statistics.median(r[1] for r in runs):.0f} ms)"
        )
