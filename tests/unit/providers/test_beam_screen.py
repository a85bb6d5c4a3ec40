"""A small model's proposals: echoes of the instruction and scraps are dropped and counted.

The three texts below are what gemma-3-270m (Q4_K_M) wrote in a real run; the echo won that
run before proposals were screened.
"""

from __future__ import annotations

import json

from roundhouse.providers.beam import run
from roundhouse.providers.beam.parse import parse_prompts, refine_messages
from roundhouse.providers.beam.screen import screen, verdict
from tests.fakes.control import RecordingControl
from tests.unit.providers.test_beam_search import StubLLM, candidates, clients, save

IDEA = "a lighthouse on a cliff at dusk"
ECHO = (
    "Write 1 refined version of this prompt. Reply with a JSON array of 1 strings and nothing else."
)
REAL = [ECHO, "parser", "Prompt: 〼"]


def instruction(idea: str = IDEA, count: int = 1) -> str:
    return "\n".join(m["content"] for m in refine_messages(idea, count))


def test_the_real_outputs_are_dropped_with_their_reasons() -> None:
    kept, dropped = screen(REAL, IDEA, instruction())
    assert kept == []
    assert [(d.text, d.reason) for d in dropped] == [
        (ECHO, "repeats the instruction"),
        ("parser", "not about the prompt: a few words sharing none with it"),
        ("Prompt: 〼", "empty or nearly so"),
    ]


def test_real_refinements_pass_even_with_the_instructions_own_words() -> None:
    good = [
        "a lighthouse on a cliff at dusk, dramatic lighting, moody composition, painterly style",
        "stormy sea below a white tower, last light",  # no shared word, but a real description
        "lighthouse, dusk",
    ]
    assert screen(good, IDEA, instruction(count=3)) == (good, [])


def test_an_echo_of_the_whole_user_message_is_still_an_echo() -> None:
    text = f"Prompt: {IDEA} Write 3 refined versions of this prompt. Reply with a JSON array"
    assert verdict(text, IDEA, instruction(count=3)) == "repeats the instruction"


def test_the_real_answer_parsed_as_the_model_sent_it() -> None:
    answer = json.dumps(REAL)
    assert screen(parse_prompts(answer), IDEA, instruction())[0] == []


def test_a_search_on_the_real_answer_counts_them_as_failed_and_still_finds_a_prompt() -> None:
    control = RecordingControl()
    llm = StubLLM(answer=json.dumps(REAL))
    params = {"beam_width": 1, "candidates": 2, "depth": 1}
    result = run(IDEA, params, clients(llm=llm), control, save({}))
    rejected = [c for c in candidates(control) if (c["error"] or "").startswith("rejected: ")]
    assert [c["prompt"] for c in rejected] == [ECHO, "parser"]  # at most `candidates` of them
    assert rejected[0]["error"] == "rejected: repeats the instruction"
    assert result.rounds[0].made == 4 and result.rounds[0].failed == 2
    assert result.prompt.startswith(IDEA) and result.prompt != ECHO
    assert control.reports[-1]["progress"] == 1.0
