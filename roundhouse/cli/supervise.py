"""Keep `roundhouse up`'s children running: a child that exits is started again after a pause
that doubles with each crash; one that keeps crashing stops the whole stack, saying why."""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from roundhouse.cli.stack import Stack
from roundhouse.core.backoff import Backoff

RESTART = Backoff(base_s=0.5, max_s=10.0, jitter=0)  # one machine: nothing to spread out
#: This many exits of one child within WINDOW_S means it will not stay up: give up.
MAX_CRASHES = 5
WINDOW_S = 60.0


def _stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def how_it_ended(code: int | None) -> str:
    """`exited with code 1` or `was killed by SIGKILL`."""
    if code is not None and code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


@dataclass
class Supervisor:
    """Call `step()` a few times a second; it answers why to stop, or None to carry on."""

    stack: Stack
    starters: dict[str, Callable[[], object]]
    max_crashes: int = MAX_CRASHES
    window_s: float = WINDOW_S
    say: Callable[[str], None] = _stderr
    crashes: dict[str, list[float]] = field(default_factory=dict)
    due: dict[str, float] = field(default_factory=dict)

    def step(self, now: float | None = None) -> str | None:
        now = time.monotonic() if now is None else now
        for name, proc in list(self.stack.procs.items()):
            if name not in self.due and proc.poll() is not None:
                reason = self._crashed(name, how_it_ended(proc.returncode), now)
                if reason:
                    return reason
        for name, at in list(self.due.items()):
            if at <= now:
                del self.due[name]
                reason = self._restart(name, now)
                if reason:
                    return reason
        return None

    def _crashed(self, name: str, how: str, now: float) -> str | None:
        """Count the exit; schedule a restart, or say why not."""
        recent = [t for t in self.crashes.get(name, []) if now - t < self.window_s] + [now]
        self.crashes[name] = recent
        if name not in self.starters:
            return f"{name} {how}, and it cannot be restarted from here"
        if len(recent) >= self.max_crashes:
            return (
                f"{name} {how}: that is {len(recent)} exits within {self.window_s:.0f} s, "
                "so it will not stay up"
            )
        pause = RESTART.delay(len(recent))
        self.say(
            f"{name} {how}; restarting it in {pause:.1f} s "
            f"(exit {len(recent)} of {self.max_crashes - 1} allowed within {self.window_s:.0f} s)"
        )
        self.due[name] = now + pause
        return None

    def _restart(self, name: str, now: float) -> str | None:
        try:
            self.starters[name]()
        except Exception as exc:  # e.g. it exited again before its port opened
            return self._crashed(name, f"did not start again ({exc})", now)
        self.say(f"{name} restarted (pid {self.stack.procs[name].pid})")
        return None
