"""Pay a server process's first-use costs when it starts, not on its first requests.

Measured under bench.load: the first download POSTs of each gunicorn process built the Ollama
HTTP client (~30 ms: its TLS context), opened Redis connections (redis-py reads its version
from disk for each, ~5 ms), and loaded Celery's result backend and broker channel. Under
gevent every such stall held up every request of the process: the first 0.3 s of 200 POSTs/s
answered at p50 100-150 ms, which alone set the run's p99. Last, the objects built so far
are moved out of the collector's reach (gc.freeze), so its full passes stay short.
"""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

from roundhouse.api.deps import AppContext

if TYPE_CHECKING:
    from roundhouse.tasks.sent_events import BatchedSender

#: Redis connections opened up front (~5 ms each): under bench.load a stall piled up requests
#: past 16 in flight, and each new connection then stalled the process again.
CONNECTIONS = 32


def warm(ctx: AppContext, broker: BatchedSender | None) -> None:
    """Build the shared clients and open connections; `broker`: what ctx.enqueue sends by."""
    ctx.shared.ollama_client(ctx.settings.health_timeout_s)
    ctx.stores.open_connections(CONNECTIONS)
    if broker is not None:
        broker.warm()
    gc.freeze()  # what start-up built lives as long as the process: out of every collection
