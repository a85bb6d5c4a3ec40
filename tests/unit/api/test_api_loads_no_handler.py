"""An API process knows every job kind but loads no handler: it imports tasks/requests/ (kinds,
request checks, dedup keys) and never tasks/jobs/, where the handlers are."""

from __future__ import annotations

import json
import subprocess
import sys

from roundhouse.tasks import jobs, kinds

PROBE = """
import json, sys
import fakeredis
from roundhouse.api import create_app
from roundhouse.core.settings import Settings
from roundhouse.tasks import kinds
create_app(Settings(), client=fakeredis.FakeRedis(decode_responses=True), enqueue=print)
loaded = sorted(m for m in sys.modules if m.startswith("roundhouse.tasks.jobs"))
print(json.dumps({"loaded": loaded, "declared": sorted(kinds.all_kinds())}))
"""


def test_the_api_declares_every_kind_and_loads_no_handler() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True
    )
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["loaded"] == []
    jobs.load_all()
    everything = sorted(k for k in kinds.all_kinds() if not k.startswith("test."))
    assert seen["declared"] == everything
    for name in everything:
        assert kinds.work(name).handler  # a worker has a handler for each
