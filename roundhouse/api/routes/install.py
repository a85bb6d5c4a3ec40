"""GGUF models from the Hub: install, download, import, downloaded files, updates, uninstall."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from roundhouse.api.body import json_object
from roundhouse.api.deps import app_ctx, host_of
from roundhouse.api.submit import accepted, submit
from roundhouse.core.disk import floor_bytes
from roundhouse.core.downloads import Downloads
from roundhouse.core.errors import InvalidRequest
from roundhouse.providers import hf, lmstudio_files
from roundhouse.tasks import gguf_files, llamacpp_serve
from roundhouse.tasks import gguf_preflight as preflight
from roundhouse.tasks import gguf_stages as st
from roundhouse.tasks.requests import gguf as gp

bp = Blueprint("install", __name__, url_prefix="/api/providers/models")


def _downloads() -> Downloads:
    ctx = app_ctx()
    return ctx.stores.downloads


def _announce(backend: str, action: str, **data: Any) -> None:
    """Every open page refreshes its model lists."""
    ctx = app_ctx()
    data |= {"backend": backend, "action": action}
    ctx.stores.feed.publish("models", data)


def _fetch_params(body: dict[str, Any], any_path: bool = False) -> dict[str, Any]:
    """Validate, list the repo on the Hub (404/403 now), and refuse what will not fit (409)."""
    s = app_ctx().settings
    repo = hf.validate_repo_id(body.get("repo_id"))
    revision = gp.revision_of(body)
    quant, files = gp.wanted_files(body, any_path)
    host = host_of(body.get("host"))
    chosen, sizes = st.plan(s, repo, revision, quant, files)
    dest = gp.dest_dir(s, repo)
    if all(v is not None for v in sizes.values()) and host == s.hostname:
        need = sum(v or 0 for v in sizes.values()) - st.bytes_on_disk(dest, chosen, sizes)
        reservations = app_ctx().stores.reservations(host)
        st.preflight(s, reservations, dest, need, None)
    return {
        "repo_id": repo,
        "revision": revision,
        "quant": quant or hf.quant_of(chosen[0]),
        "files": chosen,
        "size": sum(v or 0 for v in sizes.values()),
        "host": host,
    }


@bp.post("/install")
def install() -> ResponseReturnValue:
    body = json_object(gp.INSTALL_FIELDS)
    targets = gp.targets_of(body)
    if "ollama" in targets:  # a bad name is a 400 before the Hub is asked anything
        repo = hf.validate_repo_id(body.get("repo_id"))
        gp.ollama_name_of(body, repo, gp.wanted_files(body)[0])
    dropped: dict[str, str] = {}
    if host_of(body.get("host")) == app_ctx().settings.hostname:  # before the Hub is asked
        targets, dropped = preflight.choose(app_ctx().settings, targets, "targets" in body)
        if "llamacpp" in targets:  # not set up: say so before a byte is downloaded
            llamacpp_serve.require_engine(app_ctx().settings)
    params = _fetch_params(body)
    if "ollama" in targets and gp.is_split(params["files"]):
        raise InvalidRequest(
            "Ollama cannot import a split GGUF",
            hint="choose LM Studio only, or another quant",
            files=params["files"],
        )
    params |= {"targets": targets, "replace": bool(body.get("replace"))}
    if dropped:
        params["dropped"] = dropped
    if "ollama" in targets:
        params["ollama_name"] = gp.ollama_name_of(body, params["repo_id"], params["quant"])
    key = gp.dedup_key(gp.INSTALL, params["host"], params["repo_id"], params["files"])
    message = f"Queued ({preflight.note(dropped)})" if dropped else "Queued"
    job = submit(gp.INSTALL, params, dedup=key + ":" + ",".join(targets), message=message)
    return accepted(*job)


@bp.post("/hf-download")
def hf_download() -> ResponseReturnValue:
    params = _fetch_params(json_object(gp.DOWNLOAD_FIELDS), any_path=True)
    key = gp.dedup_key(gp.DOWNLOAD, params["host"], params["repo_id"], params["files"])
    return accepted(*submit(gp.DOWNLOAD, params, dedup=key))


@bp.post("/import")
def import_file() -> ResponseReturnValue:
    body = json_object(gp.IMPORT_FIELDS)
    s = app_ctx().settings
    targets = gp.targets_of(body)
    params: dict[str, Any] = {"targets": targets}
    if bool(body.get("file_id")) == bool(body.get("path")):
        raise InvalidRequest("give either file_id (a downloaded model) or path (a .gguf file)")
    if body.get("file_id"):
        record = _downloads().get(str(body["file_id"]))
        # a downloaded file is imported on the machine that holds it
        params["host"] = host_of(body.get("host") or record.get("host"))
        params |= {"file_id": record["id"], "repo_id": record["repo_id"]}
        files = [hf.validate_filename(f["filename"]) for f in record["files"]]  # GGUFs only
        quant = record.get("quant")
    else:
        params["host"] = host_of(body.get("host"))
        path = gp.inside_models_dir(s, body["path"])
        if not path.is_file():
            raise InvalidRequest(f"{body['path']} does not exist in the models folder")
        params |= {"path": str(path), "repo_id": hf.validate_repo_id(body.get("repo_id"))}
        quant, files = hf.quant_of(path.name), [path.name]
    if "ollama" in targets:
        if gp.is_split(files):
            raise InvalidRequest("Ollama cannot import a split GGUF")
        params["ollama_name"] = gp.ollama_name_of(body, params["repo_id"], quant)
    key = gp.import_dedup(params["host"], params.get("file_id") or params["path"])
    return accepted(*submit(gp.IMPORT, params, dedup=key))


@bp.get("/files")
def list_files() -> ResponseReturnValue:
    ctx = app_ctx()
    reservations = ctx.stores.reservations(ctx.settings.hostname).all()
    free = hf.free_bytes(ctx.settings.models_dir)
    return jsonify(
        {
            "files": _downloads().list(),
            "disk": {
                "host": ctx.settings.hostname,
                "free_bytes": free,
                "reserved": reservations,
                "margin_bytes": ctx.settings.disk_margin_bytes,
                "floor_bytes": floor_bytes(
                    ctx.settings.disk_floor, hf.total_bytes(ctx.settings.models_dir)
                ),
            },
        }
    )


@bp.delete("/files/<file_id>")
def delete_file(file_id: str) -> ResponseReturnValue:
    """On this machine at once (200); on another host by a model.delete job there (202)."""
    ctx = app_ctx()
    record = _downloads().get(file_id)
    if record.get("host") not in (None, ctx.settings.hostname):
        gguf_files.refuse_while_downloading(ctx.jobs, record)
        params = {"file_id": record["id"], "host": host_of(record["host"])}
        job, created = submit(gp.DELETE, params, dedup=gp.delete_dedup(record["id"]))
        return accepted(job, created)
    done = gguf_files.uninstall_download(ctx.settings, ctx.jobs, _downloads(), file_id)
    _announce("huggingface", "deleted", file_id=file_id)
    return jsonify(done)


@bp.get("/files/updates")
def updates() -> ResponseReturnValue:
    rows = [
        {"id": d["id"], "repo_id": d["repo_id"], "update": d.get("update")}
        for d in _downloads().list()
    ]
    return jsonify({"files": rows})


@bp.post("/files/updates")
def check_updates() -> ResponseReturnValue:
    ids = json_object({"ids"}).get("ids")
    if ids is not None and (not isinstance(ids, list) or not all(isinstance(i, str) for i in ids)):
        raise InvalidRequest("ids must be a list of downloaded-file ids")
    rows = gguf_files.check_updates(app_ctx().settings, _downloads(), ids)
    return jsonify({"files": rows})


@bp.post("/files/<file_id>/update")
def update(file_id: str) -> ResponseReturnValue:
    """One click: download the Hub's current files and import them where the old ones were."""
    record = _downloads().get(file_id)
    imports = record.get("imports") or {}
    targets = [t for t in gp.TARGETS if imports.get(t)]
    body: dict[str, Any] = {
        "repo_id": record["repo_id"],
        "revision": record.get("revision"),
        "files": [f["filename"] for f in record["files"]],
        "host": record.get("host"),  # the files are on that machine
    }
    params = _fetch_params(body, any_path=not targets)
    kind = gp.INSTALL if targets else gp.DOWNLOAD
    if targets:
        params |= {"targets": targets, "replace": True}
        if "ollama" in targets:
            params["ollama_name"] = imports["ollama"]
    key = gp.dedup_key(kind, params["host"], params["repo_id"], params["files"])
    if targets:
        key += ":" + ",".join(targets)
    return accepted(*submit(kind, params, dedup=key))


@bp.delete("/lmstudio/<path:model_path>")
def uninstall_lmstudio(model_path: str) -> ResponseReturnValue:
    """Remove <publisher>/<repo>/<file>.gguf and its empty folders; nothing outside the folder."""
    s = app_ctx().settings
    removed = lmstudio_files.uninstall(s.lmstudio_models_dir, model_path)
    _downloads().drop_import("lmstudio", model_path)
    _announce("lmstudio", "deleted", model=model_path)
    return jsonify({"removed": [str(p) for p in removed]})
