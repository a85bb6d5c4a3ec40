from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from roundhouse.core.errors import Cancelled, Conflict, InvalidRequest, NotFound, ProviderError
from roundhouse.providers.lmstudio_files import import_gguf, target_for, uninstall
from tests.fakes.control import RecordingControl
from tests.fakes.gguf_bytes import gguf_bytes

NAME = "Qwen3-8B-Q4_K_M.gguf"
FAKE_LMS = """#!{python}
import json, os, shutil, sys
from pathlib import Path
args = sys.argv[1:]
Path(os.environ["FAKE_LMS_LOG"]).write_text(json.dumps(args))
if "--fail" in os.environ.get("FAKE_LMS_MODE", ""):
    print("Target file already exists: x", file=sys.stderr)
    sys.exit(1)
user_repo = args[args.index("--user-repo") + 1]
dest = Path(os.environ["FAKE_LMS_MODELS"], *user_repo.split("/"), Path(args[-1]).name)
dest.parent.mkdir(parents=True, exist_ok=True)
shutil.copyfile(args[-1], dest)
"""


@pytest.fixture
def models(tmp_path: Path) -> Path:
    d = tmp_path / "models"
    d.mkdir()
    return d


@pytest.fixture
def src(tmp_path: Path) -> Path:
    p = tmp_path / "downloads" / NAME
    p.parent.mkdir()
    p.write_bytes(gguf_bytes(200_000))
    return p


def test_import_hard_links_two_folders_deep(models: Path, src: Path) -> None:
    control = RecordingControl()
    dest = import_gguf(src, models, publisher="Qwen", repo="Qwen3-8B-GGUF", control=control)
    assert dest == models.resolve() / "Qwen" / "Qwen3-8B-GGUF" / NAME
    assert dest.samefile(src) and os.stat(src).st_nlink == 2
    assert "hard link" in control.last["message"]
    assert import_gguf(src, models, publisher="Qwen", repo="Qwen3-8B-GGUF") == dest  # idempotent


def test_import_copies_with_progress_when_linking_is_not_possible(models: Path, src: Path):
    control = RecordingControl()
    dest = import_gguf(src, models, publisher="Qwen", repo="R-GGUF", control=control, link=False)
    assert dest.read_bytes() == src.read_bytes() and not dest.samefile(src)
    assert control.done_values[-1] == src.stat().st_size
    assert "copy" in control.last["message"]


def test_cross_filesystem_falls_back_to_copy(tmp_path: Path, src: Path) -> None:
    shm = Path("/dev/shm")
    if not shm.is_dir() or shm.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("no second filesystem to link across")
    models = shm / f"rh-models-{os.getpid()}"
    models.mkdir()
    try:
        dest = import_gguf(src, models, publisher="Qwen", repo="R-GGUF")
        assert dest.read_bytes() == src.read_bytes()
    finally:
        uninstall(models, f"Qwen/R-GGUF/{NAME}")
        models.rmdir()


def test_cancelled_copy_leaves_nothing(models: Path, src: Path) -> None:
    control = RecordingControl(cancel_after_checks=0)
    with pytest.raises(Cancelled):
        import_gguf(src, models, publisher="Qwen", repo="R-GGUF", control=control, link=False)
    assert list((models / "Qwen" / "R-GGUF").iterdir()) == []


def test_existing_other_file_is_a_conflict(models: Path, src: Path) -> None:
    (models / "Qwen" / "R-GGUF").mkdir(parents=True)
    (models / "Qwen" / "R-GGUF" / NAME).write_bytes(b"other")
    with pytest.raises(Conflict, match="already exists"):
        import_gguf(src, models, publisher="Qwen", repo="R-GGUF")


@pytest.mark.parametrize(
    ("publisher", "repo"), [("..", "x"), ("a/b", "c"), ("ok", "../../etc"), ("", "x")]
)
def test_bad_publisher_or_repo_is_refused(models: Path, src: Path, publisher: str, repo: str):
    with pytest.raises(InvalidRequest):
        import_gguf(src, models, publisher=publisher, repo=repo)
    assert list(models.iterdir()) == []


def test_symlinked_publisher_folder_cannot_escape(models: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (models / "evil").symlink_to(outside)
    with pytest.raises(InvalidRequest, match="outside the LM Studio models folder"):
        target_for(models, "evil", "repo", NAME)


def test_import_with_lms_uses_argv_and_checks_the_result(
    models: Path, src: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lms = tmp_path / "lms"
    lms.write_text(FAKE_LMS.format(python=sys.executable))
    lms.chmod(0o755)
    log = tmp_path / "lms.json"
    monkeypatch.setenv("FAKE_LMS_LOG", str(log))
    monkeypatch.setenv("FAKE_LMS_MODELS", str(models))
    dest = import_gguf(src, models, publisher="Qwen", repo="R-GGUF", lms=str(lms))
    assert dest.read_bytes() == src.read_bytes()
    assert json.loads(log.read_text()) == [
        "import", "--copy", "--yes", "--user-repo", "Qwen/R-GGUF", str(src.resolve())
    ]  # fmt: skip
    monkeypatch.setenv("FAKE_LMS_MODE", "--fail")
    with pytest.raises(ProviderError, match=r"exit 1\): Target file already exists"):
        import_gguf(src, models, publisher="Qwen", repo="Other-GGUF", lms=str(lms))
    monkeypatch.setenv("FAKE_LMS_MODE", "")
    monkeypatch.setenv("FAKE_LMS_MODELS", str(tmp_path / "elsewhere"))
    with pytest.raises(ProviderError, match="is missing"):
        import_gguf(src, models, publisher="Qwen", repo="Third-GGUF", lms=str(lms))


def test_uninstall_removes_file_and_empty_folders_only(models: Path, src: Path) -> None:
    dest = import_gguf(src, models, publisher="Qwen", repo="R-GGUF")
    other = import_gguf(src, models, publisher="Qwen", repo="S-GGUF")
    removed = uninstall(models, f"Qwen/R-GGUF/{NAME}")
    assert removed == [dest, dest.parent]
    assert other.exists() and src.exists()
    uninstall(models, other)  # an absolute path inside the models dir works too
    assert list(models.iterdir()) == []
    assert models.is_dir()


def test_uninstall_keeps_a_folder_with_other_files(models: Path, src: Path) -> None:
    dest = import_gguf(src, models, publisher="Qwen", repo="R-GGUF")
    (dest.parent / "mmproj-model-f16.gguf").write_bytes(b"GGUF")
    assert uninstall(models, dest) == [dest]
    assert dest.parent.is_dir()


@pytest.mark.parametrize(
    "path",
    [
        "../outside.gguf",
        "Qwen/../../x.gguf",
        "/etc/passwd",
        "Qwen/x.gguf",
        "a/b/c/d.gguf",
        "a/b/c.txt",
    ],
)
def test_uninstall_refuses_paths_outside_the_layout(models: Path, path: str) -> None:
    with pytest.raises(InvalidRequest):
        uninstall(models, path)


def test_uninstall_of_a_symlink_removes_only_the_link(models: Path, src: Path) -> None:
    folder = models / "Qwen" / "L-GGUF"
    folder.mkdir(parents=True)
    (folder / NAME).symlink_to(src)
    uninstall(models, f"Qwen/L-GGUF/{NAME}")
    assert src.exists() and not folder.exists()


def test_uninstall_missing_model(models: Path) -> None:
    with pytest.raises(NotFound, match="not installed"):
        uninstall(models, f"Qwen/R-GGUF/{NAME}")
