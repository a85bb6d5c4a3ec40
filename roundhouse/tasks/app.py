"""The Celery app, built by a factory from settings (as Flask's `celery_init_app` builds it from
the Flask app): a Redis broker, one task per job kind, nothing stored in a result backend.

Importing this module builds nothing. `celery -A roundhouse.tasks.app ...` (worker, flower,
inspect) asks it for `app`, which is then built once from this machine's settings.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from celery import Celery, Task, signals
from kombu import Queue

from roundhouse.core import logs
from roundhouse.core.settings import Settings
from roundhouse.tasks import broker, jobs, kinds, runner, states, worker_start
from roundhouse.tasks.context import PerProcess, WorkerContext
from roundhouse.tasks.describe import label
from roundhouse.tasks.enqueue import enqueue


def broker_app(settings: Settings) -> Celery:
    """A configured app with no tasks: enough to send one (the API's enqueue path)."""
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
    return app


def create_celery(settings: Settings) -> Celery:
    """The worker's app: a task per kind whose handler gets the worker's context, built once
    per process on first use; thin tasks, only the job id crosses the broker."""
    jobs.load_all()
    app = broker_app(settings)
    context = PerProcess(lambda: WorkerContext.build(settings, lambda job: enqueue(app, job)))
    signals.worker_process_init.connect(context.forget, weak=False)
    for name in kinds.all_kinds():
        _register(app, name, context)
    worker_start.connect(app, settings, context)
    return app


def _register(app: Celery, kind: str, context: PerProcess) -> None:
    def task(self: Task, job_id: str) -> str | None:
        with logs.job_context(job_id, kind):
            ctx = context()
            ending = runner.run(job_id, ctx)
            retry_label = _label(ctx, job_id) if ending.outcome == runner.WAIT else ""
            return states.report(self, ending, retry_label)

    task.__name__ = kind.replace(".", "_")
    # max_retries=None: a job may wait its turn (a retry per look) for as long as it takes;
    # shared=False: the task is this app's alone (not added to every app made later, such as
    # the API's sending app in the same process)
    options = {"bind": True, "throws": (states.JobFailed,), "max_retries": None, "shared": False}
    app.task(name=kinds.task_name(kind), **options)(task)


def _label(ctx: WorkerContext, job_id: str) -> str:
    try:
        return label(ctx.jobs.get(job_id))
    except Exception:  # expired meanwhile: the id alone still says which job
        return job_id


@cache
def worker_app() -> Celery:
    """This process's worker app, from this machine's settings (the environment, then `.env`)."""
    return create_celery(Settings.from_env())


def __getattr__(name: str) -> Any:
    """`celery -A roundhouse.tasks.app` looks for `app` (then `celery`): built at that look."""
    if name in ("app", "celery"):
        return worker_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
