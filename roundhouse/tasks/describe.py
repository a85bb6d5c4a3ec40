"""What a task works on, in the line an operator reads in Flower (`argsrepr`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from roundhouse.core.job_types import Job

#: the params that name what a job works on, in order of preference
SUBJECT = ("model", "repo_id", "service", "file_id", "prompt")
MAX_SUBJECT = 60


def label(job: Job) -> str:
    """`ollama.pull llama3.2 @127.0.0.1:11434`: kind, subject, where it runs."""
    params = job.get("params") or {}
    parts = [str(job.get("kind", "?"))]
    subject = next((params[k] for k in SUBJECT if isinstance(params.get(k), str)), None)
    if subject:
        parts.append(_short(subject))
    if isinstance(params.get("quant"), str):
        parts.append(params["quant"])
    where = _where(job, params)
    if where:
        parts.append(f"@{where}")
    return " ".join(parts)


def _where(job: Job, params: dict[str, Any]) -> str:
    if isinstance(params.get("host"), str) and params["host"]:
        return params["host"]
    url = params.get("ollama_url")
    if isinstance(url, str) and url:
        parts = urlsplit(url if "//" in url else f"http://{url}")
        return f"{parts.hostname or 'localhost'}:{parts.port or 11434}"
    queue = str(job.get("queue") or "")
    return queue.split(".", 1)[1] if queue.startswith("host.") else ""


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_SUBJECT else text[: MAX_SUBJECT - 1] + "…"
