"""GGUF jobs: `model.install` (check -> download -> verify -> import -> test, one bar),
`hf.download` (download + verify only) and `model.import` (an existing file into targets).

All three run on the HOST queue: the models folder, its disk reservation and LM Studio's
folder belong to one machine, and a part left by a killed worker must be found by the next.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from roundhouse.core.downloads import Downloads
from roundhouse.core.errors import AppError, NotFound
from roundhouse.core.job_types import Job
from roundhouse.core.models import now
from roundhouse.providers.base import Control
from roundhouse.tasks import attempts
from roundhouse.tasks import gguf_preflight as preflight
from roundhouse.tasks import gguf_stages as st
from roundhouse.tasks.context import WorkerContext
from roundhouse.tasks.jobs import gguf_llamacpp as llama
from roundhouse.tasks.jobs import gguf_targets as tg
from roundhouse.tasks.kinds import handles
from roundhouse.tasks.requests.gguf import DOWNLOAD, IMPORT, INSTALL, dest_dir

#: each kind's stages and their share of its one progress bar
INSTALL_STAGES = {"check": 2, "download": 80, "verify": 5, "import": 10, "test": 3}
DOWNLOAD_STAGES = {"check": 2, "download": 93, "verify": 5}
IMPORT_STAGES = {"verify": 20, "import": 70, "test": 10}


def _downloads(ctx: WorkerContext) -> Downloads:
    return ctx.stores.downloads


def _announce(ctx: WorkerContext, action: str, **data: Any) -> None:
    """Tell every open page the model list changed."""
    body = {"backend": "huggingface", "action": action, **data}
    ctx.stores.feed.publish("models", body)


def fetch(ctx: WorkerContext, job: Job, stages: st.Stages) -> tuple[dict[str, Any], list[Path]]:
    """check (fresh metadata, disk reserved) -> download (resumes) -> verify; records the file."""
    s, p = ctx.settings(), job["params"]
    repo, host = p["repo_id"], p.get("host") or s.hostname
    stages.enter("check", f"Checking {repo} on the Hub")
    remotes = st.resolve_all(s, repo, p.get("revision", "main"), p["files"])
    dest = dest_dir(s, repo)
    sizes: dict[str, int | None] = {r.filename: r.size for r in remotes}
    need = sum(r.size for r in remotes) - st.bytes_on_disk(dest, p["files"], sizes)
    reservations = ctx.stores.reservations(host)
    try:
        st.preflight(s, reservations, dest, need, job["id"])
        stages.enter("download", f"Downloading {len(remotes)} file(s) from {repo}")
        paths = attempts.after_earlier_attempt(
            lambda: st.download(s, remotes, dest, stages),
            stages,
            attempts.had_earlier_attempt(job),
            wait_s=s.stale_after_s + 10,
        )
        ctx.stores.metrics.bytes_downloaded(job["kind"], need)
    except OSError as exc:
        raise st.disk_full(exc, dest) from None
    finally:
        reservations.release(job["id"])
    stages.enter("verify", "Checking the GGUF header(s)")
    summary = st.verify(paths)
    record = _downloads(ctx).put(
        {
            "host": host,
            "repo_id": repo,
            "revision": p.get("revision", "main"),
            "commit": remotes[0].commit,
            "quant": p.get("quant"),
            "dir": str(dest),
            "files": [
                {
                    "filename": r.filename,
                    "sha256": r.sha256,
                    "git_sha1": r.git_sha1,
                    "size": r.size,
                    "path": str(x),
                }
                for r, x in zip(remotes, paths, strict=True)
            ],
            "summary": summary,
            "update": None,
        }
    )
    _announce(ctx, "downloaded", file_id=record["id"], repo_id=repo)
    return record, paths


def install_into(
    ctx: WorkerContext,
    job: Job,
    stages: st.Stages,
    record: dict[str, Any],
    paths: list[Path],
) -> dict[str, Any]:
    """import into each target, confirm it is listed, then one test prompt per target."""
    s, p = ctx.settings(), job["params"]
    targets, found, failed = p["targets"], {}, {}
    stages.enter("import", f"Importing into {' and '.join(targets)}")
    for i, target in enumerate(targets):
        stages.part(i, len(targets))
        try:
            found[target] = import_one(ctx, s, p, target, record, paths, stages)
        except AppError as exc:
            if len(targets) == 1:
                raise
            failed[target] = exc.message.removeprefix(f"{target}: ")
    if failed and not found:
        raise AppError("; ".join(f"{t}: {why}" for t, why in failed.items()))
    stages.enter("test", "Sending a test prompt")
    tests = {}
    for i, (target, model) in enumerate(found.items()):
        stages.part(i, len(found))
        if target == llama.NAME:
            tests[target] = llama.test_prompt(ctx, s, record, stages)
        else:
            tests[target] = tg.test_prompt(s, target, model)
        stages.report(progress=1.0, message=f"{model} answered: {tests[target]['answer']!r}")
    _announce(ctx, "installed", file_id=record["id"], models=found)
    if failed:
        raise AppError(
            preflight.partial(record["repo_id"], found, failed, paths),
            hint="Start the target that failed, then import the kept file into it (Install → "
            "Downloaded models, or POST /api/providers/models/import with its file_id).",
            file_id=record["id"],
            models=found,
        )
    where = ", ".join(f"{t} as {m}" for t, m in found.items())
    return {
        "file_id": record["id"],
        "models": found,
        "tests": tests,
        "message": f"Installed {record['repo_id']} into {where}; the test prompt answered",
    }


def import_one(
    ctx: WorkerContext,
    s: Any,
    p: dict[str, Any],
    target: str,
    record: dict[str, Any],
    paths: list[Path],
    stages: Any,
) -> str:
    """Import into one target and confirm it is listed; the name it is listed under."""
    if target == "ollama":
        sha = record["files"][0].get("sha256")
        name = tg.to_ollama(s, paths, sha, p["ollama_name"], stages)
        _downloads(ctx).add_import(record["id"], "ollama", name)
        return name
    if target == llama.NAME:  # llama.cpp serves the verified file where it lies
        name = llama.model_name(record)
        _downloads(ctx).add_import(record["id"], target, name)
        return name
    placed = tg.to_lmstudio(s, paths, record["repo_id"], stages, bool(p.get("replace")))
    _downloads(ctx).add_import(record["id"], "lmstudio", placed)
    return tg.confirm_lmstudio(s, paths[0].name, stages)


@handles(INSTALL)
def install(ctx: WorkerContext, job: Job, control: Control) -> dict[str, Any]:
    """Download, verify, import into Ollama and/or LM Studio, and test: one job, one bar."""
    stages = st.Stages(control, INSTALL_STAGES)
    stages.enter("check", "Checking " + " and ".join(job["params"]["targets"]))
    preflight.require(ctx.settings(), job["params"]["targets"])
    record, paths = fetch(ctx, job, stages)
    return {**install_into(ctx, job, stages, record, paths), "files": [str(x) for x in paths]}


@handles(DOWNLOAD)
def download(ctx: WorkerContext, job: Job, control: Control) -> dict[str, Any]:
    """Download and verify only (several files of one repo: one aggregated bar)."""
    record, paths = fetch(ctx, job, st.Stages(control, DOWNLOAD_STAGES))
    size = sum(f["size"] for f in record["files"])
    return {
        "file_id": record["id"],
        "files": [str(x) for x in paths],
        "size": size,
        "message": f"Downloaded and verified {len(paths)} file(s), {size} bytes",
    }


def existing(ctx: WorkerContext, p: dict[str, Any]) -> tuple[dict[str, Any], list[Path]]:
    """The record and files to import: a download record, or a path inside the models dir."""
    if p.get("file_id"):
        record = _downloads(ctx).get(p["file_id"])
        paths = [Path(f["path"]) for f in record["files"]]
    else:
        path = Path(p["path"])
        record = _downloads(ctx).put(
            {
                "host": p.get("host") or ctx.base_settings.hostname,
                "repo_id": p["repo_id"],
                "revision": None,
                "commit": None,
                "dir": str(path.parent),
                "update": None,
                "files": [{"filename": path.name, "sha256": None, "size": None, "path": str(path)}],
                "imported_at": now(),
            }
        )
        paths = [path]
    missing = [str(x) for x in paths if not x.is_file()]
    if missing:
        raise NotFound(f"{', '.join(missing)} no longer exists", hint="download it again")
    return record, paths


@handles(IMPORT)
def import_file(ctx: WorkerContext, job: Job, control: Control) -> dict[str, Any]:
    """An already downloaded GGUF into Ollama and/or LM Studio, confirmed and tested."""
    stages = st.Stages(control, IMPORT_STAGES)
    record, paths = existing(ctx, job["params"])
    stages.enter("verify", "Checking the GGUF header")
    st.verify(paths)
    return install_into(ctx, job, stages, record, paths)
