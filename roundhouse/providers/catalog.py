"""The catalog of recommended models (roundhouse/catalog/models.json) and whether each fits here.

The JSON is edited by people, so every entry is validated on load and a mistake names the
entry and the field. Fit is judged from total RAM and free disk, passed in as numbers.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from roundhouse.core.errors import InvalidRequest, NotFound
from roundhouse.providers.ollama import names

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "catalog" / "models.json"
GB = 1_000_000_000
_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,79}")
_REPO = re.compile(r"[A-Za-z0-9][\w.-]{0,95}/[\w.-]{1,96}", re.ASCII)  # \w: ASCII only


class CatalogError(ValueError):
    """The catalog file is wrong; the message says which entry and field."""


@dataclass(frozen=True)
class GgufFile:
    quant: str
    file: str
    size_bytes: int


@dataclass(frozen=True)
class HfSource:
    repo: str
    default_quant: str
    files: dict[str, GgufFile]

    @property
    def default(self) -> GgufFile:
        return self.files[self.default_quant]


@dataclass(frozen=True)
class CatalogEntry:
    id: str
    name: str
    description: str
    recommended: bool
    family: str
    parameters: str
    ollama: str
    size_bytes: int
    ram_bytes: int
    hf: HfSource

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Fit:
    verdict: str  # "fits" | "tight" | "will not fit"
    message: str
    ram_needed: int
    ram_total: int | None
    disk_needed: int
    disk_free: int | None


def _field(raw: dict[str, Any], key: str, kind: type, where: str) -> Any:
    value = raw.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) is not (kind is bool):
        raise CatalogError(f"{where}: '{key}' must be a {kind.__name__}")
    if kind is int and isinstance(value, int) and value <= 0:
        raise CatalogError(f"{where}: '{key}' must be a positive number of bytes")
    return value


def _gguf_file(quant: str, raw: Any, where: str) -> GgufFile:
    if not isinstance(raw, dict):
        raise CatalogError(f"{where}: hf.files.{quant} must be an object")
    file = _field(raw, "file", str, where)
    path = PurePosixPath(file)
    if not file.endswith(".gguf") or path.is_absolute() or ".." in path.parts:
        raise CatalogError(f"{where}: hf.files.{quant}.file must be a relative .gguf path")
    return GgufFile(quant, file, _field(raw, "size_bytes", int, where))


def _hf(raw: Any, where: str) -> HfSource:
    if not isinstance(raw, dict):
        raise CatalogError(f"{where}: 'hf' must be an object")
    repo = _field(raw, "repo", str, where)
    if not _REPO.fullmatch(repo):
        raise CatalogError(f"{where}: hf.repo {repo!r} must look like publisher/Model-GGUF")
    files = {q: _gguf_file(q, f, where) for q, f in _field(raw, "files", dict, where).items()}
    default = raw.get("default_quant", "Q4_K_M")
    if default not in files:
        raise CatalogError(f"{where}: hf.default_quant {default!r} is not among hf.files")
    return HfSource(repo, default, files)


def parse_entry(raw: Any, index: int) -> CatalogEntry:
    """One validated entry; CatalogError otherwise."""
    if not isinstance(raw, dict):
        raise CatalogError(f"models[{index}] must be an object")
    where = f"models[{index}] ({raw.get('id', '?')})"
    entry_id = _field(raw, "id", str, where)
    if not _ID.fullmatch(entry_id):
        raise CatalogError(f"{where}: 'id' must be lowercase letters, digits, '.', '_' or '-'")
    try:
        ollama = names.validate(_field(raw, "ollama", str, where))
    except InvalidRequest as exc:
        raise CatalogError(f"{where}: 'ollama' is not a valid Ollama name: {exc.message}") from exc
    text = {k: _field(raw, k, str, where) for k in ("name", "description", "family", "parameters")}
    return CatalogEntry(
        id=entry_id,
        recommended=bool(raw.get("recommended", False)),
        ollama=ollama,
        size_bytes=_field(raw, "size_bytes", int, where),
        ram_bytes=_field(raw, "ram_bytes", int, where),
        hf=_hf(raw.get("hf"), where),
        **text,
    )


def load(path: Path | str | None = None) -> list[CatalogEntry]:
    """Read and validate the catalog (the packaged file unless a path is given)."""
    source = Path(path) if path else DEFAULT_PATH
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CatalogError(f"cannot read the model catalog {source}: {exc}") from exc
    models = data.get("models") if isinstance(data, dict) else None
    if not isinstance(models, list):
        raise CatalogError(f"{source}: expected an object with a 'models' list")
    entries = [parse_entry(raw, i) for i, raw in enumerate(models)]
    ids = [e.id for e in entries]
    if dupes := sorted({i for i in ids if ids.count(i) > 1}):
        raise CatalogError(f"{source}: duplicate ids {dupes}")
    return entries


def find(entries: list[CatalogEntry], wanted: str) -> CatalogEntry:
    """By catalog id, or by Ollama name (`llama3.2` matches `llama3.2:latest`)."""
    for entry in entries:
        if entry.id == wanted or _ollama_key(wanted) == names.key(entry.ollama):
            return entry
    raise NotFound(f"no model {wanted!r} in the catalog", hint="See the recommendations list.")


def _ollama_key(raw: str) -> str | None:
    try:
        return names.key(raw)
    except InvalidRequest:
        return None


def gb(n: int | None) -> str:
    return "unknown" if n is None else f"{n / GB:.1f} GB"


def fit(entry: CatalogEntry, ram_bytes: int | None, free_disk_bytes: int | None) -> Fit:
    """Fits / tight (under 1.5x the RAM, or under 2 GB disk to spare) / will not fit."""
    need_ram, need_disk = entry.ram_bytes, entry.size_bytes
    problems, tight = [], []
    if ram_bytes is not None and ram_bytes < need_ram:
        problems.append("not enough memory")
    elif ram_bytes is not None and ram_bytes < need_ram * 1.5:
        tight.append("little memory to spare")
    if free_disk_bytes is not None and free_disk_bytes < need_disk:
        problems.append("not enough free disk")
    elif free_disk_bytes is not None and free_disk_bytes < need_disk + 2 * GB:
        tight.append("little disk to spare")
    verdict = "will not fit" if problems else "tight" if tight else "fits"
    because = f" ({', '.join(problems or tight)})" if problems or tight else ""
    message = (
        f"{verdict.capitalize()}{because}: {entry.name} needs {gb(need_ram)} of RAM "
        f"(this machine has {gb(ram_bytes)}) and {gb(need_disk)} of disk "
        f"({gb(free_disk_bytes)} free)."
    )
    return Fit(verdict, message, need_ram, ram_bytes, need_disk, free_disk_bytes)


def total_ram_bytes() -> int | None:
    """Physical memory of this machine, or None where the platform will not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def free_disk_bytes(directory: Path | str) -> int:
    """Free bytes on the disk that holds `directory` (or its nearest existing parent)."""
    path = Path(directory).resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    return shutil.disk_usage(path).free


def with_installed(entries: list[CatalogEntry], installed: list[str]) -> list[dict[str, Any]]:
    """Each entry as a dict plus `installed` / `installed_as` (matched case-insensitively)."""
    keys = {k: name for name in installed if (k := _ollama_key(name))}
    rows = []
    for entry in entries:
        match = keys.get(names.key(entry.ollama)) or keys.get(_ollama_key(entry.id) or "")
        rows.append(entry.to_dict() | {"installed": match is not None, "installed_as": match})
    return rows


def recommendations(
    entries: list[CatalogEntry], installed: list[str], ram: int | None, free_disk: int | None
) -> list[dict[str, Any]]:
    """What the recommendations endpoint shows: entries, installed state and fit, best first."""
    rows = with_installed(entries, installed)
    for row, entry in zip(rows, entries, strict=True):
        row["fit"] = asdict(fit(entry, ram, free_disk))
    return sorted(rows, key=lambda r: (not r["recommended"], r["fit"]["verdict"] == "will not fit"))
