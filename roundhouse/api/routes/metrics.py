"""GET /metrics: Prometheus' text format, protected like every other read."""

from __future__ import annotations

from flask import Blueprint, Response
from prometheus_client import CONTENT_TYPE_LATEST

from roundhouse.api.deps import app_ctx
from roundhouse.api.metrics import exposition

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def metrics() -> Response:
    return Response(exposition(app_ctx()), mimetype=None, content_type=CONTENT_TYPE_LATEST)
