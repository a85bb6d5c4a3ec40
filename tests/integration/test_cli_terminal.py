"""`roundhouse jobs --follow` in a real terminal (a tmux pane of a set width): the Ctrl-C note
that says how to re-attach must survive the last redraw of the progress bars."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import wait_for
from tests.integration.cli_run import demo, env_for, rh
from tests.stacks import TestStack

pytestmark = pytest.mark.stack
ROOT = Path(__file__).resolve().parents[2]


def _tmux() -> str:
    """tmux, installed from the project's script if missing (which fails under CI=true)."""
    if not shutil.which("tmux"):
        subprocess.run(["bash", str(ROOT / "scripts/ensure-tmux.sh")], check=True)
    found = shutil.which("tmux")
    if not found:
        pytest.fail("tmux is needed for the terminal tests: run scripts/ensure-tmux.sh")
    return found


@pytest.mark.parametrize("columns", [220, 120])
def test_the_ctrl_c_note_survives_in_a_real_terminal(
    stack: TestStack, tmp_path: Path, columns: int
) -> None:
    tmux, sock = _tmux(), f"rh-test-{tmp_path.name}"
    job_id = demo(stack.url, steps=10_000, interval=0.05)
    env = env_for(stack.url)
    script = tmp_path / "follow.sh"
    exports = "".join(f"export {k}={shlex.quote(v)}\n" for k, v in env.items() if k.isidentifier())
    cli = f"{shlex.quote(sys.executable)} -m roundhouse.cli.main jobs --follow {job_id}"
    script.write_text(f"{exports}cd {shlex.quote(str(ROOT))}\n{cli}\necho exit=$?\nsleep 60\n")
    base = [tmux, "-L", sock, "-f", "/dev/null"]
    subprocess.run(
        [*base, "new-session", "-d", "-x", str(columns), "-y", "30", "bash", str(script)],
        check=True,
    )

    def pane() -> str:
        out = subprocess.run([*base, "capture-pane", "-p", "-J"], capture_output=True, text=True)
        return out.stdout

    try:
        wait_for(lambda: job_id[:8] in pane(), 60, interval=0.1)  # the bar is drawn
        time.sleep(0.5)  # a few redraws
        subprocess.run([*base, "send-keys", "C-c"], check=True)
        text = wait_for(lambda: "exit=130" in (t := pane()) and t, 60, interval=0.1)
        note = f"Re-attach with: roundhouse jobs --follow {job_id}   (cancel with:"
        assert note in text, text
        assert text.index(note) < text.index("exit=130")
    finally:
        subprocess.run([*base, "kill-server"], capture_output=True)
        rh(stack.url, "cancel", job_id)
