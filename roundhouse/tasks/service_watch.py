"""Notice when a service Roundhouse started has died, record it once and tell every page.

Used by the status endpoint (on read) and by a thread in every worker (every few seconds),
for records made on a machine whose processes this process can see (same boot, same pid
namespace); records of other machines are left to that machine's workers.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from roundhouse.core.services import ServiceStore, machine_view
from roundhouse.providers.services import process

log = logging.getLogger(__name__)
SWEEP_INTERVAL_S = 2.0
#: process.inspect states -> the state we store
ENDED = {"stopped": "stopped", "exited": "stopped", "crashed": "crashed"}


def visible(entry: dict[str, Any], view: str) -> bool:
    """Can this process see the entry's processes (same boot, same pid namespace)?"""
    record = entry.get("record")
    if not record or not view:
        return False
    return entry.get("view") == view and not record.get("detached")


def observe(store: ServiceStore, host: str, name: str, entry: dict[str, Any], view: str) -> dict:
    """The entry as it really is now; a running record whose process ended is updated."""
    if entry.get("state") != "running" or not visible(entry, view):
        return entry
    seen = process.inspect(entry["record"])
    if seen["state"] == "running":
        return entry
    fields = {
        "state": ENDED.get(seen["state"], "crashed"),
        "message": seen["message"],
        "returncode": seen.get("returncode"),
        "log_tail": seen.get("log_tail") or [],
        "pid": None,
    }
    changed = store.change(host, name, fields, expect="running")
    return changed or store.get(host, name) or entry


def sweep(store: ServiceStore, host: str, view: str) -> None:
    """Observe every running record of this host."""
    for name, entry in store.all(host).items():
        observe(store, host, name, entry, view)


def start_sweeper(store: ServiceStore, host: str, interval_s: float = SWEEP_INTERVAL_S) -> None:
    """A daemon thread that sweeps until the process ends."""
    view = machine_view()

    def loop() -> None:
        while True:
            try:
                sweep(store, host, view)
            except Exception:  # Redis away for a moment: the next sweep retries
                log.warning("service sweep failed", exc_info=True)
            threading.Event().wait(interval_s)

    threading.Thread(target=loop, name="service-sweep", daemon=True).start()
