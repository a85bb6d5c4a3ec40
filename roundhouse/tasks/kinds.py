"""The registry of job kinds: what runs a kind, on which queue, and whether it can resume."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from roundhouse.core.errors import InvalidRequest
from roundhouse.core.job_types import Job
from roundhouse.providers.base import Control

Handler = Callable[[Job, Control], Any]
Admit = Callable[[Job], bool]

#: Queue names; "host" means the queue of the machine named in the job's params["host"].
DEFAULT, DOWNLOADS, BEAM, HOST = "default", "downloads", "beam", "host"


@dataclass(frozen=True)
class Kind:
    name: str
    handler: Handler
    queue: str = DEFAULT
    #: a job whose worker died is re-queued (True) or failed with "worker lost" (False)
    resumable: bool = False
    #: can be paused and resumed by the user (keeps partial data)
    pausable: bool = False
    #: asked before a queued job is claimed; False means "not yet": the job stays queued and
    #: its task is retried after `wait_retry_s` (or sooner, if the kind sends it again itself)
    admit: Admit | None = None


_KINDS: dict[str, Kind] = {}


def job_kind(
    name: str,
    *,
    queue: str = DEFAULT,
    resumable: bool = False,
    pausable: bool = False,
    admit: Admit | None = None,
) -> Callable[[Handler], Handler]:
    """Register the function that does the work of one kind of job."""

    def register(handler: Handler) -> Handler:
        _KINDS[name] = Kind(name, handler, queue, resumable, pausable, admit)
        return handler

    return register


def get(name: str) -> Kind:
    try:
        return _KINDS[name]
    except KeyError:
        raise InvalidRequest(
            f"Unknown job kind {name!r}.", hint="Known kinds: " + ", ".join(sorted(_KINDS))
        ) from None


def all_kinds() -> dict[str, Kind]:
    return dict(_KINDS)


def task_name(kind: str) -> str:
    return f"roundhouse.{kind}"
