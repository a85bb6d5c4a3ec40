"""POST /api/pull: manifest, one layer after another on a ticker, verify, write, success.

Progress lives in `state.partial` per digest, so a cancelled pull (client gone) keeps its
bytes and the next pull of that digest starts from them, and concurrent pulls share a counter.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from tests.fakes.loopback import Answer, Request
from tests.fakes.ollama import names, replies
from tests.fakes.ollama.replies import Fail
from tests.fakes.ollama.state import Layer, RemoteModel

Lines = Iterator["dict | Fail"]


class Stop(Exception):
    """The pull ended early: the client left, the server stopped, or a failure was sent."""


class Pull:
    """One client's pull, as the lines it sends; `fake` holds the state and the knobs."""

    def __init__(self, fake: Any, request: Request, name: str) -> None:
        self.fake, self.request, self.name = fake, request, name
        self.state = fake.state
        self.moved = 0  # bytes this request downloaded (the failure and retry knobs count these)

    def lines(self) -> Lines:
        with self.state.lock:
            self.state.pulls_started += 1
            remote = self.state.registry.get(names.key(self.name) or "")
        try:
            yield self.send({"status": "pulling manifest"})
            if remote is None:
                yield from self.fail("pull model manifest: file does not exist")
                return
            for layer in remote.layers:
                yield from self.fetch(layer)
            yield from self.finish(remote)
        except Stop:
            return
        except GeneratorExit:  # the client left while a line was on its way
            self.count_cancel()
            raise

    def finish(self, remote: RemoteModel) -> Lines:
        yield self.send({"status": "verifying sha256 digest"})
        self.pause(self.fake.verify_delay)
        yield self.send({"status": "writing manifest"})
        with self.state.lock:
            removed = self.state.install(remote)
        if removed:
            yield self.send({"status": "removing unused layers"})
        yield self.send({"status": "success"})

    def fetch(self, layer: Layer) -> Lines:
        """Download one blob, a line per tick; a cached blob gives one 100% line."""
        line: dict[str, Any] = {
            "status": f"pulling {layer.digest[7:19]}",
            "digest": layer.digest,
            "total": layer.size,
        }
        with self.state.lock:
            cached = layer.digest in self.state.blobs
        if cached:
            yield self.send({**line, "completed": layer.size})
            return
        while True:
            done = self.state.partial.get(layer.digest, 0)
            yield self.send({**line, "completed": done} if done else line)
            self.pause(self.fake.tick)
            self.hush(self.fake.take_silence(self.moved))
            complete, failure = self.advance(layer)
            if failure is not None:
                self.discard_if_lost(failure, layer)
                yield from self.fail(
                    failure.replace("{blob}", f"sha256-{layer.digest[7:]}-partial")
                )
            if complete:
                return

    def advance(self, layer: Layer) -> tuple[bool, str | None]:
        """One tick of download: (blob complete, the injected failure if one is due)."""
        with self.state.lock:
            if layer.digest in self.state.blobs:
                return True, None
            done = self.state.partial.get(layer.digest, 0)
            step = min(self.fake.bytes_per_tick, layer.size - done)
            done += step
            self.moved += step
            self.state.served[layer.digest] += step
            done -= self.fake.take_retry(self.moved, done)
            self.state.partial[layer.digest] = done
            failure = self.fake.take_failure(self.moved)
            if failure is None and done >= layer.size:
                self.state.partial.pop(layer.digest, None)
                self.state.blobs[layer.digest] = layer.size
                return True, None
        return False, failure

    def discard_if_lost(self, failure: str, layer: Layer) -> None:
        """A digest mismatch deletes the blob and ENOSPC restarts from scratch; others resume."""
        if "digest mismatch" in failure or "no space left" in failure:
            with self.state.lock:
                self.state.partial.pop(layer.digest, None)

    def send(self, obj: dict) -> dict:
        if self.gone():
            self.cancelled()
        return obj

    def fail(self, message: str) -> Lines:
        with self.state.lock:
            self.state.pulls_failed += 1
        yield Fail(message)
        raise Stop

    def pause(self, seconds: float) -> None:
        if seconds > 0 and self.fake.stopping.wait(seconds):
            raise Stop

    def hush(self, seconds: float) -> None:
        """Send nothing for `seconds`, noticing a client that leaves meanwhile."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.pause(0.1)
            if self.gone():
                self.cancelled()

    def gone(self) -> bool:
        return self.fake.stopping.is_set() or self.request.gone()

    def count_cancel(self) -> None:
        with self.state.lock:
            self.state.pulls_cancelled += 1

    def cancelled(self) -> None:
        self.count_cancel()
        raise Stop


def handle(fake: Any, request: Request) -> Answer:
    body = replies.body_or_error(request)
    if isinstance(body, Answer):
        return body
    name = names.canonical(str(body.get("model") or body.get("name") or ""))
    if name is None:
        return replies.error(400, "invalid model name")
    return replies.stream_for(body, Pull(fake, request, name).lines())
