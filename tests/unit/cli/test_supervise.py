"""`roundhouse up`'s supervisor: restart with a growing pause, give up on a crash loop."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from roundhouse.cli.stack import Stack
from roundhouse.cli.supervise import Supervisor, how_it_ended


@dataclass
class Proc:
    returncode: int | None = None
    pid: int = 100

    def poll(self) -> int | None:
        return self.returncode


def make(tmp_path: Path) -> tuple[Supervisor, list[str], list[str]]:
    stack = Stack(tmp_path)
    stack.procs = {"worker": Proc(), "api": Proc()}  # type: ignore[dict-item]
    said: list[str] = []
    started: list[str] = []

    def start_worker() -> None:
        started.append("worker")
        stack.procs["worker"] = Proc(pid=100 + len(started))  # type: ignore[assignment]

    sup = Supervisor(stack, {"worker": start_worker}, max_crashes=3, window_s=60, say=said.append)
    return sup, said, started


def test_a_child_that_exits_is_restarted_after_a_pause_and_logged(tmp_path: Path) -> None:
    sup, said, started = make(tmp_path)
    assert sup.step(now=0) is None and said == []
    sup.stack.procs["worker"].returncode = -9  # type: ignore[attr-defined]
    assert sup.step(now=1.0) is None
    assert said == [
        "worker was killed by SIGKILL; restarting it in 0.5 s (exit 1 of 2 allowed within 60 s)"
    ]
    assert sup.step(now=1.2) is None and started == []  # still pausing
    assert sup.step(now=1.6) is None and started == ["worker"]
    assert said[-1] == "worker restarted (pid 101)"


def test_the_pause_doubles_and_a_crash_loop_stops_the_stack_saying_why(tmp_path: Path) -> None:
    sup, said, started = make(tmp_path)
    sup.stack.procs["worker"].returncode = 1  # type: ignore[attr-defined]
    sup.step(now=0)
    sup.step(now=1)
    sup.stack.procs["worker"].returncode = 1  # type: ignore[attr-defined]
    sup.step(now=2)
    assert "restarting it in 1.0 s" in said[-1]
    sup.step(now=3.1)
    sup.stack.procs["worker"].returncode = 2  # type: ignore[attr-defined]
    reason = sup.step(now=4)
    assert (
        reason == "worker exited with code 2: that is 3 exits within 60 s, so it will not stay up"
    )
    assert started == ["worker", "worker"]


def test_old_crashes_fall_out_of_the_window(tmp_path: Path) -> None:
    sup, said, _ = make(tmp_path)
    for at in (0, 100, 200, 300):
        sup.stack.procs["worker"].returncode = 1  # type: ignore[attr-defined]
        assert sup.step(now=at) is None
        sup.step(now=at + 1)
    assert all("restarting it in 0.5 s" in s for s in said if "restarting" in s)


def test_a_child_without_a_starter_stops_the_stack(tmp_path: Path) -> None:
    sup, _, _ = make(tmp_path)
    sup.stack.procs["api"].returncode = 3  # type: ignore[attr-defined]
    assert sup.step(now=0) == "api exited with code 3, and it cannot be restarted from here"


def test_a_restart_that_fails_counts_as_a_crash(tmp_path: Path) -> None:
    sup, said, _ = make(tmp_path)

    def broken() -> None:
        raise RuntimeError("process exited with 1 before port 8000 opened")

    sup.starters["worker"] = broken
    sup.stack.procs["worker"].returncode = 1  # type: ignore[attr-defined]
    sup.step(now=0)
    assert sup.step(now=1) is None
    assert "did not start again (process exited with 1 before port 8000 opened)" in said[-1]


def test_how_it_ended() -> None:
    assert how_it_ended(-15) == "was killed by SIGTERM" and how_it_ended(0) == "exited with code 0"
