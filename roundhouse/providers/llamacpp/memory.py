"""Will a GGUF fit? Its size plus the context's KV cache plus a working margin, against the RAM
the kernel says is available, checked before a server is asked to load it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from roundhouse.core.errors import Conflict

MIB = 1 << 20
OVERHEAD = 192 * MIB  # the server process, compute buffers and tokenizer, measured ~150 MiB
FALLBACK_PER_TOKEN = 512 * 1024  # KV bytes per token when the header lacks the shape (7B, f16)


def available_bytes(meminfo: Path = Path("/proc/meminfo")) -> int:
    """MemAvailable: what can be used without swapping (page cache counts as reclaimable)."""
    for line in meminfo.read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    raise OSError("MemAvailable is missing from /proc/meminfo")


def kv_bytes(metadata: dict[str, Any], arch: str, ctx: int) -> int:
    """K and V, f16, per layer, per token of context: 2 * layers * ctx * kv_heads * head_dim * 2."""
    get = lambda key: metadata.get(f"{arch}.{key}")  # noqa: E731
    layers, heads = get("block_count"), get("attention.head_count")
    kv_heads = get("attention.head_count_kv") or heads
    head_dim = get("attention.key_length")
    if not head_dim and get("embedding_length") and heads:
        head_dim = get("embedding_length") // heads
    if not (layers and kv_heads and head_dim):
        return ctx * FALLBACK_PER_TOKEN
    return 2 * int(layers) * ctx * int(kv_heads) * int(head_dim) * 2


def needed_bytes(size: int, metadata: dict[str, Any], arch: str, ctx: int) -> int:
    return size + kv_bytes(metadata, arch, ctx) + OVERHEAD


def require_fit(
    name: str, size: int, metadata: dict[str, Any], arch: str, ctx: int, free: int
) -> dict[str, int]:
    """The numbers when it fits; a 409 saying how much is missing when it does not."""
    need = needed_bytes(size, metadata, arch, ctx)
    numbers = {"needed_bytes": need, "free_bytes": free, "model_bytes": size, "ctx": ctx}
    if need > free:
        raise Conflict(
            f"{name} needs about {need / MIB:.0f} MiB of memory ({size / MIB:.0f} MiB of weights "
            f"+ a {ctx}-token context) but only {free / MIB:.0f} MiB are free",
            hint="Free some memory, pick a smaller quant, or lower ROUNDHOUSE_LLAMACPP_CTX",
            **numbers,
        )
    return numbers
