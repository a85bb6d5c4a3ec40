"""Ollama model names: checked against Ollama's own grammar before anything is sent.

Grammar `[host/][namespace/]model[:tag]`; defaults registry.ollama.ai, library, latest.
Matching installed names is case-insensitive per part, so `key()` lowercases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from roundhouse.core.errors import InvalidRequest

DEFAULT_HOST = "registry.ollama.ai"
DEFAULT_NAMESPACE = "library"
DEFAULT_TAG = "latest"

_RULES = {
    "host": (350, r"[A-Za-z0-9_.:-]", "letters, digits, '_', '-', '.' and ':'"),
    "namespace": (80, r"[A-Za-z0-9_-]", "letters, digits, '_' and '-' (no '.')"),
    "model": (80, r"[A-Za-z0-9_.-]", "letters, digits, '_', '-' and '.'"),
    "tag": (80, r"[A-Za-z0-9_.-]", "letters, digits, '_', '-' and '.'"),
}
GRAMMAR = (
    "an Ollama model name is [host/][namespace/]model[:tag], ASCII only; each part starts with "
    "a letter, digit or '_'; model and tag: up to 80 of letters, digits, '_', '-', '.'; "
    "namespace: up to 80, no '.'"
)


@dataclass(frozen=True)
class ModelName:
    host: str
    namespace: str
    model: str
    tag: str

    def __str__(self) -> str:
        """Ollama's DisplayShortest: defaults dropped, the tag always kept (`llama3.2:latest`)."""
        short = f"{self.model}:{self.tag}"
        if self.host.lower() != DEFAULT_HOST:
            return f"{self.host}/{self.namespace}/{short}"
        if self.namespace.lower() != DEFAULT_NAMESPACE:
            return f"{self.namespace}/{short}"
        return short


def _check(kind: str, value: str, raw: str) -> None:
    limit, allowed, words = _RULES[kind]
    if not value:
        raise InvalidRequest(f"model name {raw!r} has an empty {kind}; {GRAMMAR}", field="model")
    if len(value) > limit:
        raise InvalidRequest(
            f"model name {raw!r}: the {kind} is longer than {limit} characters", field="model"
        )
    if not re.fullmatch(rf"[A-Za-z0-9_]{allowed}*", value):
        raise InvalidRequest(
            f"model name {raw!r}: the {kind} {value!r} must start with a letter, digit or '_' "
            f"and contain only {words}",
            field="model",
        )


def parse(raw: str) -> ModelName:
    """Split and validate; InvalidRequest says which rule the name breaks."""
    name = (raw or "").strip()
    if not name:
        raise InvalidRequest("a model name is required", field="model")
    if not name.isascii():
        raise InvalidRequest(f"model name {raw!r} must be ASCII; {GRAMMAR}", field="model")
    if "@" in name:
        raise InvalidRequest(f"model name {raw!r}: '@digest' is not supported", field="model")
    tag = DEFAULT_TAG
    colon, slash = name.rfind(":"), name.rfind("/")
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
    pieces = name.split("/")
    if len(pieces) > 3 and "/" in "/".join(pieces[:-2]):
        raise InvalidRequest(f"model name {raw!r} has too many '/' parts; {GRAMMAR}", field="model")
    model = pieces[-1]
    namespace = pieces[-2] if len(pieces) > 1 else DEFAULT_NAMESPACE
    host = pieces[-3] if len(pieces) > 2 else DEFAULT_HOST
    for kind, value in (("host", host), ("namespace", namespace), ("model", model), ("tag", tag)):
        _check(kind, value, raw)
    return ModelName(host, namespace, model, tag)


def normalise(raw: str) -> str:
    """The canonical form Ollama lists (`llama3.2` -> `llama3.2:latest`)."""
    return str(parse(raw))


def validate(raw: str) -> str:
    """Alias of normalise for call sites that read better as a check."""
    return normalise(raw)


def key(raw: str) -> str:
    """Comparison key: Ollama matches installed names case-insensitively."""
    return normalise(raw).lower()


def same_model(a: str, b: str) -> bool:
    return key(a) == key(b)
