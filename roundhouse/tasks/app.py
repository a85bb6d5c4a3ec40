"""The Celery app: Redis broker, one task per job kind, and nothing stored in a result backend."""

from __future__ import annotations

import logging
import os
from typing import Any

from celery import Celery, Task, signals
from celery.apps import worker as celery_worker
from kombu import Queue

from roundhouse.core import logs
from roundhouse.core.settings import Settings
from roundhouse.tasks import broker, context, kinds, runner, states, watchdog
from roundhouse.tasks import jobs as _kinds  # noqa: F401  (registers every kind)
from roundhouse.tasks.describe import label
from roundhouse.tasks.enqueue import enqueue

log = logging.getLogger(__name__)


def make_celery(settings: Settings) -> Celery:
    """A Celery app whose tasks are thin: only the job id crosses the broker."""
    broker.register()  # survives Redis restarts mid-task (see broker.py)
    app = Celery("roundhouse", broker=settings.redis_url, set_as_current=False)
    app.conf.update(
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_send_task_events=True,
        task_send_sent_event=True,
        task_default_queue=kinds.DEFAULT,
        task_queues=[
            Queue(q) for q in (kinds.DEFAULT, kinds.DOWNLOADS, kinds.BEAM, settings.host_queue)
        ],
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": 3600},
        worker_concurrency=settings.worker_concurrency,
        worker_hijack_root_logger=False,
    )
    for name in kinds.all_kinds():
        _register(app, name)
    return app


def _register(app: Celery, kind: str) -> None:
    def task(self: Task, job_id: str) -> str | None:
        with logs.job_context(job_id, kind):
            ending = runner.run(job_id, context.jobs(), context.base_settings())
            retry_label = _label(job_id) if ending.outcome == runner.WAIT else ""
            return states.report(self, ending, retry_label)

    task.__name__ = kind.replace(".", "_")
    # max_retries=None: a job may wait its turn (a retry per look) for as long as it takes
    options = {"bind": True, "throws": (states.JobFailed,), "max_retries": None}
    app.task(name=kinds.task_name(kind), **options)(task)


def _label(job_id: str) -> str:
    try:
        return label(context.jobs().get(job_id))
    except Exception:  # expired meanwhile: the id alone still says which job
        return job_id


celery = make_celery(context.base_settings())


def _json_logging(loglevel: int | str = "INFO", **_: object) -> None:
    """Celery leaves logging to us once a receiver is connected (only in JSON mode)."""
    settings = context.base_settings()
    logs.configure("json", loglevel or "INFO", host=settings.hostname)
    logging.getLogger().handlers[0].addFilter(_task_fields)
    celery_worker.safe_say = _say_json


def _task_fields(record: logging.LogRecord) -> bool:
    """Celery's own task lines (received, succeeded, retry) get the job's id and kind too."""
    args = record.args
    if isinstance(args, dict) and str(args.get("name", "")).startswith("roundhouse."):
        record.job_id = args.get("id")
        record.kind = str(args["name"]).removeprefix("roundhouse.")
    return True


def _say_json(msg: str, f: object = None) -> None:
    """Celery writes its shutdown notices straight to a file descriptor from a signal handler,
    bypassing logging; in JSON mode they are written as JSON lines the same way."""
    text = logs.line("WARNING", "celery.worker", msg.strip(), context.base_settings().hostname)
    os.write(2, (text + "\n").encode())


if context.base_settings().log_format.lower() == "json":
    _json_logging()  # now, so warnings Celery gives before its logging set-up are JSON too
    signals.setup_logging.connect(_json_logging, weak=False)


@signals.worker_ready.connect
def _start_watchdog(sender: object = None, **_: object) -> None:
    """Every worker sweeps for lost jobs (a Redis lock makes it one sweep per interval)."""
    settings = context.base_settings()
    name = f"{os.getpid()}@{settings.hostname}"  # /healthz lists workers by host
    watchdog.start_thread(
        context.jobs(),
        lambda job: enqueue(celery, job),
        settings,
        worker_name=name,
        host=settings.hostname if _consumes(sender, settings.host_queue) else None,
    )


def _consumes(worker: Any, queue: str) -> bool:
    """Does this worker read `queue` (only then may it announce its host)?"""
    try:
        return queue in worker.app.amqp.queues.consume_from
    except AttributeError:
        return True
