"""What is installed, per backend: Ollama's /api/tags and LM Studio's /v1/models plus its folder.

Each backend is asked with a short timeout and on its own thread, so one that is down or slow
shows as `ok: false` with the reason and never holds up the other.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from roundhouse.core.errors import AppError
from roundhouse.core.settings import Settings
from roundhouse.providers import tls
from roundhouse.providers.ollama import OllamaClient


def ollama_models(settings: Settings) -> dict[str, Any]:
    """{"ok", "url", "error", "models": [{name, size, family, ...}]}, newest first."""
    out: dict[str, Any] = {"ok": False, "url": settings.ollama_base_url, "error": None}
    try:
        with OllamaClient(settings.ollama_base_url, timeout=settings.health_timeout_s) as client:
            out["models"] = [m.to_dict() for m in client.tags()]
            out["ok"] = True
    except AppError as exc:
        out.update(error=exc.message, hint=exc.hint, models=[])
    return out


def lmstudio_files(models_dir: Path) -> list[dict[str, Any]]:
    """`<publisher>/<repo>/<file>.gguf`, exactly two folders deep, as LM Studio scans them."""
    root = Path(models_dir).expanduser()
    if not root.is_dir():
        return []
    files = []
    for path in sorted(root.glob("*/*/*.gguf")):
        if path.is_file() and not path.name.startswith("mmproj-"):
            rel = path.relative_to(root).as_posix()
            files.append({"path": rel, "name": path.stem, "size": path.stat().st_size})
    return files


def lmstudio_models(settings: Settings) -> dict[str, Any]:
    """LM Studio's own list when it runs, and the files in its models folder either way."""
    url = settings.lmstudio_base_url.rstrip("/")
    out: dict[str, Any] = {"ok": False, "url": url, "error": None, "models": []}
    out["dir"] = str(settings.lmstudio_models_dir)
    out["files"] = lmstudio_files(settings.lmstudio_models_dir)
    try:
        response = httpx.get(
            f"{url}/v1/models",
            timeout=settings.health_timeout_s,
            trust_env=False,
            verify=tls.context(),
        )
        response.raise_for_status()
        rows = (response.json() or {}).get("data") or []
    except (httpx.HTTPError, ValueError, AttributeError) as exc:
        out["error"] = f"LM Studio at {url}: {_why(exc)}"
        return out
    out["ok"] = True
    out["models"] = [
        {"id": row.get("id"), "type": row.get("type") or "llm"}
        for row in rows
        if isinstance(row, dict) and row.get("id")
    ]
    return out


def _why(exc: Exception) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "not running (connection refused)"
    if isinstance(exc, httpx.TimeoutException):
        return "no answer in time"
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code}"
    return f"unreadable answer ({type(exc).__name__})"


def installed(settings: Settings) -> dict[str, dict[str, Any]]:
    """Both backends, asked at the same time."""
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="installed") as pool:
        ollama = pool.submit(ollama_models, settings)
        lmstudio = pool.submit(lmstudio_models, settings)
        return {"ollama": ollama.result(), "lmstudio": lmstudio.result()}
