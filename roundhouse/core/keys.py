"""Every Redis key Roundhouse uses, spelled once, under one configurable prefix."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Keys:
    """Key names for one deployment; `Keys("rh:")` matches the table in docs/architecture.md."""

    prefix: str = "rh:"

    # jobs and events
    def job(self, job_id: str) -> str:
        return f"{self.prefix}job:{job_id}"

    def job_events(self, job_id: str) -> str:
        return f"{self.prefix}job:{job_id}:events"

    @property
    def jobs(self) -> str:
        """Sorted set: job id -> creation time."""
        return f"{self.prefix}jobs"

    @property
    def feed(self) -> str:
        """Stream: every event of every kind, for the relay."""
        return f"{self.prefix}events"

    @property
    def running(self) -> str:
        """Sorted set: running job id -> last heartbeat time (the watchdog reads it)."""
        return f"{self.prefix}running"

    def dedup(self, artifact: str) -> str:
        return f"{self.prefix}dedup:{artifact}"

    @property
    def watchdog_lock(self) -> str:
        return f"{self.prefix}lock:watchdog"

    def slots(self, pool: str) -> str:
        """Sorted set of job ids holding one of a limited pool's slots (e.g. pulls per host)."""
        return f"{self.prefix}slots:{pool}"

    def waiting(self, pool: str) -> str:
        """Sorted set of job ids waiting for a slot, by arrival time."""
        return f"{self.prefix}waiting:{pool}"

    @property
    def workers(self) -> str:
        """Hash: worker name -> last heartbeat time."""
        return f"{self.prefix}workers"

    # metrics (GET /metrics)
    @property
    def metrics(self) -> str:
        """Hash: counter name (`started|<kind>`, `finished|<kind>|<state>`, ...) -> value."""
        return f"{self.prefix}metrics"

    @property
    def metrics_processes(self) -> str:
        """Hash: API process name -> JSON of its own gauges (WebSocket clients, relay lag)."""
        return f"{self.prefix}metrics:processes"

    # access
    def session(self, session_id: str) -> str:
        """String: a page login (core/auth_store.py); deleted at logout."""
        return f"{self.prefix}session:{session_id}"

    def auth_failures(self, address: str) -> str:
        """Counter of wrong tokens from one client address in the current minute."""
        return f"{self.prefix}authfail:{address}"

    # providers
    @property
    def providers(self) -> str:
        return f"{self.prefix}providers"

    @property
    def providers_history(self) -> str:
        return f"{self.prefix}providers:history"

    @property
    def providers_lock(self) -> str:
        return f"{self.prefix}lock:providers"

    @property
    def connections(self) -> str:
        """Hash: Settings field (a service URL or key) -> value set at runtime."""
        return f"{self.prefix}connections"

    @property
    def connections_meta(self) -> str:
        """Hash: version, updated_at, updated_by of the runtime connections."""
        return f"{self.prefix}connections:meta"

    @property
    def health(self) -> str:
        return f"{self.prefix}health"

    @property
    def health_lock(self) -> str:
        return f"{self.prefix}lock:health"

    # hosts
    @property
    def hosts(self) -> str:
        """Hash: host name -> last beat of a worker serving its host queue (core/hosts.py)."""
        return f"{self.prefix}hosts"

    def host_view(self, host: str) -> str:
        """String: JSON of the host's service catalog and health as its worker sees them."""
        return f"{self.prefix}hostview:{host}"

    def services(self, host: str) -> str:
        return f"{self.prefix}services:{host}"

    @property
    def service_hosts(self) -> str:
        """Set of hosts that have recorded services."""
        return f"{self.prefix}services:hosts"

    def disk(self, host: str) -> str:
        return f"{self.prefix}disk:{host}"

    def media(self, job_id: str) -> str:
        """Hash: a beam job's candidate id -> base64 PNG, so any API process can serve it."""
        return f"{self.prefix}media:beam:{job_id}"

    # models on disk
    @property
    def downloads(self) -> str:
        """Hash: downloaded file path -> JSON (repo, commit, sha256) for update checks."""
        return f"{self.prefix}downloads"
