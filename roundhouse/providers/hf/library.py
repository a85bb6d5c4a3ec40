"""The model library: search the Hub for GGUF repos, and one repo's page (files, card, licence).

Search goes through `HfApi.list_models(filter="gguf", sort="downloads")`; a repo's page is one
`model_info(files_metadata=True)` plus its README from `/resolve` (a regular git file the hub
serves itself). Shards of a split GGUF are one entry, with their summed size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from huggingface_hub import HfApi
from huggingface_hub.hf_api import ExpandModelProperty_T

from roundhouse.providers import tls
from roundhouse.providers.hf.errors import hub_error
from roundhouse.providers.hf.refs import quant_of, split_info, validate_repo_id

SEARCH_LIMIT = 30
SEARCH_FIELDS: list[ExpandModelProperty_T] = [
    "downloads",
    "likes",
    "lastModified",
    "tags",
    "pipeline_tag",
    "gguf",
]
README_MAX = 200_000


@dataclass
class GgufChoice:
    """One installable choice: a single file, or every shard of a split file."""

    name: str
    files: list[str]
    size: int | None
    quant: str | None
    split: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "files": self.files,
            "size": self.size,
            "quant": self.quant,
            "split": self.split,
            **self.extra,
        }


def _date(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return str(value) if value else None


def search(
    endpoint: str, token: str | None, query: str, limit: int = SEARCH_LIMIT
) -> list[dict[str, Any]]:
    """GGUF repos matching `query`, most downloaded first."""
    api = HfApi(endpoint=endpoint, token=token or False)
    try:
        found = list(
            api.list_models(
                search=query or None,
                filter="gguf",
                sort="downloads",
                limit=limit,
                expand=SEARCH_FIELDS,
            )
        )
    except Exception as exc:  # noqa: BLE001 - every Hub failure becomes a readable error
        raise hub_error(exc, endpoint=endpoint, repo_id=query or "*") from exc
    return [
        {
            "id": m.id,
            "author": m.id.split("/")[0],
            "downloads": m.downloads,
            "likes": m.likes,
            "last_modified": _date(m.last_modified),
            "pipeline_tag": m.pipeline_tag,
            "parameters": (m.gguf or {}).get("total") if isinstance(m.gguf, dict) else None,
        }
        for m in found
    ]


def group_gguf(files: list[tuple[str, int | None]]) -> list[GgufChoice]:
    """Every GGUF of a repo, shards of one split file grouped, sorted by size."""
    singles: list[GgufChoice] = []
    shards: dict[str, list[tuple[int, str, int | None]]] = {}
    for path, size in files:
        if not path.lower().endswith(".gguf"):
            continue
        info = split_info(path.rsplit("/", 1)[-1])
        if info is None:
            singles.append(GgufChoice(path, [path], size, quant_of(path)))
            continue
        folder = path.rsplit("/", 1)[0] + "/" if "/" in path else ""
        shards.setdefault(folder + info[0], []).append((info[1], path, size))
    for stem, parts in shards.items():
        parts.sort()
        sizes = [s for _, _, s in parts]
        total = None if any(s is None for s in sizes) else sum(s or 0 for s in sizes)
        names = [p for _, p, _ in parts]
        singles.append(GgufChoice(stem + ".gguf", names, total, quant_of(names[0]), split=True))
    return sorted(singles, key=lambda c: (c.size is None, c.size or 0, c.name))


def repo_page(endpoint: str, token: str | None, repo_id: str) -> dict[str, Any]:
    """A repo's GGUF choices with sizes and quants, licence, dates and README text."""
    repo_id = validate_repo_id(repo_id)
    api = HfApi(endpoint=endpoint, token=token or False)
    try:
        info = api.model_info(repo_id, files_metadata=True)
    except Exception as exc:  # noqa: BLE001
        raise hub_error(exc, endpoint=endpoint, repo_id=repo_id) from exc
    siblings = [(s.rfilename, s.size) for s in info.siblings or []]
    card = info.card_data.to_dict() if info.card_data is not None else {}
    licence = card.get("license") or next(
        (t.split(":", 1)[1] for t in info.tags or [] if t.startswith("license:")), None
    )
    names = {name for name, _ in siblings}
    return {
        "id": info.id,
        "sha": info.sha,
        "license": licence,
        "last_modified": _date(info.last_modified),
        "gated": info.gated or False,
        "downloads": info.downloads,
        "tags": info.tags or [],
        "files": [c.to_dict() for c in group_gguf(siblings)],
        "readme": readme(endpoint, token, repo_id, info.sha) if "README.md" in names else "",
    }


def readme(endpoint: str, token: str | None, repo_id: str, commit: str | None) -> str:
    """The model card's Markdown (front matter removed), at most README_MAX characters."""
    url = f"{endpoint.rstrip('/')}/{repo_id}/resolve/{commit or 'main'}/README.md"
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        r = httpx.get(
            url, headers=headers, timeout=10.0, follow_redirects=True, verify=tls.context()
        )
    except httpx.HTTPError:
        return ""
    if not r.is_success:
        return ""
    return strip_front_matter(r.text[:README_MAX])


def strip_front_matter(text: str) -> str:
    """A model card starts with YAML metadata between `---` lines; the page shows the prose."""
    if text.startswith("---"):
        end = text.find("\n---", 3)
        if end != -1:
            return text[end + 4 :].lstrip("\n")
    return text
