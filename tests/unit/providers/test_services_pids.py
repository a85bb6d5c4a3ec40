"""Process facts through psutil: liveness ignores zombies, and port owners are found both where
every socket is listed (Linux) and where only one's own processes may be asked (macOS)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import psutil
import pytest

from roundhouse.providers.services import pids
from tests.helpers import wait_for


def test_a_zombie_is_not_alive_and_a_gone_pid_is_not_either() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    wait_for(lambda: psutil.Process(child.pid).status() == psutil.STATUS_ZOMBIE, 10, 0.02)
    assert not pids.alive(child.pid)  # exited, not yet reaped
    child.wait()
    assert not pids.alive(child.pid) and pids.cmdline(child.pid) == []
    assert not pids.alive(None) and not pids.alive(0)


def test_command_line_and_group_members_of_a_live_group() -> None:
    argv = [sys.executable, "-c", "import time; time.sleep(30)"]
    leader = subprocess.Popen(argv, start_new_session=True)
    try:
        assert pids.alive(leader.pid)
        # the new argv shows once exec has finished (seen empty once on a loaded machine)
        wait_for(lambda: pids.cmdline(leader.pid) == argv, 10, what="the child's argv")
        assert pids.group_members(leader.pid) == [leader.pid]
        assert os.getpid() not in pids.group_members(leader.pid)
    finally:
        leader.kill()
        leader.wait()
    assert pids.group_members(leader.pid) == []


@pytest.mark.parametrize("everyone_listed", [True, False])
def test_listeners_finds_the_process_on_a_port(
    monkeypatch: pytest.MonkeyPatch, everyone_listed: bool
) -> None:
    if not everyone_listed:  # as on macOS without root

        def denied(kind: str = "inet") -> list:
            raise psutil.AccessDenied()

        monkeypatch.setattr(psutil, "net_connections", denied)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        assert pids.listeners(port) == []  # bound, not listening
        sock.listen()
        assert pids.listeners(port) == [os.getpid()]
