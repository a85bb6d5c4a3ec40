"""A fake Flux image service: GET /health, POST /generate {prompt, width, height, steps, seed}.

Answers {"image": <base64 PNG>, "width", "height", "seed", "steps", "elapsed_ms"}; the PNG is
real, coloured by the prompt, and `image_size` pixels square (None: the requested size).
Errors use FastAPI's {"detail": ...} with 422 for bad fields, like the real service.
Run it: `python -m tests.fakes.flux --port 8001 [--latency 0.5] [--fail-nth 1 --fail-status 500]`.
"""

from __future__ import annotations

import base64
import sys
from typing import Any

from tests.fakes.loopback import Answer, LoopbackService, Reject, Request, serve_main
from tests.fakes.png import render


class FakeFlux(LoopbackService):
    """The Flux service's protocol."""

    name = "flux"

    def __init__(self, *, image_size: int | None = 64, **knobs: Any) -> None:
        super().__init__(**knobs)
        self.image_size = image_size

    def routes(self) -> dict[tuple[str, str], Any]:
        return {("GET", "/health"): self.health, ("POST", "/generate"): self.generate}

    def health(self, request: Request) -> Answer:
        return Answer(200, {"status": "ok", "model": "flux-schnell", "device": "cpu"})

    def generate(self, request: Request) -> Answer:
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get("prompt"), str):
            raise Reject(422, "field required: prompt")
        width, height = _side(body, "width"), _side(body, "height")
        seed = body.get("seed", 0)
        side = self.image_size
        png = render(body["prompt"], side or width, side or height)
        return Answer(
            200,
            {
                "image": base64.b64encode(png).decode(),
                "width": width,
                "height": height,
                "seed": seed,
                "steps": body.get("steps", 4),
                "elapsed_ms": round(self.latency * 1000),
            },
        )


def _side(body: dict[str, Any], key: str) -> int:
    value = body.get(key, 512)
    if isinstance(value, bool) or not isinstance(value, int) or not 64 <= value <= 2048:
        raise Reject(422, f"{key} must be an integer from 64 to 2048")
    if value % 16:
        raise Reject(422, f"{key} must be a multiple of 16")
    return value


if __name__ == "__main__":
    serve_main(FakeFlux, sys.argv[1:])
