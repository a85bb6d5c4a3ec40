"""Job handlers, one module per area (with the helpers only they use), registered against the
kinds declared in tasks/requests/. Only workers load them (`load_all`, called by the Celery
factory); the API never imports from here (tests/unit/api/test_api_loads_no_handler.py)."""

from __future__ import annotations

import importlib
import pkgutil


def load_all() -> None:
    """Import every module here, so every kind has its handler."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        importlib.import_module(f"{__name__}.{info.name}")
