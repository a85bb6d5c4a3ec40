"""The Grafana dashboard only queries metrics GET /metrics really exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from roundhouse.api import create_app
from roundhouse.core.metrics import Metrics
from roundhouse.core.settings import Settings

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "roundhouse.json"


def test_every_queried_metric_is_exported(fake_redis) -> None:  # type: ignore[no-untyped-def]
    app = create_app(Settings(), client=fake_redis, enqueue=lambda job: None)
    metrics = Metrics(fake_redis, app.extensions["roundhouse"].stores.keys)
    metrics.job_started("demo.count")
    metrics.job_finished("demo.count", "succeeded", 1.5)
    metrics.bytes_downloaded("ollama.pull", 10)
    metrics.publish_process("host:1", {"clients": 2, "lag": {"buckets": {"5.0": 1}, "sum": 3.0}})
    text = app.test_client().get("/metrics").get_data(as_text=True)
    families = {f.name for f in text_string_to_metric_families(text)}
    queried = set()
    for panel in json.loads(DASHBOARD.read_text())["panels"]:
        for target in panel["targets"]:
            names = re.findall(r"roundhouse_[a-z_]+", target["expr"])
            queried |= {re.sub(r"_(bucket|count|sum|total)$", "", n) for n in names}
    assert queried and queried <= families, queried - families
