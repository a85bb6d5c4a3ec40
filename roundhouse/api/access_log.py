"""One line per API request: method, path, status, milliseconds.

Never the query string (it may carry secrets), a header (tokens) or a body. A WebSocket or
SSE request is logged when its stream ends, with the time it stayed open.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request

log = logging.getLogger("roundhouse.access")


def install(app: Flask) -> None:
    @app.before_request
    def _started() -> None:
        g.rh_started = time.perf_counter()

    @app.after_request
    def _logged(response: Response) -> Response:
        started = g.get("rh_started")
        ms = round((time.perf_counter() - started) * 1000, 1) if started else None
        fields = {
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "ms": ms,
        }
        log.info(
            "%s %s %s %s ms", request.method, request.path, response.status_code, ms, extra=fields
        )
        return response
