"""Write settings into `.env` safely: a file lock, every other line kept, an atomic replace.

Several API processes may persist switches at once; each holds an exclusive `fcntl` lock on
a sidecar `<file>.lock` (the `.env` itself is replaced, so its inode cannot carry the lock),
rewrites only the lines of the keys it sets, and moves a fully written temp file into place
with `os.replace`, so a reader sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SAFE = re.compile(r"[A-Za-z0-9_./:@+-]*")
POLL_S = 0.01
_GUARD = threading.Lock()
_LOCKS: dict[str, threading.Lock] = {}


def _line_key(line: str) -> str | None:
    """The key a `KEY=value` (or `export KEY=value`) line sets; None for comments and blanks."""
    text = line.strip()
    if not text or text.startswith("#") or "=" not in text:
        return None
    name = text.split("=", 1)[0].strip()
    if name.startswith("export "):
        name = name[len("export ") :].strip()
    return name if _KEY.fullmatch(name) else None


def quote(value: str) -> str:
    """A value as dotenv reads it back unchanged: bare when plain, else double-quoted."""
    if _SAFE.fullmatch(value):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def render(text: str, values: Mapping[str, str]) -> str:
    """`text` with each key's lines set to its new value; unknown keys appended at the end."""
    for name, value in values.items():
        if not _KEY.fullmatch(name) or "\x00" in value:
            raise ValueError(f"cannot write {name!r} to an env file")
    lines = text.splitlines(keepends=True)
    seen: set[str] = set()
    out = []
    for line in lines:
        key = _line_key(line)
        if key is not None and key in values:
            prefix = "export " if line.strip().startswith("export ") else ""
            out.append(f"{prefix}{key}={quote(values[key])}\n")
            seen.add(key)
        else:
            out.append(line)
    if out and not out[-1].endswith("\n"):
        out[-1] += "\n"
    out += [f"{name}={quote(value)}\n" for name, value in values.items() if name not in seen]
    return "".join(out)


@contextlib.contextmanager
def locked(path: Path, timeout_s: float = 30.0) -> Iterator[None]:
    """Hold the env file's exclusive lock (across processes on this machine).

    Within a process a lock per path queues the callers; across processes `flock` is tried
    without blocking and retried with short sleeps, so a gevent server never blocks its whole
    loop in the syscall (a blocked loop could never let the holder finish).
    """
    with _process_lock(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _flock(fd, path, timeout_s)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


def _flock(fd: int, path: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{path} stayed locked for {timeout_s:g} s") from None
            time.sleep(POLL_S)


def _process_lock(path: Path) -> threading.Lock:
    key = str(path.absolute())
    with _GUARD:
        return _LOCKS.setdefault(key, threading.Lock())


def write_locked(path: Path, values: Mapping[str, str]) -> None:
    """Set `values` in the file; the caller already holds `locked(path)`."""
    text = path.read_text() if path.exists() else ""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o600
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(render(text, values))
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def update(path: Path, values: Mapping[str, str]) -> None:
    """Lock, rewrite and replace in one call."""
    with locked(path):
        write_locked(path, values)
