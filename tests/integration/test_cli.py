"""`roundhouse` as a user runs it: a subprocess against the real stack (Redis, worker, API)."""

from __future__ import annotations

import json
import signal
import time

import httpx
import pytest

from tests.conftest import Fakes
from tests.helpers import wait_state
from tests.integration.cli_run import demo, json_lines, rh, start
from tests.stacks import TestStack

pytestmark = pytest.mark.stack
_n = iter(range(10_000))


def test_follow_prints_plain_progress_lines_and_exits_0(stack: TestStack) -> None:
    job_id = demo(stack.url, steps=80, interval=0.1)  # long enough to attach on a busy machine
    out = rh(stack.url, "jobs", "--follow", job_id)
    assert out.returncode == 0, out.stderr
    assert "\x1b" not in out.stdout  # not a TTY: no escape codes
    lines = out.stdout.splitlines()
    assert len(lines) >= 3
    assert any("running/counting" in line and "/80" in line for line in lines)
    assert lines[-1] == f"demo.count {job_id} succeeded: Counted to 80"


def test_json_follow_streams_every_seq_and_json_show_parses(stack: TestStack) -> None:
    job_id = demo(stack.url, steps=15, interval=0.02)
    wait_state(stack, job_id, {"succeeded"})
    out = rh(stack.url, "jobs", "--follow", job_id, "--json")
    assert out.returncode == 0, out.stderr
    frames = json_lines(out.stdout)
    assert frames[0]["type"] == "snapshot" and frames[0]["jobs"][0]["state"] == "succeeded"
    shown = rh(stack.url, "--json", "jobs", job_id)
    job = json.loads(shown.stdout)
    assert shown.returncode == 0 and job["result"] == {"counted": 15, "message": "Counted to 15"}
    listed = json.loads(rh(stack.url, "jobs", "--json", "--limit", "500").stdout)
    assert job_id in [j["id"] for j in listed["jobs"]]


def test_failed_job_exits_1_with_the_error(stack: TestStack) -> None:
    job_id = demo(stack.url, steps=10, interval=0.02, fail_at=4)
    out = rh(stack.url, "jobs", "-f", job_id)
    assert out.returncode == 1
    assert "failed: demo: asked to fail at step 4" in out.stdout


def test_cancelled_job_exits_3(stack: TestStack) -> None:
    job_id = demo(stack.url, steps=10_000, interval=0.05)
    wait_state(stack, job_id, {"running"})
    follower = start(stack.url, "jobs", "--follow", job_id, "--json")
    assert follower.stdout is not None
    # Cancel only once the follower is attached: its first frame is the snapshot. (Cancelling
    # before that, as a loaded machine once let happen, leaves that snapshot as its only line.)
    first = json.loads(follower.stdout.readline())
    assert first["type"] == "snapshot" and first["jobs"][0]["state"] == "running"
    cancelled = rh(stack.url, "cancel", job_id)
    assert cancelled.returncode == 0 and job_id in cancelled.stdout
    out, err = follower.communicate(timeout=60)
    assert follower.returncode == 3, err
    last = json_lines(out)[-1]
    assert last["type"] == "job" and last["state"] == "cancelled"


def test_pause_and_resume(stack: TestStack) -> None:
    job_id = demo(stack.url, steps=10_000, interval=0.05)
    wait_state(stack, job_id, {"running"})
    assert rh(stack.url, "pause", job_id).returncode == 0
    wait_state(stack, job_id, {"paused"})
    resumed = json.loads(rh(stack.url, "resume", job_id, "--json").stdout)
    assert resumed["state"] == "queued"
    wait_state(stack, job_id, {"running"})
    assert rh(stack.url, "cancel", job_id).returncode == 0


def test_unreachable_server_exits_4_and_says_what_to_do() -> None:
    out = rh("http://127.0.0.1:9", "status")
    assert out.returncode == 4
    assert "Cannot reach Roundhouse at http://127.0.0.1:9" in out.stderr
    assert "roundhouse up" in out.stderr
    as_json = rh("http://127.0.0.1:9", "jobs", "--json")
    assert as_json.returncode == 4 and json.loads(as_json.stdout)["exit_code"] == 4


def test_usage_errors_exit_2(stack: TestStack) -> None:
    assert rh(stack.url, "jobs", "--state", "sideways").returncode == 2
    assert rh(stack.url, "no-such-command").returncode == 2
    bad = rh(stack.url, "switch", "llm")
    assert bad.returncode == 2 and "ROLE=PROVIDER" in bad.stderr
    bad_body = rh(stack.url, "beam", "x", "--width", "99")  # the server's 400 is a usage error
    assert bad_body.returncode == 2 and "beam_width" in bad_body.stderr


def test_unknown_job_exits_1_with_the_servers_message(stack: TestStack) -> None:
    out = rh(stack.url, "jobs", "nosuchjob")
    assert out.returncode == 1 and "No job with id 'nosuchjob'" in out.stderr
    assert "List jobs with `roundhouse jobs`" in out.stderr and "GET /api" not in out.stderr


