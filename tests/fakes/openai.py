"""A fake OpenAI API on loopback (also any OpenAI-compatible server, e.g. LM Studio, if keyless).

Routes: GET /v1/models, POST /v1/chat/completions, POST /v1/images/generations. Every route
needs `Authorization: Bearer <api_key>` unless api_key is None; a wrong key gets OpenAI's real
401 body. Answers are deterministic:

- a message with an image part (vision) gets `{"score": s}` where s = tests.fakes.vision.score_for
  (the text prompt); `vision_style` = json | fenced | prose | out_of_range | garbage.
- a request containing "Write N refined" and a "Prompt: <p>" line (beam search's template) gets
  N prompts `"<p>, vivid ... take k"` with k-1 extra "vivid"s (so later ones score higher), as a
  JSON list or numbered lines (`list_style` = json | numbered | bulleted).
- anything else gets "OK" if it asks for OK, else an echo, cut to max_tokens words (or `reply`,
  whatever was asked, when given: "" is a model that answers nothing).
Knobs shared by every fake (latency, fail_nth, fail_next, down) live in tests/fakes/loopback.py.
Run it: `python -m tests.fakes.openai --port 8100 --api-key sk-test [--latency 0.2]`.
"""

from __future__ import annotations

import base64
import json
import re
import sys
import time
import uuid
from typing import Any

from tests.fakes.loopback import Answer, LoopbackService, Reject, Request, serve_main
from tests.fakes.png import render
from tests.fakes.vision import score_for

MODELS = ("gpt-4o-mini", "gpt-4o", "dall-e-2", "dall-e-3", "gpt-image-1")
SIZES = {
    "dall-e-2": {"256x256", "512x512", "1024x1024"},
    "dall-e-3": {"1024x1024", "1792x1024", "1024x1792"},
    "gpt-image-1": {"1024x1024", "1536x1024", "1024x1536", "auto"},
}
_REFINE = re.compile(r"Write (\d+) refined", re.IGNORECASE)
_PROMPT_LINE = re.compile(r"^Prompt: (.+)$", re.MULTILINE)


