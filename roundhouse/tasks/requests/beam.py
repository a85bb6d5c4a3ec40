"""`beam.search` requests: the prompt and parameters are checked by providers/beam before the
job exists (routes/beam.py); one search per request, so no dedup key."""

from __future__ import annotations

from roundhouse.tasks.kinds import BEAM, declare

SEARCH = declare("beam.search", queue=BEAM)
