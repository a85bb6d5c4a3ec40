"""`python -m bench._ollama --port N`: the fake Ollama with a listen backlog like real Ollama's.

Python's socketserver listens with a backlog of 5; Ollama (Go) uses the system's (4096 here).
At 200 new connections a second the small backlog overflows and the kernel drops SYNs, whose
retries (1 s, 3 s, ...) would be charged to Roundhouse.
"""

from __future__ import annotations

import socket

from tests.fakes import wire
from tests.fakes.ollama.__main__ import main

if __name__ == "__main__":
    wire.Server.request_queue_size = socket.SOMAXCONN
    main()
