"""GGUF job pieces without a worker: overall progress, parameters, LM Studio keys, removal."""

from __future__ import annotations

from pathlib import Path

import pytest

from roundhouse.core.errors import InvalidRequest
from roundhouse.core.settings import Settings
from roundhouse.tasks import gguf_files
from roundhouse.tasks.gguf_stages import Stages, bytes_on_disk
from roundhouse.tasks.jobs.gguf_targets import lmstudio_key_for
from roundhouse.tasks.requests import gguf as gguf_params
from tests.fakes.control import RecordingControl


def test_stage_progress_maps_into_one_overall_bar() -> None:
    control = RecordingControl()
    stages = Stages(control, {"check": 2, "download": 80, "verify": 5, "import": 10, "test": 3})
    stages.enter("check")
    stages.enter("download")
    stages.report(stage="download", done=50, total=100)
    assert control.last["progress"] == pytest.approx(0.02 + 0.4)
    stages.enter("import")
    stages.part(1, 2)
    stages.report(stage="uploading", done=1, total=2)
    assert control.last["stage"] == "import" and control.last["step"] == "uploading"
    assert control.last["progress"] == pytest.approx(0.87 + 0.05 + 0.025)
    stages.report(stage="creating", message="writing manifest")
    assert control.last["progress"] is None  # no number: the bar stays where it is


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({}, "exactly one"),
        ({"quant": "Q4_K_M", "files": ["a.gguf"]}, "exactly one"),
        ({"quant": "Q9_Z"}, "not recognised"),
        ({"file": "/etc/passwd.gguf"}, "absolute"),
        ({"files": ["a.gguf", 3]}, "list of file names"),
    ],
)
def test_wanted_files_refuses_bad_input(body: dict, error: str) -> None:
    with pytest.raises(InvalidRequest, match=error):
        gguf_params.wanted_files(body)


def test_targets_and_ollama_names() -> None:
    assert gguf_params.targets_of({}) == ["ollama", "lmstudio"]
    assert gguf_params.targets_of({"targets": "lmstudio"}) == ["lmstudio"]
    with pytest.raises(InvalidRequest):
        gguf_params.targets_of({"targets": []})
    name = gguf_params.default_ollama_name("bartowski/Qwen3-8B-GGUF", "Q4_K_M")
    assert name == "hf.co/bartowski/Qwen3-8B-GGUF:Q4_K_M"
    assert gguf_params.default_ollama_name("a.b/M-GGUF", "Q8_0") == "hf.co/a-b/M-GGUF:Q8_0"


def test_paths_must_stay_inside_the_models_dir(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path, models_dir=tmp_path / "models").resolved()
    assert gguf_params.inside_models_dir(s, "x/m.gguf") == s.models_dir / "x" / "m.gguf"
    for bad in ("../m.gguf", "/etc/m.gguf", "x/m.bin", ""):
        with pytest.raises(InvalidRequest):
            gguf_params.inside_models_dir(s, bad)


@pytest.mark.parametrize(
    ("ids", "filename", "key"),
    [
        (
            ["qwen2.5-0.5b-instruct", "other"],
            "Qwen2.5-0.5B-Instruct-Q4_K_M.gguf",
            "qwen2.5-0.5b-instruct",
        ),
        (["lmstudio-community/m-7b@q8_0"], "M-7B.Q8_0.gguf", "lmstudio-community/m-7b@q8_0"),
        (["s-q8_0-00001-of-00002"], "S-Q8_0-00001-of-00002.gguf", "s-q8_0-00001-of-00002"),
        (["something-else"], "M-Q4_K_M.gguf", None),
    ],
)
def test_lmstudio_key_for(ids: list[str], filename: str, key: str | None) -> None:
    assert lmstudio_key_for(ids, filename) == key


def test_remove_files_cleans_empty_folders_and_never_leaves_the_models_dir(
    tmp_path: Path,
) -> None:
    s = Settings(data_dir=tmp_path, models_dir=tmp_path / "models").resolved()
    folder = s.models_dir / "hf" / "pub" / "Repo-GGUF"
    folder.mkdir(parents=True)
    (folder / "m.gguf").write_bytes(b"x")
    (folder / "n.gguf.part").write_bytes(b"y")
    record = {"files": [{"path": str(folder / "m.gguf")}, {"path": str(folder / "n.gguf")}]}
    assert len(gguf_files.remove_files(s, record)) == 2
    assert not (s.models_dir / "hf" / "pub").exists() and (s.models_dir / "hf").is_dir()
    outside = tmp_path / "keep.gguf"
    outside.write_bytes(b"z")
    with pytest.raises(InvalidRequest):
        gguf_files.remove_files(s, {"files": [{"path": str(outside)}]})
    assert outside.exists()


def test_bytes_on_disk_counts_finished_files_and_parts(tmp_path: Path) -> None:
    (tmp_path / "a.gguf").write_bytes(b"1234")
    (tmp_path / "b.gguf.part").write_bytes(b"12")
    assert bytes_on_disk(tmp_path, ["a.gguf", "b.gguf"], {"a.gguf": 4, "b.gguf": 9}) == 6
