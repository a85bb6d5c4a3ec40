"""Aggregate Ollama's per-layer pull lines into one figure that never goes backwards.

Ollama reports each layer on its own (ollama-python#81), a layer's `completed` can fall on
a part retry (ollama#8484), the last line of a layer may stop short of its total, and a
cached layer shows one 100% line. So: totals summed over layers seen so far, per-layer
completion is the maximum seen, a layer counts as done once the next one starts, and the
overall `done` is clamped to never fall.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PullProgress:
    totals: dict[str, int] = field(default_factory=dict)  # digest -> total, in pull order
    completed: dict[str, int] = field(default_factory=dict)  # digest -> highest completed
    fresh: set[str] = field(default_factory=set)  # digests that actually downloaded
    current: str | None = None
    best: int = 0
    best_fraction: float = 0.0

    def layer(self, digest: str, total: int, completed: int | None) -> None:
        """Take one `pulling <digest>` line."""
        if digest != self.current:
            self.finish_current()
            self.current = digest
            if completed != total:  # a cache hit is a single line at 100%
                self.fresh.add(digest)
        self.totals[digest] = max(total, self.totals.get(digest, 0))
        self.completed[digest] = max(completed or 0, self.completed.get(digest, 0))

    def finish_current(self) -> None:
        """A layer is done when the next one starts (Ollama sends no final 100% line)."""
        if self.current is not None:
            self.completed[self.current] = self.totals.get(self.current, 0)
        self.current = None

    @property
    def total(self) -> int:
        return sum(self.totals.values())

    @property
    def done(self) -> int:
        raw = sum(min(self.completed.get(d, 0), t) for d, t in self.totals.items())
        self.best = max(self.best, raw)
        return self.best

    def fraction(self) -> float | None:
        """done/total, clamped too: a newly seen layer grows the total but must not pull it back."""
        if not self.total:
            return None
        self.best_fraction = max(self.best_fraction, min(1.0, self.done / self.total))
        return self.best_fraction

    @property
    def downloaded(self) -> int:
        """Bytes of layers fetched in this pull (cached layers excluded)."""
        return sum(self.totals[d] for d in self.fresh if d in self.totals)

    @property
    def up_to_date(self) -> bool:
        return bool(self.totals) and not self.fresh

    def layers(self) -> list[dict[str, int | str]]:
        return [{"digest": d, "size": t} for d, t in self.totals.items()]
