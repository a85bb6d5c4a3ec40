"""Who may import whom (DESIGN.md): api -> tasks -> providers -> core, checked on every file."""

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
    "api": ("roundhouse.cli",),
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


def test_the_checker_catches_a_violation(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("import redis\nfrom flask import Flask\n")
    assert imports(sample) == ["redis", "flask"]
