"""Clients for the generation providers (LLM, image, vision), built from a provider snapshot.

Framework-free: httpx and core.errors only. Start at `build(snapshot)`; the snapshot shape is
documented in `snapshot.py`.
"""

from __future__ import annotations

from roundhouse.providers.generation.factory import (
    Clients,
    build,
    build_image,
    build_llm,
    build_vision,
    probe_llm,
)
from roundhouse.providers.generation.http import Endpoint, Retry
from roundhouse.providers.generation.image import ImageClient, nearest_size
from roundhouse.providers.generation.llm import LLM, Reply
from roundhouse.providers.generation.snapshot import (
    IMAGE_PROVIDERS,
    LLM_PROVIDERS,
    VISION_PROVIDERS,
    RoleConfig,
    Snapshot,
)
from roundhouse.providers.generation.vision import Score, VisionClient, parse_score

__all__ = [
    "IMAGE_PROVIDERS",
    "LLM",
    "LLM_PROVIDERS",
    "VISION_PROVIDERS",
    "Clients",
    "Endpoint",
    "ImageClient",
    "Reply",
    "Retry",
    "RoleConfig",
    "Score",
    "Snapshot",
    "VisionClient",
    "build",
    "build_image",
    "build_llm",
    "build_vision",
    "nearest_size",
    "parse_score",
    "probe_llm",
]
