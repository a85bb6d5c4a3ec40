"""Which proposed prompts are worth rendering: a small model's echoes and scraps are not.

A 270M model asked for refinements answered with the instruction itself ("Write 1 refined
version of this prompt. Reply with a JSON array..."), a lone word ("parser") and a scrap
("Prompt: 〼"). Rendering those wastes an image each and can even win the search. A proposal is
dropped when it repeats the instruction, holds no content word at all, or is a few words that
share none with the prompt it refines; the search records it as a failed candidate with the
reason, and pads the beam with plain variations instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FEW_WORDS = 4  # shorter than this, a proposal must share a content word with its parent
ECHO_SHARE = 0.5  # this much of a proposal's content words from the instruction alone: an echo
ECHO_MIN_WORDS = 3
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
#: Words that say nothing about a picture (articles, our own instruction's framing).
_STOP = (
    "a an and are as at be but by for from has have here in into is it its of on or so that the "
    "their then there these this those to was were which with without your you prompt prompts "
    "version versions refined refine sure"
)
STOPWORDS = frozenset(_STOP.split(" "))


@dataclass(frozen=True)
class Rejected:
    """A proposal we did not render, and why."""

    text: str
    reason: str


def content_words(text: str) -> set[str]:
    """Lowercased words of two letters or more that carry meaning."""
    words = (w.lower() for w in _WORD.findall(text))
    return {w for w in words if len(w) > 1 and w not in STOPWORDS}


def verdict(text: str, idea: str, instruction: str) -> str | None:
    """Why `text` is not a usable refinement of `idea`, or None when it is."""
    words = content_words(text)
    if not words:
        return "empty or nearly so"
    idea_words = content_words(idea)
    echoed = words & (content_words(instruction) - idea_words)
    if len(echoed) >= ECHO_MIN_WORDS and len(echoed) >= ECHO_SHARE * len(words):
        return "repeats the instruction"
    if not words & idea_words and len(_WORD.findall(text)) < FEW_WORDS:
        return "not about the prompt: a few words sharing none with it"
    return None


def screen(proposed: list[str], idea: str, instruction: str) -> tuple[list[str], list[Rejected]]:
    """(usable prompts in order, rejected ones with their reasons)."""
    kept, dropped = [], []
    for text in proposed:
        reason = verdict(text, idea, instruction)
        if reason is None:
            kept.append(text)
        else:
            dropped.append(Rejected(text, reason))
    return kept, dropped
