"""The floor for bench.relay: a gevent process that XREADs the feed and sends each entry to
every connected WebSocket, with no logic (no topics, catch-up, coalescing or batching).

    gunicorn -k gevent -w 1 bench._forwarder:app   (REDIS_URL and ROUNDHOUSE_KEY_PREFIX)
"""

from __future__ import annotations

import os
import threading
from typing import Any

import redis
from flask import Flask
from flask_sock import Sock
from simple_websocket import ConnectionClosed

app = Flask(__name__)
sock = Sock(app)
clients: set[Any] = set()
_started = threading.Lock()
_reader: list[threading.Thread] = []


def forward() -> None:
    """XREAD BLOCK, then every entry to every socket, in order."""
    r = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
    feed = os.environ.get("ROUNDHOUSE_KEY_PREFIX", "rh:") + "events"
    last = "$"
    while True:
        reply = r.xread({feed: last}, count=1000, block=1000)
        for _, entries in reply or []:
            for fid, fields in entries:
                last = fid
                for ws in list(clients):
                    try:
                        ws.send(fields["e"])
                    except ConnectionClosed:
                        clients.discard(ws)


@sock.route("/ws")
def websocket(ws: Any) -> None:
    with _started:
        if not _reader:
            _reader.append(threading.Thread(target=forward, daemon=True))
            _reader[0].start()
    ws.receive(timeout=10)  # the subscribe message (ignored: everyone gets everything)
    clients.add(ws)
    try:
        while ws.connected:
            ws.receive(timeout=1)
    except ConnectionClosed:
        pass
    finally:
        clients.discard(ws)
