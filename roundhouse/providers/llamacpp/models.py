"""llama.cpp's model list: the GGUF files Roundhouse downloaded on a host, by a short name.

A file is named by its stem (`gemma-3-270m-it-Q4_K_M`; a split GGUF by its stem before
`-00001-of-0000N`), which is also the alias the server answers to. A request may name it by that,
by the file name, by the download record's id, or by `<repo>/<file>`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from roundhouse.core.errors import Conflict
from roundhouse.providers.hf import split_info


@dataclass(frozen=True)
class GGUF:
    """One servable model: the first file is what llama.cpp opens (it finds the other shards)."""

    name: str
    file_id: str
    repo_id: str
    filename: str
    path: Path
    size: int

    def public(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "file_id": self.file_id,
            "repo_id": self.repo_id,
            "filename": self.filename,
            "path": str(self.path),
            "size": self.size,
        }


def name_of(filename: str) -> str:
    base = PurePosixPath(filename).name
    info = split_info(base)
    return info[0] if info else base[: -len(".gguf")] if base.lower().endswith(".gguf") else base


def _model(record: dict[str, Any]) -> GGUF | None:
    files = [f for f in record.get("files") or [] if str(f.get("filename", "")).endswith(".gguf")]
    if not files or not all(Path(f.get("path") or "").is_file() for f in files):
        return None
    first = files[0]
    return GGUF(
        name=name_of(first["filename"]),
        file_id=record["id"],
        repo_id=record.get("repo_id") or "",
        filename=PurePosixPath(first["filename"]).name,
        path=Path(first["path"]),
        size=sum(int(f.get("size") or Path(f["path"]).stat().st_size) for f in files),
    )


def on_host(records: list[dict[str, Any]], host: str) -> list[GGUF]:
    """The GGUFs downloaded on `host` whose files are still on disk, newest first."""
    found = (_model(r) for r in records if r.get("host") == host)
    return [m for m in found if m is not None]


def _matches(model: GGUF, wanted: str) -> bool:
    w = wanted.strip().lower()
    names = {model.name, model.filename, model.file_id, f"{model.repo_id}/{model.filename}"}
    return w in {n.lower() for n in names}


def install_hint(wanted: str) -> str:
    return (
        f"Install a GGUF to llama.cpp first: `roundhouse install <repo> --quant Q4_K_M --to "
        f"llamacpp` (or the Install GGUF dialog, or POST /api/providers/models/install with "
        f'"targets": ["llamacpp"]), then use it. {wanted!r} is not among the downloaded files.'
    )


def resolve(models: list[GGUF], wanted: str | None, default: str = "") -> GGUF:
    """The model a request names (or the default, or the newest); 409 when it is not on disk."""
    wanted = (wanted or default or "").strip()
    if not wanted:
        if models:
            return models[0]
        raise Conflict(
            "No GGUF file is downloaded on this host, so llama.cpp has nothing to serve",
            hint=install_hint("<model>"),
            available=[],
        )
    hits = [m for m in models if _matches(m, wanted)]
    if len(hits) > 1:
        hits = [m for m in hits if m.file_id == wanted] or hits
    if len(hits) == 1:
        return hits[0]
    if hits:
        raise Conflict(
            f"{wanted!r} names several downloaded GGUFs",
            hint="Name it by its file id: " + ", ".join(m.file_id for m in hits),
            candidates=[m.public() for m in hits],
        )
    raise Conflict(
        f"GGUF {wanted!r} is not on disk on this host",
        hint=install_hint(wanted),
        model=wanted,
        available=[m.name for m in models],
    )
