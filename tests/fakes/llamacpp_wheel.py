"""A tiny wheel named like llama-cpp-python with the `llama_cpp.server` files the engine check
looks for, so the setup job's venv + pip path runs for real, offline, in seconds."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

NAME, VERSION = "fake_llama_cpp", "1.0"
FILES = {
    "llama_cpp/__init__.py": "",
    "llama_cpp/server/__init__.py": "",
    "llama_cpp/server/__main__.py": "raise SystemExit('fake engine: it only installs')\n",
}


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def build(folder: Path, files: dict[str, str] | None = None) -> Path:
    """Write <folder>/fake_llama_cpp-1.0-py3-none-any.whl and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    info = f"{NAME}-{VERSION}.dist-info"
    content = {path: text.encode() for path, text in (files or FILES).items()}
    content[f"{info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {VERSION}\n".encode()
    )
    content[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    lines = [_record_line(p, d) for p, d in content.items()] + [f"{info}/RECORD,,"]
    content[f"{info}/RECORD"] = ("\n".join(lines) + "\n").encode()
    wheel = folder / f"{NAME}-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for path, data in content.items():
            zf.writestr(path, data)
    return wheel
