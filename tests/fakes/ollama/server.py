"""FakeOllama: the server, its routes, and the knobs tests turn (speed, failures, retries)."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from tests.fakes.httpserver import FakeHandler, FakeServer
from tests.fakes.ollama import blobs, chat, models, names, pull, state
from tests.fakes.ollama.state import OllamaState, RemoteModel

Registry = Mapping[str, Sequence[int] | RemoteModel]


class OllamaHandler(FakeHandler):
    """gin's router: GET and HEAD share read routes; wrong method 405; unknown path 404."""

    routes = {
        "/": {"GET": "r_root", "HEAD": "r_root"},
        "/api/version": {"GET": "r_version", "HEAD": "r_version"},
        "/api/tags": {"GET": "r_tags", "HEAD": "r_tags"},
        "/api/ps": {"GET": "r_ps"},
        "/api/show": {"POST": "r_show"},
        "/api/pull": {"POST": "r_pull"},
        "/api/delete": {"DELETE": "r_delete"},
        "/api/create": {"POST": "r_create"},
        "/api/chat": {"POST": "r_chat"},
        "/v1/models": {"GET": "r_v1_models"},
        "/v1/chat/completions": {"POST": "r_v1_chat"},
    }
    prefixes = {"/api/blobs/": {"HEAD": "r_blob", "POST": "r_blob"}}

    r_root = models.root
    r_version = models.version
    r_tags = models.tags
    r_ps = models.ps
    r_show = models.show
    r_delete = models.delete
    r_pull = pull.handle
    r_blob = blobs.blob
    r_create = blobs.create
    r_chat = chat.chat
    r_v1_models = chat.v1_models
    r_v1_chat = chat.v1_chat


class FakeOllama(FakeServer):
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

    handler = OllamaHandler

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
    ) -> None:
        super().__init__(host=host, port=port)
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
