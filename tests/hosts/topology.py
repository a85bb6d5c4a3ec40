"""Four hosts in network namespaces, each running what the README tells that machine to run.

`redis`: redis-server bound to its own address with a password. `api`: `roundhouse up --host
0.0.0.0 --no-worker` with a token and ROUNDHOUSE_HOSTNAME=api. `gpu-a`, `gpu-b`: the README's
worker line (its host queue plus the shared ones) and, on their own loopback, an Ollama, Flux,
vision, Hub and OpenAI double with their own data and models folders. The test process reaches
the API's address only; `stop()` ends every process and removes every namespace and link.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from roundhouse.cli.stack import redis_server_binary
from tests.hosts.netns import Net
from tests.hosts.world import urls

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "rh-test-redis-password"
TOKEN = "rh-test-api-token"
WORKERS = ("gpu-a", "gpu-b")
LMSTUDIO_URL = "http://127.0.0.1:1234"


@dataclass
class Topology:
    root: Path
    hub_root: Path
    net: Net = field(default_factory=Net)
    procs: list[tuple[str, subprocess.Popen]] = field(default_factory=list)
    env_of: dict[str, dict[str, str]] = field(default_factory=dict)

    # -- addresses ---------------------------------------------------------------------------
    @property
    def api_url(self) -> str:
        return f"http://{self.net.hosts['api']}:8000"

    @property
    def ws_url(self) -> str:
        return self.api_url.replace("http://", "ws://") + "/ws"

    @property
    def redis_url(self) -> str:
        return f"redis://:{PASSWORD}@{self.net.hosts['redis']}:6379/0"

    def data_dir(self, host: str) -> Path:
        return self.root / host

    def models_dir(self, host: str) -> Path:
        return self.data_dir(host) / "models"

    def client(self, timeout: float = 15.0) -> httpx.Client:
        return httpx.Client(
            base_url=self.api_url, timeout=timeout, headers={"Authorization": f"Bearer {TOKEN}"}
        )

    # -- starting ----------------------------------------------------------------------------
    def start(self) -> None:
        self.net.create_bridge()
        for host in ("redis", "api", *WORKERS):
            self.net.add_host(host)
            self.data_dir(host).mkdir(parents=True, exist_ok=True)
            (self.data_dir(host) / "logs").mkdir(exist_ok=True)
        self._start_redis()
        for host in ("api", *WORKERS):
            self.env_of[host] = self.host_env(host)
            world = [sys.executable, "-m", "tests.hosts.world", "--hub-root", str(self.hub_root)]
            self.spawn(host, "world", world + (["--worker-host"] if host in WORKERS else []))
        for host in WORKERS:
            self.start_worker(host)
        self.spawn(
            "api",
            "api",
            [
                str(Path(sys.executable).parent / "roundhouse"),
                "up",
                "--host",
                "0.0.0.0",
                "--no-worker",
            ],
        )
        self.wait_ready()

    def host_env(self, host: str) -> dict[str, str]:
        """What the README's multi-machine section tells this host to set."""
        fake = urls()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("ROUNDHOUSE_", "REDIS"))},
            "PYTHONUNBUFFERED": "1",
            "REDIS_URL": self.redis_url,
            "ROUNDHOUSE_HOSTNAME": host,
            "ROUNDHOUSE_DATA_DIR": str(self.data_dir(host)),
            "ROUNDHOUSE_ENV_FILE": str(self.data_dir(host) / ".env"),
            "HF_ENDPOINT": fake["hub"],
            "HF_HUB_DISABLE_XET": "1",
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "OPENAI_BASE_URL": fake["openai"] + "/v1",
            "OPENAI_API_KEY": "sk-test",
            "LLM_PROVIDER": "openai",
            "IMAGE_PROVIDER": "flux",
            "VISION_PROVIDER": "local",
            "ROUNDHOUSE_COMPAT_BASE_URL": fake["openai"] + "/v1",
            "ROUNDHOUSE_COMPAT_MODEL": "gpt-4o",
        }
        if host == "api":
            env["ROUNDHOUSE_API_TOKEN"] = TOKEN
        else:
            env |= {
                "OLLAMA_BASE_URL": fake["ollama"],
                "FLUX_API_URL": fake["flux"],
                "LOCAL_VISION_API_URL": fake["vision"],
                "LMSTUDIO_MODELS_DIR": str(self.data_dir(host) / "lmstudio"),
                "LMSTUDIO_BASE_URL": "http://127.0.0.1:1234",
            }
        if host == "gpu-b":  # a service only gpu-b can start, on gpu-b's own loopback
            env["ROUNDHOUSE_LMSTUDIO_COMMAND"] = (
                f"{sys.executable} -m tests.fakes.service --port 1234"
            )
        return env

    def _start_redis(self) -> None:
        folder = self.data_dir("redis")
        argv = [
            redis_server_binary(),
            "--bind",
            self.net.hosts["redis"],
            "--port",
            "6379",
            "--requirepass",
            PASSWORD,
            "--protected-mode",
            "yes",
            "--dir",
            str(folder),
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        self.env_of["redis"] = dict(os.environ)
        self.spawn("redis", "redis", argv)

    def start_worker(self, host: str) -> None:
        queues = f"host.{host},default,downloads,beam"
        self.spawn(
            host,
            "worker",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "roundhouse.tasks.app",
                "worker",
                "-Q",
                queues,
                "-c",
                "2",
                "-n",
                f"worker@{host}",
                "--without-mingle",
                "--without-gossip",
                "--loglevel",
                "INFO",
            ],
        )

    def argv_of(self, name: str) -> list[str]:
        """The command a process ("host/name") runs, without the `ip netns exec` prefix."""
        proc = next(p for n, p in self.procs if n == name)
        return [str(a) for a in proc.args[4:]]  # type: ignore[index]

    def spawn(self, host: str, name: str, argv: list[str]) -> subprocess.Popen:
        log = (self.data_dir(host) / "logs" / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            ["ip", "netns", "exec", self.net.ns(host), *argv],
            env=self.env_of[host],
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.procs.append((f"{host}/{name}", proc))
        return proc

    def wait_ready(self, timeout: float = 90.0) -> None:
        """The API answers and both worker hosts have checked in."""
        deadline = time.monotonic() + timeout
        last: object = None
        while time.monotonic() < deadline:
            self._check_alive()
            try:
                last = httpx.get(f"{self.api_url}/healthz", timeout=3).json()
                online = {h["host"] for h in last.get("hosts", []) if h["workers"]}
                if set(WORKERS) <= online:
                    return
            except (httpx.HTTPError, ValueError) as exc:
                last = exc
            time.sleep(0.3)
        raise TimeoutError(f"hosts not ready after {timeout}s: {last}\n{self.logs()}")

    def _check_alive(self) -> None:
        for name, proc in self.procs:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}\n{self.logs()}")

    # -- looking inside a host ---------------------------------------------------------------
    def in_host(self, host: str, code: str, timeout: float = 60.0) -> str:
        """Run Python inside a host's namespace (to read what only that host can reach); a
        loaded machine takes seconds just to start Python and import httpx."""
        done = subprocess.run(
            ["ip", "netns", "exec", self.net.ns(host), sys.executable, "-c", code],
            env=self.env_of.get(host, dict(os.environ)),
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode:
            raise RuntimeError(f"in {host}: {done.stderr[-2000:]}")
        return done.stdout

    def get_json(self, host: str, url: str) -> object:
        code = f"import httpx,json;print(json.dumps(httpx.get({url!r},timeout=20).json()))"
        return json.loads(self.in_host(host, code))

    def post_json(self, host: str, url: str, body: object) -> object:
        code = (
            f"import httpx,json;r=httpx.post({url!r},json={body!r},timeout=20);"
            "print(json.dumps(r.json()))"
        )
        return json.loads(self.in_host(host, code))

    def logs(self, tail: int = 3000) -> str:
        out = []
        for path in sorted(self.root.glob("*/logs/*.log")):
            text = path.read_text(errors="replace")[-tail:]
            out.append(f"--- {path.relative_to(self.root)} ---\n{text}")
        return "\n".join(out)

    # -- stopping ----------------------------------------------------------------------------
    def stop(self) -> None:
        """End every process (ours, and anything left inside the namespaces), then the net."""
        for _, proc in reversed(self.procs):
            _signal(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for _, proc in self.procs:
            with suppress(subprocess.TimeoutExpired):
                proc.wait(max(0.1, deadline - time.monotonic()))
            _signal(proc.pid, signal.SIGKILL)
            with suppress(subprocess.TimeoutExpired):
                proc.wait(5)
        for host in list(self.net.hosts):
            for pid in self.net.pids(host):
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        self.net.teardown()


def _signal(pid: int, sig: int) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
