"""The .env writer: other lines kept, values read back unchanged, concurrent writers all land."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

import pytest
from dotenv import dotenv_values

from roundhouse.core import envfile

ORIGINAL = """# Roundhouse settings
OPENAI_API_KEY=sk-secret  # keep me

export LLM_PROVIDER=openai
IMAGE_PROVIDER="dalle"
# LLM_PROVIDER=commented-out stays
"""


def test_only_the_named_keys_change(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text(ORIGINAL)
    envfile.update(path, {"LLM_PROVIDER": "ollama", "LLM_MODEL": "llama3.2:latest"})
    lines = path.read_text().splitlines()
    assert lines[:3] == ORIGINAL.splitlines()[:3]
    assert lines[3] == "export LLM_PROVIDER=ollama" and lines[5] == ORIGINAL.splitlines()[5]
    assert lines[-1] == "LLM_MODEL=llama3.2:latest"
    values = dotenv_values(path)
    assert values["OPENAI_API_KEY"] == "sk-secret" and values["IMAGE_PROVIDER"] == "dalle"


@pytest.mark.parametrize(
    "value", ["plain", "with space", 'quo"te', "hash # x", "back\\slash", "", "a=b"]
)
def test_values_read_back_unchanged(tmp_path: Path, value: str) -> None:
    path = tmp_path / ".env"
    envfile.update(path, {"K": value})
    assert dotenv_values(path)["K"] == value


def test_bad_keys_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        envfile.update(tmp_path / ".env", {"BAD KEY": "x"})
    assert not (tmp_path / ".env").exists()


def _writer(path: str, n: int) -> None:
    for i in range(20):
        envfile.update(Path(path), {f"KEY_{n}": str(i), "SHARED": f"{n}-{i}"})


def test_concurrent_writers_in_processes_keep_every_line(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text(ORIGINAL)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(path), n)) for n in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert all(p.exitcode == 0 for p in procs)
    values = dotenv_values(path)
    assert all(values[f"KEY_{n}"] == "19" for n in range(4))
    assert path.read_text().startswith(ORIGINAL.split("export")[0])
    assert path.read_text().count("SHARED=") == 1
    assert not list(tmp_path.glob(".env.*.tmp"))


def test_readers_never_see_a_half_written_file(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text(ORIGINAL + "LAST=end\n")
    seen_bad: list[str] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            text = path.read_text()
            if not text.endswith("\n") or "OPENAI_API_KEY" not in text:
                seen_bad.append(text)

    reader = threading.Thread(target=read)
    reader.start()
    for i in range(200):
        envfile.update(path, {"LAST": f"end{i}", "BIG": "x" * 5000})
    stop.set()
    reader.join()
    assert seen_bad == []
