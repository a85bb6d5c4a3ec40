"""The Celery app comes from a factory: importing its module builds nothing and loads no handler;
`create_celery(settings)` builds an app from the settings it is given, a task per kind."""

from __future__ import annotations

import json
import subprocess
import sys

from roundhouse.core.settings import Settings
from roundhouse.tasks import kinds
from roundhouse.tasks.app import broker_app, create_celery

PROBE = """
import json, sys
import roundhouse.tasks.app as module
print(json.dumps({
    "built": module.worker_app.cache_info().currsize,
    "handlers": sorted(m for m in sys.modules if m.startswith("roundhouse.tasks.jobs.")),
}))
"""


def test_importing_the_app_module_builds_nothing() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"built": 0, "handlers": []}


def test_the_factory_builds_the_app_from_the_settings_it_is_given() -> None:
    settings = Settings(redis_url="redis://127.0.0.1:1/5", worker_concurrency=3, hostname="gpu-a")
    app = create_celery(settings)
    assert app.conf.broker_url == "redis://127.0.0.1:1/5" and app.conf.worker_concurrency == 3
    assert "host.gpu-a" in {q.name for q in app.conf.task_queues}
    ours = {name for name in app.tasks if name.startswith("roundhouse.")}
    assert ours == {kinds.task_name(k) for k in kinds.all_kinds()}
    assert kinds.task_name("ollama.pull") in ours
    other = create_celery(Settings(redis_url="redis://127.0.0.1:2/0"))
    assert other is not app and other.conf.broker_url == "redis://127.0.0.1:2/0"


def test_the_apis_sending_app_has_the_configuration_and_no_task() -> None:
    app = broker_app(Settings(redis_url="redis://127.0.0.1:1/5"))
    assert app.conf.task_acks_late and app.conf.task_ignore_result
    assert not [name for name in app.tasks if name.startswith("roundhouse.")]
