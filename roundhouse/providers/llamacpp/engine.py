"""Where the llama.cpp server comes from, and the command that serves one GGUF with it.

Three engines, first found wins: an external `llama-server` named by ROUNDHOUSE_LLAMACPP_COMMAND;
the virtualenv the setup job builds under the data dir (`llama-cpp-python[server]`); the
Python running Roundhouse when it has that package (the dev extra installs it for the tests).
Finding one reads the file system only: nothing is imported or run.
"""

from __future__ import annotations

import importlib.util
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

SERVER_MODULE = "llama_cpp.server"
#: What `llama-cpp-python[server]` needs at run time beside llama_cpp itself.
SERVER_DEPS = ("uvicorn", "fastapi", "sse_starlette", "pydantic_settings", "starlette_context")


@dataclass(frozen=True)
class Engine:
    """How to run the server: `kind` is external, venv, here or none (not set up)."""

    kind: str
    argv: tuple[str, ...]
    where: str

    @property
    def ready(self) -> bool:
        return bool(self.argv)


def venv_dir(data_dir: Path) -> Path:
    """The engine's own virtualenv: under the data dir, so it outlives a reinstall of ours."""
    return Path(data_dir) / "llamacpp" / "venv"


def venv_python(data_dir: Path) -> Path:
    return venv_dir(data_dir) / "bin" / "python"


def venv_has_server(venv: Path) -> bool:
    """Is llama_cpp.server installed in that virtualenv (its files, not an import)?"""
    return any(venv.glob("lib/python3*/site-packages/llama_cpp/server/__main__.py"))


def here_has_server() -> bool:
    """Can the running Python serve (llama_cpp and the server extra's packages present)?"""
    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or not spec.submodule_search_locations:
        return False
    package = Path(next(iter(spec.submodule_search_locations)))
    if not (package / "server" / "__main__.py").is_file():
        return False
    return all(importlib.util.find_spec(name) is not None for name in SERVER_DEPS)


def find(command: str, data_dir: Path) -> Engine:
    """The engine this machine would use, or kind "none" when setup has not run."""
    if command.strip():
        return Engine("external", tuple(shlex.split(command)), "ROUNDHOUSE_LLAMACPP_COMMAND")
    venv = venv_dir(data_dir)
    if venv_has_server(venv):
        python = str(venv_python(data_dir))
        return Engine("venv", (python, "-m", SERVER_MODULE), str(venv))
    if here_has_server():
        return Engine("here", (sys.executable, "-m", SERVER_MODULE), sys.prefix)
    return Engine("none", (), "")


#: Chat formats for GGUFs that carry no chat template (llama_cpp.server would fall back to
#: llama-2's, which a Gemma answers with nothing at all), by architecture.
FORMATS = {"gemma": "gemma", "gemma2": "gemma", "gemma3": "gemma"}


def chat_format(architecture: str, has_template: bool) -> str | None:
    """The format to name when the file has no template of its own; None: its own, or a guess."""
    return None if has_template else FORMATS.get(architecture)


def serve_argv(
    engine: Engine,
    model: Path,
    *,
    host: str,
    port: int,
    ctx: int,
    threads: int,
    alias: str,
    chat: str | None = None,
) -> tuple[str, ...]:
    """The full command: llama-server's flags for an external binary, else llama_cpp.server's."""
    if engine.kind == "external":
        flags = ["-m", str(model), "--host", host, "--port", str(port), "-c", str(ctx)]
        flags += ["-t", str(threads), "--alias", alias]
        flags += ["--chat-template", chat] if chat else []
    else:
        flags = ["--model", str(model), "--host", host, "--port", str(port), "--n_ctx", str(ctx)]
        flags += ["--n_threads", str(threads), "--model_alias", alias]
        flags += ["--chat_format", chat] if chat else []
    return (*engine.argv, *flags)
