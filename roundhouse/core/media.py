"""Generated images on disk: media_dir/beam/<job id>/<candidate>.png, written atomically,
and a copy in Redis so that every API process can serve them, whichever host made them.

Names are checked against a strict pattern before any path is built, and the resolved path
must stay under media_dir/beam, so neither a worker nor a request can reach outside it.
"""

from __future__ import annotations

import base64
import os
import re
import tempfile
from pathlib import Path

import redis

from roundhouse.core.errors import InvalidRequest, NotFound
from roundhouse.core.keys import Keys

BEAM = "beam"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def beam_url(job_id: str, candidate_id: str) -> str:
    """The URL the API serves a candidate's image at."""
    return f"/media/{BEAM}/{_checked(job_id, 'job id')}/{_checked(candidate_id, 'candidate')}.png"


def save_beam_image(media_dir: Path, job_id: str, candidate_id: str, png: bytes) -> str:
    """Write one candidate's PNG (temp file + rename, so readers never see half) -> its URL."""
    if not png.startswith(PNG_SIGNATURE):
        raise InvalidRequest(f"image for {candidate_id!r} is not a PNG")
    url = beam_url(job_id, candidate_id)
    folder = _root(media_dir) / job_id
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{candidate_id}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(png)
        os.replace(tmp, folder / f"{candidate_id}.png")
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return url


class MediaStore:
    """Beam images in Redis (`rh:media:beam:{job}`, candidate -> base64 PNG), kept as long as
    media retention says; an image over `max_bytes` stays on its host's disk only."""

    def __init__(self, r: redis.Redis, keys: Keys, max_bytes: int, keep_s: float) -> None:
        self.r, self.keys, self.max_bytes, self.keep_s = r, keys, max_bytes, keep_s

    def put(self, job_id: str, candidate_id: str, png: bytes) -> bool:
        if len(png) > self.max_bytes:
            return False
        key = self.keys.media(_checked(job_id, "job id"))
        pipe = self.r.pipeline(transaction=False)
        pipe.hset(key, _checked(candidate_id, "candidate"), base64.b64encode(png).decode())
        pipe.expire(key, max(1, int(self.keep_s)))
        pipe.execute()
        return True

    def get(self, job_id: str, candidate_id: str) -> bytes | None:
        raw = self.r.hget(self.keys.media(job_id), candidate_id)
        return base64.b64decode(raw) if raw else None

    def drop(self, job_id: str) -> None:
        self.r.delete(self.keys.media(job_id))


def keep_beam_image(
    media_dir: Path, media: MediaStore | None, job_id: str, candidate_id: str, png: bytes
) -> str:
    """Save on this host's disk, and in Redis for API processes on other hosts -> its URL."""
    url = save_beam_image(media_dir, job_id, candidate_id, png)
    if media is not None:
        media.put(job_id, candidate_id, png)
    return url


def beam_png(media_dir: Path, media: MediaStore, job_id: str, name: str) -> Path | bytes:
    """This host's file if it has it, else the copy in Redis; 400 for a bad name, else 404."""
    try:
        return beam_file(media_dir, job_id, name)
    except NotFound:
        png = media.get(job_id, name.removesuffix(".png"))
        if png is None:
            raise
        return png


def beam_file(media_dir: Path, job_id: str, name: str) -> Path:
    """The stored image for a request path; a bad name is a 400, a missing file a 404."""
    stem = name.removesuffix(".png")
    if stem == name:
        raise InvalidRequest(f"{name!r} is not an image name", hint="names end in .png")
    _checked(job_id, "job id")
    _checked(stem, "image name")
    root = _root(media_dir)
    path = (root / job_id / name).resolve()
    if not path.is_relative_to(root.resolve()) or not path.is_file():
        raise NotFound(f"no image {name!r} for job {job_id!r}")
    return path


def _root(media_dir: Path) -> Path:
    return Path(media_dir) / BEAM


def _checked(value: str, what: str) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise InvalidRequest(
            f"invalid {what} {value!r}", hint="letters, digits, '-' and '_' only, 64 at most"
        )
    return value
