"""Import a local GGUF into Ollama: hash, upload the blob (HEAD first), create, confirm.

The flow of research §1.13. The upload streams the file from disk in chunks, so a 40 GB
model never sits in memory, and checks for a stop request between chunks.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

from roundhouse.core.errors import InvalidRequest, ProviderError
from roundhouse.providers.base import Control
from roundhouse.providers.ollama.client import OllamaClient, error_message

CHUNK = 1 << 20
_DIGEST = re.compile(r"sha256[:-]([0-9a-fA-F]{64})")


def normalise_digest(digest: str) -> str:
    """`sha256:<lowercase hex>`, the only form POST /api/blobs accepts for a new blob."""
    found = _DIGEST.fullmatch((digest or "").strip())
    if not found:
        raise InvalidRequest(f"{digest!r} is not a sha256 digest (sha256:<64 hex>)", field="digest")
    return "sha256:" + found.group(1).lower()


def file_digest(path: Path, control: Control | None = None) -> str:
    """sha256 of a file, streamed, reporting `hashing` progress when a control is given."""
    hasher, done, total = hashlib.sha256(), 0, path.stat().st_size
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            hasher.update(chunk)
            done += len(chunk)
            if control is not None:
                control.check()
                control.report(stage="hashing", done=done, total=total)
    return "sha256:" + hasher.hexdigest()


def blob_exists(client: OllamaClient, digest: str) -> bool:
    """HEAD before POST: Ollama answers a POST for a known blob without reading the upload."""
    response = client.send("HEAD", f"/api/blobs/{normalise_digest(digest)}")
    return response.status_code == 200


def _chunks(path: Path, control: Control) -> Iterator[bytes]:
    done, total = 0, path.stat().st_size
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            control.check()
            done += len(chunk)
            yield chunk
            control.report(stage="uploading", done=done, total=total)


def push_blob(client: OllamaClient, path: Path, digest: str, control: Control) -> bool:
    """Upload `path` as blob `digest`; False when Ollama already had it. 400 = file != digest."""
    digest = normalise_digest(digest)
    path = Path(path)
    if blob_exists(client, digest):
        control.report(stage="uploading", message="Ollama already has this file")
        return False
    size = path.stat().st_size
    control.report(
        stage="uploading", done=0, total=size, message=f"Copying {path.name} into Ollama"
    )
    response = client.send(
        "POST",
        f"/api/blobs/{digest}",
        content=_chunks(path, control),
        headers={"Content-Length": str(size), "Content-Type": "application/octet-stream"},
        timeout=client.stream_timeout,
    )
    if response.status_code in (200, 201):
        return response.status_code == 201
    raise ProviderError(
        "ollama",
        error_message(response),
        hint="The file does not match its expected sha256; download it again.",
        status=response.status_code,
    )
