"""Ollama's model-name grammar, written independently of roundhouse's so the fake is an oracle."""

from __future__ import annotations

import re

_FIRST = r"[A-Za-z0-9_]"
_PARTS = {
    "host": re.compile(_FIRST + r"[A-Za-z0-9_.:-]{0,349}"),
    "namespace": re.compile(_FIRST + r"[A-Za-z0-9_-]{0,79}"),
    "model": re.compile(_FIRST + r"[A-Za-z0-9_.-]{0,79}"),
    "tag": re.compile(_FIRST + r"[A-Za-z0-9_.-]{0,79}"),
}
DEFAULTS = {"host": "registry.ollama.ai", "namespace": "library", "tag": "latest"}


def parse(raw: str) -> dict[str, str] | None:
    """The four parts with defaults filled in, or None when the name is invalid."""
    name = raw.strip()
    parts = dict(DEFAULTS)
    colon, slash = name.rfind(":"), name.rfind("/")
    if colon > slash:
        name, parts["tag"] = name[:colon], name[colon + 1 :]
    pieces = name.split("/")
    parts["model"] = pieces.pop()
    if pieces:
        parts["namespace"] = pieces.pop()
    if pieces:
        parts["host"] = "/".join(pieces)
    ok = all(_PARTS[key].fullmatch(value) for key, value in parts.items())
    return parts if ok and name.isascii() else None


def display(parts: dict[str, str]) -> str:
    """DisplayShortest: drop the default host and namespace, always keep the tag."""
    out = f"{parts['model']}:{parts['tag']}"
    if parts["host"] != DEFAULTS["host"]:
        return f"{parts['host']}/{parts['namespace']}/{out}"
    if parts["namespace"] != DEFAULTS["namespace"]:
        return f"{parts['namespace']}/{out}"
    return out


def canonical(raw: str) -> str | None:
    """The listing form (`llama3.2:latest`), or None when invalid."""
    parts = parse(raw)
    return display(parts) if parts else None


def key(raw: str) -> str | None:
    """Case-insensitive lookup key, as Ollama matches installed names per part."""
    name = canonical(raw)
    return name.lower() if name else None
