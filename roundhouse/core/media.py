"""Generated images on disk: media_dir/beam/<job id>/<candidate>.png, written atomically.

Names are checked against a strict pattern before any path is built, and the resolved path
must stay under media_dir/beam, so neither a worker nor a request can reach outside it.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from roundhouse.core.errors import InvalidRequest, NotFound

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
