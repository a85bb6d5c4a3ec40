"""Beam-search parameters: what a request may ask for, checked before any job starts.

Bounds (inclusive) and why:
    beam_width   1-8     prompts kept after each round
    candidates   1-8     refinements proposed per kept prompt
    depth        1-5     rounds; 8 x 8 x 5 = 320 images is the most one job may render
    width/height 256-1536, multiples of 64 (what Flux and SD-style models accept)
    concurrency  1-16    candidates rendered and scored at once (protects local GPUs)
    seed         0-2**32-1 or absent; passed to image providers that take one
    prompt       1-2000 characters after trimming
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from roundhouse.core.errors import InvalidRequest

BOUNDS: dict[str, tuple[int, int]] = {
    "beam_width": (1, 8),
    "candidates": (1, 8),
    "depth": (1, 5),
    "width": (256, 1536),
    "height": (256, 1536),
    "concurrency": (1, 16),
    "seed": (0, 2**32 - 1),
}
DEFAULTS: dict[str, int | None] = {
    "beam_width": 2,
    "candidates": 3,
    "depth": 3,
    "width": 512,
    "height": 512,
    "concurrency": 4,
    "seed": None,
}
STEP = {"width": 64, "height": 64}
MAX_PROMPT = 2000


@dataclass(frozen=True)
class Params:
    """Validated beam-search parameters."""

    beam_width: int = 2
    candidates: int = 3
    depth: int = 3
    width: int = 512
    height: int = 512
    concurrency: int = 4
    seed: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def planned(self) -> list[int]:
        """Candidates per round if every one succeeds (the progress denominator)."""
        made, beams = [], 1
        for _ in range(self.depth):
            made.append(beams * self.candidates)
            beams = min(self.beam_width, beams * self.candidates)
        return made


def allowed() -> dict[str, str]:
    """The allowed ranges, in words, for error messages and the API's docs."""
    out = {}
    for name, (low, high) in BOUNDS.items():
        step = f", a multiple of {STEP[name]}" if name in STEP else ""
        out[name] = f"integer {low}-{high}{step}"
    out["seed"] += " (optional)"
    return out


def validate_params(raw: Mapping[str, Any] | None) -> Params:
    """Params from request data; every problem is listed in one InvalidRequest."""
    raw = dict(raw or {})
    errors = {k: "unknown parameter" for k in raw if k not in BOUNDS}
    values: dict[str, Any] = {}
    for name, default in DEFAULTS.items():
        value = raw.get(name, default)
        if value is None and default is None:
            values[name] = None
            continue
        problem = _problem(name, value)
        if problem:
            errors[name] = problem
        values[name] = value
    if errors:
        listed = "; ".join(f"{k}: {v}" for k, v in errors.items())
        raise InvalidRequest(
            f"invalid beam-search parameters: {listed}", errors=errors, allowed=allowed()
        )
    return Params(**values)


def validate_prompt(prompt: Any) -> str:
    """The prompt, trimmed; empty or too long is a 400."""
    if not isinstance(prompt, str) or not prompt.strip():
        raise InvalidRequest("prompt must be a non-empty string")
    prompt = prompt.strip()
    if len(prompt) > MAX_PROMPT:
        raise InvalidRequest(f"prompt is {len(prompt)} characters; the limit is {MAX_PROMPT}")
    return prompt


def _problem(name: str, value: Any) -> str | None:
    low, high = BOUNDS[name]
    step = STEP.get(name, 1)
    if isinstance(value, bool) or not isinstance(value, int):
        return f"must be an integer, got {value!r}"
    if not low <= value <= high or value % step:
        extra = f" and a multiple of {step}" if step > 1 else ""
        return f"must be from {low} to {high}{extra}, got {value}"
    return None
