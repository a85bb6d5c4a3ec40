"""`service.start` / `service.stop` requests: the specs a service is looked up in, one job per
service and host at a time (dedup keys), and the refusal to touch what Roundhouse did not start.
"""

from __future__ import annotations

from roundhouse.core.errors import Conflict
from roundhouse.core.settings import Settings
from roundhouse.providers.services import ports
from roundhouse.providers.services.specs import SPEC_FIELDS, ServiceSpec, build_specs
from roundhouse.tasks.kinds import HOST, declare

START = declare("service.start", queue=HOST)
STOP = declare("service.stop", queue=HOST)


def service_specs(settings: Settings) -> dict[str, ServiceSpec]:
    """The services this deployment knows, from settings only."""
    return build_specs(**{k: getattr(settings, k) for k in SPEC_FIELDS})


def start_dedup(host: str, name: str) -> str:
    """Two starts of one service on one host at once are one job."""
    return f"service:{host}:{name}"


def stop_dedup(host: str, name: str) -> str:
    return f"service-stop:{host}:{name}"


def refuse_if_foreign(spec: ServiceSpec) -> None:
    """Something we did not start answers on the port: say so rather than touch it."""
    if spec.local and spec.port and ports.listening(spec.host, spec.port):
        who = ports.holder(spec.port)
        raise Conflict(
            f"{spec.title} on port {spec.port} was not started by Roundhouse"
            + (f" ({who})" if who else "")
            + "; Roundhouse only stops what it started",
            hint="Stop it where it was started",
            service=spec.name,
            port=spec.port,
        )
