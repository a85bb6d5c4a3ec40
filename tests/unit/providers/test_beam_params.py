"""Beam-search parameter validation: defaults, bounds, and one clear 400 listing every problem."""

from __future__ import annotations

import pytest

from roundhouse.core.errors import InvalidRequest
from roundhouse.providers.beam import Params, validate_params, validate_prompt


def test_defaults() -> None:
    assert validate_params({}) == Params(2, 3, 3, 512, 512, 4, None)
    assert validate_params(None) == Params()


def test_full_valid_set() -> None:
    raw = {
        "beam_width": 8,
        "candidates": 1,
        "depth": 5,
        "width": 1536,
        "height": 256,
        "concurrency": 16,
        "seed": 42,
    }
    assert validate_params(raw).to_dict() == raw


@pytest.mark.parametrize(
    ("raw", "field", "words"),
    [
        ({"beam_width": 0}, "beam_width", "from 1 to 8, got 0"),
        ({"candidates": 9}, "candidates", "from 1 to 8"),
        ({"depth": 6}, "depth", "from 1 to 5"),
        ({"width": 500}, "width", "multiple of 64, got 500"),
        ({"height": 1600}, "height", "from 256 to 1536"),
        ({"concurrency": 0}, "concurrency", "from 1 to 16"),
        ({"depth": "3"}, "depth", "must be an integer, got '3'"),
        ({"depth": True}, "depth", "must be an integer"),
        ({"depth": 2.0}, "depth", "must be an integer"),
        ({"seed": -1}, "seed", "from 0"),
        ({"temperature": 1}, "temperature", "unknown parameter"),
    ],
)
def test_out_of_bounds(raw: dict, field: str, words: str) -> None:
    with pytest.raises(InvalidRequest) as err:
        validate_params(raw)
    assert words in err.value.details["errors"][field]
    assert err.value.details["allowed"]["width"] == "integer 256-1536, a multiple of 64"


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(InvalidRequest) as err:
        validate_params({"beam_width": 99, "depth": 0, "width": 100})
    assert set(err.value.details["errors"]) == {"beam_width", "depth", "width"}
    assert err.value.message.startswith("invalid beam-search parameters: beam_width:")


@pytest.mark.parametrize(
    ("params", "planned"),
    [
        (Params(beam_width=1, candidates=1, depth=1), [1]),
        (Params(beam_width=2, candidates=3, depth=3), [3, 6, 6]),
        (Params(beam_width=3, candidates=2, depth=4), [2, 4, 6, 6]),
        (Params(beam_width=8, candidates=2, depth=5), [2, 4, 8, 16, 16]),
    ],
)
def test_planned_candidates_per_round(params: Params, planned: list[int]) -> None:
    assert params.planned() == planned


def test_prompt_is_trimmed_and_bounded() -> None:
    assert validate_prompt("  a cat  ") == "a cat"
    for bad in ("", "   ", None, 3, "x" * 2001):
        with pytest.raises(InvalidRequest):
            validate_prompt(bad)
