"""Free-space preflight: huggingface_hub only warns when a file will not fit, so we refuse early."""

from __future__ import annotations

import shutil
from pathlib import Path

from roundhouse.core.errors import Conflict

DEFAULT_MARGIN = 512 * 1000 * 1000
_UNITS = ("B", "kB", "MB", "GB", "TB", "PB")


def human(n: int | float) -> str:
    """Bytes in decimal units with one decimal, as disk tools and the Hub show sizes."""
    value = float(n)
    for unit in _UNITS:
        if abs(value) < 1000 or unit == _UNITS[-1]:
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def free_bytes(path: Path | str) -> int:
    """Free bytes on the filesystem that holds `path` (or its nearest existing parent)."""
    probe = Path(path).absolute()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return shutil.disk_usage(probe).free


def preflight(
    size: int, free_bytes: int, reserved_bytes: int = 0, margin_bytes: int = DEFAULT_MARGIN
) -> None:
    """Raise Conflict unless `size` + margin fits in what is free and not reserved by others."""
    available = free_bytes - max(0, reserved_bytes)
    if size + margin_bytes <= available:
        return
    reserved = (
        f" of which {human(reserved_bytes)} is reserved by running downloads"
        if reserved_bytes
        else ""
    )
    raise Conflict(
        f"not enough disk space: needs {human(size)} + {human(margin_bytes)} margin, "
        f"{human(free_bytes)} free{reserved}",
        hint="free some space, pick a smaller quantization, or wait for other downloads to finish",
        needed_bytes=size + margin_bytes,
        free_bytes=free_bytes,
        reserved_bytes=reserved_bytes,
    )
