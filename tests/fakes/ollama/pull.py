"""POST /api/pull: manifest, one layer after another on a ticker, verify, write, success.

Progress lives in `state.partial` per digest, so a cancelled pull (client gone) keeps its
bytes and the next pull of that digest starts from them, and concurrent pulls share a counter.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

from tests.fakes.ollama import names, replies
from tests.fakes.ollama.state import Layer, RemoteModel


class Stop(Exception):
    """The pull ended early: the client left, the server stopped, or a failure was sent."""


class Pull:
    """One client's pull; `fake` holds the state and the knobs."""

    def __init__(self, h: Any, stream: replies.Stream, name: str) -> None:
        self.h, self.fake, self.stream, self.name = h, h.fake, stream, name
        self.state = self.fake.state
        self.moved = 0  # bytes this request downloaded (the failure and retry knobs count these)

    def run(self) -> None:
        with self.state.lock:
            self.state.pulls_started += 1
            remote = self.state.registry.get(names.key(self.name) or "")
        try:
            self.send({"status": "pulling manifest"})
            if remote is None:
                return self.fail("pull model manifest: file does not exist")
            for layer in remote.layers:
                self.fetch(layer)
            self.finish(remote)
        except Stop:
            pass
        except OSError:
            self.count_cancel()
            return
        if not self.gone():
            with contextlib.suppress(OSError):
                self.stream.close()

    def finish(self, remote: RemoteModel) -> None:
        self.send({"status": "verifying sha256 digest"})
        self.pause(self.fake.verify_delay)
        self.send({"status": "writing manifest"})
        with self.state.lock:
            removed = self.state.install(remote)
        if removed:
            self.send({"status": "removing unused layers"})
        self.send({"status": "success"})

    def fetch(self, layer: Layer) -> None:
        """Download one blob, emitting a line per tick; a cached blob gives one 100% line."""
        line: dict[str, Any] = {
            "status": f"pulling {layer.digest[7:19]}",
            "digest": layer.digest,
            "total": layer.size,
        }
        with self.state.lock:
            cached = layer.digest in self.state.blobs
        if cached:
            return self.send({**line, "completed": layer.size})
        while True:
            done = self.state.partial.get(layer.digest, 0)
            self.send({**line, "completed": done} if done else line)
            self.pause(self.fake.tick)
            self.hush(self.fake.take_silence(self.moved))
            if self.advance(layer):
                return

    def advance(self, layer: Layer) -> bool:
        """One tick of download; True once the blob is complete (and no final line is sent)."""
        with self.state.lock:
            if layer.digest in self.state.blobs:
                return True
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
                return True
        if failure is not None:
            self.discard_if_lost(failure, layer)
            self.fail(failure.replace("{blob}", f"sha256-{layer.digest[7:]}-partial"))
        return False

    def discard_if_lost(self, failure: str, layer: Layer) -> None:
        """A digest mismatch deletes the blob and ENOSPC restarts from scratch; others resume."""
        if "digest mismatch" in failure or "no space left" in failure:
            with self.state.lock:
                self.state.partial.pop(layer.digest, None)

    def send(self, obj: dict) -> None:
        if self.gone():
            self.cancelled()
        self.stream.line(obj)

    def fail(self, message: str) -> None:
        with self.state.lock:
            self.state.pulls_failed += 1
        self.stream.fail(message)
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
        return self.fake.stopping.is_set() or self.h.client_gone()

    def count_cancel(self) -> None:
        with self.state.lock:
            self.state.pulls_cancelled += 1

    def cancelled(self) -> None:
        self.count_cancel()
        raise Stop


def handle(h: Any) -> None:
    body = replies.body_or_error(h)
    if body is None:
        return
    name = names.canonical(str(body.get("model") or body.get("name") or ""))
    if name is None:
        return replies.error(h, 400, "invalid model name")
    Pull(h, replies.stream_for(h, body), name).run()
