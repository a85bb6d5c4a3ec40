"""HEAD/POST /api/blobs/:digest and POST /api/create (the `files` form and the pre-0.5.5 form)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any

from tests.fakes.loopback import Answer, Request
from tests.fakes.ollama import names, replies
from tests.fakes.ollama.replies import Fail
from tests.fakes.ollama.state import CONFIG_TYPE, MEDIA, Layer, RemoteModel, sha

DIGEST = re.compile(r"sha256[:-][0-9a-fA-F]{64}")
FROM_BLOB = re.compile(r"^FROM\s+@?(sha256:[0-9a-f]{64})\s*$", re.MULTILINE)


def _stored(param: str) -> str:
    return "sha256:" + param[7:].lower()


def blob(fake: Any, request: Request) -> Answer:
    param = request.path.rsplit("/", 1)[-1]
    if not DIGEST.fullmatch(param):
        return replies.error(400, "invalid digest format")
    exists = _stored(param) in fake.state.blobs
    if request.method == "HEAD":
        return replies.empty(200 if exists else 404)
    if exists:  # answered without using the body: Go then drops the connection
        return Answer(200, b"", {"Content-Type": ""}, close=True)
    return receive(fake, request.body, param)


def receive(fake: Any, data: bytes, param: str) -> Answer:
    """Store the upload under its actual digest either way."""
    actual = "sha256:" + hashlib.sha256(data).hexdigest()
    state = fake.state
    with state.lock:
        state.blobs[actual], state.heads[actual] = len(data), data[:4]
        state.uploaded_bytes += len(data)
    if actual != param:
        return replies.error(400, f'digest mismatch, expected "{param}", got "{actual}"')
    return replies.empty(201)


def _new_api(version: str) -> bool:
    parts = tuple(int(p) for p in re.findall(r"\d+", version)[:3])
    return parts == (0, 0, 0) or parts >= (0, 5, 5)


def create(fake: Any, request: Request) -> Answer:
    body = replies.body_or_error(request)
    if isinstance(body, Answer):
        return body
    name = names.canonical(str(body.get("model") or body.get("name") or ""))
    files = create_files(fake, body) if _new_api(fake.version) else legacy_files(body)
    if isinstance(files, Answer):
        return files
    if name is None:
        return replies.error(400, "invalid model name")
    return replies.stream_for(body, build(fake, name, files))


def create_files(fake: Any, body: dict) -> dict[str, str] | Answer:
    files = body.get("files") or {}
    for path, digest in files.items():
        if PurePosixPath(path).is_absolute() or ".." in PurePosixPath(path).parts:
            return replies.error(400, "file path must be relative")
        if not digest:
            return replies.error(400, "invalid digest format")
    if not files and not body.get("from"):
        return replies.error(400, "neither 'from' or 'files' was specified")
    if not files:
        return copy_from(fake, body)
    return dict(files)


def copy_from(fake: Any, body: dict) -> Answer:
    """`from` an installed model: the same layers under a new name."""
    source = fake.state.find(str(body["from"]))
    if source is None:
        return replies.error(404, f"model '{body['from']}' not found")
    name = names.canonical(str(body.get("model") or ""))
    if name is None:
        return replies.error(400, "invalid model name")
    with fake.state.lock:
        fake.state.install(RemoteModel(name, source.model.layers, source.model.family))
    first = "using existing layer " + source.model.layers[0].digest
    lines = [{"status": status} for status in (first, "writing manifest", "success")]
    return replies.stream_for(body, lines)


def legacy_files(body: dict) -> dict[str, str] | Answer:
    """Servers before 0.5.5 read a Modelfile whose FROM names an uploaded blob."""
    modelfile = body.get("modelfile") or ""
    if not modelfile and not body.get("path"):
        return replies.error(400, "path or Modelfile are required")
    found = FROM_BLOB.search(modelfile)
    return {"model.gguf": found.group(1)} if found else {}


def build(fake: Any, name: str, files: dict[str, str]) -> Iterator[dict | Fail]:
    """The create statuses; a missing or non-GGUF blob fails in-band."""
    state = fake.state
    yield {"status": "parsing GGUF"}
    layers = []
    for digest in files.values():
        if digest not in state.blobs:
            missing = f"open /root/.ollama/models/blobs/sha256-{digest[7:]}"
            yield Fail(f"{missing}: no such file or directory")
            return
        if state.heads.get(digest, b"GGUF") != b"GGUF":
            yield Fail("supplied file was not in GGUF format")
            return
        yield {"status": f"using existing layer {digest}"}
        layers.append(Layer(digest, state.blobs[digest], MEDIA + "model"))
    config = Layer(f"sha256:{sha(name + '|'.join(files.values()))}", 485, CONFIG_TYPE)
    yield {"status": f"creating new layer {config.digest}"}
    yield {"status": "writing manifest"}
    with state.lock:
        state.install(RemoteModel(name, (*layers, config), parameter_size="", quantization=""))
    yield {"status": "success"}
