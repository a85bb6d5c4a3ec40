"""What the fake Ollama knows: the registry it pulls from, blobs on "disk", installed manifests."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from tests.fakes.ollama import names

MEDIA = "application/vnd.ollama.image."
LAYER_KINDS = ("model", "template", "license", "params", "system", "messages")
CONFIG_TYPE = "application/vnd.docker.container.image.v1+json"


def sha(text: str | bytes) -> str:
    raw = text.encode() if isinstance(text, str) else text
    return hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True)
class Layer:
    digest: str  # sha256:<64 hex>
    size: int
    media_type: str


@dataclass(frozen=True)
class RemoteModel:
    """A manifest in the registry: layers in pull order, config last."""

    name: str
    layers: tuple[Layer, ...]
    family: str = "llama"
    parameter_size: str = "3.2B"
    quantization: str = "Q4_K_M"
    capabilities: tuple[str, ...] = ("completion",)

    @property
    def size(self) -> int:
        return sum(layer.size for layer in self.layers)

    def manifest(self) -> dict:
        *layers, config = self.layers
        return {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": _layer_json(config),
            "layers": [_layer_json(layer) for layer in layers],
        }

    def manifest_digest(self) -> str:
        return sha(json.dumps(self.manifest(), separators=(",", ":")))


def _layer_json(layer: Layer) -> dict:
    return {"mediaType": layer.media_type, "digest": layer.digest, "size": layer.size}


def make_remote(
    name: str, sizes: Sequence[int], *, version: int = 0, **details: object
) -> RemoteModel:
    """A registry model with one layer per size (weights first) plus a config blob."""
    canonical = names.canonical(name)
    if canonical is None:
        raise ValueError(f"invalid model name {name!r}")
    layers = [
        Layer(f"sha256:{sha(f'{canonical}|{i}|{version}|{size}')}", size, MEDIA + kind)
        for i, (size, kind) in enumerate(zip(sizes, LAYER_KINDS, strict=False))
    ]
    config = Layer(f"sha256:{sha(f'{canonical}|config|{version}')}", 485, CONFIG_TYPE)
    return RemoteModel(canonical, (*layers, config), **details)  # type: ignore[arg-type]


def default_registry() -> dict[str, RemoteModel]:
    """Small, fast models shaped like the real ones (weights, template, license, params)."""
    models = [
        make_remote("llama3.2", [3_000_000, 1_429, 7_711, 96]),
        make_remote("mistral", [4_000_000, 801, 30], parameter_size="7.2B", quantization="Q4_0"),
        make_remote(
            "qwen3:0.6b",
            [1_000_000, 1_723, 11_338, 120],
            family="qwen3",
            parameter_size="751.63M",
            capabilities=("completion", "tools", "thinking"),
        ),
        make_remote(
            "nomic-embed-text",
            [600_000, 11_357, 17],
            family="nomic-bert",
            parameter_size="137M",
            quantization="F16",
            capabilities=("embedding",),
        ),
    ]
    return {names.key(m.name): m for m in models}  # type: ignore[misc]


def bump(model: RemoteModel, changed: Iterable[int]) -> RemoteModel:
    """The same model after a registry update that replaced the given layers (and the config)."""
    layers = list(model.layers)
    for i in [*changed, len(layers) - 1]:
        old = layers[i]
        layers[i] = replace(old, digest=f"sha256:{sha(old.digest + '+')}")
    return replace(model, layers=tuple(layers))


@dataclass
class Installed:
    model: RemoteModel
    modified_at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass
class OllamaState:
    """Shared, lock-guarded state; handlers read and change it under `lock`."""

    registry: dict[str, RemoteModel] = field(default_factory=default_registry)
    installed: dict[str, Installed] = field(default_factory=dict)
    blobs: dict[str, int] = field(default_factory=dict)  # digest -> size, complete blobs
    heads: dict[str, bytes] = field(default_factory=dict)  # first bytes of uploaded blobs
    partial: dict[str, int] = field(default_factory=dict)  # digest -> bytes kept from a pull
    served: Counter = field(default_factory=Counter)  # digest -> bytes "downloaded"
    loaded: dict[str, datetime] = field(default_factory=dict)
    pulls_started: int = 0
    pulls_cancelled: int = 0
    pulls_failed: int = 0
    uploaded_bytes: int = 0
    lock: threading.RLock = field(default_factory=threading.RLock)

    def install(self, model: RemoteModel) -> bool:
        """Write the manifest; True when it replaced layers that are now unused."""
        key = names.key(model.name) or model.name
        old = self.installed.get(key)
        for layer in model.layers:
            self.blobs[layer.digest] = layer.size
        self.installed[key] = Installed(model)
        if old is None:
            return False
        unused = {layer.digest for layer in old.model.layers} - self.referenced()
        for digest in unused:
            self.blobs.pop(digest, None)
        return bool(unused)

    def referenced(self) -> set[str]:
        return {layer.digest for inst in self.installed.values() for layer in inst.model.layers}

    def remove(self, raw: str) -> bool:
        """Delete a manifest and the blobs nothing else uses; False when not installed."""
        inst = self.installed.pop(names.key(raw) or "", None)
        if inst is None:
            return False
        for layer in inst.model.layers:
            if layer.digest not in self.referenced():
                self.blobs.pop(layer.digest, None)
        self.loaded.pop(inst.model.name, None)
        return True

    def find(self, raw: str) -> Installed | None:
        return self.installed.get(names.key(raw) or "")

    def preinstall(self, raw_names: Iterable[str]) -> None:
        for raw in raw_names:
            self.install(self.registry[names.key(raw) or ""])

    def publish(self, models: Mapping[str, RemoteModel]) -> None:
        for model in models.values():
            self.registry[names.key(model.name) or model.name] = model
