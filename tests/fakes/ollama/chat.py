"""POST /api/chat and the OpenAI-compatible /v1/models and /v1/chat/completions, deterministic."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from tests.fakes.loopback import Answer, Request
from tests.fakes.ollama import models, names, replies

THOUGHT = "The user wants a short, direct answer."


def answer(messages: list[dict]) -> str:
    """The same reply for the same prompt: OK when asked for it, else an echo."""
    said = next(
        (str(m.get("content", "")) for m in reversed(messages) if m.get("role") == "user"), ""
    )
    return "OK" if "ok" in said.lower() else f"Echo: {said}"


def tokens(text: str, limit: Any) -> tuple[list[str], str]:
    pieces = re.findall(r"\S+\s*", text) or [""]
    if isinstance(limit, int) and limit >= 0 and len(pieces) > limit:
        return pieces[:limit], "length"
    return pieces, "stop"


def chat(fake: Any, request: Request) -> Answer:
    got = models.named(request, ("model",))
    if isinstance(got, Answer):
        return got
    body, raw = got
    inst = fake.state.find(raw)
    if inst is None:
        return replies.error(404, f"model '{raw}' not found")
    think = body.get("think")
    if think is None:  # omitted: thinking models think by default
        think = "thinking" in inst.model.capabilities
    if think and "thinking" not in inst.model.capabilities:
        return replies.error(400, f'"{raw}" does not support thinking')
    models.mark_loaded(fake, inst.model.name, body.get("keep_alive"))
    if not body.get("messages"):
        reason = "unload" if body.get("keep_alive") in (0, "0") else "load"
        return replies.send(200, envelope(raw, "", done=True) | {"done_reason": reason})
    limit = (body.get("options") or {}).get("num_predict")
    pieces, reason = tokens(answer(body["messages"]), limit)
    return reply_chat(body, raw, pieces, reason, bool(think))


def envelope(model: str, content: str, *, done: bool, thinking: str = "") -> dict[str, Any]:
    message = {"role": "assistant", "content": content}
    if thinking:
        message["thinking"] = thinking
    now = replies.rfc3339nano(datetime.now(UTC), utc=True)
    return {"model": model, "created_at": now, "message": message, "done": done}


def final(model: str, count: int, reason: str, content: str = "", thinking: str = "") -> dict:
    stats = {
        "done_reason": reason,
        "total_duration": 4_883_583_458,
        "load_duration": 1_334_875,
        "prompt_eval_count": 26,
        "prompt_eval_duration": 342_546_000,
        "eval_count": count,
        "eval_duration": 4_535_599_000,
    }
    return envelope(model, content, done=True, thinking=thinking) | stats


def reply_chat(body: dict, model: str, pieces: list[str], reason: str, think: bool) -> Answer:
    thought = THOUGHT if think else ""
    if body.get("stream") is False:
        return replies.send(200, final(model, len(pieces), reason, "".join(pieces), thought))

    def lines() -> Iterator[dict]:
        if thought:
            yield envelope(model, "", done=False, thinking=thought)
        for piece in pieces:
            yield envelope(model, piece, done=False)
        yield final(model, len(pieces), reason)

    return replies.streamed(lines())


def v1_models(fake: Any, request: Request) -> Answer:
    with fake.state.lock:
        found = list(fake.state.installed.values())
    data = [
        {
            "id": inst.model.name,
            "object": "model",
            "created": int(inst.modified_at.timestamp()),
            "owned_by": names.parse(inst.model.name)["namespace"],  # type: ignore[index]
        }
        for inst in found
    ]
    return replies.send(200, {"object": "list", "data": data or None})


def openai_error(status: int, message: str, kind: str = "api_error") -> Answer:
    error = {"message": message, "type": kind, "param": None, "code": None}
    return replies.send(status, {"error": error})


def v1_chat(fake: Any, request: Request) -> Answer:
    body = replies.body_or_error(request)
    if isinstance(body, Answer):
        return body
    raw = str(body.get("model") or "")
    if fake.state.find(raw) is None:
        return openai_error(404, f'model "{raw}" not found, try pulling it first')
    pieces, reason = tokens(answer(body.get("messages") or []), body.get("max_tokens"))
    base = {"id": "chatcmpl-471", "created": int(time.time()), "model": raw}
    base["system_fingerprint"] = "fp_ollama"
    if not body.get("stream"):
        message = {"role": "assistant", "content": "".join(pieces)}
        choice = {"index": 0, "message": message, "finish_reason": reason}
        usage = {"prompt_tokens": 26, "completion_tokens": len(pieces)}
        usage["total_tokens"] = 26 + len(pieces)
        return replies.send(
            200, base | {"object": "chat.completion", "choices": [choice], "usage": usage}
        )
    return Answer(200, sse_chunks(base, pieces, reason), {"Content-Type": "text/event-stream"})


def sse_chunks(base: dict, pieces: list[str], reason: str) -> Iterator[bytes]:
    """stream=true: a chat.completion.chunk per piece, then one with the reason, then [DONE]."""
    for i, piece in enumerate([*pieces, None]):
        delta = {"role": "assistant", "content": piece or ""}
        finish = reason if piece is None else None
        choice = {"index": 0, "delta": delta if piece is not None or i == 0 else {}}
        chunk = base | {
            "object": "chat.completion.chunk",
            "choices": [choice | {"finish_reason": finish}],
        }
        yield b"data: " + json.dumps(chunk).encode() + b"\n\n"
    yield b"data: [DONE]\n\n"
