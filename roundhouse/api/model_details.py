"""One installed model's details: parameters, quantization, context length, size, licence, date.

Ollama answers from /api/show (`details`, `model_info.<arch>.context_length`, `license`) plus
/api/tags (size, modified); LM Studio from its /api/v0/models/<id> (arch, quantization,
max_context_length) plus the file in its folder (size, modified); llama.cpp's models are GGUF
files on this host, so their own header says it (`general.size_label`, `general.license`,
`<arch>.context_length`), whether or not a server runs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from roundhouse.api import installed
from roundhouse.core.errors import Conflict, NotFound, ProviderError
from roundhouse.core.settings import Settings
from roundhouse.providers import gguf, tls
from roundhouse.providers.hf import quant_of
from roundhouse.providers.llamacpp import models as gguf_models
from roundhouse.providers.ollama import OllamaClient
from roundhouse.providers.ollama import names as ollama_names

LICENSE_MAX = gguf.LICENSE_MAX


def ollama(s: Settings, model: str) -> dict[str, Any]:
    with OllamaClient(s.ollama_base_url, timeout=max(5.0, s.health_timeout_s)) as client:
        shown = client.show(model)
        row = next(
            (m for m in client.tags() if ollama_names.key(m.name) == ollama_names.key(model)), None
        )
    details = shown.get("details") or {}
    info = shown.get("model_info") or {}
    context = next((v for k, v in info.items() if k.endswith(".context_length")), None)
    return {
        "provider": "ollama",
        "model": row.name if row else model,
        "family": details.get("family"),
        "parameters": details.get("parameter_size"),
        "quantization": details.get("quantization_level"),
        "format": details.get("format"),
        "context_length": context,
        "size": row.size if row else None,
        "license": (shown.get("license") or "")[:LICENSE_MAX] or None,
        "modified": shown.get("modified_at") or (row.to_dict()["modified"] if row else None),
        "capabilities": shown.get("capabilities") or [],
    }


def lmstudio(s: Settings, model: str) -> dict[str, Any]:
    url = f"{s.lmstudio_base_url.rstrip('/')}/api/v0/models/{model}"
    try:
        r = httpx.get(
            url, timeout=max(5.0, s.health_timeout_s), trust_env=False, verify=tls.context()
        )
    except httpx.HTTPError as exc:
        raise ProviderError("lmstudio", f"LM Studio at {s.lmstudio_base_url}: {exc}") from exc
    if r.status_code == 404:
        raise NotFound(f"LM Studio has no model {model!r}.", hint="See its list in Models.")
    body = r.json() if r.is_success else {}
    files = installed.lmstudio_files(s.lmstudio_models_dir)
    stem = model.split("@")[0].rsplit("/", 1)[-1].lower()
    match = next((f for f in files if f["name"].lower().startswith(stem)), None)
    path = s.lmstudio_models_dir.expanduser() / match["path"] if match else None
    modified = datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat() if path else None
    return {
        "provider": "lmstudio",
        "model": model,
        "family": body.get("arch"),
        "parameters": None,
        "quantization": body.get("quantization") or (quant_of(match["path"]) if match else None),
        "format": body.get("compatibility_type"),
        "context_length": body.get("max_context_length"),
        "size": match["size"] if match else None,
        "license": None,
        "modified": modified,
        "state": body.get("state"),
    }


def llamacpp(s: Settings, records: list[dict[str, Any]], model: str) -> dict[str, Any]:
    """A GGUF downloaded on this host, from its header and the file itself (404 if not here)."""
    try:
        found = gguf_models.resolve(gguf_models.on_host(records, s.hostname), model)
    except Conflict as exc:
        raise NotFound(exc.message, hint=exc.hint) from None
    summary = gguf.read_summary(found.path)
    meta, arch = summary.metadata, summary.architecture
    modified = datetime.fromtimestamp(found.path.stat().st_mtime, UTC).isoformat()
    return {
        "provider": "llamacpp",
        "model": found.name,
        "family": arch,
        "parameters": meta.get("general.size_label"),
        "quantization": quant_of(found.filename),
        "format": "gguf",
        "context_length": meta.get(f"{arch}.context_length"),
        "size": found.size,
        "license": meta.get("general.license"),
        "modified": modified,
        "repo_id": found.repo_id or None,
    }
