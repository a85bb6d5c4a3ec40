"""One TLS context per process for every outgoing HTTPS-capable client.

Building a context loads the whole CA bundle: ~25-40 ms of CPU on the 2-core box. Every
download job paid it for its httpx client and every raw CDN connection (one per segment) paid
it again; so did every `httpx.get` (a client per call): each worker's health checks of ~6
services every 5 s came to ~300 ms of CPU in a burst, which bench.load saw as a p99 spike in
the API every 5 s. A context is safe to share between threads and connections; pass it as
`verify=context()`.
"""

from __future__ import annotations

import functools
import ssl
import threading

import httpx

_building = threading.Lock()


@functools.cache
def _built() -> ssl.SSLContext:
    return httpx.create_ssl_context()


def context() -> ssl.SSLContext:
    """What httpx builds for verify=True (certifi, or SSL_CERT_FILE / SSL_CERT_DIR), once:
    threads asking at the same moment (a round of health checks) wait for the one build."""
    with _building:
        return _built()


def reset() -> None:
    """Forget the context (tests count the builds)."""
    _built.cache_clear()
