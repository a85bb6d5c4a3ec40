"""Live progress in a terminal: one redrawn bar per job on a TTY, plain lines otherwise.

On a TTY the bars sit at the bottom and are redrawn in place (at most 10 times a second, and
at once when a state changes); notes print above them. Without a TTY (a pipe, a log file, CI)
a line is printed only when a job's state or stage changes, its progress passes another 10%,
or every few seconds while it moves, with no escape codes.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from roundhouse.cli import fmt

REDRAW_S = 0.1
PLAIN_EVERY_S = 5.0
CLEAR_LINE = "\x1b[2K"


class Renderer:
    """Shows the latest state of each job it is given."""

    def __init__(
        self,
        out: TextIO | None = None,
        tty: bool | None = None,
        width: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.out = out or sys.stdout
        self.tty = self.out.isatty() if tty is None else tty
        self.width = width
        self.clock = clock
        self.jobs: dict[str, dict[str, Any]] = {}
        self.drawn = 0
        self.last_draw = 0.0
        self.plain_seen: dict[str, tuple[Any, ...]] = {}
        self.closed = False

    def update(self, job: dict[str, Any]) -> None:
        job_id = str(job.get("id"))
        before = self.jobs.get(job_id, {})
        self.jobs[job_id] = job
        urgent = before.get("state") != job.get("state") or before.get("stage") != job.get("stage")
        if self.tty:
            if not self.closed and (urgent or self.clock() - self.last_draw >= REDRAW_S):
                self._draw()
        else:
            self._plain(job_id, job)

    def note(self, text: str) -> None:
        """A line above the bars (a notice, a finished job's summary)."""
        live = self.tty and not self.closed
        if live:
            self._erase()
        self.out.write(text + "\n")
        if live:
            self._draw()
        self.out.flush()

    def done(self, job_id: str) -> None:
        """Stop drawing a job (its summary is printed with note())."""
        self.jobs.pop(job_id, None)
        if self.tty and not self.closed:
            self._draw()

    def close(self) -> None:
        """Draw the bars a last time and let go of them: what is printed after (the Ctrl-C
        note) stays, since a later close() or update() never moves back over it."""
        if self.tty and not self.closed:
            self._draw()
            self.drawn = 0
        self.closed = True
        self.out.flush()

    # -- TTY -------------------------------------------------------------------------------
    def _columns(self) -> int:
        return self.width or shutil.get_terminal_size((100, 24)).columns

    def _erase(self) -> None:
        if self.drawn:
            self.out.write(f"\x1b[{self.drawn}F")  # to the start of the first bar
            self.out.write((CLEAR_LINE + "\n") * self.drawn)
            self.out.write(f"\x1b[{self.drawn}F")
        self.drawn = 0

    def _draw(self) -> None:
        columns = self._columns()
        bar_width = max(10, min(30, columns // 5))
        lines = [fmt.job_line(j, bar_width)[: columns - 1] for j in self.jobs.values()]
        if self.drawn:
            self.out.write(f"\x1b[{self.drawn}F")
        for line in lines:
            self.out.write(CLEAR_LINE + line + "\n")
        for _ in range(self.drawn - len(lines)):  # fewer bars than before: blank the rest
            self.out.write(CLEAR_LINE + "\n")
        if self.drawn > len(lines):
            self.out.write(f"\x1b[{self.drawn - len(lines)}F")
        self.drawn = len(lines)
        self.last_draw = self.clock()
        self.out.flush()

    # -- plain -----------------------------------------------------------------------------
    def _plain(self, job_id: str, job: dict[str, Any]) -> None:
        progress = job.get("progress")
        bucket = int(float(progress) * 10) if progress is not None else -1
        key = (job.get("state"), job.get("stage"), bucket)
        seen = self.plain_seen.get(job_id)
        now = self.clock()
        changed = seen is None or seen[:3] != key
        moving = seen is not None and now - seen[3] >= PLAIN_EVERY_S and job.get("done") != seen[4]
        if changed or moving:
            self.plain_seen[job_id] = (*key, now, job.get("done"))
            self.out.write(fmt.job_line(job) + "\n")
            self.out.flush()
