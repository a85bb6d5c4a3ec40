"""The API's task-sent events reach Flower's receiver as before, many in one message."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import redis

from roundhouse.core.settings import Settings
from roundhouse.tasks.app import broker_app
from roundhouse.tasks.sent_events import BatchedSender


def _publishes(r: redis.Redis) -> int:
    return int(r.info("commandstats").get("cmdstat_publish", {}).get("calls", 0))


def test_sent_events_go_out_batched_and_arrive_one_by_one(
    module_redis: str, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, redis_url=module_redis).resolved()
    app = broker_app(settings)
    sender = BatchedSender(app, flush_s=2.0)
    r = redis.Redis.from_url(module_redis)
    got: list[dict[str, Any]] = []
    with app.connection_for_read() as conn:

        def note(event: dict[str, Any]) -> None:
            got.append(event)
            receiver.should_stop = len(got) >= 3

        receiver = app.events.Receiver(conn, handlers={"task-sent": note})
        listening = threading.Thread(target=receiver.capture, kwargs={"timeout": 30})
        listening.start()
        deadline = time.monotonic() + 20
        while r.execute_command("PUBSUB", "NUMPAT") == 0:  # the receiver has subscribed
            assert time.monotonic() < deadline, "the event receiver never subscribed"
            time.sleep(0.05)
        before = _publishes(r)
        jobs = [
            {"id": f"sent-{n}", "kind": "ollama.pull", "queue": "downloads",
             "params": {"model": f"m{n}", "ollama_url": "http://127.0.0.1:11434"}}
            for n in range(3)
        ]  # fmt: skip
        for job in jobs:
            sender(job)  # type: ignore[arg-type]  # the fields a send reads
        listening.join(30)
    assert [e["uuid"] for e in got] == ["sent-0", "sent-1", "sent-2"]
    first = got[0]
    assert first["type"] == "task-sent" and first["name"] == "roundhouse.ollama.pull"
    assert first["args"] == "ollama.pull m0 @127.0.0.1:11434" and first["queue"] == "downloads"
    assert _publishes(r) - before == 1  # three events, one message (Celery's own: three)
    assert r.llen("downloads") >= 3  # and each task itself went out at once
