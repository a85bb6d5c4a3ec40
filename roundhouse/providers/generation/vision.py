"""Scoring an image against its prompt: GPT vision (strict JSON) or the local CLIP service."""

from __future__ import annotations

import base64
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from roundhouse.providers.generation.http import Endpoint
from roundhouse.providers.generation.llm import v1_path

INSTRUCTIONS = (
    "You grade how well an image matches a text-to-image prompt and how good it looks. "
    'Answer with strict JSON and nothing else: {"score": <number from 0 to 1>}.'
)
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.IGNORECASE)
_OBJECT = re.compile(r"\{[^{}]*\}")


@dataclass(frozen=True)
class Score:
    """A score in [0, 1] plus whatever else the provider said (kept for the result tree)."""

    value: float
    details: dict[str, Any] = field(default_factory=dict)


class VisionClient(Protocol):
    """What beam search needs from a vision provider."""

    provider: str
    model: str

    def score(self, png: bytes, prompt: str) -> Score:
        """How well `png` matches `prompt`, 0 (not at all) to 1 (perfectly)."""
        ...

    def close(self) -> None: ...


def unit_score(value: Any) -> float | None:
    """The value as a float in [0, 1], or None if it is not one (bools are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) and 0.0 <= number <= 1.0 else None


def parse_score(text: str) -> float | None:
    """{"score": x} from a model's answer, tolerating code fences and words around the JSON."""
    cleaned = _FENCE.sub("", text.strip())
    candidates = [cleaned, *_OBJECT.findall(cleaned)]
    for candidate in candidates:
        try:
            data = json.loads(candidate)
        except json.JSONDecodeError:
            continue
        if isinstance(data, dict) and "score" in data:
            return unit_score(data["score"])
    return None


class GptVision:
    """Chat completions with the image as a data URL; the answer must be {"score": 0..1}."""

    def __init__(self, endpoint: Endpoint, model: str) -> None:
        self.endpoint = endpoint
        self.model = model
        self.provider = "gpt-vision"

    def score(self, png: bytes, prompt: str) -> Score:
        """Ask for a strict JSON score; unparsable or out-of-range answers are errors."""
        data_url = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        body = {
            "model": self.model,
            "messages": [
                {"role": "system", "content": INSTRUCTIONS},
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": f"Prompt: {prompt}"},
                        {"type": "image_url", "image_url": {"url": data_url}},
                    ],
                },
            ],
            "max_completion_tokens": 50,
            "temperature": 0,
            "response_format": {"type": "json_object"},
        }
        data = self.endpoint.post_json(v1_path(self.endpoint.base_url, "/chat/completions"), body)
        try:
            text = str(data["choices"][0]["message"]["content"] or "")
        except (KeyError, IndexError, TypeError):
            raise self.endpoint.error("answered without choices[0].message") from None
        value = parse_score(text)
        if value is None:
            raise self.endpoint.error(f'expected {{"score": 0..1}}, got {text[:120]!r}')
        return Score(value, {"raw": text})

    def close(self) -> None:
        """Release the connection pool."""
        self.endpoint.close()


class LocalVision:
    """The local vision service: POST /score {image, prompt} -> clip, aesthetic and score."""

    def __init__(self, endpoint: Endpoint, model: str) -> None:
        self.endpoint = endpoint
        self.model = model
        self.provider = "local"

    def score(self, png: bytes, prompt: str) -> Score:
        """The service's combined score, with its parts kept as details."""
        image = base64.b64encode(png).decode("ascii")
        data = self.endpoint.post_json("/score", {"image": image, "prompt": prompt})
        value = unit_score(data.get("score")) if isinstance(data, dict) else None
        if value is None:
            raise self.endpoint.error(f"expected a score from 0 to 1, got {str(data)[:120]!r}")
        return Score(value, {k: v for k, v in data.items() if k != "score"})

    def close(self) -> None:
        """Release the connection pool."""
        self.endpoint.close()
