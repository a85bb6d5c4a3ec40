"""Process facts from /proc: liveness that ignores zombies, command lines, group members."""

from __future__ import annotations

import os
from pathlib import Path

PROC = Path("/proc")


def _stat_fields(pid: int) -> list[str] | None:
    """State, ppid, pgrp, ... of a process (the fields after its name), or None if gone."""
    try:
        raw = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError, ValueError):
        return None
    return raw[raw.rfind(")") + 2 :].split()


def alive(pid: int | None) -> bool:
    """True while the process exists and is not a zombie (an exited, unreaped process)."""
    if not pid or pid <= 0:
        return False
    fields = _stat_fields(pid)
    if fields is None:
        return False
    return fields[0] not in ("Z", "X")


def cmdline(pid: int) -> list[str]:
    """The argv of a process, empty when it is gone or unreadable."""
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes in a process group."""
    members = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if fields and fields[0] not in ("Z", "X") and fields[2] == str(pgid):
            members.append(int(entry.name))
    return members


def listeners(port: int) -> list[int]:
    """Pids (that we may see) holding a TCP socket listening on `port`; best effort."""
    inodes = _listening_inodes(port)
    if not inodes:
        return []
    pids = []
    for entry in PROC.iterdir():
        if entry.name.isdigit() and _holds_any(entry / "fd", inodes):
            pids.append(int(entry.name))
    return pids


def _listening_inodes(port: int) -> set[str]:
    inodes: set[str] = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (PROC / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{cols[9]}]")
    return inodes


def _holds_any(fd_dir: Path, targets: set[str]) -> bool:
    try:
        fds = list(fd_dir.iterdir())
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(fd) in targets:
                return True
        except OSError:
            continue
    return False
