"""Media retention: beam images past ROUNDHOUSE_MEDIA_RETENTION_DAYS go with their job."""

from __future__ import annotations

import os
import time
from pathlib import Path

from roundhouse.core.jobs import JobStore
from roundhouse.core.media import MediaStore, keep_beam_image
from roundhouse.core.settings import Settings
from roundhouse.tasks.media_sweep import sweep
from tests.fakes.png import render

DAY = 86400


def beam_job(store: JobStore, media_dir: Path, media: MediaStore, age_days: float) -> str:
    job, _ = store.create("beam.search", {"prompt": "x"}, queue="beam")
    path = media_dir / "beam" / job["id"] / "r1-b0-c0.png"
    keep_beam_image(media_dir, media, job["id"], "r1-b0-c0", render("x", 8, 8))
    old = time.time() - age_days * DAY
    os.utime(path, (old, old))
    return job["id"]


def test_old_images_go_with_their_job_and_recent_ones_stay(store: JobStore, tmp_path: Path) -> None:
    assert Settings().media_retention_days == 30
    media = MediaStore(store.r, store.keys, 1 << 20, 30 * DAY)
    old = beam_job(store, tmp_path, media, age_days=31)
    recent = beam_job(store, tmp_path, media, age_days=2)
    assert sweep(tmp_path, store, media, 30 * DAY) == [old]
    assert not (tmp_path / "beam" / old).exists() and (tmp_path / "beam" / recent).is_dir()
    assert not store.r.exists(store.keys.job(old), store.keys.job_events(old))
    assert media.get(old, "r1-b0-c0") is None and store.r.zscore(store.keys.jobs, old) is None
    assert store.get(recent)["kind"] == "beam.search" and media.get(recent, "r1-b0-c0")
    assert sweep(tmp_path / "nothing-here", store, media, 30 * DAY) == []
