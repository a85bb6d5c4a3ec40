"""Small helpers for figures: percentiles and a table printer."""

from __future__ import annotations

import os
from collections.abc import Sequence

import psutil


def pct(values: Sequence[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def rss_mb(pid: int, with_children: bool = True) -> float:
    proc = psutil.Process(pid)
    procs = [proc, *proc.children(recursive=True)] if with_children else [proc]
    return sum(p.memory_info().rss for p in procs) / 1e6


def table(rows: list[tuple[str, str, str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = []
    for i, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[j]) for j, cell in enumerate(row)))
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def cpu_count() -> int:
    return os.cpu_count() or 1
