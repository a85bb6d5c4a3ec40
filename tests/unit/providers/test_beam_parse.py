"""Turning an LLM's answer into exactly N fresh prompts, whatever shape the answer took."""

from __future__ import annotations

import pytest

from roundhouse.providers.beam import fill, parse_prompts, refine_messages

THREE = ["a red fox at dawn", "a red fox in snow", "a red fox, oil painting"]


@pytest.mark.parametrize(
    "text",
    [
        '["a red fox at dawn", "a red fox in snow", "a red fox, oil painting"]',
        'Sure!\n```json\n["a red fox at dawn", "a red fox in snow",\n'
        ' "a red fox, oil painting"]\n```',
        '[{"prompt": "a red fox at dawn"}, {"prompt": "a red fox in snow"}, '
        '{"prompt": "a red fox, oil painting"}]',
        "Here are three refined prompts:\n\n1. a red fox at dawn\n2) a red fox in snow\n"
        '3. "a red fox, oil painting"\n\nEnjoy!',
        "- a red fox at dawn\n* a red fox in snow\n\u2022 a red fox, oil painting",
        "Prompt 1: a red fox at dawn\nPrompt 2: a red fox in snow\n"
        "Prompt 3: a red fox, oil painting",
        "a red fox at dawn\n\na red fox in snow\na red fox, oil painting\n",
    ],
    ids=["json", "fenced", "objects", "numbered", "bullets", "labelled", "plain"],
)
def test_shapes(text: str) -> None:
    assert parse_prompts(text) == THREE


def test_duplicates_are_dropped_ignoring_case_space_and_full_stop() -> None:
    text = '["A red fox.", "a  red fox", "a red fox at dawn", ""]'
    assert parse_prompts(text) == ["A red fox.", "a red fox at dawn"]


def test_broken_json_falls_back_to_lines() -> None:
    assert parse_prompts('["a fox", "a dog"\n1. a cat') == ["a cat"]


def test_fill_trims_to_count() -> None:
    assert fill(THREE, "a red fox", 2, set()) == THREE[:2]


def test_fill_pads_with_variations_and_skips_seen() -> None:
    seen = {"a red fox in snow"}
    out = fill(["a red fox in snow", "a red fox at dawn"], "a red fox", 4, seen)
    assert out == [
        "a red fox at dawn",
        "a red fox, highly detailed",
        "a red fox, cinematic lighting",
        "a red fox, sharp focus",
    ]
    assert "a red fox, sharp focus" in seen
    again = fill(["a red fox at dawn"], "a red fox", 2, seen)
    assert again == ["a red fox, rich colours", "a red fox, dramatic composition"]


def test_fill_never_runs_out() -> None:
    seen: set[str] = set()
    prompts = [p for _ in range(5) for p in fill([], "x", 8, seen)]
    assert len(prompts) == len(set(prompts)) == 40


def test_request_names_count_and_prompt() -> None:
    messages = refine_messages("a red fox", 4)
    assert messages[0]["role"] == "system"
    assert "Prompt: a red fox\nWrite 4 refined versions" in messages[1]["content"]
