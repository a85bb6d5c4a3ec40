"""LM Studio import and uninstall on disk: it only sees `<models>/<publisher>/<repo>/<file>.gguf`.

Import hard-links the downloaded file into that layout (no second copy of many GB), falls back
to a copy with progress across filesystems, or runs `lms import --copy` when given its path.
LM Studio has no delete API, so uninstall removes the file and then its now-empty folders.
Every path is resolved and must stay inside the models dir.
"""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path

from roundhouse.core.errors import Conflict, InvalidRequest, NotFound, ProviderError
from roundhouse.providers.base import Control
from roundhouse.providers.hf.refs import validate_repo_id

COPY_CHUNK = 4 << 20
LINK_FALLBACK = {errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP}
PROVIDER = "lmstudio"


def _root(models_dir: Path) -> Path:
    root = Path(models_dir).resolve()
    if not root.is_dir():
        raise NotFound(f"LM Studio models folder {root} does not exist", hint="check the setting")
    return root


def _inside(root: Path, path: Path, what: str) -> Path:
    """`path` with symlinks resolved; InvalidRequest if that lands outside the models dir."""
    resolved = path.resolve()
    if resolved == root or not resolved.is_relative_to(root):
        raise InvalidRequest(f"{what} {path} is outside the LM Studio models folder {root}")
    return resolved


def target_for(models_dir: Path, publisher: str, repo: str, filename: str) -> Path:
    """Where LM Studio expects the file: exactly two folders below the models dir."""
    validate_repo_id(f"{publisher}/{repo}")
    if "/" in filename or "\\" in filename or not filename.lower().endswith(".gguf"):
        raise InvalidRequest(f"{filename!r} must be a plain .gguf file name")
    root = _root(models_dir)
    return _inside(root, root / publisher / repo / filename, "target")


def _copy(src: Path, dest: Path, control: Control | None) -> None:
    """Copy through a .part file with progress and stop checks, then rename into place."""
    tmp = dest.with_name(dest.name + ".part")
    total, done = src.stat().st_size, 0
    try:
        with src.open("rb") as fin, tmp.open("wb") as fout:
            while chunk := fin.read(COPY_CHUNK):
                fout.write(chunk)
                done += len(chunk)
                if control is not None:
                    control.report(stage="import", done=done, total=total)
                    control.check()
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _link_or_copy(src: Path, dest: Path, control: Control | None, link: bool) -> str:
    if link:
        try:
            os.link(src, dest)
            return "hard link"
        except OSError as exc:
            if exc.errno not in LINK_FALLBACK:
                raise
    _copy(src, dest, control)
    return "copy"


def _run_lms(lms: str, src: Path, publisher: str, repo: str, timeout: float) -> None:
    """`lms import --copy --user-repo p/r file`: argv only, no shell, no prompts."""
    argv = [lms, "import", "--copy", "--yes", "--user-repo", f"{publisher}/{repo}", str(src)]
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ProviderError(PROVIDER, f"could not run lms: {exc}") from None
    if done.returncode != 0:
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise ProviderError(PROVIDER, f"lms import failed (exit {done.returncode}): {last[0]}")


def import_gguf(
    src: Path,
    models_dir: Path,
    *,
    publisher: str,
    repo: str,
    control: Control | None = None,
    lms: str | None = None,
    link: bool = True,
    timeout: float = 3600.0,
) -> Path:
    """Place `src` at <models>/<publisher>/<repo>/<name>; returns the path LM Studio will scan."""
    src = Path(src).resolve()
    if not src.is_file():
        raise NotFound(f"{src} does not exist")
    dest = target_for(models_dir, publisher, repo, src.name)
    if dest.exists():
        if dest.samefile(src):
            return dest
        raise Conflict(f"{dest} already exists", hint="uninstall that model first")
    if control is not None:
        control.report(stage="import", done=0, total=src.stat().st_size, message=f"-> {dest}")
    if lms:
        _run_lms(lms, src, publisher, repo, timeout)
        if not dest.is_file():
            raise ProviderError(
                PROVIDER,
                f"lms import finished but {dest} is missing",
                hint="the models folder setting does not match LM Studio's downloads folder",
            )
        how = "lms import --copy"
    else:
        dest.parent.mkdir(parents=True, exist_ok=True)
        how = _link_or_copy(src, dest, control, link)
    if control is not None:
        size = dest.stat().st_size
        control.report(stage="import", done=size, total=size, message=f"imported by {how}")
    return dest


def uninstall(models_dir: Path, model_path: str | Path) -> list[Path]:
    """Remove <publisher>/<repo>/<file>.gguf, then empty parents (never the models dir itself)."""
    root = _root(models_dir)
    given = Path(model_path)
    if ".." in given.parts or "\\" in str(model_path):
        raise InvalidRequest(f"model path {str(model_path)!r} must not contain '..' or backslashes")
    path = given if given.is_absolute() else root / given
    parent = _inside(root, path.parent, "model path")
    target = parent / path.name  # the link itself, never what a symlink points to
    rel = target.relative_to(root)
    if len(rel.parts) != 3 or not target.name.lower().endswith(".gguf"):
        raise InvalidRequest(f"{rel} is not <publisher>/<repo>/<file>.gguf inside the models dir")
    if not target.is_symlink() and not target.is_file():
        raise NotFound(f"{rel} is not installed in LM Studio")
    target.unlink()
    removed = [target]
    for folder in (parent, parent.parent):
        if folder == root or any(folder.iterdir()):
            break
        folder.rmdir()
        removed.append(folder)
    return removed
