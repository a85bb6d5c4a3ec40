"""Terminal rendering: bars redrawn in place on a TTY, plain lines without escape codes."""

from __future__ import annotations

import io

from roundhouse.cli import fmt
from roundhouse.cli.progress import Renderer


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def pull(done: int, state: str = "running", **extra: object) -> dict:
    return {
        "id": "abcdef0123456789",
        "kind": "ollama.pull",
        "state": state,
        "stage": "download",
        "done": done,
        "total": 2_000_000_000,
        "progress": done / 2_000_000_000,
        "speed": 12_300_000,
        "eta": 65,
        "message": "pulling",
        **extra,
    }


def test_byte_jobs_show_size_speed_and_eta() -> None:
    line = fmt.job_line(pull(1_200_000_000), bar_width=10)
    assert line.startswith("abcdef01  ollama.pull  running/download  [######----]  60%")
    assert "1.2 GB/2.0 GB  12.3 MB/s  ETA 1:05  pulling" in line
    assert (
        fmt.job_line(
            {
                "id": "x",
                "kind": "demo.count",
                "state": "running",
                "done": 3,
                "total": 20,
                "progress": 0.15,
            }
        )
        == "x  demo.count  running  15%  3/20"
    )


def test_tty_redraws_bars_in_place_within_the_width() -> None:
    out, clock = io.StringIO(), Clock()
    r = Renderer(out, tty=True, width=60, clock=clock)
    r.update(pull(100_000_000))
    r.update({**pull(5), "id": "second0000000000"})
    clock.now = 1.0
    r.update(pull(900_000_000))
    text = out.getvalue()
    assert "\x1b[2F" in text  # moved up over both bars to redraw them
    assert all(
        len(line.replace("\x1b[2K", "")) <= 59
        for line in text.split("\n")
        if "\x1b[" not in line.replace("\x1b[2K", "")
    )
    r.done("abcdef0123456789")
    r.note("ollama.pull abcdef0123456789 succeeded")
    last_two = out.getvalue().rstrip("\n").split("\n")[-2:]
    assert last_two[0].endswith("ollama.pull abcdef0123456789 succeeded")  # above the bars
    assert last_two[1].startswith("\x1b[2Ksecond00  ollama.pull  running/download  [---")
    assert len(last_two[1]) - len("\x1b[2K") == 59


def test_plain_lines_only_on_changes_and_no_escape_codes() -> None:
    out, clock = io.StringIO(), Clock()
    r = Renderer(out, tty=False, clock=clock)
    for step in range(0, 101):
        clock.now = step * 0.01
        r.update(pull(step * 20_000_000))
    r.update(pull(2_000_000_000, state="succeeded"))
    lines = out.getvalue().splitlines()
    assert "\x1b" not in out.getvalue()
    assert 10 <= len(lines) <= 13  # one per 10%, plus the state change, not 100
    assert "succeeded" in lines[-1]


def test_summary_names_the_outcome_and_what_to_do() -> None:
    failed = {
        "id": "j1",
        "kind": "hf.download",
        "state": "failed",
        "error": "disk full",
        "hint": "free 2 GB",
    }
    assert fmt.summary(failed) == ["hf.download j1 failed: disk full", "  hint: free 2 GB"]
    paused = {"id": "j2", "kind": "hf.download", "state": "paused", "message": "Paused"}
    assert fmt.summary(paused)[-1] == "  resume with: roundhouse resume j2"
    assert fmt.size(999) == "999 B" and fmt.duration(3725) == "1:02:05"


def test_what_is_printed_after_close_is_never_drawn_over() -> None:
    out = io.StringIO()
    r = Renderer(out, tty=True, width=80, clock=Clock())
    r.update(pull(100_000_000))
    r.close()
    out.write("Detached; re-attach with: roundhouse jobs --follow abcdef0123456789\n")
    after = out.tell()
    r.close()  # attach.follow closes again in its `finally`
    r.update(pull(200_000_000))  # a frame that was already on its way
    r.note("late")
    r.done("abcdef0123456789")
    assert "\x1b[" not in out.getvalue()[after:]  # no cursor moves, no redrawn bars
