"""Image generation: OpenAI images (DALL-E, gpt-image) and the local Flux service, as PNG bytes."""

from __future__ import annotations

import base64
import binascii
from typing import Any, Protocol

from roundhouse.providers.generation.http import Endpoint
from roundhouse.providers.generation.llm import v1_path

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# OpenAI accepts only these sizes per model family; we ask for the closest one.
OPENAI_SIZES = {
    "dall-e-2": ((256, 256), (512, 512), (1024, 1024)),
    "dall-e-3": ((1024, 1024), (1792, 1024), (1024, 1792)),
    "gpt-image": ((1024, 1024), (1536, 1024), (1024, 1536)),
}


class ImageClient(Protocol):
    """What beam search needs from an image provider."""

    provider: str
    model: str

    def generate(self, prompt: str, *, width: int, height: int, seed: int | None = None) -> bytes:
        """A PNG of the prompt, about width x height."""
        ...

    def close(self) -> None: ...


def nearest_size(model: str, width: int, height: int) -> tuple[int, int]:
    """The allowed size closest in shape, then in area, to what was asked."""
    family = "gpt-image" if model.startswith("gpt-image") else model
    sizes = OPENAI_SIZES.get(family, OPENAI_SIZES["dall-e-3"])
    ratio = width / height

    def distance(size: tuple[int, int]) -> tuple[float, float]:
        return abs(size[0] / size[1] - ratio), abs(size[0] * size[1] - width * height)

    return min(sizes, key=distance)


def decode_png(endpoint: Endpoint, value: Any) -> bytes:
    """Base64 (or a data URL) to PNG bytes; anything else is the provider's fault."""
    if not isinstance(value, str) or not value:
        raise endpoint.error("answered without image data")
    if value.startswith("data:"):
        value = value.partition(",")[2]
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise endpoint.error("answered with image data that is not valid base64") from None
    if not data.startswith(PNG_SIGNATURE):
        raise endpoint.error("answered with image data that is not a PNG")
    return data


class OpenAIImage:
    """POST /v1/images/generations, asking for base64 so nothing is fetched twice."""

    def __init__(self, endpoint: Endpoint, model: str, provider: str = "dalle") -> None:
        self.endpoint = endpoint
        self.model = model
        self.provider = provider

    def generate(self, prompt: str, *, width: int, height: int, seed: int | None = None) -> bytes:
        """One image; OpenAI has no seed, so `seed` is ignored."""
        w, h = nearest_size(self.model, width, height)
        body: dict[str, Any] = {"model": self.model, "prompt": prompt, "n": 1, "size": f"{w}x{h}"}
        if not self.model.startswith("gpt-image"):  # gpt-image always answers b64, rejects it
            body["response_format"] = "b64_json"
        data = self.endpoint.post_json(v1_path(self.endpoint.base_url, "/images/generations"), body)
        try:
            item = data["data"][0]
        except (KeyError, IndexError, TypeError):
            raise self.endpoint.error("answered without data[0]") from None
        return decode_png(self.endpoint, item.get("b64_json"))

    def close(self) -> None:
        """Release the connection pool."""
        self.endpoint.close()


class FluxImage:
    """The local Flux service: POST /generate {prompt, width, height, steps, seed}."""

    def __init__(self, endpoint: Endpoint, model: str, steps: int = 4) -> None:
        self.endpoint = endpoint
        self.model = model
        self.provider = "flux"
        self.steps = steps

    def generate(self, prompt: str, *, width: int, height: int, seed: int | None = None) -> bytes:
        """One image at exactly width x height."""
        body = {"prompt": prompt, "width": width, "height": height, "steps": self.steps}
        if seed is not None:
            body["seed"] = seed
        data = self.endpoint.post_json("/generate", body)
        if not isinstance(data, dict):
            raise self.endpoint.error("answered with something other than an object")
        return decode_png(self.endpoint, data.get("image"))

    def close(self) -> None:
        """Release the connection pool."""
        self.endpoint.close()