class FakeOpenAI(LoopbackService):
    """OpenAI's chat, images and models endpoints with its error shapes."""

    name = "openai"

    def __init__(
        self,
        *,
        api_key: str | None = "sk-test",
        models: tuple[str, ...] = MODELS,
        list_style: str = "json",
        vision_style: str = "json",
        image_size: int | None = 64,
        served_model: str | None = None,
        reply: str | None = None,
        **knobs: Any,
    ) -> None:
        super().__init__(**knobs)
        self.api_key = api_key
        self.models = models
        self.list_style = list_style
        self.vision_style = vision_style
        self.image_size = image_size  # None: render at the requested size
        self.served_model = served_model  # LM Studio quirk: one loaded model answers everything
        self.reply = reply  # every chat answer, e.g. "" as a model with no chat template gives

    def routes(self) -> dict[tuple[str, str], Any]:
        return {
            ("GET", "/v1/models"): self.list_models,
            ("POST", "/v1/chat/completions"): self.chat,
            ("POST", "/v1/images/generations"): self.images,
        }

    def error_answer(self, status: int, message: str, **extra: Any) -> Answer:
        error = {"message": message, "type": "invalid_request_error", "param": None, "code": None}
        error.update(extra)
        return Answer(status, {"error": error})

    def before(self, request: Request) -> Answer | None:
        """Check the key the way OpenAI does, on every route."""
        if self.api_key is None:
            return None
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            return self.error_answer(
                401,
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            )
        if auth.removeprefix("Bearer ") != self.api_key:
            shown = auth.removeprefix("Bearer ")[:6] + "*" * 4
            return self.error_answer(
                401, f"Incorrect API key provided: {shown}.", code="invalid_api_key"
            )
        return None

    def list_models(self, request: Request) -> Answer:
        data = [
            {"id": m, "object": "model", "created": 1700000000, "owned_by": "system"}
            for m in self.models
        ]
        return Answer(200, {"object": "list", "data": data})

    def chat(self, request: Request) -> Answer:
        body = request.json()
        model = self.served_model or self._model(body)
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise Reject(400, "'messages' is a required property", param="messages")
        limit = body.get("max_completion_tokens") or body.get("max_tokens") or 4096
        text, finish = self._answer(messages, int(limit))
        if body.get("stream"):
            return self.streamed(model, text, finish)
        return Answer(
            200,
            {
                "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "logprobs": None,
                        "finish_reason": finish,
                        "message": {"role": "assistant", "content": text},
                    }
                ],
                "usage": {
                    "prompt_tokens": 10,
                    "completion_tokens": len(text.split()),
                    "total_tokens": 10 + len(text.split()),
                },
            },
        )

    def streamed(self, model: str, text: str, finish: str) -> Answer:
        """stream=true: chat.completion.chunk events, a role first, a piece per word, [DONE]."""
        base = {"id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "object": "chat.completion.chunk"}
        base |= {"created": int(time.time()), "model": model}
        words = re.findall(r"\S+\s*", text)
        deltas = [{"role": "assistant", "content": ""}, *({"content": w} for w in words)]
        chunks = [{"index": 0, "delta": d, "logprobs": None, "finish_reason": None} for d in deltas]
        chunks.append({"index": 0, "delta": {}, "logprobs": None, "finish_reason": finish})
        raw = "".join(f"data: {json.dumps(base | {'choices': [c]})}\n\n" for c in chunks)
        return Answer(
            200, (raw + "data: [DONE]\n\n").encode(), {"Content-Type": "text/event-stream"}
        )

    def images(self, request: Request) -> Answer:
        body = request.json()
        model = self._model(body)
        prompt = body.get("prompt")
        if not isinstance(prompt, str) or not prompt:
            raise Reject(400, "'prompt' is a required property", param="prompt")
        size = body.get("size", "1024x1024")
        allowed = SIZES.get(model, SIZES["dall-e-3"])
        if size not in allowed:
            listed = ", ".join(sorted(allowed))
            raise Reject(
                400,
                f"Invalid value: '{size}'. Supported values are: {listed}.",
                param="size",
                code="invalid_value",
            )
        if body.get("response_format", "url") != "b64_json" and not model.startswith("gpt-image"):
            raise Reject(400, "this fake serves response_format=b64_json only")
        w, h = (1024, 1024) if size == "auto" else map(int, size.split("x"))
        side = self.image_size
        png = render(prompt, side or w, side or h)
        item = {"b64_json": base64.b64encode(png).decode(), "revised_prompt": prompt}
        return Answer(200, {"created": int(time.time()), "data": [item]})

    def _model(self, body: Any) -> str:
        if not isinstance(body, dict) or not body.get("model"):
            raise Reject(400, "you must provide a model parameter", param="model")
        model = str(body["model"])
        if model not in self.models:
            raise Reject(
                404,
                f"The model `{model}` does not exist or you do not have access to it.",
                code="model_not_found",
            )
        return model

    def _answer(self, messages: list[Any], limit: int) -> tuple[str, str]:
        text, has_image = _flatten(messages)
        if has_image:
            return self._vision(text), "stop"
        if self.reply is not None:
            return self.reply, "stop"
        refine = _REFINE.search(text)
        base = _PROMPT_LINE.search(text)
        if refine and base:
            return self._refine(base.group(1).strip(), int(refine.group(1))), "stop"
        answer = "OK" if "OK" in text else f"echo: {text}"
        words = answer.split()
        return " ".join(words[:limit]), "length" if len(words) > limit else "stop"

    def _vision(self, text: str) -> str:
        prompt = _PROMPT_LINE.search(text)
        score = score_for(prompt.group(1) if prompt else text)
        return {
            "json": f'{{"score": {score}}}',
            "fenced": f'Here you go:\n```json\n{{"score": {score}}}\n```',
            "prose": f"I would rate it {score} out of 1.",
            "out_of_range": f'{{"score": {score * 10:.1f}}}',
            "garbage": "I cannot grade images.",
        }[self.vision_style]

    def _refine(self, base: str, count: int) -> str:
        prompts = [f"{base}, {'vivid ' * k}take {k + 1}" for k in range(count)]
        if self.list_style == "json":
            return "[" + ", ".join(f'"{p}"' for p in prompts) + "]"
        mark = (lambda i: f"{i + 1}. ") if self.list_style == "numbered" else (lambda i: "- ")
        return "Here are the prompts:\n" + "\n".join(mark(i) + p for i, p in enumerate(prompts))


def _flatten(messages: list[Any]) -> tuple[str, bool]:
    """All text of the conversation, and whether any part was an image."""
    texts, has_image = [], False
    for message in messages:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            texts.append(content)
        for part in content if isinstance(content, list) else []:
            has_image |= part.get("type") == "image_url"
            if part.get("type") == "text":
                texts.append(str(part.get("text", "")))
    return "\n".join(texts), has_image


if __name__ == "__main__":
    serve_main(
        FakeOpenAI,
        sys.argv[1:],
        extra={"--api-key": str, "--list-style": str, "--vision-style": str},
    )
