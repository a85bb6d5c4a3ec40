"""A fake LM Studio server: models found on disk exactly two folders deep, OpenAI-style chat.

`with FakeLMStudio(models_dir) as srv: srv.url`, or as a process:
`python -m tests.fakes.lmstudio --port N --models-dir D [--seed]`. The directory is scanned
on every request, so adding or removing a file changes the listing, as LM Studio's re-index does.
The bundled embedding model (LM Studio ships nomic-embed) is always listed unless disabled.
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path
from typing import Any

from tests.fakes.loopback import Answer, LoopbackService, Request, Route

QUANT = re.compile(r"(?i)[-._](Q[2-8]_K(?:_[SML])?|Q[4-8]_[01]|IQ[1-4]_\w+|F16|BF16|F32)$")
BUNDLED_EMBEDDING = {
    "id": "text-embedding-nomic-embed-text-v1.5",
    "type": "embeddings",
    "publisher": "nomic-ai",
    "arch": "nomic-bert",
    "quantization": "Q4_0",
}
TINY_GGUF = b"GGUF" + (3).to_bytes(4, "little") + bytes(16)


def model_key(path: Path) -> str:
    """LM Studio's key for a file, as its indexer tends to make it: lowercase, quant dropped."""
    stem = QUANT.sub("", path.stem)
    key = stem.lower()
    return f"text-embedding-{key}" if "embed" in key and not key.startswith("text-") else key


def scan(models_dir: Path | None) -> list[dict[str, Any]]:
    """`<dir>/<publisher>/<repo>/<file>.gguf` only; shallower files and mmproj-* are ignored."""
    if models_dir is None or not models_dir.is_dir():
        return []
    found = []
    for path in sorted(models_dir.glob("*/*/*.gguf")):
        if path.name.startswith("mmproj-"):
            continue
        quant = QUANT.search(path.stem)
        found.append(
            {
                "id": model_key(path),
                "type": "embeddings" if "embed" in path.stem.lower() else "llm",
                "publisher": path.parent.parent.name,
                "arch": "llama",
                "quantization": quant.group(1).upper() if quant else "unknown",
                "path": path.relative_to(models_dir).as_posix(),
            }
        )
    return found


def seed(models_dir: Path) -> list[Path]:
    """Two tiny models (an LLM, an embedding model) and a loose file LM Studio ignores."""
    files = [
        models_dir
        / "lmstudio-community/Qwen2.5-0.5B-Instruct-GGUF/Qwen2.5-0.5B-Instruct-Q4_K_M.gguf",
        models_dir / "nomic-ai/nomic-embed-text-v1.5-GGUF/nomic-embed-text-v1.5.Q8_0.gguf",
    ]
    for path in files:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(TINY_GGUF)
    (models_dir / "loose-Q4_K_M.gguf").write_bytes(TINY_GGUF)  # depth 0: not a model
    return files


def openai_error(status: int, message: str, code: str | None) -> Answer:
    error = {"message": message, "type": "invalid_request_error", "param": "model", "code": code}
    return Answer(status, {"error": error})


def completion(model: str, messages: list[dict]) -> dict[str, Any]:
    said = next((str(m.get("content")) for m in reversed(messages) if m.get("role") == "user"), "")
    text = "OK" if "ok" in said.lower() else f"Echo: {said}"
    choice = {"index": 0, "logprobs": None, "finish_reason": "stop"}
    choice["message"] = {"role": "assistant", "content": text}
    usage = {"prompt_tokens": 12, "completion_tokens": 1, "total_tokens": 13}
    return {
        "id": "chatcmpl-lmstudio",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [choice],
        "usage": usage,
        "stats": {},
        "system_fingerprint": model,
    }


class FakeLMStudio(LoopbackService):
    """State: the models directory (scanned per request) and which keys a chat has loaded."""

    name = "lmstudio"

    def __init__(
        self,
        models_dir: Path | str | None = None,
        *,
        bundled_embedding: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(host=host, port=port)
        self.models_dir = Path(models_dir) if models_dir else None
        self.bundled_embedding = bundled_embedding
        self.loaded: set[str] = set()

    def models(self) -> list[dict[str, Any]]:
        found = scan(self.models_dir)
        if self.bundled_embedding and all(m["id"] != BUNDLED_EMBEDDING["id"] for m in found):
            found.append(dict(BUNDLED_EMBEDDING))
        return found

    def routes(self) -> dict[tuple[str, str], Route]:
        return {
            ("GET", "/lmstudio-greeting"): lambda _: Answer(200, {"lmstudio": True}),
            ("GET", "/v1/models"): self.v1_models,
            ("GET", "/api/v0/models"): self.v0_models,
            ("POST", "/v1/chat/completions"): self.chat,
            ("POST", "/api/v0/chat/completions"): self.chat,
        }

    def route(self, request: Request) -> Answer:
        if request.method == "GET" and request.path.startswith("/api/v0/models/"):
            return self.v0_model(request)
        found = self.routes().get((request.method, request.path))
        if found is None:  # LM Studio answers unknown routes with 200 and an error body
            what = f"{request.method} {request.target}"
            return Answer(200, {"error": f"Unexpected endpoint or method. ({what})"})
        return found(request)

    def error_answer(self, status: int, message: str, **extra: Any) -> Answer:
        return openai_error(status, message, None)

    def v1_models(self, request: Request) -> Answer:
        data = [
            {"id": m["id"], "object": "model", "owned_by": "organization_owner"}
            for m in self.models()
        ]
        return Answer(200, {"data": data, "object": "list"})

    def v0_entry(self, m: dict[str, Any]) -> dict[str, Any]:
        state = "loaded" if m["id"] in self.loaded else "not-loaded"
        keys = ("id", "type", "publisher", "arch", "quantization")
        entry = {k: m[k] for k in keys} | {"object": "model", "compatibility_type": "gguf"}
        return entry | {"state": state, "max_context_length": 32768}

    def v0_models(self, request: Request) -> Answer:
        return Answer(200, {"object": "list", "data": [self.v0_entry(m) for m in self.models()]})

    def v0_model(self, request: Request) -> Answer:
        wanted = request.path.rsplit("/", 1)[-1]
        found = next((m for m in self.models() if m["id"] == wanted), None)
        if found is None:
            return openai_error(404, f'Model "{wanted}" not found.', "model_not_found")
        return Answer(200, self.v0_entry(found))

    def chat(self, request: Request) -> Answer:
        body = request.json() or {}
        key = str(body.get("model") or "")
        if not key:
            return openai_error(400, "Invalid model identifier", None)
        found = next((m for m in self.models() if m["id"] == key), None)
        if found is None:
            message = f'Model "{key}" not found. Please specify a valid model.'
            return openai_error(404, message, "model_not_found")
        if found["type"] != "llm":
            return openai_error(400, f'Model "{key}" is not a text generation model.', None)
        self.loaded.add(key)
        return Answer(200, completion(key, body.get("messages") or []))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m tests.fakes.lmstudio", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=1234)
    p.add_argument("--models-dir", type=Path)
    p.add_argument("--seed", action="store_true", help="put two tiny models in --models-dir")
    p.add_argument("--no-bundled-embedding", action="store_true")
    a = p.parse_args(argv)
    if a.seed and a.models_dir:
        seed(a.models_dir)
    fake = FakeLMStudio(
        a.models_dir, bundled_embedding=not a.no_bundled_embedding, host=a.host, port=a.port
    )
    fake.serve()


if __name__ == "__main__":
    main()
