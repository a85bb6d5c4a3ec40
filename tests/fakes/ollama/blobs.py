"""HEAD/POST /api/blobs/:digest and POST /api/create (the `files` form and the pre-0.5.5 form)."""

from __future__ import annotations

import hashlib
import re
from pathlib import PurePosixPath
from typing import Any

from tests.fakes.ollama import names, replies
from tests.fakes.ollama.state import CONFIG_TYPE, MEDIA, Layer, RemoteModel, sha

DIGEST = re.compile(r"sha256[:-][0-9a-fA-F]{64}")
FROM_BLOB = re.compile(r"^FROM\s+@?(sha256:[0-9a-f]{64})\s*$", re.MULTILINE)


def _stored(param: str) -> str:
    return "sha256:" + param[7:].lower()


def blob(h: Any) -> None:
    param = h.route_path.rsplit("/", 1)[-1]
    if not DIGEST.fullmatch(param):
        return replies.error(h, 400, "invalid digest format")
    state = h.fake.state
    exists = _stored(param) in state.blobs
    if h.command == "HEAD":
        return h.send_bytes(200 if exists else 404, b"", None)
    if exists:  # answered without using the body; Go drains up to 256 KiB, then drops the
        _drain(h, 256 * 1024)  # connection (a larger unread body is cut off)
        h.close_connection = True
        return h.send_bytes(200, b"", None)
    receive(h, param)


def _drain(h: Any, limit: int) -> None:
    """Read what the client is sending, up to `limit`, so the answer is not lost to a reset."""
    if int(h.headers.get("Content-Length") or 0) <= limit:
        for _ in h.iter_body():
            pass


def receive(h: Any, param: str) -> None:
    """Hash the upload as it streams in; store it under its actual digest either way."""
    hasher, size, head = hashlib.sha256(), 0, b""
    for piece in h.iter_body():
        hasher.update(piece)
        head = head or piece[:4]
        size += len(piece)
    actual = "sha256:" + hasher.hexdigest()
    state = h.fake.state
    with state.lock:
        state.blobs[actual], state.heads[actual] = size, head
        state.uploaded_bytes += size
    if actual != param:
        return replies.error(h, 400, f'digest mismatch, expected "{param}", got "{actual}"')
    h.send_bytes(201, b"", None)


def _new_api(version: str) -> bool:
    parts = tuple(int(p) for p in re.findall(r"\d+", version)[:3])
    return parts == (0, 0, 0) or parts >= (0, 5, 5)


def create(h: Any) -> None:
    body = replies.body_or_error(h)
    if body is None:
        return
    name = names.canonical(str(body.get("model") or body.get("name") or ""))
    files = create_files(h, body) if _new_api(h.fake.version) else legacy_files(h, body)
    if files is None:
        return
    if name is None:
        return replies.error(h, 400, "invalid model name")
    build(h, replies.stream_for(h, body), name, files)


def create_files(h: Any, body: dict) -> dict[str, str] | None:
    files = body.get("files") or {}
    for path, digest in files.items():
        if PurePosixPath(path).is_absolute() or ".." in PurePosixPath(path).parts:
            return replies.error(h, 400, "file path must be relative")
        if not digest:
            return replies.error(h, 400, "invalid digest format")
    if not files and not body.get("from"):
        return replies.error(h, 400, "neither 'from' or 'files' was specified")
    if not files:
        return copy_from(h, body)
    return dict(files)


def copy_from(h: Any, body: dict) -> None:
    """`from` an installed model: the same layers under a new name."""
    source = h.fake.state.find(str(body["from"]))
    if source is None:
        return replies.error(h, 404, f"model '{body['from']}' not found")
    name = names.canonical(str(body.get("model") or ""))
    if name is None:
        return replies.error(h, 400, "invalid model name")
    with h.fake.state.lock:
        h.fake.state.install(RemoteModel(name, source.model.layers, source.model.family))
    stream = replies.stream_for(h, body)
    for status in ("using existing layer " + source.model.layers[0].digest, "writing manifest"):
        stream.line({"status": status})
    stream.line({"status": "success"})
    stream.close()


def legacy_files(h: Any, body: dict) -> dict[str, str] | None:
    """Servers before 0.5.5 read a Modelfile whose FROM names an uploaded blob."""
    modelfile = body.get("modelfile") or ""
    if not modelfile and not body.get("path"):
        return replies.error(h, 400, "path or Modelfile are required")
    found = FROM_BLOB.search(modelfile)
    return {"model.gguf": found.group(1)} if found else {}


def build(h: Any, stream: replies.Stream, name: str, files: dict[str, str]) -> None:
    """Stream the create statuses; a missing or non-GGUF blob fails in-band."""
    state = h.fake.state
    stream.line({"status": "parsing GGUF"})
    layers = []
    for digest in files.values():
        if digest not in state.blobs:
            stream.fail(
                f"open /root/.ollama/models/blobs/sha256-{digest[7:]}: no such file or directory"
            )
            return stream.close()
        if state.heads.get(digest, b"GGUF") != b"GGUF":
            stream.fail("supplied file was not in GGUF format")
            return stream.close()
        stream.line({"status": f"using existing layer {digest}"})
        layers.append(Layer(digest, state.blobs[digest], MEDIA + "model"))
    config = Layer(f"sha256:{sha(name + '|'.join(files.values()))}", 485, CONFIG_TYPE)
    stream.line({"status": f"creating new layer {config.digest}"})
    stream.line({"status": "writing manifest"})
    with state.lock:
        state.install(RemoteModel(name, (*layers, config), parameter_size="", quantization=""))
    stream.line({"status": "success"})
    stream.close()
