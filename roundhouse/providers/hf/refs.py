"""Names on the Hub: repo ids, repo paths, GGUF file names, quantizations, picking a quant.

Everything a user types is checked here before any request or file operation, so bad input
fails with a 400 that states the rule. Split GGUFs (`-00001-of-0000N.gguf`) are supported:
picking a quant returns every shard in order, and refuses an incomplete set.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import PurePosixPath

from roundhouse.core.errors import InvalidRequest

MAX_REPO_ID = 96
MAX_FILENAME = 255
_SEGMENT = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?")
_QUANT = (
    r"(?:UD-)?(?:IQ[1-4]_(?:XXS|XS|S|M|NL)|Q[2-8]_K(?:_(?:S|M|L|XL))?|Q[4-8]_[01](?:_L)?"
    r"|TQ[12]_0|MXFP4(?:_MOE)?|BF16|F16|F32)"
)
_QUANT_NAME = re.compile(_QUANT, re.IGNORECASE)
_QUANT_TOKEN = re.compile(rf"(?:^|[-._])({_QUANT})(?=[-._]|$)", re.IGNORECASE)
_SPLIT = re.compile(r"(.*)-(\d{5})-of-(\d{5})\.gguf")


def validate_repo_id(repo_id: object) -> str:
    """`<namespace>/<name>`: letters, digits, `_ . -`; no `..`/`--`; no edge `-`/`.`; <= 96."""
    if not isinstance(repo_id, str) or repo_id.count("/") != 1:
        raise InvalidRequest(
            f"repo id {repo_id!r} must look like <namespace>/<name>, e.g. bartowski/Qwen3-8B-GGUF"
        )
    if len(repo_id) > MAX_REPO_ID:
        raise InvalidRequest(f"repo id is {len(repo_id)} characters; the Hub allows {MAX_REPO_ID}")
    for part in repo_id.split("/"):
        if not _SEGMENT.fullmatch(part) or ".." in part or "--" in part:
            raise InvalidRequest(
                f"repo id part {part!r} is invalid: use letters, digits, '_', '.' and '-', "
                "not starting or ending with '-' or '.', without '..' or '--'"
            )
    if repo_id.endswith(".git"):
        raise InvalidRequest("repo id must not end with .git")
    return repo_id


def validate_repo_path(path: str) -> str:
    """A relative POSIX path in the repo (any extension), with no way out of a folder."""
    if not isinstance(path, str) or not path:
        raise InvalidRequest("file name is empty")
    problem = None
    if "\\" in path:
        problem = "must not contain backslashes"
    elif path.startswith("/"):
        problem = "must be relative to the repository, not absolute"
    elif any(part in ("", ".", "..") for part in path.split("/")):
        problem = "must not contain '..', '.' or empty path segments"
    elif any(ord(c) < 32 or c == "\x7f" for c in path):
        problem = "must not contain control characters"
    elif len(path) > MAX_FILENAME:
        problem = f"is longer than {MAX_FILENAME} characters"
    if problem:
        raise InvalidRequest(f"file name {path!r} {problem}")
    return path


def validate_filename(filename: str) -> str:
    """A safe repo path (validate_repo_path) that ends in .gguf."""
    validate_repo_path(filename)
    if not filename.lower().endswith(".gguf"):
        raise InvalidRequest(f"file name {filename!r} must end with .gguf")
    return filename


def validate_quant(quant: str) -> str:
    """A llama.cpp quantization name such as Q4_K_M, IQ3_XS, Q8_0 or F16; returned upper-case."""
    if not isinstance(quant, str) or not _QUANT_NAME.fullmatch(quant):
        raise InvalidRequest(
            f"quantization {quant!r} is not recognised; examples: Q4_K_M, Q5_K_S, Q8_0, IQ3_XS, F16"
        )
    return quant.upper()


def split_info(filename: str) -> tuple[str, int, int] | None:
    """(prefix, part, parts) for a `-0000k-of-0000N.gguf` shard name, else None."""
    m = _SPLIT.fullmatch(filename)
    return (m.group(1), int(m.group(2)), int(m.group(3))) if m else None


def quant_of(filename: str) -> str | None:
    """The quantization a file name carries: the token right before `.gguf` or the shard suffix."""
    stem = PurePosixPath(filename).name
    info = split_info(stem)
    stem = info[0] if info else stem[: -len(".gguf")] if stem.lower().endswith(".gguf") else stem
    tokens = _QUANT_TOKEN.findall(stem)
    return tokens[-1].upper() if tokens else None


def _candidates(files: list[str], quant: str) -> dict[str, list[str]]:
    """Model files of that quant grouped by what they belong to (a single file or a shard set)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for name in files:
        base = PurePosixPath(name).name
        if not base.lower().endswith(".gguf") or base.lower().startswith("mmproj"):
            continue
        if quant_of(name) != quant:
            continue
        info = split_info(name)
        groups[info[0] if info else name].append(name)
    return groups


def _ordered_shards(key: str, names: list[str]) -> list[str]:
    """All shards of a set in part order, or InvalidRequest naming what is missing."""
    infos = [(info, n) for n in names if (info := split_info(n))]  # every name is a shard
    parts = {info[1]: n for info, n in infos}
    total = infos[0][0][2]
    missing = [i for i in range(1, total + 1) if i not in parts]
    if missing:
        raise InvalidRequest(f"split GGUF {key} is incomplete on the Hub: parts {missing} missing")
    return [parts[i] for i in range(1, total + 1)]


def _prefer_exact(groups: dict[str, list[str]], quant: str) -> dict[str, list[str]]:
    """Q4_K_M.gguf wins over Q4_K_M-fp16.gguf: keep groups whose stem ends with the quant."""
    exact = {k: v for k, v in groups.items() if k.upper().removesuffix(".GGUF").endswith(quant)}
    return exact or groups


def pick_files(files: list[str], quant: str) -> list[str]:
    """The file (or every shard, in order) holding `quant` among a repo's files."""
    quant = validate_quant(quant)
    groups = _candidates(files, quant)
    if not groups:
        found = sorted({q for f in files if f.lower().endswith(".gguf") and (q := quant_of(f))})
        raise InvalidRequest(
            f"no {quant} GGUF file in this repository",
            hint=f"available: {', '.join(found) or 'none'}",
            available=found,
        )
    if len(groups) > 1:
        groups = _prefer_exact(groups, quant)
    if len(groups) > 1:
        names = sorted(n for g in groups.values() for n in g)
        raise InvalidRequest(
            f"several files match {quant}; name the file instead", candidates=names
        )
    key, names = next(iter(groups.items()))
    if split_info(names[0]):
        return _ordered_shards(key, names)
    return names
