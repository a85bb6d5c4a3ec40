"""Who may import whom (docs/architecture.md): api -> tasks -> providers -> core, checked on
every file; only core touches the Redis client, and the API loads no job handler."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "roundhouse"

#: room -> import prefixes it must never use
FORBIDDEN = {
    "core": (
        "flask",
        "flask_sock",
        "celery",
        "kombu",
        "gevent",
        "httpx",
        "roundhouse.api",
        "roundhouse.tasks",
        "roundhouse.providers",
        "roundhouse.cli",
    ),
    "providers": (
        "redis",
        "flask",
        "flask_sock",
        "celery",
        "kombu",
        "roundhouse.api",
        "roundhouse.tasks",
        "roundhouse.cli",
        "roundhouse.core.jobs",
        "roundhouse.core.feed",
        "roundhouse.core.redis",
        "roundhouse.core.keys",
        "roundhouse.core.settings",
    ),
    "tasks": ("flask", "flask_sock", "roundhouse.api", "roundhouse.cli"),
    # the API declares kinds (tasks/requests/) but loads no handler: nothing of tasks/jobs/
    "api": ("roundhouse.cli", "roundhouse.tasks.jobs"),
    "cli": (
        "redis",
        "celery",
        "roundhouse.api",
        "roundhouse.tasks",
        "roundhouse.core.jobs",
        "roundhouse.core.feed",
        "roundhouse.core.redis",
    ),
}


def imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


def violations(room: str) -> list[str]:
    banned = FORBIDDEN[room]
    bad = []
    for path in sorted((ROOT / room).rglob("*.py")):
        for name in imports(path):
            if any(name == b or name.startswith(b + ".") for b in banned):
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
    return bad


@pytest.mark.parametrize("room", sorted(FORBIDDEN))
def test_room_imports_only_what_it_may(room: str) -> None:
    assert violations(room) == []


#: attribute names that are the Redis client itself: only core's stores may hold one
CLIENT_ATTRIBUTES = ("r", "redis")


def client_uses(path: Path) -> list[str]:
    """`x.r` / `x.redis` attribute uses in one file (not `import redis` or `redis.Redis`)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    return [
        f"{name}:{node.lineno} uses .{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in CLIENT_ATTRIBUTES
    ]


def test_only_core_touches_the_redis_client() -> None:
    """Outside core, Redis is reached through the stores (core/stores.py), never the client."""
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        if path.relative_to(ROOT).parts[0] != "core":
            found += client_uses(path)
    assert found == []


def test_the_checker_catches_a_violation(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("import redis\nfrom flask import Flask\n")
    assert imports(sample) == ["redis", "flask"]


def test_the_client_checker_catches_r_and_redis(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("import redis\nx = store.r.get('k')\ny = svc.redis\nz = redis.Redis\n")
    assert sorted(client_uses(sample)) == ["x.py:2 uses .r", "x.py:3 uses .redis"]
