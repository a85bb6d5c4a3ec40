"""Build the llama.cpp engine into a virtualenv of its own, reporting pip's last line as it goes.

`llama-cpp-python[server]` compiles llama.cpp from source the first time (about 5 minutes on two
cores); pip keeps the wheel in its cache, so a second setup takes seconds. The virtualenv lives
under the data dir and is replaced only after a new one installed cleanly.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

from roundhouse.core.errors import ProviderError
from roundhouse.providers.base import Control
from roundhouse.providers.llamacpp.engine import venv_dir, venv_has_server

BUILD_STAGE = "building llama.cpp"
TAIL = 20


def install(
    data_dir: Path, package: str, pip_args: str, control: Control, cmake_args: str = ""
) -> dict[str, Any]:
    """Create <data_dir>/llamacpp/venv with the package; raise with pip's last lines on failure.

    `cmake_args` reaches llama.cpp's build (CMAKE_ARGS); pip reuses a wheel it built before
    for the same version whatever they were, so they matter on the first build only.
    """
    final = venv_dir(data_dir)
    fresh = final.with_name("venv.new")
    shutil.rmtree(fresh, ignore_errors=True)
    began = time.monotonic()
    control.report(stage="creating a virtualenv", progress=0.02, message=f"python -m venv {fresh}")
    _run([sys.executable, "-m", "venv", *_venv_flags(), str(fresh)], control, "creating the venv")
    argv = [*_pip(fresh), "install", "--progress-bar", "off", *shlex.split(pip_args), package]
    control.report(stage=BUILD_STAGE, progress=0.05, message=f"pip install {package}")
    _run(argv, control, f"pip install {package}", BUILD_STAGE, {"CMAKE_ARGS": cmake_args})
    if not venv_has_server(fresh):
        shutil.rmtree(fresh, ignore_errors=True)
        raise ProviderError(
            "llama.cpp",
            f"{package} installed, but llama_cpp.server is not in it",
            hint="install the [server] extra, e.g. llama-cpp-python[server]",
        )
    shutil.rmtree(final, ignore_errors=True)
    fresh.rename(final)  # scripts in bin/ name the old path; we always run bin/python -m ...
    took = round(time.monotonic() - began, 1)
    message = f"llama.cpp is ready in {final} ({package}, {took} s)"
    control.report(stage="ready", progress=1.0, message=message)
    return {"venv": str(final), "package": package, "elapsed_s": took, "message": message}


def _venv_flags() -> list[str]:
    """Without its own pip when ours can install into it (`pip --python`): seconds saved."""
    return ["--without-pip"] if importlib.util.find_spec("pip") else []


def _pip(venv: Path) -> list[str]:
    if importlib.util.find_spec("pip"):
        return [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python")]
    return [str(venv / "bin" / "python"), "-m", "pip"]


def _run(
    argv: list[str],
    control: Control,
    what: str,
    stage: str | None = None,
    extra_env: dict[str, str] | None = None,
) -> None:
    """Run a step in its own process group; each output line becomes the job's message."""
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PYTHONUNBUFFERED": "1"}
    env |= {k: v for k, v in (extra_env or {}).items() if v}
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
        text=True,
        errors="replace",
    )
    tail: deque[str] = deque(maxlen=TAIL)
    lines: deque[str] = deque()
    reader = threading.Thread(target=_pump, args=(proc, lines), daemon=True)
    reader.start()
    try:
        while proc.poll() is None or lines or reader.is_alive():
            control.check()
            while lines:
                line = lines.popleft()
                tail.append(line)
                control.report(stage=stage, message=line[:300]) if stage else None
            time.sleep(0.1)
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    if proc.returncode != 0:
        raise ProviderError(
            "llama.cpp",
            f"{what} failed with exit code {proc.returncode}:\n" + "\n".join(tail),
            hint="building llama.cpp needs a C++ compiler and cmake (apt install build-essential "
            "cmake); or set ROUNDHOUSE_LLAMACPP_COMMAND to a llama-server you already have",
            log_tail=list(tail),
        )


def _pump(proc: subprocess.Popen[str], lines: deque[str]) -> None:
    assert proc.stdout is not None
    for raw in proc.stdout:
        if raw.strip():
            lines.append(raw.rstrip())
