"""Turn one environment string into a setting's value, or say exactly what was wrong with it."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off", "")

# Lowest (and highest) value a number may take; a number not listed here may not be negative.
BOUNDS: dict[str, tuple[float, float | None]] = {
    "port": (1, 65535),
    "worker_concurrency": (1, None),
    "ollama_max_pulls": (1, None),
    "download_segments": (1, None),
    "disk_floor": (-1, None),  # -1: the default floor
}


class SettingsError(ValueError):
    """A setting in the environment (or `.env`) that Roundhouse cannot use; names the variable."""

    def __init__(self, variable: str, raw: str, wanted: str) -> None:
        super().__init__(f"{variable}={raw!r} is not valid: {wanted}.")
        self.variable = variable


def convert(name: str, kind: Any, variable: str, raw: str) -> Any:
    """The typed value of field `name` (of type `kind`) read from `variable`."""
    kind = str(kind)
    if kind == "bool":
        return _boolean(variable, raw)
    if kind in ("int", "float"):
        return _number(name, kind, variable, raw)
    if kind == "Path":
        return Path(raw)
    if kind.startswith("tuple"):
        return tuple(item.strip() for item in raw.split(",") if item.strip())
    return raw


def _boolean(variable: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    yes, no = ", ".join(TRUE), ", ".join(f for f in FALSE if f)
    raise SettingsError(variable, raw, f"use one of {yes} (on) or {no} (off)")


def _number(name: str, kind: str, variable: str, raw: str) -> int | float:
    low, high = BOUNDS.get(name, (0, None))
    whole = kind == "int"
    span = f"from {low:g}" + (f" to {high:g}" if high is not None else " up")
    wanted = f"use a {'whole number' if whole else 'number'} {span}"
    try:
        value: int | float = int(raw.strip()) if whole else float(raw.strip())
    except ValueError:
        raise SettingsError(variable, raw, wanted) from None
    if value != value or value < low or (high is not None and value > high):  # NaN fails too
        raise SettingsError(variable, raw, wanted)
    return value


def unknown(names: Iterable[str], known: Iterable[str]) -> list[str]:
    """A warning for each ROUNDHOUSE_* name that is no setting, with the nearest real one."""
    known = sorted(set(known))
    notes = []
    for name in sorted(n for n in names if n.startswith("ROUNDHOUSE_") and n not in known):
        near = difflib.get_close_matches(name, known, n=1, cutoff=0.8)
        hint = f"; did you mean {near[0]}?" if near else " and is ignored."
        notes.append(f"{name} is not a Roundhouse setting{hint}")
    return notes
