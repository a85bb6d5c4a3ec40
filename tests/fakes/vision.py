"""A fake local vision (CLIP) service: GET /health, POST /score {image, prompt}.

Scores are deterministic from the prompt alone, so beam order is checkable:
    score = min(0.30 + 0.15 * n, 0.90) + jitter,   n = count of the word "vivid",
    jitter = first byte of sha256(prompt) / 255 * 0.04   (breaks ties, never reorders n)
so a prompt with more "vivid"s always scores higher. `clip_score` and `aesthetic_score` are
derived from the same number. The image must be base64 of a real PNG, else 400.
Run it: `python -m tests.fakes.vision --port 8002 [--latency 0.1] [--fail-nth 2]`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import sys
from typing import Any

from tests.fakes.loopback import Answer, LoopbackService, Reject, Request, serve_main
from tests.fakes.png import SIGNATURE

MARKER = "vivid"
_MARKER = re.compile(rf"\b{MARKER}\b", re.IGNORECASE)


def score_for(prompt: str) -> float:
    """The fake's score for a prompt (see the module docstring)."""
    n = len(_MARKER.findall(prompt))
    jitter = hashlib.sha256(prompt.encode()).digest()[0] / 255 * 0.04
    return round(min(0.30 + 0.15 * n, 0.90) + jitter, 4)


class FakeVision(LoopbackService):
    """The local vision service's protocol."""

    name = "vision"

    def routes(self) -> dict[tuple[str, str], Any]:
        return {("GET", "/health"): self.health, ("POST", "/score"): self.score}

    def health(self, request: Request) -> Answer:
        return Answer(200, {"status": "ok", "model": "clip-vit-l-14"})

    def score(self, request: Request) -> Answer:
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get("prompt"), str):
            raise Reject(422, "field required: prompt")
        try:
            image = base64.b64decode(str(body.get("image", "")), validate=True)
        except (binascii.Error, ValueError):
            raise Reject(400, "image is not valid base64") from None
        if not image.startswith(SIGNATURE):
            raise Reject(400, "image is not a PNG")
        score = score_for(body["prompt"])
        return Answer(
            200,
            {
                "clip_score": round(score * 0.4, 4),
                "aesthetic_score": round(score * 10, 3),
                "score": score,
            },
        )


if __name__ == "__main__":
    serve_main(FakeVision, sys.argv[1:])
