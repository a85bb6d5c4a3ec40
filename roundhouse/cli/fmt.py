"""Small text helpers for terminal output: sizes, durations, one line per job."""

from __future__ import annotations

from typing import Any

from roundhouse.cli.hints import for_terminal

#: Kinds whose done/total count bytes (others count steps, candidates, ...).
BYTE_KINDS = ("ollama.pull", "hf.download", "model.install", "model.import", "model.download")
TERMINAL = ("succeeded", "failed", "cancelled")


def size(n: float | None) -> str:
    if n is None:
        return "?"
    value = float(n)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(value) < 1000 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"  # pragma: no cover


def duration(seconds: float | None) -> str:
    if seconds is None or seconds < 0:
        return "?"
    s = int(round(seconds))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def age(seconds: float | None) -> str:
    """How long ago, short: '12s', '5m', '3h', '2d'."""
    if seconds is None:
        return "?"
    s = max(0, int(seconds))
    for size_s, unit in ((86400, "d"), (3600, "h"), (60, "m")):
        if s >= size_s:
            return f"{s // size_s}{unit}"
    return f"{s}s"


def job_table(jobs: list[dict[str, Any]], now: float) -> list[str]:
    """A header row and one aligned row per job: id, kind, state, progress, age, message."""
    rows = [("ID", "KIND", "STATE", "PROGRESS", "AGE", "MESSAGE")]
    for job in jobs:
        state, stage = job.get("state") or "?", job.get("stage")
        where = state if not stage or stage == state or state in TERMINAL else f"{state}/{stage}"
        created = job.get("created_at")
        rows.append(
            (
                str(job.get("id", "?")),
                str(job.get("kind") or "job"),
                where,
                " ".join([percent(job).strip(), *amounts(job)]),
                age(now - float(created)) if created else "?",
                str((job.get("error") if state == "failed" else None) or job.get("message") or ""),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    return [
        "  ".join([*(c.ljust(w) for c, w in zip(r, widths, strict=False)), r[5]]).rstrip()
        for r in rows
    ]


def counts_bytes(job: dict[str, Any]) -> bool:
    return job.get("unit") == "bytes" or str(job.get("kind") or "") in BYTE_KINDS


def amounts(job: dict[str, Any]) -> list[str]:
    """'1.2 GB/2.0 GB', '3.4 MB/s', 'ETA 0:12' (or '7/20') for what the job reports."""
    done, total = job.get("done"), job.get("total")
    if done is None and total is None:
        return []
    if not counts_bytes(job):
        return [f"{done or 0}/{total if total is not None else '?'}"]
    parts = [f"{size(done or 0)}/{size(total)}"]
    if job.get("speed") and job.get("state") == "running":
        parts.append(f"{size(job['speed'])}/s")
    if job.get("eta") is not None and job.get("state") == "running":
        parts.append(f"ETA {duration(job['eta'])}")
    return parts


def percent(job: dict[str, Any]) -> str:
    progress = job.get("progress")
    return f"{float(progress) * 100:3.0f}%" if progress is not None else "  -%"


def bar(progress: float | None, width: int) -> str:
    filled = int(round(max(0.0, min(1.0, progress or 0.0)) * width))
    return "[" + "#" * filled + "-" * (width - filled) + "]"


def job_line(job: dict[str, Any], bar_width: int = 0, full_id: bool = False) -> str:
    """One line: id, kind, state/stage, bar and percent, amounts, message."""
    state, stage = job.get("state") or "?", job.get("stage")
    where = state if not stage or stage == state or state in TERMINAL else f"{state}/{stage}"
    job_id = str(job.get("id", "?"))
    parts = [job_id if full_id else job_id[:8], str(job.get("kind") or "job"), where]
    if bar_width:
        parts.append(bar(job.get("progress"), bar_width))
    parts.append(percent(job).strip())
    parts += amounts(job)
    text = "  ".join(parts)
    message = job.get("error") if state == "failed" and job.get("error") else job.get("message")
    return f"{text}  {message}" if message else text


def summary(job: dict[str, Any]) -> list[str]:
    """The lines a finished job leaves behind: outcome, message, hint."""
    state, job_id = job.get("state"), job.get("id")
    head = f"{job.get('kind') or 'job'} {job_id} {state}"
    result = job["result"] if isinstance(job.get("result"), dict) else {}
    if state == "succeeded":
        detail = result.get("message") or job.get("message")
        return [f"{head}: {detail}" if detail else head]
    lines = [f"{head}: {job.get('error') or job.get('message') or ''}".rstrip(": ")]
    if job.get("hint"):
        lines.append(f"  hint: {for_terminal(job['hint'])}")
    if state == "paused":
        lines.append(f"  resume with: roundhouse resume {job_id}")
    return lines
