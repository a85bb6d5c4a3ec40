"""python -m bench.download: one large GGUF from nginx (the CDN) by curl, curl + fsync,
hf_hub_download and Roundhouse `hf.download` jobs with 1 and with N segments, each against
nginx as is and against nginx with `limit_rate 50m` per connection; then kill -9 of the worker
halfway through a segmented download and the bytes nginx had to send again.

The test Hub (tests/fakes/hub.py) answers the metadata and redirects to nginx. Figures are MB/s
(best of --rounds) and ratios against curl + fsync (the durable floor) and hf_hub_download,
all from the same run.

    .venv/bin/python -m bench.download [--size-mib 1024] [--rounds 3] [--segments 8]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_DISABLE_XET", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import httpx  # noqa: E402

from bench._nginx import Nginx  # noqa: E402
from bench._stack import own_stack  # noqa: E402
from roundhouse.cli.stack import free_port  # noqa: E402
from tests.fakes.gguf_bytes import write_gguf  # noqa: E402
from tests.fakes.hub import FakeHub  # noqa: E402

REPO, NAME, WARM = "bench/Big-GGUF", "Big-Q4_K_M.gguf", "Warm-Q4_K_M.gguf"
API = "/api/providers/models"


class NginxHub(FakeHub):
    """The test Hub for metadata; its redirects point at nginx (as is, or limited)."""

    cdn_base = ""

    def cdn_location(self, repo: str, commit: str, filename: str) -> str:
        return f"{self.cdn_base}/{repo}/{commit}/{filename}"


def timed(fn: Callable[[], None]) -> float:
    began = time.perf_counter()
    fn()
    return time.perf_counter() - began


def curl(url: str, out: Path, fsync: bool) -> None:
    subprocess.run(["curl", "-sSf", "-o", str(out), url], check=True)
    if fsync:
        fd = os.open(out, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)


def hf_hub(hub: FakeHub, where: Path) -> None:
    from huggingface_hub import hf_hub_download

    hf_hub_download(REPO, NAME, endpoint=hub.url, local_dir=where, token=False)


#: One connection pool for every call to the API: a new httpx client per call costs ~40 ms of
#: CPU (its TLS context), which a poll every 20 ms turned into most of a core taken from the
#: job being timed.
HTTP = httpx.Client(timeout=30)
FINAL = ("succeeded", "failed", "cancelled")


def job(url: str, name: str = NAME) -> str:
    r = HTTP.post(f"{url}{API}/hf-download", json={"repo_id": REPO, "file": name})
    r.raise_for_status()
    return r.json()["id"]


def wait(url: str, job_id: str, timeout: float = 900) -> dict:
    """The job once final, watched on its event stream as the page and CLI do (the stream
    ends after the final event), so watching costs the box next to nothing."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with HTTP.stream("GET", f"{url}/api/jobs/{job_id}/events") as events:
            for _ in events.iter_lines():
                pass
        j = HTTP.get(f"{url}/api/jobs/{job_id}").json()
        if j["state"] in FINAL:
            return j
    raise TimeoutError(job_id)


def roundhouse(url: str, name: str = NAME) -> None:
    j = wait(url, job(url, name))
    assert j["state"] == "succeeded", j
    HTTP.delete(f"{url}{API}/files/{j['result']['file_id']}")


