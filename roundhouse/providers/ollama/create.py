"""POST /api/create from an uploaded blob, in whichever form the server understands.

Servers from 0.5.5 take `{"model", "files": {name: digest}}`; older ones want a Modelfile
(`FROM @sha256:...`) and answer the new form with 400 "path or Modelfile are required".
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from roundhouse.core.errors import InvalidRequest, ProviderError
from roundhouse.providers.base import Control
from roundhouse.providers.ollama import names
from roundhouse.providers.ollama.blobs import file_digest, normalise_digest, push_blob
from roundhouse.providers.ollama.client import OllamaClient

FILES_SINCE = (0, 5, 5)
OLD_SERVER_ERROR = "path or Modelfile are required"


def version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


def supports_files(version: str) -> bool:
    """True for >= 0.5.5 and for development builds, which report 0.0.0."""
    parts = version_tuple(version)
    return parts == (0, 0, 0) or parts >= FILES_SINCE or not parts


def create_body(name: str, filename: str, digest: str, version: str) -> dict[str, Any]:
    if supports_files(version):
        return {"model": name, "files": {filename: digest}, "stream": True}
    return {"name": name, "modelfile": f"FROM @{digest}\n", "stream": True}


def check_filename(filename: str) -> str:
    """A bare file name: Ollama refuses absolute paths and `..`; we keep it to the basename."""
    if not filename or PurePosixPath(filename).name != filename or filename in (".", ".."):
        raise InvalidRequest(
            f"{filename!r} must be a plain file name like model.gguf", field="filename"
        )
    return filename


def create_from_blob(
    client: OllamaClient, name: str, filename: str, digest: str, control: Control
) -> dict[str, Any]:
    """Create `name` from an uploaded blob, then confirm it is listed in /api/tags."""
    model = names.normalise(name)
    body = create_body(model, check_filename(filename), normalise_digest(digest), client.version())
    control.report(stage="creating", message=f"Creating {model} in Ollama")
    try:
        statuses = run_create(client, body, control)
    except InvalidRequest as exc:
        if OLD_SERVER_ERROR not in exc.message or "files" not in body:
            raise
        statuses = run_create(
            client, create_body(model, filename, body["files"][filename], "0.5.4"), control
        )
    if not client.has(model):
        raise ProviderError(
            "ollama", f"{model} was created but is not listed by Ollama", hint="Run `ollama list`."
        )
    return {"model": model, "digest": normalise_digest(digest), "statuses": statuses}


def run_create(client: OllamaClient, body: dict[str, Any], control: Control) -> list[str]:
    statuses: list[str] = []
    with client.stream("POST", "/api/create", body) as messages:
        for message in messages:
            control.check()
            if message.get("error"):
                raise ProviderError(
                    "ollama",
                    str(message["error"]),
                    hint="Ollama could not import the file; is it a complete GGUF model?",
                )
            status = str(message.get("status") or "")
            statuses.append(status)
            control.report(stage="creating", message=status)
    if "success" not in statuses:
        raise ProviderError("ollama", "the import ended before Ollama reported success")
    return statuses


def import_gguf(
    client: OllamaClient, path: Any, name: str, control: Control, *, digest: str | None = None
) -> dict[str, Any]:
    """The whole flow for one local file: digest (given or computed), upload, create, confirm."""
    from pathlib import Path

    path = Path(path)
    digest = normalise_digest(digest) if digest else file_digest(path, control)
    uploaded = push_blob(client, path, digest, control)
    result = create_from_blob(client, name, path.name, digest, control)
    return {**result, "uploaded": uploaded}
