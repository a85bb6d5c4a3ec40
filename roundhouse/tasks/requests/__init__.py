"""What the API needs to make a job, one module per area and no handler code: each kind's
declaration (queue, promises), the checks on its request and its dedup key.

Importing this package declares every kind. The handlers (tasks/jobs/) register against these
declarations and are loaded by workers only (tasks/app.create_celery); the API imports from
here and never from tasks/jobs/.
"""

from __future__ import annotations

import importlib
import pkgutil

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    importlib.import_module(f"{__name__}.{_info.name}")
