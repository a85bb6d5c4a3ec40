"""Process facts through psutil, so services work on macOS as on Linux: liveness that ignores
zombies, command lines, process-group members, and who listens on a port."""

from __future__ import annotations

import os

import psutil

GONE = (psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD)


def alive(pid: int | None) -> bool:
    """True while the process exists and is not a zombie (an exited, unreaped process)."""
    if not pid or pid <= 0:
        return False
    try:
        return psutil.Process(pid).status() not in GONE
    except psutil.AccessDenied:
        return True  # someone else's process, but it exists
    except psutil.Error:  # NoSuchProcess, ZombieProcess
        return False


def cmdline(pid: int) -> list[str]:
    """The argv of a process, empty when it is gone or unreadable."""
    try:
        return psutil.Process(pid).cmdline()
    except psutil.Error:
        return []


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes in a process group."""
    members = []
    for pid in psutil.pids():
        try:
            if os.getpgid(pid) == pgid and alive(pid):
                members.append(pid)
        except OSError:
            continue
    return members


def listeners(port: int) -> list[int]:
    """Pids (that we may see) holding a TCP socket listening on `port`; best effort."""
    try:
        found = psutil.net_connections(kind="tcp")
    except psutil.AccessDenied:  # macOS lists all sockets to root only: ask each process
        return [p.pid for p in psutil.process_iter() if _listens(p, port)]
    pids = {c.pid for c in found if c.pid and _is_listener(c, port)}
    return sorted(pids)


def _is_listener(conn: psutil._common.sconn | psutil._common.pconn, port: int) -> bool:
    return conn.status == psutil.CONN_LISTEN and bool(conn.laddr) and conn.laddr.port == port


def _listens(proc: psutil.Process, port: int) -> bool:
    try:
        return any(_is_listener(c, port) for c in proc.net_connections(kind="tcp"))
    except psutil.Error:
        return False