def test_jobs_lists_under_a_header_with_an_age(stack: TestStack) -> None:
    job_id = demo(stack.url, steps=1, interval=0.01)
    wait_state(stack, job_id, {"succeeded"})
    header, *rows = rh(stack.url, "jobs", "--limit", "500").stdout.splitlines()
    assert header.split() == ["ID", "KIND", "STATE", "PROGRESS", "AGE", "MESSAGE"]
    row = next(r for r in rows if r.startswith(job_id))
    assert row[header.index("AGE") :].split()[0].endswith(("s", "m"))


def test_status_json(stack: TestStack) -> None:
    out = rh(stack.url, "status", "--json")
    body = json.loads(out.stdout)
    assert out.returncode == 0 and body["health"]["redis"]["ok"] is True
    assert body["providers"]["active"]["llm"]["provider"]


def test_pull_shows_byte_progress_and_exits_0(stack: TestStack, fakes: Fakes) -> None:
    name = f"clipull{next(_n)}x{int(time.time()) % 10**6}"
    fakes.ollama.publish({name: [3_000_000, 500, 40]})
    out = rh(stack.url, "pull", name)
    assert out.returncode == 0, out.stdout + out.stderr
    assert " MB/" in out.stdout and "ollama.pull" in out.stdout
    assert "succeeded" in out.stdout.splitlines()[-1]
    tags = httpx.get(f"{fakes.ollama.url}/api/tags").json()["models"]
    assert any(m["name"].startswith(name) for m in tags)
    gone = rh(stack.url, "uninstall", name, "--json")
    assert gone.returncode == 0, gone.stdout + gone.stderr


def test_install_gguf_with_progress_and_json_result(stack: TestStack, fakes: Fakes) -> None:
    from tests.integration.test_gguf_install import new_repo

    repo, _, _ = new_repo(fakes)
    out = rh(stack.url, "install", repo, "--quant", "Q4_K_M", "--to", "ollama,lmstudio", "--json")
    assert out.returncode == 0, out.stdout + out.stderr
    job = json.loads(out.stdout)
    assert job["state"] == "succeeded" and job["kind"] == "model.install"
    assert job["result"]["models"]["ollama"].lower() == f"hf.co/{repo}:q4_k_m".lower()
    bad = rh(stack.url, "install", repo, "--to", "ollama,toaster")
    assert bad.returncode == 2 and "toaster" in bad.stderr


def test_switch_error_then_success(stack: TestStack) -> None:
    wrong = rh(stack.url, "switch", "llm=nope")
    assert wrong.returncode == 2 and "Unknown llm provider 'nope'" in wrong.stderr
    ok = rh(stack.url, "switch", "llm=openai", "--model", "gpt-4o-mini", "--json")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    body = json.loads(ok.stdout)
    assert body["llm"]["provider"] == "openai"


def _interrupt_follower(stack: TestStack, *flags: str) -> tuple[str, int, str]:
    job_id = demo(stack.url, steps=10_000, interval=0.05)
    follower = start(stack.url, "jobs", "--follow", job_id, *flags)
    assert follower.stdout is not None
    follower.stdout.readline()  # following
    follower.send_signal(signal.SIGINT)
    _, err = follower.communicate(timeout=60)
    return job_id, follower.returncode, err


def test_ctrl_c_detaches_and_the_job_keeps_running(stack: TestStack) -> None:
    job_id, code, err = _interrupt_follower(stack)
    assert code == 130
    assert f"roundhouse jobs --follow {job_id}" in err
    assert httpx.get(f"{stack.url}/api/jobs/{job_id}").json()["state"] in ("queued", "running")
    assert rh(stack.url, "cancel", job_id).returncode == 0


def test_ctrl_c_with_cancel_on_interrupt_cancels(stack: TestStack) -> None:
    job_id, code, err = _interrupt_follower(stack, "--cancel-on-interrupt")
    assert code == 3, err
    assert wait_state(stack, job_id, {"cancelled"})["state"] == "cancelled"


def test_services_status_and_a_service_outside_the_catalog(stack: TestStack) -> None:
    out = rh(stack.url, "services", "status", "--json")
    assert out.returncode == 0, out.stderr
    assert "services" in json.loads(out.stdout)
    bad = rh(stack.url, "services", "start", "rm-rf")
    assert bad.returncode in (1, 2) and "rm-rf" in bad.stderr
    assert rh(stack.url, "services", "start").returncode == 2


def test_beam_runs_with_live_progress(stack: TestStack) -> None:
    out = rh(
        stack.url,
        "beam",
        "a fox in the snow",
        "--width",
        "1",
        "--depth",
        "1",
        "--candidates",
        "2",
        "--json",
    )
    assert out.returncode == 0, out.stdout + out.stderr
    job = json.loads(out.stdout)
    assert job["kind"] == "beam.search" and job["state"] == "succeeded"
    human = rh(
        stack.url, "beam", "a fox at dusk", "--width", "1", "--depth", "1", "--candidates", "1"
    )
    assert human.returncode == 0, human.stdout + human.stderr
    assert "best prompt (score" in human.stdout and "/media/beam/" in human.stdout
