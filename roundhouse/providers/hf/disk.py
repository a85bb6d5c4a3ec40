"""Free-space preflight: huggingface_hub only warns when a file will not fit, so we refuse early."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from roundhouse.core.errors import Conflict

DEFAULT_MARGIN = 512 * 1000 * 1000
_UNITS = ("B", "kB", "MB", "GB", "TB", "PB")


def unit_for(n: int | float) -> str:
    """The decimal unit that shows `n` with 1-3 digits before the point."""
    value = abs(float(n))
    for unit in _UNITS:
        if value < 1000:
            return unit
        value /= 1000
    return _UNITS[-1]


def human(n: int | float, unit: str | None = None) -> str:
    """Bytes in decimal units with one decimal (or in a given unit, to line numbers up)."""
    unit = unit or unit_for(n)
    if unit == "B":
        return f"{int(n)} B"
    return f"{n / 1000 ** _UNITS.index(unit):.1f} {unit}"


def _usage(path: Path | str) -> Any:
    probe = Path(path).absolute()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return shutil.disk_usage(probe)


def free_bytes(path: Path | str) -> int:
    """Free bytes on the filesystem that holds `path` (or its nearest existing parent)."""
    return _usage(path).free


def total_bytes(path: Path | str) -> int:
    """Size of the filesystem that holds `path` (or its nearest existing parent)."""
    return _usage(path).total


def preflight(
    size: int,
    free_bytes: int,
    reserved_bytes: int = 0,
    margin_bytes: int = DEFAULT_MARGIN,
    floor_bytes: int = 0,
) -> None:
    """Raise Conflict unless `size` + margin fits in what is free and not reserved by others,
    leaving `floor_bytes` free (Redis and the logs share the disk: it must never fill)."""
    available = free_bytes - max(0, reserved_bytes)
    if size + margin_bytes + floor_bytes <= available:
        return
    unit = unit_for(max(size, free_bytes))
    reserved = (
        f" of which {human(reserved_bytes, unit)} is reserved by running downloads"
        if reserved_bytes
        else ""
    )
    floor = f", keeping {human(floor_bytes, unit)} free (the disk floor)" if floor_bytes else ""
    raise Conflict(
        f"not enough disk space: needs {human(size, unit)} + {human(margin_bytes, unit)} margin"
        f"{floor}, {human(free_bytes, unit)} free{reserved}",
        hint="free some space, pick a smaller quantization, or wait for other downloads to finish"
        + ("; the floor is ROUNDHOUSE_DISK_FLOOR (bytes)" if floor_bytes else ""),
        needed_bytes=size + margin_bytes,
        free_bytes=free_bytes,
        reserved_bytes=reserved_bytes,
        floor_bytes=floor_bytes,
    )
