"""The stages of a GGUF job (check, download, verify) and one overall progress across them."""

from __future__ import annotations

import errno
from collections.abc import Generator, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import httpx

from roundhouse.core.disk import DiskReservations, floor_bytes
from roundhouse.core.errors import Conflict, NotFound
from roundhouse.core.settings import Settings
from roundhouse.providers import gguf, hf, tls
from roundhouse.providers.base import Control
from roundhouse.providers.hf.download import Refresh
from roundhouse.providers.hf.partfile import PartFile, target_path


class Stages:
    """A Control for provider code that maps each stage's own 0..1 into the job's overall bar.

    Provider code reports its own step names (uploading, creating, ...); they are kept as
    `step` while `stage` stays the job's stage (check, download, verify, import, test).
    """

    def __init__(self, control: Control, weights: Mapping[str, float]) -> None:
        total = sum(weights.values())
        self.control, self.weights = control, {k: v / total for k, v in weights.items()}
        self.stage: str | None = None
        self.lo = self.hi = self.start = self.width = 0.0

    def enter(self, stage: str, message: str | None = None) -> None:
        """Start a stage: the bar jumps to where the earlier stages end."""
        names = list(self.weights)
        self.stage = stage
        self.lo = self.start = sum(self.weights[n] for n in names[: names.index(stage)])
        self.width = self.weights[stage]
        self.hi = self.lo + self.width
        self.control.report(stage=stage, progress=self.lo, message=message, step=None)

    def part(self, i: int, n: int) -> None:
        """Work on the i-th of n equal parts of the current stage (one import target each)."""
        self.lo, self.hi = self.start + self.width * i / n, self.start + self.width * (i + 1) / n

    def report(
        self,
        *,
        stage: str | None = None,
        done: int | None = None,
        total: int | None = None,
        message: str | None = None,
        progress: float | None = None,
        **extra: Any,
    ) -> None:
        frac = progress
        if frac is None and done is not None and total:
            frac = min(1.0, done / total)
        overall = None if frac is None else self.lo + (self.hi - self.lo) * frac
        if stage and stage != self.stage:
            extra["step"] = stage
        self.control.report(
            stage=self.stage, done=done, total=total, message=message, progress=overall, **extra
        )

    def check(self) -> None:
        self.control.check()

    def event(self, type_: str, **data: Any) -> None:
        self.control.event(type_, **data)


def plan(
    s: Settings, repo_id: str, revision: str, quant: str | None, files: list[str]
) -> tuple[list[str], dict[str, int | None]]:
    """Which files (all shards of a split quant) and their sizes, from one Hub listing."""
    listing = hf.list_files(
        repo_id, endpoint=s.hf_endpoint, token=s.hf_token or None, revision=revision
    )
    sizes = {e.path: e.size for e in listing.files}
    chosen = hf.pick_files(listing.names, quant) if quant else files
    missing = [f for f in chosen if f not in sizes]
    if missing:
        raise NotFound(
            f"{', '.join(missing)} not in {repo_id} at {revision}",
            hint="pick a file from the repository's list",
            available=sorted(n for n in sizes if n.lower().endswith(".gguf")),
        )
    return chosen, {f: sizes[f] for f in chosen}


def bytes_on_disk(dest: Path, names: list[str], sizes: dict[str, int | None]) -> int:
    """Bytes already there for these files: finished files and partial downloads."""
    have = 0
    for name in names:
        final = target_path(dest, name)
        part = PartFile(final)
        if final.is_file() and final.stat().st_size == sizes.get(name):
            have += final.stat().st_size
        elif part.path.is_file():
            have += part.path.stat().st_size
    return have


def preflight(
    s: Settings, reservations: DiskReservations, dest: Path, need: int, job_id: str | None
) -> None:
    """Refuse with numbers unless `need` bytes fit; with a job id, reserve them atomically."""
    free, floor = hf.free_bytes(dest), floor_bytes(s.disk_floor, hf.total_bytes(dest))
    margin = s.disk_margin_bytes
    if job_id is None:
        hf.preflight(need, free, reservations.reserved(), margin, floor)
        return
    ok, others = reservations.try_reserve(job_id, need, free, margin + floor)
    if not ok:
        hf.preflight(need, free, others, margin, floor)


def disk_full(exc: OSError, dest: Path) -> Exception:
    """ENOSPC mid-download becomes a readable failure; the part stays for the next attempt."""
    if exc.errno != errno.ENOSPC:
        return exc
    return Conflict(
        f"the disk filled up during the download ({hf.human(hf.free_bytes(dest))} free now); "
        "the partial file is kept",
        hint="free some space, then install again: it resumes from the partial file",
    )


def resolve_all(s: Settings, repo_id: str, revision: str, names: list[str]) -> list[hf.RemoteFile]:
    """Fresh metadata and signed URLs for every file (on every start: URLs expire)."""
    return [
        hf.resolve_file(
            repo_id, n, endpoint=s.hf_endpoint, token=s.hf_token or None, revision=revision
        )
        for n in names
    ]


def refresher(s: Settings) -> Refresh:
    def refresh(remote: hf.RemoteFile) -> hf.RemoteFile:
        return hf.resolve_file(
            remote.repo_id,
            remote.filename,
            endpoint=s.hf_endpoint,
            token=s.hf_token or None,
            revision=remote.commit,
        )

    return refresh


class HubToken(httpx.Auth):
    """HF_TOKEN on requests to the Hub's own origin (non-LFS files are served there), never
    to the CDN a signed URL points at."""

    def __init__(self, endpoint: str, token: str | None) -> None:
        self.origin, self.token = httpx.URL(endpoint), token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        url, origin = request.url, self.origin
        if self.token and (url.scheme, url.host, url.port) == (
            origin.scheme,
            origin.host,
            origin.port,
        ):
            request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


def download(s: Settings, remotes: list[hf.RemoteFile], dest: Path, control: Control) -> list[Path]:
    """All files with one aggregated progress; resumes parts, verifies each file's hash."""
    auth = HubToken(s.hf_endpoint, s.hf_token or None)
    with httpx.Client(
        follow_redirects=True, timeout=30.0, auth=auth, verify=tls.context()
    ) as client:
        return hf.download_files(
            remotes,
            dest,
            control,
            client=client,
            refresh=refresher(s),
            segments=s.download_segments,
            segments_above=s.download_segments_above,
        )


def verify(paths: list[Path]) -> dict[str, Any] | None:
    """Every .gguf is a readable GGUF; shards agree with their -0000k-of-0000N names.

    Other files downloaded with it (safetensors, config.json) were verified by hash when downloaded;
    with no .gguf among them there is no summary (None).
    """
    summary = None
    for path in (p for p in paths if p.name.lower().endswith(".gguf")):
        found = gguf.read_summary(path)
        info = hf.split_info(PurePosixPath(path.name).name)
        if info:
            gguf.check_split(found, info[1], info[2])
        summary = summary or found
    if summary is None:
        return None
    return {
        "architecture": summary.architecture,
        "name": summary.name,
        "gguf_version": summary.version,
        "tensors": summary.tensor_count,
    }
