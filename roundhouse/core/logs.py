"""Log lines for people (text) or for collectors (`ROUNDHOUSE_LOG_FORMAT=json`).

JSON: one object per line with `time`, `level`, `logger`, `message`, and `job_id`, `kind`,
`host` where they apply (a worker running a job sets them through `job_context`), plus any
`extra=` fields a caller gives (the access log's method, path, status, ms). Used by the API,
the workers and `roundhouse up`.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

_JOB: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar("job", default=None)
#: attributes every LogRecord has; anything else on a record came from `extra=`
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
TEXT_FORMAT = "[%(asctime)s: %(levelname)s/%(processName)s] %(name)s: %(message)s"


@contextlib.contextmanager
def job_context(job_id: str, kind: str) -> Iterator[None]:
    """Lines logged inside carry the job's id and kind."""
    token = _JOB.set({"job_id": job_id, "kind": kind})
    try:
        yield
    finally:
        _JOB.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object per record; a traceback goes into `exc_info` of the same line."""

    def __init__(self, host: str = "") -> None:
        super().__init__()
        self.host = host

    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        body.update(_JOB.get() or {})
        if self.host:
            body["host"] = self.host
        for name, value in vars(record).items():
            if name not in _STANDARD and not name.startswith("_"):
                body[name] = value
        if record.exc_info:
            body["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(body, default=str, ensure_ascii=False)


def handler(fmt: str, host: str = "", stream: Any = None) -> logging.Handler:
    out = logging.StreamHandler(stream or sys.stderr)
    if fmt == "json":
        out.setFormatter(JsonFormatter(host))
    else:
        out.setFormatter(logging.Formatter(TEXT_FORMAT))
    return out


def configure(fmt: str, level: int | str = logging.INFO, host: str = "") -> None:
    """Route every logger (gunicorn's and Celery's included) through one root handler."""
    root = logging.getLogger()
    root.handlers = [handler(fmt, host)]
    root.setLevel(level)
    logging.captureWarnings(True)  # Python's warnings become log lines, not raw stderr text
    for name in ("gunicorn.error", "gunicorn.access", "celery", "celery.task"):
        child = logging.getLogger(name)
        child.handlers = []
        child.propagate = True


def dict_config(fmt: str, host: str = "") -> dict[str, Any]:
    """The same, as a logging dictConfig (what gunicorn's `logconfig_dict` takes)."""
    formatter = {"()": JsonFormatter, "host": host} if fmt == "json" else {"format": TEXT_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"main": formatter},
        "handlers": {
            "main": {
                "class": "logging.StreamHandler",
                "formatter": "main",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": "INFO", "handlers": ["main"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
            # gunicorn's access line has the query string: the app writes its own instead
            "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
        },
    }


def console(fmt: str, name: str, host: str = "") -> logging.Logger:
    """A logger for a command's own lines: plain text on stderr, or JSON lines."""
    log = logging.getLogger(name)
    log.handlers = [handler(fmt, host)]
    if fmt != "json":
        log.handlers[0].setFormatter(logging.Formatter("%(message)s"))
    log.setLevel(logging.INFO)
    log.propagate = False
    return log


def line(level: str, logger: str, message: str, host: str = "") -> str:
    """One JSON log line built without the logging module (safe inside a signal handler)."""
    record = logging.LogRecord(logger, logging.getLevelName(level), "", 0, message, None, None)
    return JsonFormatter(host).format(record)
