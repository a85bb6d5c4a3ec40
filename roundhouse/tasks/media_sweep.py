"""Retention of what beam searches leave behind: images older than
ROUNDHOUSE_MEDIA_RETENTION_DAYS go, with their copy in Redis and their job's record.

Each worker sweeps its own host's media folder (only it can see that disk) once an hour.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from pathlib import Path

from roundhouse.core.jobs import JobStore
from roundhouse.core.media import BEAM, MediaStore
from roundhouse.core.settings import Settings
from roundhouse.core.stores import Stores

log = logging.getLogger(__name__)
INTERVAL_S = 3600.0


def sweep(media_dir: Path, jobs: JobStore, media: MediaStore, retention_s: float) -> list[str]:
    """Remove every beam job folder whose newest image is older than retention; its ids."""
    root = Path(media_dir) / BEAM
    if not root.is_dir():
        return []
    cutoff, removed = time.time() - retention_s, []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        newest = max((f.stat().st_mtime for f in folder.iterdir()), default=folder.stat().st_mtime)
        if newest >= cutoff:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        forget_job(jobs, media, folder.name)
        removed.append(folder.name)
    return removed


def forget_job(jobs: JobStore, media: MediaStore, job_id: str) -> None:
    """The job's record, events and index entry, and its images in Redis."""
    jobs.forget(job_id)
    media.drop(job_id)


def start_sweeper(
    settings: Settings, stores: Stores, interval_s: float = INTERVAL_S
) -> threading.Event:
    """A daemon thread sweeping this host's media folder now and every `interval_s`."""
    stop = threading.Event()
    keep_s = settings.media_retention_days * 86400
    jobs, media = stores.jobs, stores.media

    def loop() -> None:
        while True:
            try:
                gone = sweep(settings.media_dir, jobs, media, keep_s)
                if gone:
                    log.info("media retention removed %d beam job(s): %s", len(gone), gone)
            except Exception:
                log.warning("media retention sweep failed; retrying later", exc_info=True)
            if stop.wait(interval_s):
                return

    threading.Thread(target=loop, name="media-sweep", daemon=True).start()
    return stop
