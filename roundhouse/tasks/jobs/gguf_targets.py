"""Import a verified GGUF into Ollama and LM Studio, confirm it is listed, and test it."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import time
from pathlib import Path, PurePosixPath
from typing import Any

from roundhouse.core.errors import InvalidRequest, ProviderError
from roundhouse.core.settings import Settings
from roundhouse.providers import health, lmstudio_files
from roundhouse.providers.base import Control
from roundhouse.providers.generation import build_llm, probe_llm
from roundhouse.providers.hf import split_info
from roundhouse.providers.ollama import OllamaClient
from roundhouse.providers.ollama import import_gguf as ollama_import

LIST_WAIT_S = 20.0
_QUANT_TAIL = re.compile(
    r"(?i)[-._](?:UD-)?(?:IQ[1-4]_\w+|Q[2-8]_K(?:_[SMLX]+)?|Q[4-8]_[01]|TQ[12]_0|BF16|F16|F32)$"
)


def to_ollama(
    s: Settings, paths: list[Path], sha256: str | None, name: str, control: Control
) -> str:
    """Blob upload (skipped if Ollama has it) + create; import_gguf confirms it in /api/tags."""
    if len(paths) != 1:
        raise InvalidRequest("Ollama cannot import a split GGUF; install it into LM Studio")
    with OllamaClient(s.ollama_base_url) as client:
        done = ollama_import(
            client, paths[0], name, control, digest=f"sha256:{sha256}" if sha256 else None
        )
    return str(done["model"])


def lms_executable(s: Settings) -> str | None:
    """`lms` when the LM Studio command setting names it and it is installed."""
    argv = shlex.split(s.lmstudio_command or "")
    if argv and os.path.basename(argv[0]) == "lms":
        return shutil.which(argv[0])
    return None


def to_lmstudio(
    s: Settings, paths: list[Path], repo_id: str, control: Control, replace: bool = False
) -> list[str]:
    """Hard link (copy across filesystems, or `lms import`) into <publisher>/<repo>/<file>."""
    publisher, repo = repo_id.split("/")
    root = Path(s.lmstudio_models_dir).expanduser()
    placed = []
    for path in paths:
        dest = lmstudio_files.target_for(root, publisher, repo, path.name)
        if replace and dest.exists() and not dest.samefile(path):
            lmstudio_files.uninstall(root, dest)
        got = lmstudio_files.import_gguf(
            path, root, publisher=publisher, repo=repo, control=control, lms=lms_executable(s)
        )
        placed.append(got.relative_to(root.resolve()).as_posix())
    return placed


def lmstudio_key_for(ids: list[str], filename: str) -> str | None:
    """The key LM Studio lists for a file: its stem, lowercased, quant (and @quant) dropped."""
    full = PurePosixPath(filename).name[: -len(".gguf")]
    info = split_info(PurePosixPath(filename).name)
    stem = info[0] if info else full
    wanted = {full.lower(), stem.lower(), _QUANT_TAIL.sub("", stem).lower()}
    for key in ids:
        bare = key.lower().split("@")[0].rsplit("/", 1)[-1]
        if bare in wanted:
            return key
    return None


def lmstudio_models(s: Settings) -> list[str]:
    url = s.lmstudio_base_url.rstrip("/") + "/v1/models"
    return health.list_models(health.Target("lmstudio", "lmstudio", url), timeout_s=5.0)


def confirm_lmstudio(s: Settings, filename: str, control: Control) -> str:
    """Wait until LM Studio's list shows the file (its indexer may take a moment)."""
    deadline = time.monotonic() + LIST_WAIT_S
    while True:
        key = lmstudio_key_for(lmstudio_models(s), filename)
        if key:
            return key
        if time.monotonic() > deadline:
            raise ProviderError(
                "lmstudio",
                f"{filename} was placed in {s.lmstudio_models_dir} but LM Studio does not list it",
                hint="check that LMSTUDIO_MODELS_DIR is the folder LM Studio scans",
            )
        control.check()
        time.sleep(0.5)


def test_prompt(s: Settings, target: str, model: str) -> dict[str, Any]:
    """A tiny prompt through the same client the app uses for that provider."""
    url = s.ollama_base_url if target == "ollama" else s.lmstudio_base_url
    llm = build_llm({"llm": {"provider": target, "model": model, "base_url": url}})
    try:
        return probe_llm(llm, deadline_s=max(30.0, s.verify_timeout_s))
    finally:
        llm.close()
