"""Job kinds, one module per area; importing this package registers them all."""

from roundhouse.tasks.jobs import demo  # noqa: F401
