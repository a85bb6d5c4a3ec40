"""Hugging Face Hub: names, metadata, resumable verified downloads, disk preflight."""

from __future__ import annotations

from roundhouse.providers.hf.disk import free_bytes, human, preflight, total_bytes
from roundhouse.providers.hf.download import download
from roundhouse.providers.hf.errors import hub_error
from roundhouse.providers.hf.files import download_files
from roundhouse.providers.hf.refs import (
    pick_files,
    quant_of,
    split_info,
    validate_filename,
    validate_quant,
    validate_repo_id,
    validate_repo_path,
)
from roundhouse.providers.hf.resolve import (
    RemoteFile,
    RepoEntry,
    RepoListing,
    list_files,
    resolve_file,
)

__all__ = [
    "RemoteFile",
    "RepoEntry",
    "RepoListing",
    "download",
    "free_bytes",
    "hub_error",
    "human",
    "list_files",
    "pick_files",
    "preflight",
    "total_bytes",
    "quant_of",
    "resolve_file",
    "download_files",
    "split_info",
    "validate_filename",
    "validate_quant",
    "validate_repo_id",
    "validate_repo_path",
]
