"""What a worker process sets up around the app: JSON logging (when asked for), and once it is
ready the watchdog thread and every kind's starter (sweepers, publishers), given its context."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

from celery import Celery, signals
from celery.apps import worker as celery_worker

from roundhouse.core import logs
from roundhouse.core.settings import Settings
from roundhouse.tasks import kinds, watchdog
from roundhouse.tasks.context import WorkerContext

log = logging.getLogger(__name__)


def connect(app: Celery, settings: Settings, context: Callable[[], WorkerContext]) -> None:
    """Hook `app`'s worker signals (only a worker of this app answers them)."""
    if settings.log_format.lower() == "json":
        json_logging(settings)  # now, so warnings Celery gives before its logging set-up are JSON
        signals.setup_logging.connect(
            lambda loglevel="INFO", **_: json_logging(settings, loglevel),
            weak=False,
            dispatch_uid="roundhouse-json-logging",
        )

    def ready(sender: Any = None, **_: object) -> None:
        if getattr(sender, "app", app) is app:
            start(sender, settings, context())

    signals.worker_ready.connect(ready, weak=False)


def start(worker: Any, settings: Settings, ctx: WorkerContext) -> None:
    """Every worker sweeps for lost jobs (a Redis lock makes it one sweep per interval)."""
    name = f"{os.getpid()}@{settings.hostname}"  # /healthz lists workers by host
    host = settings.hostname if _consumes(worker, settings.host_queue) else None
    watchdog.start_thread(ctx.stores, ctx.enqueue, settings, worker_name=name, host=host)
    for starter in kinds.starters():
        try:
            starter(ctx)
        except Exception:
            log.exception("%s did not start", getattr(starter, "__qualname__", starter))


def _consumes(worker: Any, queue: str) -> bool:
    """Does this worker read `queue` (only then may it announce its host)?"""
    try:
        return queue in worker.app.amqp.queues.consume_from
    except AttributeError:
        return True


def json_logging(settings: Settings, loglevel: int | str = "INFO") -> None:
    """Celery leaves logging to us once a receiver is connected (only in JSON mode)."""
    logs.configure("json", loglevel or "INFO", host=settings.hostname)
    logging.getLogger().handlers[0].addFilter(_task_fields)
    celery_worker.safe_say = lambda msg, f=None: _say_json(settings, msg)


def _task_fields(record: logging.LogRecord) -> bool:
    """Celery's own task lines (received, succeeded, retry) get the job's id and kind too."""
    args = record.args
    if isinstance(args, dict) and str(args.get("name", "")).startswith("roundhouse."):
        record.job_id = args.get("id")
        record.kind = str(args["name"]).removeprefix("roundhouse.")
    return True


def _say_json(settings: Settings, msg: str) -> None:
    """Celery writes its shutdown notices straight to a file descriptor from a signal handler,
    bypassing logging; in JSON mode they are written as JSON lines the same way."""
    text = logs.line("WARNING", "celery.worker", msg.strip(), settings.hostname)
    os.write(2, (text + "\n").encode())
