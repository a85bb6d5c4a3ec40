"""Ask the Hub what a file is (size, LFS sha256, commit, signed URL) before moving any bytes.

LFS files (weights) carry their sha256 in X-Linked-Etag; a regular git file (config.json, a
tokenizer) is served by the hub itself with its git blob sha1 as ETag and no sha256, so it is
resolved with sha256=None and git_sha1 set, and the downloader verifies that instead.

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
from roundhouse.providers.hf.refs import validate_repo_id, validate_repo_path

_SHA256 = re.compile(r"[0-9a-f]{64}")
_GIT_SHA1 = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True)
class RemoteFile:
    """One Hub file as resolved right now: what to fetch, from where, and what it must hash to."""

    repo_id: str
    filename: str
    revision: str
    commit: str
    sha256: str | None  # None for a regular (non-LFS) git file
    size: int
    url: str
    git_sha1: str | None = None  # sha1(b"blob <size>\0" + content), set for non-LFS files only

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
    validate_repo_path(filename)
    url = hf_hub_url(repo_id, filename, revision=revision, endpoint=endpoint)
    try:
        meta = get_hf_file_metadata(url, token=_token(token), timeout=timeout, endpoint=endpoint)
    except Exception as exc:  # noqa: BLE001 - every Hub failure becomes a readable AppError
        raise hub_error(
            exc, endpoint=endpoint, repo_id=repo_id, filename=filename, revision=revision
        ) from exc
    if meta.size is None or not meta.commit_hash:
        raise ProviderError(PROVIDER, f"the Hub gave no size or commit for {filename}")
    etag = (meta.etag or "").lower()
    sha256 = etag if _SHA256.fullmatch(etag) else None
    git_sha1 = etag if sha256 is None and _GIT_SHA1.fullmatch(etag) else None
    return RemoteFile(
        repo_id,
        filename,
        revision,
        meta.commit_hash,
        sha256,
        int(meta.size),
        meta.location,
        git_sha1,
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
