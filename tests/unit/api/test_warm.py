"""A server process pays its first-use costs at start: the first requests find the Ollama
client built, Redis connections open and the broker's channel connected."""

from __future__ import annotations

from pathlib import Path

from roundhouse.api import create_app
from roundhouse.api.warm import CONNECTIONS, warm
from roundhouse.core.settings import Settings
from roundhouse.tasks.app import broker_app
from roundhouse.tasks.sent_events import BatchedSender


def test_warm_builds_clients_and_opens_connections(module_redis: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, redis_url=module_redis).resolved()
    app = create_app(settings, enqueue=lambda job: None)
    ctx = app.extensions["roundhouse"]
    broker = BatchedSender(broker_app(settings))
    assert ctx.shared.ollama_http is None
    pool = ctx.stores.jobs.r.connection_pool
    before = len(pool._connections)  # what a fresh pool has opened: nothing yet

    warm(ctx, broker)

    assert ctx.shared.ollama_http is not None
    assert ctx.shared.ollama_client(1.0) is ctx.shared.ollama_http  # built once, then shared
    opened = [c for c in pool._connections if c._sock is not None]
    assert before < CONNECTIONS <= len(opened)
    with broker.app.producer_or_acquire() as producer:  # the pooled producer the first send takes
        assert producer.connection.connected
