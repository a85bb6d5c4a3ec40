"""Several files of one repo (a split GGUF's shards, a model plus its mmproj) as one transfer."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import httpx

from roundhouse.core.errors import Cancelled, InvalidRequest
from roundhouse.providers.base import Control
from roundhouse.providers.hf.download import Refresh, download
from roundhouse.providers.hf.progress import Meter, Offset
from roundhouse.providers.hf.resolve import RemoteFile


def download_files(
    files: list[RemoteFile],
    dest_dir: Path,
    control: Control,
    *,
    client: httpx.Client,
    refresh: Refresh | None = None,
    **options: Any,
) -> list[Path]:
    """Download each file in order with one aggregated progress; cancel removes them all."""
    if not files:
        raise InvalidRequest("nothing to download: the file list is empty")
    if len({f.repo_id for f in files}) != 1:
        raise InvalidRequest("download_files takes files of a single repository")
    meter = Meter(control, sum(f.size for f in files))
    done: list[Path] = []
    base = 0
    try:
        for remote in files:
            done.append(
                download(
                    remote,
                    dest_dir,
                    control,
                    client=client,
                    refresh=refresh,
                    meter=Offset(meter, base),
                    **options,
                )
            )
            base += remote.size
    except Cancelled:
        for path in done:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        raise
    meter.update(meter.total, force=True, message=f"{len(files)} files verified")
    return done
