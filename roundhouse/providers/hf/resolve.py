"""Ask the Hub what a file is (size, LFS sha256, commit, signed URL) before moving any bytes.

Uses huggingface_hub for the metadata requests, so redirects, headers and error codes are read
exactly as the official client reads them. Call `resolve_file` again before every (re)start: the
signed CDN URL it returns expires.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from huggingface_hub import HfApi, get_hf_file_metadata, hf_hub_url

from roundhouse.core.errors import ProviderError
from roundhouse.providers.hf.errors import PROVIDER, hub_error
from roundhouse.providers.hf.refs import validate_filename, validate_repo_id

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class RemoteFile:
    """One Hub file as resolved right now: what to fetch, from where, and what it must hash to."""

    repo_id: str
    filename: str
    revision: str
    commit: str
    sha256: str
    size: int
    url: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class RepoEntry:
    """A file listed in a repo, with the size and sha256 needed for disk checks and picking."""

    path: str
    size: int | None
    sha256: str | None


@dataclass(frozen=True)
class RepoListing:
    repo_id: str
    commit: str | None
    gated: bool | str
    files: list[RepoEntry]

    @property
    def names(self) -> list[str]:
        return [f.path for f in self.files]


def _token(token: str | None) -> str | bool:
    """False stops huggingface_hub from picking a token up from the environment or disk."""
    return token or False


def resolve_file(
    repo_id: str,
    filename: str,
    *,
    endpoint: str,
    token: str | None = None,
    revision: str = "main",
    timeout: float = 10.0,
) -> RemoteFile:
    """HEAD the file's resolve URL; map Hub errors to core.errors with hints."""
    validate_repo_id(repo_id)
    validate_filename(filename)
    url = hf_hub_url(repo_id, filename, revision=revision, endpoint=endpoint)
    try:
        meta = get_hf_file_metadata(url, token=_token(token), timeout=timeout, endpoint=endpoint)
    except Exception as exc:  # noqa: BLE001 - every Hub failure becomes a readable AppError
        raise hub_error(
            exc, endpoint=endpoint, repo_id=repo_id, filename=filename, revision=revision
        ) from exc
    etag = (meta.etag or "").lower()
    if not _SHA256.match(etag):
        raise ProviderError(
            PROVIDER,
            f"{filename} in {repo_id} is not an LFS file, so the Hub gives no sha256 for it",
            hint="GGUF files on the Hub are LFS files; check the repository",
        )
    if meta.size is None or not meta.commit_hash:
        raise ProviderError(PROVIDER, f"the Hub gave no size or commit for {filename}")
    return RemoteFile(
        repo_id, filename, revision, meta.commit_hash, etag, int(meta.size), meta.location
    )


def list_files(
    repo_id: str,
    *,
    endpoint: str,
    token: str | None = None,
    revision: str = "main",
    timeout: float = 10.0,
) -> RepoListing:
    """The repo's files with sizes and LFS sha256 (model_info with files_metadata)."""
    validate_repo_id(repo_id)
    api = HfApi(endpoint=endpoint, token=_token(token))
    try:
        info = api.model_info(
            repo_id, revision=revision, files_metadata=True, timeout=timeout, token=_token(token)
        )
    except Exception as exc:  # noqa: BLE001
        raise hub_error(exc, endpoint=endpoint, repo_id=repo_id, revision=revision) from exc
    entries = [
        RepoEntry(s.rfilename, s.size, s.lfs.sha256 if s.lfs else None) for s in info.siblings or []
    ]
    return RepoListing(repo_id, info.sha, info.gated or False, entries)