class Bench:
    def __init__(self, args: argparse.Namespace, tmp: Path) -> None:
        self.args, self.tmp, self.size = args, tmp, args.size_mib << 20
        root = tmp / "cdn"
        self.hub = NginxHub().start()
        write_gguf(tmp / "warm.gguf", 1 << 20)
        self.hub.add_file(REPO, WARM, tmp / "warm.gguf")
        f = self.hub.add_file(REPO, NAME, self._source(tmp / "src.gguf"))
        commit = self.hub.repos[REPO].commit
        (root / REPO / commit).mkdir(parents=True)
        os.link(f.path, root / REPO / commit / NAME)  # type: ignore[arg-type]
        os.link(tmp / "warm.gguf", root / REPO / commit / WARM)
        self.stack = own_stack(tmp / "stack", **self._env())
        self.nginx = Nginx(self.stack, tmp / "nginx", root)
        self.api = self.stack.start_api(free_port())
        self.segments = 0  # no worker yet

    def _source(self, path: Path) -> Path:
        write_gguf(path, self.size)
        return path

    def _env(self) -> dict[str, str]:
        return {
            "HF_ENDPOINT": self.hub.url,
            "HF_HUB_DISABLE_XET": "1",
            "ROUNDHOUSE_DISK_MARGIN_BYTES": "0",
            "ROUNDHOUSE_DOWNLOAD_SEGMENTS_ABOVE": str(min(256 << 20, self.size // 2)),
        }

    def worker(self, segments: int) -> None:
        """(Re)start the worker with ROUNDHOUSE_DOWNLOAD_SEGMENTS=segments."""
        self.stack.stop("worker")
        self.stack.env["ROUNDHOUSE_DOWNLOAD_SEGMENTS"] = str(segments)
        self.stack.start_worker(concurrency=2)
        self.stack.wait_worker(self.api)
        roundhouse(self.api, WARM)  # imports and connections warm, as on a running worker
        self.segments = segments

    def clients(self, limited: bool) -> dict[str, Callable[[], None]]:
        url = f"{self.nginx.url(limited)}/{REPO}/{self.hub.repos[REPO].commit}/{NAME}"
        out = self.tmp / "out.gguf"
        return {
            "curl to a file": lambda: curl(url, out, fsync=False),
            "curl, then fsync": lambda: curl(url, out, fsync=True),
            "hf_hub_download": lambda: hf_hub(self.hub, self.tmp / "hf"),
            "Roundhouse, 1 segment": lambda: roundhouse(self.api),
            f"Roundhouse, {self.args.segments} segments": lambda: roundhouse(self.api),
        }

    def measure(self, limited: bool) -> dict[str, float]:
        """Best seconds per client over the rounds (a client's rounds back to back)."""
        self.hub.cdn_base = self.nginx.url(limited)
        best: dict[str, float] = {}
        for name, fn in self.clients(limited).items():
            for _ in range(self.args.rounds):
                want = self.args.segments if "segments" in name else 1
                if name.startswith("Roundhouse") and self.segments != want:
                    self.worker(want)
                took = timed(fn)
                best[name] = min(best.get(name, took), took)
                shutil.rmtree(self.tmp / "hf", ignore_errors=True)
                (self.tmp / "out.gguf").unlink(missing_ok=True)
        return best

    def killed_halfway(self) -> tuple[float, int]:
        """kill -9 the worker at ~50 % of a limited segmented download; (share at kill, bytes
        nginx sent beyond the file's size)."""
        self.hub.cdn_base = self.nginx.url(limited=True)
        if self.segments != self.args.segments:
            self.worker(self.args.segments)
        self.nginx.reset_log()
        job_id = job(self.api)
        while (HTTP.get(f"{self.api}/api/jobs/{job_id}").json().get("done") or 0) < self.size // 2:
            time.sleep(0.01)
        proc = self.stack.procs.pop("worker")
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
        at = (HTTP.get(f"{self.api}/api/jobs/{job_id}").json().get("done") or 0) / self.size
        self.stack.start_worker(concurrency=2)
        j = wait(self.api, job_id)
        assert j["state"] == "succeeded", j
        HTTP.delete(f"{self.api}{API}/files/{j['result']['file_id']}")
        time.sleep(0.5)  # nginx logs a request when it ends
        return at, self.nginx.bytes_sent() - self.size

    def close(self) -> None:
        self.stack.stop()
        self.hub.stop()


def rows(size: int, fast: dict[str, float], slow: dict[str, float]) -> list[tuple[str, ...]]:
    mbs = {k: size / 1e6 / v for k, v in fast.items()}
    lim = {k: size / 1e6 / v for k, v in slow.items()}
    floor, hf = mbs["curl, then fsync"], lim["hf_hub_download"]
    out = [("client", "MB/s", "vs curl+fsync", "MB/s, 50m/conn", "vs hf_hub_download")]
    for name in fast:
        out.append(
            (
                name,
                f"{mbs[name]:.0f}",
                f"{mbs[name] / floor:.2f}",
                f"{lim[name]:.0f}",
                f"{lim[name] / hf:.2f}",
            )
        )
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size-mib", type=int, default=1024)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--segments", type=int, default=8)
    args = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-download-"))
    bench: Bench | None = None
    try:
        bench = Bench(args, tmp)
        load = os.getloadavg()
        fast, slow = bench.measure(limited=False), bench.measure(limited=True)
        at, again = bench.killed_halfway()
        load_after = os.getloadavg()
    finally:
        if bench:
            bench.close()
        shutil.rmtree(tmp, ignore_errors=True)
    print(
        f"bench.download: {args.size_mib} MiB GGUF from nginx (sendfile), best of "
        f"{args.rounds}; load average {load[0]:.2f} before, {load_after[0]:.2f} after "
        f"({os.cpu_count()} cores)\n"
    )
    print(table5(rows(args.size_mib << 20, fast, slow)))
    print(
        f"\nkill -9 of the worker at {at:.0%} of a {args.segments}-segment download (50m/conn): "
        f"nginx sent {again} bytes again = {again / (args.size_mib << 20):.3%} of the file "
        "(goal < 1 %)"
    )


def table5(data: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in data) for i in range(len(data[0]))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in data
    ]
    lines.insert(1, "| " + " | ".join("-" * w for w in widths) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
