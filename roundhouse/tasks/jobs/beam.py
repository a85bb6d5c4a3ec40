"""`beam.search`: refine an image prompt with the providers that are active when the job starts.

The provider snapshot is read once (one HGETALL) and used to the end, so a switch made while
the job runs changes the next job, not this one. The job records the snapshot's version and the
provider/model per role (never keys or URLs) and announces them before any provider is called.
"""

from __future__ import annotations

import queue
import threading
from functools import partial
from pathlib import Path
from typing import Any

from roundhouse.core.job_types import Job
from roundhouse.core.media import MediaStore, keep_beam_image
from roundhouse.providers.base import Control
from roundhouse.providers.beam import run, validate_params, validate_prompt
from roundhouse.providers.generation import Clients, build
from roundhouse.tasks import media_sweep
from roundhouse.tasks.context import WorkerContext
from roundhouse.tasks.kinds import at_worker_start, handles
from roundhouse.tasks.requests.beam import SEARCH

KIND = SEARCH


@handles(KIND)
def search(ctx: WorkerContext, job: Job, control: Control) -> dict[str, Any]:
    """Take the provider snapshot now, then search with it."""
    settings = ctx.settings()
    snapshot = ctx.stores.providers(settings).current()
    return search_with(job, control, snapshot, settings.media_dir, ctx.stores.media)


def search_with(
    job: Job,
    control: Control,
    snapshot: dict[str, Any],
    media_dir: Path,
    media: MediaStore | None = None,
) -> dict[str, Any]:
    """The whole job given its snapshot: announce, search, and return the result tree."""
    params = dict(job["params"])
    prompt = validate_prompt(params.pop("prompt", None))
    beam_params = validate_params(params)
    control.check()
    with build(snapshot) as clients:
        used = announce(control, clients)
        save = partial(keep_beam_image, media_dir, media, job["id"])
        writer = EventWriter(control)
        try:
            result = run(prompt, beam_params, clients, writer, save)
        finally:
            failure = writer.close()
        if failure is not None:
            raise failure
    out = result.to_dict()
    out["best"] = {k: out[k] for k in ("prompt", "image_url", "score")} | {"id": result.best_id}
    out["providers"] = used
    out["providers_version"] = clients.version
    out["message"] = f"Best score {result.score:.3f}: {_short(result.prompt)}"
    return out


def announce(control: Control, clients: Clients) -> dict[str, str]:
    """Record and announce provider/model per role and the snapshot version."""
    used = clients.describe()
    version = used.pop("version")
    message = ", ".join(f"{role}: {name}" for role, name in used.items())
    control.report(stage="providers", message=message, providers=used, providers_version=version)
    control.event("providers", used=used, version=version, message=message)
    return used


class EventWriter:
    """The control beam.run gets: its reports and events go to Redis from one thread, in order.

    The Redis round trips then overlap provider calls instead of delaying the next round, and
    a candidate's id travels as `candidate` (every job event's `id` is the job's).
    """

    def __init__(self, control: Control) -> None:
        self.control = control
        self._queue: queue.SimpleQueue[tuple[str | None, dict[str, Any]] | None] = (
            queue.SimpleQueue()
        )
        self._failure: Exception | None = None
        self._thread = threading.Thread(target=self._drain, name="beam-events", daemon=True)
        self._thread.start()

    def report(self, **fields: Any) -> None:
        self._queue.put((None, fields))

    def event(self, type_: str, **data: Any) -> None:
        if "id" in data:
            data["candidate"] = data.pop("id")
        self._queue.put((type_, data))

    def check(self) -> None:
        if self._failure is not None:
            raise self._failure
        self.control.check()

    def close(self, timeout_s: float = 30.0) -> Exception | None:
        """Write what is queued; the first write that failed, if any."""
        self._queue.put(None)
        self._thread.join(timeout_s)
        return self._failure

    def _drain(self) -> None:
        while (item := self._queue.get()) is not None:
            name, data = item
            try:
                if name is None:
                    self.control.report(**data)
                else:
                    self.control.event(name, **data)
            except Exception as exc:  # Redis gone: the job fails at its next check
                self._failure = self._failure or exc


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@at_worker_start
def _sweep_media(ctx: WorkerContext) -> None:
    """Each worker applies media retention to its own host's beam images."""
    media_sweep.start_sweeper(ctx.settings(), ctx.stores)
