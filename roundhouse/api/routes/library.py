"""/api/library: search the Hub for GGUF repos, and a repo's page with a fit verdict per file."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from roundhouse.api import card
from roundhouse.api.body import int_arg
from roundhouse.api.deps import app_ctx, hosts
from roundhouse.api.library_fit import fit
from roundhouse.core.errors import InvalidRequest
from roundhouse.providers import catalog
from roundhouse.providers.hf import free_bytes, library
from roundhouse.tasks import gguf_stages as st
from roundhouse.tasks.requests import gguf as gp

bp = Blueprint("library", __name__, url_prefix="/api/library")
MAX_QUERY = 200


@bp.get("/search")
def search() -> ResponseReturnValue:
    """GGUF repos on the Hub matching `q`, most downloaded first."""
    query = request.args.get("q", "").strip()
    if len(query) > MAX_QUERY or not query.isprintable():
        raise InvalidRequest(f"q must be printable text of at most {MAX_QUERY} characters.")
    s = app_ctx().settings
    limit = int_arg("limit", library.SEARCH_LIMIT, 1, 100)
    found = library.search(s.hf_endpoint, s.hf_token or None, query, limit)
    return jsonify({"query": query, "models": found})


@bp.get("/repo/<namespace>/<name>")
def repo(namespace: str, name: str) -> ResponseReturnValue:
    """Every GGUF of a repo (shards grouped) with size, quant and fit for the host; the card."""
    ctx = app_ctx()
    s = ctx.settings
    host = hosts().choose_to_read(request.args.get("host"), s.hostname)
    page = library.repo_page(s.hf_endpoint, s.hf_token or None, f"{namespace}/{name}")
    dest = gp.dest_dir(s, page["id"])
    local = host == s.hostname
    machine = {} if local else (ctx.stores.host_views.get(host) or {}).get("machine")
    ram = catalog.total_ram_bytes() if local else (machine or {}).get("ram_bytes")
    free = free_bytes(dest) if local else (machine or {}).get("disk_free_bytes")
    reserved = ctx.stores.reservations(host).reserved()
    for choice in page["files"]:
        sizes: dict[str, int | None] = {f: None for f in choice["files"]}
        if choice["size"] is not None and len(choice["files"]) == 1:
            sizes = {choice["files"][0]: choice["size"]}
        have = st.bytes_on_disk(dest, choice["files"], sizes) if local else 0
        choice["fit"] = fit(choice["size"], ram, free, reserved, s.disk_margin_bytes, have)
    if not local and not machine:
        page["fit_note"] = f"{host} has not reported its RAM and free disk yet; fit unknown."
    page["host"] = host
    page["card_html"] = card.render(page.pop("readme"))
    return jsonify(page)
