"""Real, small GGUF files for tests, so validators and downloads see genuine header bytes.

Layout (little-endian, GGUF v2/v3): magic b"GGUF", u32 version, u64 tensor_count, u64 kv_count,
kv_count x (string key, u32 type, value), tensor_count x tensor info, padding to 32, tensor data.
Version 1 used u32 for the counts and string lengths. A filler after the data pads to any size.
"""

from __future__ import annotations

import hashlib
import random
import struct
from pathlib import Path
from typing import Any

ALIGNMENT = 32
T_U32, T_I32, T_F32, T_BOOL, T_STRING, T_ARRAY, T_U64 = 4, 5, 6, 7, 8, 9, 10
T_U16 = 2


def _string(text: str, version: int) -> bytes:
    """GGUF string: length prefix (u32 in v1, u64 after) then UTF-8 bytes."""
    raw = text.encode()
    return struct.pack("<I" if version == 1 else "<Q", len(raw)) + raw


def _value(value: Any, version: int) -> tuple[int, bytes]:
    """Type tag and encoded bytes for a Python value."""
    if isinstance(value, bool):
        return T_BOOL, struct.pack("<?", value)
    if isinstance(value, int):
        return T_U32, struct.pack("<I", value)
    if isinstance(value, float):
        return T_F32, struct.pack("<f", value)
    if isinstance(value, str):
        return T_STRING, _string(value, version)
    if isinstance(value, list):
        count = struct.pack("<I" if version == 1 else "<Q", len(value))
        body = b"".join(_string(v, version) for v in value)
        return T_ARRAY, struct.pack("<I", T_STRING) + count + body
    raise TypeError(f"unsupported GGUF test value {value!r}")


def header(
    *,
    arch: str | None = "llama",
    name: str = "Tiny Test Model",
    version: int = 3,
    extra: dict[str, Any] | None = None,
    tensors: int = 1,
) -> bytes:
    """Header, metadata and tensor infos for a tiny model, padded to the alignment."""
    kv: dict[str, Any] = {}
    if arch is not None:
        kv["general.architecture"] = arch
    kv["general.name"] = name
    kv["general.alignment"] = ALIGNMENT
    kv["tokenizer.ggml.tokens"] = ["<s>", "</s>", "hello"]
    kv.update(extra or {})
    count_fmt = "<I" if version == 1 else "<Q"
    out = bytearray(b"GGUF" + struct.pack("<I", version))
    out += struct.pack(count_fmt, tensors) + struct.pack(count_fmt, len(kv))
    for key, value in kv.items():
        tag, raw = _value(value, version)
        out += _string(key, version) + struct.pack("<I", tag) + raw
    for i in range(tensors):
        # name, n_dims, dims (u64), ggml type (0 = f32), offset into the data section
        out += _string(f"blk.{i}.weight", version) + struct.pack("<I", 1)
        out += struct.pack("<Q", 8) + struct.pack("<I", 0) + struct.pack("<Q", i * ALIGNMENT)
    out += b"\0" * (-len(out) % ALIGNMENT)
    out += b"\0" * (ALIGNMENT * tensors)
    return bytes(out)


def filler(seed: int, length: int) -> bytes:
    """Deterministic pseudo-random bytes, so a resume at the wrong offset changes the sha256."""
    return random.Random(seed).randbytes(length)


def gguf_bytes(size: int | None = None, **kwargs: Any) -> bytes:
    """A whole GGUF file in memory, padded with filler up to `size` bytes."""
    head = header(**kwargs)
    if size is None or size <= len(head):
        return head
    return head + filler(len(head), size - len(head))


def write_gguf(path: Path, size: int | None = None, **kwargs: Any) -> str:
    """Write a GGUF file of `size` bytes to disk in 1 MiB steps; returns its sha256."""
    head = header(**kwargs)
    digest = hashlib.sha256(head)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        f.write(head)
        left = max(0, (size or 0) - len(head))
        seed = 0
        while left:
            piece = filler(seed, min(left, 1 << 20))
            seed += 1
            f.write(piece)
            digest.update(piece)
            left -= len(piece)
    return digest.hexdigest()


def corrupt(kind: str = "magic", size: int = 4096) -> bytes:
    """A broken GGUF: bad magic, unsupported version, truncated metadata or no architecture."""
    good = gguf_bytes(size)
    if kind == "magic":
        return b"GGML" + good[4:]
    if kind == "version":
        return good[:4] + struct.pack("<I", 99) + good[8:]
    if kind == "truncated":
        return good[:40]
    if kind == "no-arch":
        return gguf_bytes(size, arch=None)
    if kind == "huge-count":
        return good[:8] + struct.pack("<Q", 1 << 60) + good[16:]
    raise ValueError(f"unknown corruption {kind!r}")
