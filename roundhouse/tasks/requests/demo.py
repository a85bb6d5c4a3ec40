"""`demo.count` requests: the only kind POST /api/jobs makes directly."""

from __future__ import annotations

from typing import Any

from roundhouse.core.errors import InvalidRequest
from roundhouse.tasks.kinds import declare

COUNT = declare("demo.count", resumable=True, pausable=True)
LIMITS = {"steps": (1, 100_000), "interval": (0.0, 10.0)}


def validate(params: dict[str, Any]) -> dict[str, Any]:
    """Steps and interval within bounds; `fail_at` optional; nothing else."""
    out: dict[str, Any] = {}
    for name, (low, high) in LIMITS.items():
        value = params.get(name, 10 if name == "steps" else 0.1)
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or not low <= value <= high
        ):
            raise InvalidRequest(f"{name} must be a number from {low} to {high}.")
        out[name] = int(value) if name == "steps" else float(value)
    fail_at = params.get("fail_at")
    if fail_at is not None:
        if isinstance(fail_at, bool) or not isinstance(fail_at, int):
            raise InvalidRequest("fail_at must be a whole number (the step that fails).")
        out["fail_at"] = fail_at
    unknown = set(params) - {"steps", "interval", "fail_at"}
    if unknown:
        raise InvalidRequest(
            f"Unknown parameter(s): {', '.join(sorted(unknown))}.",
            hint="demo.count takes steps, interval and fail_at.",
        )
    return out
