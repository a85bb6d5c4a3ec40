"""What we ask the LLM for, and how its answer becomes exactly N new prompts.

LLMs answer in many shapes: a JSON array (maybe in a code fence, maybe of objects), numbered or
bulleted lines after a chatty preamble, or plain lines. We accept all of them, drop duplicates
and prompts already tried, then pad with plain variations or trim to the count asked for.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable

MAX_PROMPT_CHARS = 1000
SYSTEM = (
    "You improve prompts for a text-to-image model. Keep the subject and intent; add concrete "
    "detail about composition, lighting, style and mood. Each version must be different."
)
# Padding when the LLM gives too few usable prompts: cheap, deterministic, still different.
MODIFIERS = (
    "highly detailed",
    "cinematic lighting",
    "sharp focus",
    "rich colours",
    "dramatic composition",
    "soft natural light",
    "wide angle",
    "award-winning photograph",
)
_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL | re.IGNORECASE)
_MARKER = re.compile(r"^\s*(?:[-*\u2022]|\d{1,2}[.):]|\(\d{1,2}\)|prompt\s*\d+\s*[:.-])\s*", re.I)


def refine_messages(prompt: str, count: int) -> list[dict[str, str]]:
    """The chat asking for `count` refinements of `prompt`."""
    user = (
        f"Prompt: {prompt}\n"
        f"Write {count} refined versions of this prompt. Reply with a JSON array of {count} "
        "strings and nothing else."
    )
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def parse_prompts(text: str) -> list[str]:
    """Every prompt-looking item in the answer, in order, cleaned, duplicates dropped."""
    items = _from_json(text)
    if items is None:
        items = _from_lines(text)
    return _unique(_clean(item) for item in items)


def fill(proposed: list[str], parent: str, count: int, seen: set[str]) -> list[str]:
    """Exactly `count` prompts not in `seen`: the proposals first, then padding."""
    out: list[str] = []
    for prompt in proposed:
        if len(out) < count and _key(prompt) not in seen:
            seen.add(_key(prompt))
            out.append(prompt)
    extras = (f"{parent}, {m}" for m in MODIFIERS)
    numbered = (f"{parent}, variation {i}" for i in range(2, 10_000))
    for prompt in itertools.chain(extras, numbered):
        if len(out) >= count:
            break
        if _key(prompt) not in seen:
            seen.add(_key(prompt))
            out.append(prompt)
    return out


def _from_json(text: str) -> list[str] | None:
    fenced = _FENCE.search(text)
    body = fenced.group(1) if fenced else text
    start, end = body.find("["), body.rfind("]")
    if start < 0 or end <= start:
        return None
    try:
        data = json.loads(body[start : end + 1])
    except json.JSONDecodeError:
        return None
    if not isinstance(data, list):
        return None
    items = []
    for item in data:
        if isinstance(item, dict):
            item = item.get("prompt") or next(iter(item.values()), "")
        items.append(str(item))
    return items


def _from_lines(text: str) -> list[str]:
    lines = [line for line in _FENCE.sub(r"\1", text).splitlines() if line.strip()]
    marked = [line for line in lines if _MARKER.match(line)]
    return [_MARKER.sub("", line) for line in (marked or lines)]


def _clean(item: str) -> str:
    item = " ".join(item.split()).strip().strip("\"'`").strip()
    return item[:MAX_PROMPT_CHARS]


def _unique(items: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        if item and _key(item) not in seen:
            seen.add(_key(item))
            out.append(item)
    return out


def _key(prompt: str) -> str:
    return " ".join(prompt.lower().split()).rstrip(".")
