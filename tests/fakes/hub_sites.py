"""The fake Hub's hub origin: /api/models..., /{repo}/resolve/{rev}/{path}, whoami, errors.

Both origins are LoopbackServices over one FakeHub (tests/fakes/hub.py holds state and knobs);
the CDN origin is in tests/fakes/hub_cdn.py.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.fakes.loopback import Answer, LoopbackService, Request


def split_path(raw: str) -> tuple[list[str], dict[str, list[str]]]:
    """URL path segments (each unquoted after splitting, so %2F stays inside a segment)."""
    parts = urlsplit(raw)
    return [unquote(s) for s in parts.path.split("/")[1:]], parse_qs(parts.query)


def json_answer(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Answer:
    return Answer(
        status, json.dumps(data).encode(), {"Content-Type": "application/json"} | (headers or {})
    )


def hub_error(status: int, code: str | None, message: str, **extra: str) -> Answer:
    """The Hub's error: a JSON body plus X-Error-Message / X-Error-Code headers."""
    headers = {"X-Error-Message": message, "X-Request-Id": f"Root=1-fake-{time.time_ns()}"}
    if code:
        headers["X-Error-Code"] = code
    return json_answer({"error": message}, status, {**headers, **extra})


def token(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    return auth[7:] if auth.lower().startswith("bearer ") else None


class Site(LoopbackService):
    """What both origins share: the FakeHub, its knobs endpoint, the request log, failures."""

    name = "hub"
    origin = "hub"

    def __init__(self, hub: Any, port: int = 0) -> None:
        super().__init__(port=port)
        self.hub = hub

    def dispatch(self, request: Request) -> Answer:
        answer = super().dispatch(request)
        self.hub.requests.append((request.method, request.target, answer.status))
        return answer

    def configure(self, knobs: dict[str, Any]) -> None:
        """The Hub's own knobs (its fail_next is a count, per origin), plus latency/down_for."""
        super().configure({k: v for k, v in knobs.items() if k in ("latency", "down_for")})
        self.hub.configure(knobs)

    def stats(self) -> dict[str, Any]:
        return self.hub.stats()

    def error_answer(self, status: int, message: str, **extra: Any) -> Answer:
        return hub_error(status, None, message)

    def injected_failure(self) -> Answer | None:
        status = self.hub.take_failure(self.origin)
        if status is None:
            return None
        retry_after = self.hub.faults.retry_after
        extra = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        return hub_error(status, None, "Service temporarily unavailable (injected)", **extra)


class HubSite(Site):
    """The hub origin."""

    def route(self, request: Request) -> Answer:
        seg, query = split_path(request.target)
        if seg == ["api", "agent-harnesses"]:
            return json_answer({"standardEnvVars": [], "harnesses": {}})
        failure = self.injected_failure()
        if failure is not None:
            return failure
        if seg == ["api", "whoami-v2"]:
            return self.whoami(request)
        if seg == ["api", "models"]:
            return self.list_models(query)
        if seg[:2] == ["api", "models"] and len(seg) >= 4:
            return self.api_models(request, f"{seg[2]}/{seg[3]}", seg[4:], query)
        if len(seg) >= 5 and seg[2] == "resolve":
            return self.resolve(request, f"{seg[0]}/{seg[1]}", seg[3], "/".join(seg[4:]))
        return hub_error(404, None, "Not Found")

    def whoami(self, request: Request) -> Answer:
        """The Hub's token check: the account, or 401 in the Hub's words."""
        name = self.hub.accounts.get(token(request) or "")
        if name is None:
            return hub_error(401, None, "Invalid credentials in Authorization header")
        return json_answer({"type": "user", "id": "fake" + name, "name": name, "auth": {}})

    def repo_or_error(self, request: Request, repo_id: str, *, files: bool) -> Any:
        """The repo if this caller may see it, else the Hub's error (RepoNotFound/GatedRepo)."""
        repo, tok = self.hub.repos.get(repo_id), token(request)
        if repo is None or (repo.private_tokens is not None and tok not in repo.private_tokens):
            status, msg = (401, "Invalid username or password.") if not tok else (404, "")
            return hub_error(status, "RepoNotFound", msg or "Repository Not Found")
        if files and repo.gated_tokens is not None and tok not in repo.gated_tokens:
            status = 401 if not tok else 403
            return hub_error(status, "GatedRepo", f"Access to model {repo_id} is restricted.")
        return repo

    def commit_or_error(self, repo: Any, rev: str) -> str | Answer:
        if rev in ("main", repo.commit) or rev in repo.history:
            return repo.commit
        return hub_error(404, "RevisionNotFound", f"Invalid rev id: {rev}")

    def resolve(self, request: Request, repo_id: str, rev: str, filename: str) -> Answer:
        repo = self.repo_or_error(request, repo_id, files=True)
        if isinstance(repo, Answer):
            return repo
        commit = self.commit_or_error(repo, rev)
        if isinstance(commit, Answer):
            return commit
        f = repo.files.get(filename)
        if f is None:
            msg = f"{filename} does not exist on {rev}"
            return hub_error(404, "EntryNotFound", msg, **{"X-Repo-Commit": commit})
        headers = {"X-Repo-Commit": commit, "Accept-Ranges": "bytes"}
        if not f.lfs:  # a regular git file: the hub serves it itself, ETag = git blob sha1
            body = f.read(0, f.size) if request.method == "GET" else b""
            if body and filename in self.hub.faults.wrong_bytes:
                half = f.size // 2
                body = body[:half] + bytes([body[half] ^ 0xFF]) + body[half + 1 :]
            if body:
                with self.hub.lock:
                    self.hub.served[(repo_id, filename)] += len(body)
            headers |= {"ETag": f'"{f.git_sha1}"', "Content-Length": str(f.size)}
            return Answer(200, body, {"Content-Type": ""} | headers)
        location = self.hub.cdn_location(repo_id, commit, filename)
        headers |= {
            "Location": location,
            "X-Linked-Etag": f'"{f.sha256}"',
            "X-Linked-Size": str(f.size),
            "ETag": f'"{f.git_sha1}"',
            "Content-Type": "text/plain; charset=utf-8",
        }
        return Answer(302, f"Found. Redirecting to {location}".encode(), headers)

    def list_models(self, query: dict[str, list[str]]) -> Answer:
        """GET /api/models: filter (tags, all must match), search (in the id), sort (descending,
        as the Hub does), limit, expand (only those fields besides _id and id)."""
        wanted = set(query.get("filter", []))
        needle = query.get("search", [""])[0].lower()
        rows = []
        for repo_id, repo in sorted(self.hub.repos.items()):
            if repo.private_tokens is not None:
                continue
            info = model_json(repo_id, repo, repo.commit, False)
            if wanted <= set(info["tags"]) and needle in repo_id.lower():
                rows.append(info)
        key = {"downloads": "downloads", "likes": "likes", "lastModified": "lastModified"}.get(
            query.get("sort", [""])[0]
        )
        if key:
            rows.sort(key=lambda row: row[key], reverse=True)
        rows = rows[: int(query.get("limit", ["1000"])[0])]
        expand = query.get("expand")
        default = ("id", "likes", "downloads", "tags", "pipeline_tag", "library_name", "createdAt")
        keep = {"_id", "id", *(expand or default)}
        return json_answer([{k: v for k, v in row.items() if k in keep} for row in rows])

    def api_models(
        self, request: Request, repo_id: str, rest: list[str], query: dict[str, list[str]]
    ) -> Answer:
        repo = self.repo_or_error(request, repo_id, files=False)
        if isinstance(repo, Answer):
            return repo
        picks_rev = rest[:1] in (["revision"], ["tree"], ["paths-info"]) and rest[1:]
        commit = self.commit_or_error(repo, rest[1] if picks_rev else "main")
        if isinstance(commit, Answer):
            return commit
        if rest[:1] == ["tree"]:
            recursive = query.get("recursive", ["false"])[0] == "true"
            return json_answer(tree_entries(repo, "/".join(rest[2:]), recursive))
        if rest[:1] == ["paths-info"]:
            wanted = parse_qs(request.body.decode()).get("paths", [])
            return json_answer([e for e in tree_entries(repo, "", True) if e["path"] in wanted])
        blobs = query.get("blobs", ["false"])[0] == "true"
        return json_answer(model_json(repo_id, repo, commit, blobs))


def _entry(path: str, f: Any) -> dict[str, Any]:
    e: dict[str, Any] = {"type": "file", "oid": f.git_sha1, "size": f.size, "path": path}
    if f.lfs:
        e["lfs"] = {"oid": f.sha256, "size": f.size, "pointerSize": 134}
    return e


def tree_entries(repo: Any, prefix: str, recursive: bool) -> list[dict[str, Any]]:
    """Tree listing: files under `prefix`, folders instead of their content unless recursive."""
    base = f"{prefix.rstrip('/')}/" if prefix else ""
    out: dict[str, dict[str, Any]] = {}
    for path, f in sorted(repo.files.items()):
        if not path.startswith(base):
            continue
        rest = path[len(base) :].split("/")
        if len(rest) > 1 and not recursive:
            folder = base + rest[0]
            out[folder] = {"type": "directory", "oid": "0" * 40, "size": 0, "path": folder}
        else:
            out[path] = _entry(path, f)
    return list(out.values())


def model_json(repo_id: str, repo: Any, commit: str, blobs: bool) -> dict[str, Any]:
    siblings = []
    for path, f in sorted(repo.files.items()):
        s: dict[str, Any] = {"rfilename": path}
        if blobs:
            s |= {"blobId": f.git_sha1, "size": f.size}
            if f.lfs:
                s["lfs"] = {"sha256": f.sha256, "size": f.size, "pointerSize": 134}
        siblings.append(s)
    return {
        "_id": hashlib.sha1(repo_id.encode()).hexdigest()[:24],
        "id": repo_id,
        "modelId": repo_id,
        "author": repo_id.split("/")[0],
        "sha": commit,
        "private": repo.private_tokens is not None,
        "gated": "manual" if repo.gated_tokens is not None else False,
        "disabled": False,
        "lastModified": "2025-03-12T10:30:05.000Z",
        "createdAt": "2025-03-01T00:00:00.000Z",
        "tags": ["gguf", *([f"license:{repo.license}"] if repo.license else [])]
        if any(p.endswith(".gguf") for p in repo.files)
        else [],
        "library_name": "gguf",
        "pipeline_tag": "text-generation",
        "downloads": repo.downloads,
        "likes": repo.likes,
        **({"cardData": {"license": repo.license}} if repo.license else {}),
        "siblings": siblings,
    }
