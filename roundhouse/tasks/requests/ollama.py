"""`ollama.pull` requests: one pool and one dedup space per Ollama server, and a pull's place
in line (computed here only: by the API on the 202, by the worker before it claims)."""

from __future__ import annotations

from urllib.parse import urlsplit

from roundhouse.core.job_types import Job
from roundhouse.core.jobs import JobStore
from roundhouse.core.models import JobState
from roundhouse.core.settings import Settings
from roundhouse.core.slots import Slots, waiting_message
from roundhouse.core.stores import Stores
from roundhouse.providers.ollama import names
from roundhouse.tasks.kinds import DOWNLOADS, declare

PULL = declare("ollama.pull", queue=DOWNLOADS, resumable=True, pausable=True)


def host_of(url: str) -> str:
    """`127.0.0.1:11434`: one pool and one dedup space per Ollama server."""
    parts = urlsplit(url if "//" in url else f"http://{url}")
    return f"{parts.hostname or 'localhost'}:{parts.port or 11434}"


def ollama_id(url: str, host: str | None = None) -> str:
    """Which Ollama: a pull sent to a host uses that host's own (`@gpu`), else the URL's."""
    return f"@{host}" if host else host_of(url)


def pool(url: str, host: str | None = None) -> str:
    return f"ollama:{ollama_id(url, host)}"


def dedup_key(url: str, model: str, host: str | None = None) -> str:
    """Same model on the same Ollama = same artifact, whatever the spelling of the name."""
    return f"ollama.pull:{ollama_id(url, host)}:{names.key(model)}"


def slots(stores: Stores, settings: Settings, url: str, host: str | None = None) -> Slots:
    """The download slots of the Ollama a pull goes to."""
    return stores.slots(pool(url, host), settings.ollama_max_pulls, settings.stale_after_s)


def show_place(
    store: JobStore, line: Slots, job: Job, *, place: int | None = None
) -> tuple[int, Job]:
    """A queued pull's place in line (0: a slot is free for it), written on the job when it
    changed; the place and the job as it now reads. `place`: the one the API's create answered
    (Slots.join); without it, the worker's exact look before it claims."""
    if place is None:
        place = line.place(job["id"])
    if place and place != job.get("place"):
        message = waiting_message(place)
        fields = {"message": message, "place": place}
        store.update(job["id"], fields, allowed=(JobState.QUEUED.value,), job=job)
        job = {**job, "message": message, "place": place}
    return place, job
