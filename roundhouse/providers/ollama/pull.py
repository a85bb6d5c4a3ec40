"""Pull a model through POST /api/pull, reporting one aggregate progress through the Control."""

from __future__ import annotations

from typing import Any

from roundhouse.core.errors import ProviderError
from roundhouse.providers.base import Control
from roundhouse.providers.ollama import names
from roundhouse.providers.ollama.client import OllamaClient
from roundhouse.providers.ollama.progress import PullProgress
from roundhouse.providers.ollama.silence import NOTICE_S, Silence

#: Silence after which a pull fails (ROUNDHOUSE_OLLAMA_STALL_S passes its own).
STALL_S = 120.0

STAGES = {
    "pulling manifest": "manifest",
    "verifying sha256 digest": "verifying",
    "writing manifest": "writing",
    "removing unused layers": "writing",
    "removing any unused layers": "writing",
    "success": "done",
}
NETWORK_WORDS = ("max retries", "eof", "dial tcp", "lookup", "timeout", "connection", "tls")


def pull_hint(message: str) -> str:
    """What the user can do about an error Ollama reported mid-pull."""
    text = message.lower()
    if "file does not exist" in text:
        return (
            "Ollama's registry has no such model or tag: check the name on "
            "https://ollama.com/library (e.g. `llama3.2`, `qwen2.5:7b`)."
        )
    if "no space left" in text:
        return "The disk holding Ollama's models is full: free space, then pull again."
    if "digest mismatch" in text:
        return "The download was corrupted and discarded; pull again."
    if "unauthorized" in text or "access denied" in text:
        return "The registry refused access: the model may be private or the name misspelt."
    if any(word in text for word in NETWORK_WORDS):
        return "A network problem interrupted the download; pull again to resume where it stopped."
    return "Pull again to resume; if it keeps failing, check Ollama's log (`ollama serve`)."


def pull(
    client: OllamaClient,
    name: str,
    control: Control,
    *,
    stall_s: float = STALL_S,
    notice_s: float = NOTICE_S,
) -> dict[str, Any]:
    """Pull `name`; Cancelled/Paused close the stream, which makes Ollama stop (and keep bytes);
    `stall_s` of silence fails it (the bar says "stalled" from `notice_s`, 30 s, on)."""
    model = names.normalise(name)
    progress = PullProgress()
    control.report(stage="manifest", done=0, message=f"Pulling manifest for {model}")
    finished = False
    with client.stream("POST", "/api/pull", {"model": model, "stream": True}) as messages:
        for message in Silence(messages, control, limit_s=stall_s, notice_s=notice_s).messages():
            control.check()
            finished = handle(message, progress, control, model) or finished
    if not finished:
        raise ProviderError(
            "ollama",
            f"the pull of {model} ended before Ollama reported success",
            hint="Ollama may have stopped or restarted; pull again to resume.",
        )
    return summary(model, progress)


def handle(message: dict[str, Any], progress: PullProgress, control: Control, model: str) -> bool:
    """Apply one stream message; True on `success`."""
    if message.get("error"):
        error = str(message["error"])
        raise ProviderError("ollama", error, hint=pull_hint(error), model=model)
    status = str(message.get("status") or "")
    digest = message.get("digest")
    if digest and "total" in message:
        progress.layer(str(digest), int(message["total"]), message.get("completed"))
        report(control, progress, "downloading", f"Downloading {model}")
        return False
    stage = STAGES.get(status)
    if stage in ("verifying", "writing", "done"):
        progress.finish_current()
    report(control, progress, stage, status or None)
    return status == "success"


def report(
    control: Control, progress: PullProgress, stage: str | None, message: str | None
) -> None:
    control.report(
        stage=stage,
        done=progress.done,
        total=progress.total or None,
        message=message,
        progress=progress.fraction(),
    )


def summary(model: str, progress: PullProgress) -> dict[str, Any]:
    return {
        "model": model,
        "layers": progress.layers(),
        "bytes": progress.total,
        "downloaded": progress.downloaded,
        "up_to_date": progress.up_to_date,
    }
