"""GGUF requests (`model.install`, `hf.download`, `model.import`, `model.delete`): parameters
checked before a job exists, so bad input is a 400 that changes nothing; one job per file."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from roundhouse.core.errors import InvalidRequest
from roundhouse.core.settings import Settings
from roundhouse.providers import hf
from roundhouse.providers.ollama import names
from roundhouse.tasks.kinds import HOST, declare

# All on the HOST queue: the models folder, its disk reservation and LM Studio's folder belong
# to one machine, and a part left by a killed worker must be found by the next.
INSTALL = declare("model.install", queue=HOST, resumable=True, pausable=True)
DOWNLOAD = declare("hf.download", queue=HOST, resumable=True, pausable=True)
IMPORT = declare("model.import", queue=HOST, resumable=True)
DELETE = declare("model.delete", queue=HOST)

TARGETS = ("ollama", "lmstudio", "llamacpp")
DEFAULT_TARGETS = ("ollama", "lmstudio")  # llama.cpp is opted into: it serves from models_dir
INSTALL_FIELDS = {"repo_id", "quant", "file", "files", "revision", "targets", "ollama_name"}
INSTALL_FIELDS |= {"host", "replace"}
DOWNLOAD_FIELDS = {"repo_id", "quant", "file", "files", "revision", "host"}
IMPORT_FIELDS = {"file_id", "path", "repo_id", "targets", "ollama_name", "host"}


def _str(body: dict[str, Any], name: str, default: str | None = None) -> str | None:
    value = body.get(name, default)
    if value is not None and not isinstance(value, str):
        raise InvalidRequest(f"{name} must be a string")
    return value.strip() if isinstance(value, str) else None


def targets_of(body: dict[str, Any], default: tuple[str, ...] = DEFAULT_TARGETS) -> list[str]:
    raw = body.get("targets", list(default))
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw or any(t not in TARGETS for t in raw):
        raise InvalidRequest(
            f"targets must be a non-empty list drawn from {', '.join(TARGETS)}", got=raw
        )
    return [t for t in TARGETS if t in raw]


def revision_of(body: dict[str, Any]) -> str:
    rev = _str(body, "revision", "main") or "main"
    bad = not (rev.isascii() and rev.isprintable()) or any(c in rev for c in " \\~^:?*[")
    if len(rev) > 128 or bad or ".." in rev:
        raise InvalidRequest(f"revision {rev!r} is not a branch, tag or commit id")
    return rev


def wanted_files(body: dict[str, Any], any_path: bool = False) -> tuple[str | None, list[str]]:
    """(quant, explicit file names): exactly one of quant, file or files.

    `any_path` (hf.download): any safe repo path (safetensors, config.json, ...); otherwise
    every name must be a .gguf.
    """
    quant, file, files = _str(body, "quant"), _str(body, "file"), body.get("files")
    given = [x for x in (quant, file, files) if x]
    if len(given) != 1:
        raise InvalidRequest(
            "give exactly one of quant (e.g. Q4_K_M), file (a .gguf in the repo) or files",
            hint="the quantization picks the file (all shards of a split GGUF) for you",
        )
    if quant:
        return hf.validate_quant(quant), []
    names_ = [file] if file else files
    if not isinstance(names_, list) or not all(isinstance(n, str) for n in names_):
        raise InvalidRequest("files must be a list of file names")
    if len(names_) > 64:
        raise InvalidRequest("at most 64 files per download")
    check = hf.validate_repo_path if any_path else hf.validate_filename
    return None, [check(n) for n in names_]


def default_ollama_name(repo_id: str, quant: str | None) -> str:
    """`hf.co/<publisher>/<repo>:<quant>`, Ollama's own name for a Hub GGUF."""
    publisher, repo = repo_id.split("/")
    candidate = f"hf.co/{publisher.replace('.', '-')}/{repo}:{quant or 'latest'}"
    try:
        return names.validate(candidate)
    except InvalidRequest:
        raise InvalidRequest(
            f"cannot derive an Ollama name from {repo_id}", hint="give ollama_name"
        ) from None


def ollama_name_of(body: dict[str, Any], repo_id: str, quant: str | None) -> str:
    given = _str(body, "ollama_name")
    return names.validate(given) if given else default_ollama_name(repo_id, quant)


def dest_dir(settings: Settings, repo_id: str) -> Path:
    """One stable folder per repo, so a crashed worker's part is found by the next attempt."""
    publisher, repo = hf.validate_repo_id(repo_id).split("/")
    return settings.models_dir / "hf" / publisher / repo


def inside_models_dir(settings: Settings, raw: str) -> Path:
    """A .gguf path inside models_dir (relative to it or absolute), or a 400."""
    if not isinstance(raw, str) or not raw or "\0" in raw or ".." in PurePosixPath(raw).parts:
        raise InvalidRequest(f"path {raw!r} must name a .gguf file inside the models folder")
    root = settings.models_dir.resolve()
    path = (root / raw).resolve()
    if not path.is_relative_to(root) or path.suffix.lower() != ".gguf":
        raise InvalidRequest(f"path {raw!r} must name a .gguf file inside {root}")
    return path


def is_split(files: list[str]) -> bool:
    return len(files) > 1 and all(hf.split_info(PurePosixPath(f).name) for f in files)


def dedup_key(kind: str, host: str, repo_id: str, files: list[str]) -> str:
    return f"{kind}:{host}:{repo_id}:{files[0] if files else ''}"


def import_dedup(host: str, source: str) -> str:
    """One import of one file (a download record's id, or a path) per host at a time."""
    return f"{IMPORT}:{host}:{source}"


def delete_dedup(file_id: str) -> str:
    return f"{DELETE}:{file_id}"
