"""`python -m roundhouse.tasks.healthcheck`: exit 0 when a worker of this machine beat lately.

For container healthchecks: cheaper than `celery inspect ping` (no broker round trip, no app
import), and it fails when the worker's watchdog thread, which beats every interval, stops.
"""

from __future__ import annotations

import socket
import sys

from roundhouse.core.keys import Keys
from roundhouse.core.redis import connect
from roundhouse.core.settings import Settings
from roundhouse.core.workers import Workers


def main() -> int:
    settings = Settings.from_env()
    workers = Workers(connect(settings.redis_url), Keys(settings.key_prefix))
    fresh_s = max(30.0, 3 * settings.watchdog_interval_s)
    mine = [n for n in workers.live(fresh_s) if n.endswith(f"@{socket.gethostname()}")]
    print(", ".join(mine) or f"no worker on {socket.gethostname()} beat in {fresh_s:.0f} s")
    return 0 if mine else 1


if __name__ == "__main__":
    sys.exit(main())
