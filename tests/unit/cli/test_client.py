"""Server answers become messages and exit codes a script can rely on."""

from __future__ import annotations

import httpx
import pytest

from roundhouse.cli import errors
from roundhouse.cli.client import decode
from roundhouse.cli.commands.switch import body_of


def answer(status: int, body: object) -> httpx.Response:
    return httpx.Response(status, json=body)


def test_success_is_the_body() -> None:
    assert decode(answer(202, {"id": "j"})) == {"id": "j"}


def test_a_missing_endpoint_says_the_feature_is_not_supported() -> None:
    with pytest.raises(errors.Unsupported, match="does not support model pulls yet") as exc:
        decode(answer(404, {"error": "not_found", "message": "No such endpoint."}), "model pulls")
    assert exc.value.exit_code == errors.FAILED


def test_not_found_thing_keeps_the_servers_message_and_hint() -> None:
    with pytest.raises(errors.ApiError) as exc:
        decode(
            answer(404, {"error": "not_found", "message": "No job x.", "hint": "List jobs."}),
            "jobs",
        )
    assert (exc.value.message, exc.value.hint, exc.value.exit_code) == (
        "No job x.",
        "List jobs.",
        1,
    )


def test_bad_input_is_a_usage_error_and_401_says_how_to_pass_a_token() -> None:
    with pytest.raises(errors.ApiError) as bad:
        decode(answer(400, {"error": "invalid_request", "message": "steps too big"}))
    assert bad.value.exit_code == errors.USAGE
    with pytest.raises(errors.ApiError, match="token") as auth:
        decode(
            answer(
                401, {"error": "unauthorized", "message": "This Roundhouse requires an API token."}
            )
        )
    assert "ROUNDHOUSE_API_TOKEN" in (auth.value.hint or "")
    assert auth.value.to_dict()["exit_code"] == 1


def test_switch_body() -> None:
    body = body_of(["llm=ollama"], "llama3.2", verify=True, persist=False)
    assert body == {
        "verify": True,
        "persist": False,
        "llm": {"provider": "ollama", "model": "llama3.2"},
    }
    with pytest.raises(errors.Usage):
        body_of(["llm=ollama", "image=flux"], "x", verify=True, persist=False)
    with pytest.raises(errors.Usage):
        body_of(["brain=ollama"], None, verify=True, persist=False)
