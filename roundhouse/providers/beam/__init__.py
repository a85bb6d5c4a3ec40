"""Beam search over image prompts, free of any framework: give it clients, a control and a saver.

params = validate_params(request_json)          # InvalidRequest lists what is wrong
result = run(prompt, params, clients, control, save_image)
job_result = result.to_dict()
"""

from __future__ import annotations

from roundhouse.providers.beam.params import (
    BOUNDS,
    DEFAULTS,
    Params,
    allowed,
    validate_params,
    validate_prompt,
)
from roundhouse.providers.beam.parse import fill, parse_prompts, refine_messages
from roundhouse.providers.beam.search import BeamClients, SaveImage, run
from roundhouse.providers.beam.tree import Node, Result, Round

__all__ = [
    "BOUNDS",
    "DEFAULTS",
    "BeamClients",
    "Node",
    "Params",
    "Result",
    "Round",
    "SaveImage",
    "allowed",
    "fill",
    "parse_prompts",
    "refine_messages",
    "run",
    "validate_params",
    "validate_prompt",
]
