"""`providers.snapshot`: no endpoint makes it (tests and bench/switch.py queue it directly);
declared here all the same, so every process knows every kind (the API's watchdog too)."""

from __future__ import annotations

from roundhouse.tasks.kinds import declare

SNAPSHOT = declare("providers.snapshot")
