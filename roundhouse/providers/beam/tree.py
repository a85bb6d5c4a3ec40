"""The search tree: every candidate tried, linked to the prompt it refined, and the result."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

ROOT = "root"


@dataclass
class Node:
    """One candidate (or the root prompt, round 0, never rendered)."""

    id: str
    parent: str | None
    round: int
    prompt: str | None
    image_url: str | None = None
    score: float | None = None
    details: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    kept: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and self.score is not None

    def event(self) -> dict[str, Any]:
        """The candidate event's fields."""
        return {
            "id": self.id,
            "round": self.round,
            "parent": self.parent,
            "prompt": self.prompt,
            "image_url": self.image_url,
            "score": self.score,
            "error": self.error,
        }


@dataclass
class Round:
    """What one round made, kept and lost."""

    round: int
    made: int
    failed: int
    kept: list[str]


@dataclass
class Result:
    """The best candidate over all rounds, plus everything needed to draw the tree."""

    prompt: str
    image_url: str | None
    score: float
    best_id: str
    rounds: list[Round]
    nodes: list[Node]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for the job's result field."""
        return {
            "prompt": self.prompt,
            "image_url": self.image_url,
            "score": self.score,
            "best_id": self.best_id,
            "rounds": [asdict(r) for r in self.rounds],
            "tree": [asdict(n) for n in self.nodes],
        }


def best(nodes: list[Node]) -> Node | None:
    """The highest-scoring successful node; the earliest wins a tie."""
    scored = [n for n in nodes if n.ok]
    return max(scored, key=lambda n: n.score or 0.0) if scored else None


def top(nodes: list[Node], width: int) -> list[Node]:
    """The `width` best successful nodes of a round, best first (stable on ties)."""
    scored = [n for n in nodes if n.ok]
    return sorted(scored, key=lambda n: -(n.score or 0.0))[:width]
