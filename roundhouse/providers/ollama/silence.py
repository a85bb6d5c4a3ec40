"""Read a pull's NDJSON stream on a thread, so silence can be timed and a stop seen meanwhile.

A stuck Ollama sends nothing at all: without this the loop blocks in a socket read for
httpx's whole read timeout (10 minutes), holding the bar at one percent and ignoring cancel.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from typing import Any

from roundhouse.core.errors import ProviderError
from roundhouse.providers.base import Control

#: Silence after which the bar says so (the pull goes on).
NOTICE_S = 30.0
#: How often the waiting loop wakes to check for a stop request and count the silence.
TICK_S = 0.5
_END = object()


def stalled(seconds: float) -> str:
    return f"stalled: Ollama has sent nothing for {seconds:.0f} s"


class Silence:
    """Iterate messages with a watch on the gap between them; see `messages()`."""

    def __init__(
        self,
        source: Iterator[dict[str, Any]],
        control: Control,
        *,
        limit_s: float,
        notice_s: float = NOTICE_S,
    ) -> None:
        self.control, self.limit_s, self.notice_s = control, limit_s, notice_s
        self.inbox: queue.Queue[Any] = queue.Queue()
        self.thread = threading.Thread(
            target=self._read, args=(source,), name="ollama-pull-reader", daemon=True
        )

    def _read(self, source: Iterator[dict[str, Any]]) -> None:
        try:
            for message in source:
                self.inbox.put(message)
            self.inbox.put(_END)
        except BaseException as exc:  # noqa: BLE001 - handed to the reading thread as is
            self.inbox.put(exc)

    def messages(self) -> Iterator[dict[str, Any]]:
        """Messages in order; reports a stall, raises one past the limit, checks for stops."""
        self.thread.start()
        last = time.monotonic()
        shown = 0.0
        while True:
            try:
                item = self.inbox.get(timeout=TICK_S)
            except queue.Empty:
                self.control.check()
                quiet = time.monotonic() - last
                if quiet >= self.limit_s:
                    raise self.failure() from None
                shown = self.notify(quiet, shown)
                continue
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            last, shown = time.monotonic(), 0.0
            yield item

    def notify(self, quiet: float, shown: float) -> float:
        """Say so on the bar at the notice threshold, then every further 10 s of silence."""
        if quiet < self.notice_s or (shown and quiet - shown < 10.0):
            return shown
        mark = self.notice_s + 10.0 * int((quiet - self.notice_s) // 10.0)
        self.control.report(message=stalled(mark), stalled_s=round(mark))
        return mark

    def failure(self) -> ProviderError:
        return ProviderError(
            "ollama",
            stalled(self.limit_s),
            hint=(
                "Ollama stopped sending progress. Check its log (`ollama serve`) and network; "
                "pull again to resume from the partial download."
            ),
        )
