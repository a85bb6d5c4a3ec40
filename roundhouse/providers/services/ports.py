"""Is something already on a service's port, and is it the service, healthy?"""

from __future__ import annotations

import socket
from typing import Any

import httpx

from roundhouse.core.errors import Conflict
from roundhouse.providers import tls
from roundhouse.providers.services import pids, process
from roundhouse.providers.services.specs import ServiceSpec


def _connect_host(host: str) -> str:
    return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)


def listening(host: str, port: int, timeout_s: float = 0.2) -> bool:
    """True if something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((_connect_host(host), port), timeout=timeout_s):
            return True
    except OSError:
        return False


def probe(url: str, timeout_s: float = 1.0) -> tuple[bool, str]:
    """(healthy, what answered): healthy means a 2xx answer at the health URL."""
    try:
        response = httpx.get(
            url, timeout=timeout_s, trust_env=False, verify=tls.context()
        )  # loopback: no proxy
    except httpx.HTTPError as exc:
        return False, f"gave no HTTP answer ({type(exc).__name__})"
    return response.is_success, f"answered HTTP {response.status_code}"


def holder(port: int) -> str:
    """Which process listens on the port, when we can see it (same user; psutil)."""
    for pid in pids.listeners(port):
        argv = pids.cmdline(pid)
        if argv:
            return f"pid {pid} ({' '.join(argv)[:120]})"
    return ""


def check_port(spec: ServiceSpec, timeout_s: float = 1.0) -> dict[str, Any] | None:
    """None if the port is free; a result if our service already runs there; else Conflict."""
    if not listening(spec.host, spec.port):
        return None
    healthy, answer = probe(spec.health_url, timeout_s)
    if healthy and spec.adopts:
        message = f"{spec.title} is already running on port {spec.port} (not started by Roundhouse)"
        here = {"service": spec.name, "port": spec.port, "pid": None}
        return process.result("already_running", here, message, managed=False)
    who = holder(spec.port) or "another program"
    why = (
        f"; {spec.title} serves the model each start names, so it cannot use a server it did "
        "not start"
        if healthy
        else ""
    )
    elsewhere = (
        f"set {spec.url_setting} to an address with a free port"
        if spec.url_setting
        else f"point {spec.title} at another port"
    )
    raise Conflict(
        f"cannot start {spec.title}: port {spec.port} is in use by {who}, which {answer} "
        f"at {spec.health_url}{why}",
        hint=f"Stop what is using port {spec.port}, or {elsewhere}",
        service=spec.name,
        port=spec.port,
    )
