"""Downloaded GGUF files after the job: check the Hub for updates, remove them safely."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from roundhouse.core.downloads import Downloads
from roundhouse.core.errors import AppError, Conflict, InvalidRequest
from roundhouse.core.jobs import JobStore
from roundhouse.core.models import now
from roundhouse.core.settings import Settings
from roundhouse.providers import hf
from roundhouse.tasks.requests.gguf import DOWNLOAD, INSTALL, dedup_key

DOWNLOAD_KINDS = (INSTALL, DOWNLOAD)


def check_update(s: Settings, record: dict[str, Any]) -> dict[str, Any]:
    """Compare each file's hash with the Hub's current revision; never raises for one file."""
    if not record.get("revision") or not record.get("commit"):
        return {"available": False, "checked_at": now(), "message": "not from the Hub"}
    changed, latest, errors = [], None, []
    for f in record["files"]:
        try:
            remote = hf.resolve_file(
                record["repo_id"],
                f["filename"],
                endpoint=s.hf_endpoint,
                token=s.hf_token or None,
                revision=record["revision"],
            )
        except AppError as exc:
            errors.append(exc.message)
            continue
        latest = remote.commit
        if (remote.sha256, remote.git_sha1) != (f["sha256"], f.get("git_sha1")):
            changed.append(f["filename"])
    if errors and latest is None:
        return {
            "available": False,
            "checked_at": now(),
            "error": errors[0],
            "message": f"could not check: {errors[0]}",
        }
    message = (
        f"{len(changed)} file(s) changed on the Hub"
        if changed
        else "up to date"
        if latest == record["commit"]
        else "the repository has a newer commit, but these files are unchanged"
    )
    return {
        "available": bool(changed),
        "changed": changed,
        "latest_commit": latest,
        "checked_at": now(),
        "message": message,
    }


def check_updates(s: Settings, downloads: Downloads, ids: list[str] | None) -> list[dict]:
    """Check the given records (all when None) and store each verdict on its record."""
    records = [downloads.get(i) for i in ids] if ids else downloads.list()
    out = []
    for record in records:
        record["update"] = check_update(s, record)
        out.append(downloads.put(record))
    return out


def busy_job(jobs: JobStore, record: dict[str, Any]) -> str | None:
    """The id of a live job downloading this record's files, if any."""
    files = [f["filename"] for f in record["files"]]
    base = [dedup_key(k, record["host"], record["repo_id"], files) for k in DOWNLOAD_KINDS]
    for key in [base[1]] + [f"{base[0]}:{t}" for t in ("ollama", "lmstudio", "ollama,lmstudio")]:
        owner = jobs.live_owner(key)
        if owner:
            return owner["id"]
    return None


def _inside(root: Path, raw: str) -> Path:
    path = Path(raw).resolve()
    if path == root or not path.is_relative_to(root):
        raise InvalidRequest(f"{raw} is outside the models folder {root}; it was not touched")
    return path


def remove_files(s: Settings, record: dict[str, Any]) -> list[str]:
    """Delete the files, their parts and sidecars, then empty folders up to models_dir/hf."""
    root = s.models_dir.resolve()
    removed, folders = [], set()
    for f in record["files"]:
        path = _inside(root, f["path"])
        for p in (
            path,
            path.with_name(path.name + ".part"),
            path.with_name(path.name + ".part.json"),
        ):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
                removed.append(str(p))
        folders.add(path.parent)
    stop = {root, root / "hf"}
    for folder in sorted(folders, key=lambda x: len(x.parts), reverse=True):
        while folder not in stop and folder.is_relative_to(root):
            if folder.is_dir() and any(folder.iterdir()):
                break
            if folder.is_dir():
                folder.rmdir()
            folder = folder.parent
    return removed


def refuse_while_downloading(jobs: JobStore, record: dict[str, Any]) -> None:
    """409 while a live job downloads the record's files."""
    owner = busy_job(jobs, record)
    if owner:
        raise Conflict(
            f"job {owner} is downloading this file", hint="cancel that job first", job_id=owner
        )


def uninstall_download(
    s: Settings, jobs: JobStore, downloads: Downloads, rid: str
) -> dict[str, Any]:
    """Remove a downloaded model from disk and forget it; refused while a job downloads it."""
    record = downloads.get(rid)
    refuse_while_downloading(jobs, record)
    if record.get("host") not in (None, s.hostname):
        raise Conflict(
            f"this file is on {record['host']}, not {s.hostname}",
            hint="DELETE /api/providers/models/files/<id> removes it there (a model.delete job)",
        )
    removed = remove_files(s, record)
    downloads.delete(rid)
    return {"id": rid, "removed": removed, "imports_kept": record.get("imports", {})}
