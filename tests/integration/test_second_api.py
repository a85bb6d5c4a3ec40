"""More than one API process on one Redis: the CLI follows, on a second process, a job made
through the first; each process has its own relay reader and frames may carry lists."""

from __future__ import annotations

import json

import pytest
from simple_websocket import Client

from roundhouse.cli.config import Target
from roundhouse.cli.follow import Follower
from tests.helpers import wait_state
from tests.integration.cli_run import demo, json_lines, rh
from tests.stacks import TestStack

pytestmark = pytest.mark.stack


def test_cli_follows_on_the_second_process_a_job_made_on_the_first(
    stack: TestStack, second_api: str
) -> None:
    job_id = demo(stack.url, steps=80, interval=0.1)
    out = rh(second_api, "jobs", "--follow", job_id, "--json")
    assert out.returncode == 0, out.stderr
    frames = json_lines(out.stdout)
    assert frames[0]["type"] == "snapshot" and frames[0]["jobs"][0]["id"] == job_id
    seqs = [f["seq"] for f in frames if f.get("type") == "job"]
    if seqs:  # a loaded box may start the CLI after the job ended: then the snapshot says so
        assert seqs == list(range(frames[0]["jobs"][0]["seq"] + 1, seqs[-1] + 1))
    last = frames[-1] if seqs else frames[0]["jobs"][0]
    assert last["state"] == "succeeded"


def test_a_replay_arrives_as_lists_and_the_follower_takes_every_event(
    stack: TestStack, second_api: str
) -> None:
    job_id = demo(stack.url, steps=25, interval=0.01)
    final = wait_state(stack, job_id, {"succeeded"})
    target = Target(url=second_api)
    follower = Follower(target, [job_id], from_start={job_id})
    seqs = [f["seq"] for f in follower.frames() if f.get("type") == "job"]
    assert seqs == list(range(1, final["seq"] + 1))  # the whole replay, as lists, in order


def test_batch_subscribers_get_a_list_others_one_event_per_message(
    stack: TestStack, second_api: str
) -> None:
    job_id = demo(stack.url, steps=10, interval=0.01)
    final = wait_state(stack, job_id, {"succeeded"})
    ws_url = second_api.replace("http://", "ws://") + "/ws"
    for batch in (True, False):
        ws = Client.connect(ws_url)
        ws.send(json.dumps({"subscribe": [job_id], "after": {job_id: 0}, "batch": batch}))
        raw = ws.receive(timeout=30)  # a loaded machine's relay may take seconds
        assert raw is not None, "no frame in 30 s"
        first = json.loads(raw)
        ws.close()
        if batch:
            assert [e["seq"] for e in first] == list(range(1, final["seq"] + 1))
        else:
            assert first["seq"] == 1
