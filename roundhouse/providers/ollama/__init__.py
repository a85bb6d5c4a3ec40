"""Ollama: names, the HTTP client, pulls with aggregate progress, and GGUF import."""

from __future__ import annotations

from roundhouse.providers.ollama.blobs import blob_exists, file_digest, normalise_digest, push_blob
from roundhouse.providers.ollama.client import DEFAULT_URL, OllamaClient
from roundhouse.providers.ollama.create import create_from_blob, import_gguf, supports_files
from roundhouse.providers.ollama.installed import InstalledModel
from roundhouse.providers.ollama.names import ModelName, normalise, parse, validate
from roundhouse.providers.ollama.progress import PullProgress
from roundhouse.providers.ollama.pull import pull, pull_hint

__all__ = [
    "DEFAULT_URL",
    "InstalledModel",
    "ModelName",
    "OllamaClient",
    "PullProgress",
    "blob_exists",
    "create_from_blob",
    "file_digest",
    "import_gguf",
    "normalise",
    "normalise_digest",
    "parse",
    "pull",
    "pull_hint",
    "push_blob",
    "supports_files",
    "validate",
]
