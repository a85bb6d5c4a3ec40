"""Beam search: POST /api/beam-search starts a job; GET /media/beam/... serves its images."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, send_file
from flask.typing import ResponseReturnValue

from roundhouse.api.body import json_object
from roundhouse.api.deps import app_ctx, settings
from roundhouse.api.submit import accepted, submit
from roundhouse.core.errors import InvalidRequest
from roundhouse.core.media import beam_png
from roundhouse.providers.beam import DEFAULTS, allowed, validate_params, validate_prompt
from roundhouse.tasks.requests.beam import SEARCH

bp = Blueprint("beam", __name__)
IMAGE_MAX_AGE_S = 24 * 3600  # a candidate's image never changes once written


@bp.get("/api/beam-search")
def describe() -> ResponseReturnValue:
    """What a search may ask for: defaults and allowed ranges (the page's form uses them)."""
    return jsonify({"defaults": DEFAULTS, "allowed": {"prompt": "1-2000 characters", **allowed()}})


@bp.post("/api/beam-search")
def start() -> ResponseReturnValue:
    """Validate everything, then queue one beam.search job on the beam queue."""
    params = checked(json_object())
    message = f"Queued: {params['prompt'][:60]}"
    return accepted(*submit(SEARCH, params, message=message))


@bp.get("/media/beam/<job_id>/<name>")
def image(job_id: str, name: str) -> ResponseReturnValue:
    """One candidate's PNG, from this host's media folder or, when another host made it, from
    Redis; names are checked so no path leaves the media folder."""
    ctx = app_ctx()
    media = ctx.stores.media
    found = beam_png(settings().media_dir, media, job_id, name)
    if isinstance(found, bytes):
        response = Response(found, mimetype="image/png")
        response.cache_control.max_age = IMAGE_MAX_AGE_S
        response.cache_control.public = True
    else:
        response = send_file(found, mimetype="image/png", max_age=IMAGE_MAX_AGE_S, conditional=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def checked(body: dict[str, Any]) -> dict[str, Any]:
    """The job params, or one 400 listing every problem (prompt and numbers together)."""
    body = dict(body)
    raw_prompt = body.pop("prompt", None)
    errors: dict[str, Any] = {}
    prompt = params = None
    try:
        prompt = validate_prompt(raw_prompt)
    except InvalidRequest as exc:
        errors["prompt"] = exc.message.removeprefix("prompt ")
    try:
        params = validate_params(body)
    except InvalidRequest as exc:
        errors.update(exc.details.get("errors", {}))
    if errors or prompt is None or params is None:
        listed = "; ".join(f"{k}: {v}" for k, v in errors.items())
        raise InvalidRequest(
            f"invalid beam search: {listed}",
            hint="see 'allowed' for each field's range",
            errors=errors,
            allowed={"prompt": "1-2000 characters", **allowed()},
        )
    return {"prompt": prompt, **params.to_dict()}
