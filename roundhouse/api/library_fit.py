"""Does a GGUF fit a host: RAM to run it and free disk to hold it, with the numbers.

RAM needed is the file's size plus 20 % (KV cache and runtime buffers at a default context);
disk needed is the size minus what is already on disk, against free space minus other jobs'
reservations minus `disk_margin_bytes` (the same sum the install's preflight refuses on).
"""

from __future__ import annotations

from typing import Any

from roundhouse.providers.hf import human

RAM_FACTOR = 1.2
TIGHT = 1.5


def fit(
    size: int | None, ram: int | None, free: int | None, reserved: int, margin: int, have: int = 0
) -> dict[str, Any]:
    """{verdict: fits | tight | will not fit | unknown, message, need_ram, ram, need_disk, ...}"""
    if size is None:
        return {"verdict": "unknown", "message": "The Hub did not give this file's size."}
    need_ram, need_disk = int(size * RAM_FACTOR), max(0, size - have)
    usable = None if free is None else max(0, free - reserved - margin)
    problems, tight = [], []
    if ram is not None and ram < need_ram:
        problems.append("not enough memory")
    elif ram is not None and ram < need_ram * TIGHT:
        tight.append("little memory to spare")
    if usable is not None and usable < need_disk:
        problems.append("not enough free disk")
    verdict = "will not fit" if problems else "tight" if tight else "fits"
    if ram is None and free is None:
        verdict = "unknown"
    because = f" ({', '.join(problems or tight)})" if problems or tight else ""
    ram_text = human(ram) if ram is not None else "unknown"
    disk_text = human(usable) if usable is not None else "unknown"
    message = (
        f"{verdict.capitalize()}{because}: needs {human(need_ram)} of RAM (this host has "
        f"{ram_text}) and {human(need_disk)} of disk ({disk_text} usable: {human(free or 0)} "
        f"free, {human(reserved)} reserved, {human(margin)} kept free)."
    )
    return {
        "verdict": verdict,
        "message": message,
        "need_ram_bytes": need_ram,
        "ram_bytes": ram,
        "need_disk_bytes": need_disk,
        "free_disk_bytes": free,
        "reserved_bytes": reserved,
        "margin_bytes": margin,
        "usable_disk_bytes": usable,
    }
