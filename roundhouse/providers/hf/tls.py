"""One TLS context per process for the Hub and its CDN.

Building a context loads the whole CA bundle: ~40 ms of CPU on the 2-core box, which every
download job paid for its httpx client and every raw CDN connection (one per segment) paid
again. A context is safe to share between threads and connections.
"""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def context() -> ssl.SSLContext:
    """What httpx builds for verify=True (certifi, or SSL_CERT_FILE / SSL_CERT_DIR), once."""
    return httpx.create_ssl_context()
