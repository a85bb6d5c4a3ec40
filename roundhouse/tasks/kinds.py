"""The registry of job kinds: on which queue a kind runs and what it promises (declared with its
requests, tasks/requests/), and the function that does its work (registered by its handler
module, tasks/jobs/). The API needs only the first; a worker loads both."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from roundhouse.core.errors import InvalidRequest
from roundhouse.core.job_types import Job
from roundhouse.providers.base import Control
from roundhouse.tasks.context import WorkerContext

Handler = Callable[[WorkerContext, Job, Control], Any]
Admit = Callable[[WorkerContext, Job], bool]
#: run once in each worker's main process when it is ready (sweepers, publishers)
Starter = Callable[[WorkerContext], None]

#: Queue names; "host" means the queue of the machine named in the job's params["host"].
DEFAULT, DOWNLOADS, BEAM, HOST = "default", "downloads", "beam", "host"


@dataclass(frozen=True)
class Kind:
    name: str
    queue: str = DEFAULT
    #: a job whose worker died is re-queued (True) or failed with "worker lost" (False)
    resumable: bool = False
    #: can be paused and resumed by the user (keeps partial data)
    pausable: bool = False


@dataclass(frozen=True)
class Work:
    """What runs a kind: its handler, and the `admit` check asked before a queued job is
    claimed (False means "not yet": the job stays queued and its task is retried after
    `wait_retry_s`, or sooner if the kind sends it again itself)."""

    handler: Handler
    admit: Admit | None = None


_KINDS: dict[str, Kind] = {}
_WORK: dict[str, Work] = {}
_STARTERS: list[Starter] = []


def declare(
    name: str, *, queue: str = DEFAULT, resumable: bool = False, pausable: bool = False
) -> str:
    """Say that a kind exists and how it runs; its name, for the module's constant."""
    _KINDS[name] = Kind(name, queue, resumable, pausable)
    return name


def handles(name: str, *, admit: Admit | None = None) -> Callable[[Handler], Handler]:
    """Register the function that does the work of a declared kind."""
    get(name)  # a handler for a kind nobody declared is a mistake at import, not at run time

    def register(handler: Handler) -> Handler:
        _WORK[name] = Work(handler, admit)
        return handler

    return register


def job_kind(
    name: str,
    *,
    queue: str = DEFAULT,
    resumable: bool = False,
    pausable: bool = False,
    admit: Admit | None = None,
) -> Callable[[Handler], Handler]:
    """Declare a kind and register its handler in one step (a kind no API request makes)."""
    return handles(declare(name, queue=queue, resumable=resumable, pausable=pausable), admit=admit)


def at_worker_start(starter: Starter) -> Starter:
    """Run `starter` with the worker's context once the worker is ready."""
    _STARTERS.append(starter)
    return starter


def get(name: str) -> Kind:
    try:
        return _KINDS[name]
    except KeyError:
        raise InvalidRequest(
            f"Unknown job kind {name!r}.", hint="Known kinds: " + ", ".join(sorted(_KINDS))
        ) from None


def work(name: str) -> Work:
    """The handler of a kind (only a worker, which loads tasks/jobs, has them all)."""
    get(name)
    return _WORK[name]


def all_kinds() -> dict[str, Kind]:
    return dict(_KINDS)


def starters() -> list[Starter]:
    return list(_STARTERS)


def task_name(kind: str) -> str:
    return f"roundhouse.{kind}"
