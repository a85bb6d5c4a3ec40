"""FakeOllama: the server, its routes, and the knobs tests turn (speed, failures, retries)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from tests.fakes.loopback import Answer, LoopbackService, Request
from tests.fakes.ollama import blobs, chat, models, names, pull, replies, state
from tests.fakes.ollama.state import OllamaState, RemoteModel

Registry = Mapping[str, Sequence[int] | RemoteModel]
Handler = Callable[[Any, Request], Answer]


#: gin's router: GET and HEAD share read routes; a wrong method is 405, an unknown path 404.
ROUTES: dict[str, dict[str, Handler]] = {
    "/": {"GET": models.root, "HEAD": models.root},
    "/api/version": {"GET": models.version, "HEAD": models.version},
    "/api/tags": {"GET": models.tags, "HEAD": models.tags},
    "/api/ps": {"GET": models.ps},
    "/api/show": {"POST": models.show},
    "/api/pull": {"POST": pull.handle},
    "/api/delete": {"DELETE": models.delete},
    "/api/create": {"POST": blobs.create},
    "/api/chat": {"POST": chat.chat},
    "/v1/models": {"GET": chat.v1_models},
    "/v1/chat/completions": {"POST": chat.v1_chat},
}
BLOBS = {"HEAD": blobs.blob, "POST": blobs.blob}


class FakeOllama(LoopbackService):
    """A loopback Ollama; `state` is open for inspection (`served`, `pulls_cancelled`, ...).

    registry: pullable models, name -> layer sizes (weights first) or a RemoteModel.
    installed: names already pulled at start. tick: seconds between progress lines (0: as fast
    as possible). bytes_per_tick: download speed. fail_after/fail_message/fail_times: after this
    many bytes of one pull, send an in-band error. retry_at/retry_bytes/retry_times: after this
    many bytes of one pull, roll the current layer's `completed` back, as a part retry does.
    verify_delay: the silent pause during `verifying sha256 digest`. version: /api/version.
    silent_after/silent_for: after this many bytes of one pull, send nothing for that many
    seconds (once), as a stuck Ollama does; the bytes are kept, so a later pull resumes.
    """

    name = "ollama"

    def __init__(
        self,
        *,
        registry: Registry | None = None,
        installed: Iterable[str] = (),
        tick: float = 0.06,
        bytes_per_tick: int = 512 * 1024,
        fail_after: int | None = None,
        fail_message: str = "max retries exceeded: unexpected EOF",
        fail_times: int = 1,
        retry_at: int | None = None,
        retry_bytes: int | None = None,
        retry_times: int = 1,
        verify_delay: float = 0.0,
        version: str = "0.12.3",
        silent_after: int | None = None,
        silent_for: float = 0.0,
        host: str = "127.0.0.1",
        port: int = 0,
        **knobs: Any,
    ) -> None:
        super().__init__(host=host, port=port, **knobs)
        self.state = OllamaState()
        if registry is not None:
            self.state.registry = {}
            self.publish(registry)
        self.state.preinstall(installed)
        self.tick, self.bytes_per_tick, self.verify_delay = tick, bytes_per_tick, verify_delay
        self.fail_after, self.fail_message, self.fail_times = fail_after, fail_message, fail_times
        self.retry_at, self.retry_times = retry_at, retry_times
        self.retry_bytes = retry_bytes if retry_bytes is not None else 2 * bytes_per_tick
        self.version = version
        self.silent_after, self.silent_for = silent_after, silent_for
        self._knobs = threading.Lock()

    def route(self, request: Request) -> Answer:
        table = BLOBS if request.path.startswith("/api/blobs/") else ROUTES.get(request.path)
        if table is None:
            return replies.text(404, "404 page not found")
        handler = table.get(request.method)
        if handler is None:
            return replies.text(405, "405 method not allowed")
        return handler(self, request)

    def error_answer(self, status: int, message: str, **extra: Any) -> Answer:
        return replies.error(status, message)

    def publish(self, registry: Registry) -> None:
        """Add or replace registry models (a pull then fetches whatever is new)."""
        built = {
            name: spec if isinstance(spec, RemoteModel) else state.make_remote(name, spec)
            for name, spec in registry.items()
        }
        with self.state.lock:
            self.state.publish(built)

    def update(self, name: str, changed: Iterable[int] = (0,)) -> RemoteModel:
        """Simulate a new registry version of `name` replacing the given layers."""
        with self.state.lock:
            key = names.key(name) or name
            model = self.state.registry[key] = state.bump(self.state.registry[key], changed)
        return model

    def take_failure(self, moved: int) -> str | None:
        """The configured in-band error, once `moved` bytes of a pull went by (and times remain)."""
        with self._knobs:
            if self.fail_after is None or moved < self.fail_after or self.fail_times == 0:
                return None
            self.fail_times -= 1
            return self.fail_message

    def take_silence(self, moved: int) -> float:
        """Seconds to go quiet now (once), after `moved` bytes of a pull."""
        with self._knobs:
            if self.silent_after is None or moved < self.silent_after:
                return 0.0
            self.silent_after = None
            return self.silent_for

    def take_retry(self, moved: int, done: int) -> int:
        """Bytes to roll back now, as a failed part attempt subtracts what it had counted."""
        with self._knobs:
            if self.retry_at is None or moved < self.retry_at or self.retry_times == 0:
                return 0
            self.retry_times -= 1
            return min(self.retry_bytes, done)

    def drop_partials(self) -> None:
        """What a server restart does: PruneLayers deletes partial downloads."""
        with self.state.lock:
            self.state.partial.clear()

    def stats(self) -> dict[str, Any]:
        return self.snapshot()

    def snapshot(self) -> dict[str, Any]:
        """Counters for tests and for the `--stats` style checks of other rooms."""
        with self.state.lock:
            return {
                "pulls_started": self.state.pulls_started,
                "pulls_cancelled": self.state.pulls_cancelled,
                "pulls_failed": self.state.pulls_failed,
                "served": dict(self.state.served),
                "partial": dict(self.state.partial),
                "uploaded_bytes": self.state.uploaded_bytes,
                "installed": sorted(i.model.name for i in self.state.installed.values()),
            }
