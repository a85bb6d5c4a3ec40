"""GGUF header validation: a downloaded file is checked before any runtime is asked to load it.

Layout (little-endian): b"GGUF", u32 version, then tensor and metadata counts (u32 in v1, u64 in
v2/v3), then metadata entries (string key, u32 type, value). We parse every metadata entry with
sanity limits, skipping array bodies where their size is fixed, and never read tensor data.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from roundhouse.core.errors import InvalidRequest

MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (1, 2, 3)
MAX_TENSORS = 10_000_000
MAX_KV = 1_000_000
MAX_STRING = 64 << 20
MAX_ARRAY = 1 << 31
SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q"}
SCALARS |= {11: "<q", 12: "<d"}
T_STRING, T_ARRAY = 8, 9
KEEP = ("general.architecture", "general.name", "split.no", "split.count", "split.tensors.count")
#: Short facts shown as a model's details (llama.cpp's Details in the page).
FACTS = ("general.size_label", "general.license", "general.basename", "general.finetune")
CHAT_TEMPLATE = "tokenizer.chat_template"
LICENSE_MAX = 4000
#: Shape keys (after the architecture's prefix) that tell how much memory a context takes.
SHAPE = (
    ".block_count",
    ".embedding_length",
    ".context_length",
    ".attention.head_count",
    ".attention.head_count_kv",
    ".attention.key_length",
    ".attention.value_length",
)


@dataclass(frozen=True)
class GGUFSummary:
    """What we learned from a header: enough to show, and to tell a model from junk."""

    version: int
    tensor_count: int
    kv_count: int
    architecture: str
    name: str | None
    metadata: dict[str, Any] = field(default_factory=dict)


class _Bad(Exception):
    """Internal: the header is malformed; turned into InvalidRequest with the path."""


class _Reader:
    """Little-endian reads that fail with a readable reason instead of struct.error."""

    def __init__(self, f: BinaryIO, version: int) -> None:
        self.f = f
        self.count_fmt = "<I" if version == 1 else "<Q"

    def unpack(self, fmt: str, what: str) -> Any:
        size = struct.calcsize(fmt)
        raw = self.f.read(size)
        if len(raw) != size:
            raise _Bad(f"file ends inside {what}")
        return struct.unpack(fmt, raw)[0]

    def count(self, what: str) -> int:
        return int(self.unpack(self.count_fmt, what))

    def string(self, what: str) -> str:
        length = self.count(f"{what} length")
        if length > MAX_STRING:
            raise _Bad(f"{what} claims {length} bytes")
        raw = self.f.read(length)
        if len(raw) != length:
            raise _Bad(f"file ends inside {what}")
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _Bad(f"{what} is not UTF-8") from exc

    def value(self, type_: int, what: str) -> Any:
        if type_ in SCALARS:
            return self.unpack(SCALARS[type_], what)
        if type_ == T_STRING:
            return self.string(what)
        if type_ == T_ARRAY:
            self.skip_array(what)
            return None
        raise _Bad(f"{what} has unknown value type {type_}")

    def skip_array(self, what: str) -> None:
        item_type = self.unpack("<I", f"{what} item type")
        length = self.count(f"{what} length")
        if length > MAX_ARRAY:
            raise _Bad(f"{what} claims {length} items")
        if item_type in SCALARS:
            self.f.seek(struct.calcsize(SCALARS[item_type]) * length, 1)
            return
        for _ in range(length):
            self.value(item_type, f"{what} item")


def _parse(f: BinaryIO) -> GGUFSummary:
    """Parse the header and metadata of an open file."""
    magic = f.read(4)
    if magic != MAGIC:
        raise _Bad(f"magic is {magic!r}, expected b'GGUF' (not a GGUF file, or an HTML error page)")
    version = _Reader(f, 3).unpack("<I", "version")
    if version not in SUPPORTED_VERSIONS:
        raise _Bad(f"version {version} is not supported (1-3)")
    r = _Reader(f, version)
    tensors, kv_count = r.count("tensor count"), r.count("metadata count")
    if tensors > MAX_TENSORS or kv_count > MAX_KV:
        raise _Bad(f"implausible counts: {tensors} tensors, {kv_count} metadata entries")
    kept: dict[str, Any] = {}
    for i in range(kv_count):
        key = r.string(f"metadata key #{i}")
        value = r.value(r.unpack("<I", f"type of {key}"), key)
        if key in KEEP or key.endswith(SHAPE):
            kept[key] = value
        elif key in FACTS and isinstance(value, str):
            kept[key] = value[:LICENSE_MAX]
        elif key == CHAT_TEMPLATE:  # only whether there is one: the text can be kilobytes
            kept[key] = bool(value)
    arch = kept.get("general.architecture")
    if not isinstance(arch, str) or not arch:
        raise _Bad("metadata has no general.architecture")
    name = kept.get("general.name")
    return GGUFSummary(
        version, tensors, kv_count, arch, name if isinstance(name, str) else None, kept
    )


def read_summary(path: Path) -> GGUFSummary:
    """Validate a GGUF file's header; raise InvalidRequest saying what is wrong."""
    try:
        with Path(path).open("rb") as f:
            return _parse(f)
    except _Bad as exc:
        raise InvalidRequest(
            f"{Path(path).name} is not a valid GGUF file: {exc}",
            hint="delete it and download it again; if it persists, the repository file is broken",
            path=str(path),
        ) from None
    except OSError as exc:
        raise InvalidRequest(f"cannot read {path}: {exc.strerror or exc}", path=str(path)) from None


def check_split(summary: GGUFSummary, part: int, parts: int) -> None:
    """A shard's own split.no/split.count must agree with its -0000k-of-0000N name."""
    meta = summary.metadata
    if "split.count" not in meta:
        return
    if meta.get("split.count") != parts or meta.get("split.no") != part - 1:
        raise InvalidRequest(
            f"shard metadata says part {meta.get('split.no', 0) + 1} of {meta.get('split.count')},"
            f" but the file name says {part} of {parts}"
        )
