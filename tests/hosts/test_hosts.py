"""Many hosts, proven: Redis, an API and two worker hosts in their own network namespaces.

The scenarios share one topology (see topology.py) and run in file order; each checks what a
user on the API's address is promised, and what landed on which host's disk and Ollama.
"""

from __future__ import annotations

import re
import time

import httpx
from playwright.sync_api import Page, expect

from tests.hosts.conftest import (
    FILE,
    GONE_FILE,
    GONE_REPO,
    QUANT,
    REPO_ID,
    SLOW_FILE,
    SLOW_REPO,
    SLOW_SIZE,
    SOLO_FILE,
    SOLO_REPO,
    file_on,
)
from tests.hosts.topology import LMSTUDIO_URL, REPO, TOKEN, Topology
from tests.wsclient import Live, final

MODELS = "/api/providers/models"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
DONE = {"succeeded", "failed", "cancelled"}


def wait_job(c: httpx.Client, job_id: str, states: set[str], timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    job: dict = {}
    while time.monotonic() < deadline:
        job = c.get(f"/api/jobs/{job_id}").json()
        if job["state"] in states:
            return job
        time.sleep(0.1)
    raise TimeoutError(f"job {job_id} still {job.get('state')}: {job}")


def ollama_names(hosts: Topology, host: str) -> set[str]:
    tags = hosts.get_json(host, "http://127.0.0.1:11434/api/tags")
    return {m["name"].lower() for m in tags["models"]}  # type: ignore[index]


def open_page(page: Page, hosts: Topology) -> None:
    """The page on the API's address, logged in with the token as a user would."""
    page.goto(hosts.api_url)
    page.locator("#login input[name=token]").fill(TOKEN)
    page.locator("#login button[type=submit]").click()
    expect(page.locator("#conn")).to_have_attribute("data-state", "live", timeout=20_000)


def test_pull_on_gpu_a_and_install_on_gpu_b_each_land_only_there(
    hosts: Topology, page: Page
) -> None:
    open_page(page, hosts)
    ws = Live(hosts.ws_url, {"subscribe": "all"}, Authorization=f"Bearer {TOKEN}")
    try:
        with hosts.client() as c:
            pull = c.post(f"{MODELS}/download", json={"model": "qwen3:0.6b", "host": "gpu-a"})
            install = c.post(
                f"{MODELS}/install",
                json={"repo_id": SOLO_REPO, "quant": QUANT, "targets": ["ollama"], "host": "gpu-b"},
            )
            assert pull.status_code == 202 and install.status_code == 202, (pull.text, install.text)
            ids = {pull.json()["id"]: "gpu-a", install.json()["id"]: "gpu-b"}
            ended: set[str] = set()

            def both_ended(frame: dict) -> bool:
                if frame.get("id") in ids and final(frame):
                    ended.add(frame["id"])
                return ended == set(ids)

            frames = ws.until(both_ended, timeout=90)
            jobs = {job_id: c.get(f"/api/jobs/{job_id}").json() for job_id in ids}
    finally:
        ws.close()
    for job_id, host in ids.items():
        assert (jobs[job_id]["state"], jobs[job_id]["host"]) == ("succeeded", host), jobs[job_id]
        card = page.locator(f"#job-{job_id}")  # the page on the API host got both, live
        expect(card).to_have_attribute("data-state", "succeeded", timeout=20_000)
        live = [f for f in frames if f.get("id") == job_id and f.get("event") == "progress"]
        assert live, f"no live progress of {job_id} reached the API's WebSocket"
    page.goto(f"{hosts.api_url}/static/services.html")  # and lists the workers by host
    line = page.locator("#services-grid .hosts")
    expect(line).to_contain_text("gpu-a: 1 worker")
    expect(line).to_contain_text("gpu-b: 1 worker")
    gguf_name = f"hf.co/{SOLO_REPO}:{QUANT}".lower()
    assert "qwen3:0.6b" in ollama_names(hosts, "gpu-a")
    assert "qwen3:0.6b" not in ollama_names(hosts, "gpu-b")
    assert gguf_name in ollama_names(hosts, "gpu-b")
    assert gguf_name not in ollama_names(hosts, "gpu-a")
    assert file_on(hosts, "gpu-b", SOLO_REPO, SOLO_FILE).is_file()
    assert not file_on(hosts, "gpu-a", SOLO_REPO, SOLO_FILE).exists()
    assert not file_on(hosts, "api", SOLO_REPO, SOLO_FILE).exists()


def test_same_download_deduplicated_per_host(hosts: Topology) -> None:
    """A second request while the first download runs joins it; the 256 KB file trickles until
    both were answered (at load 16 it once finished between the two, freeing its key)."""
    hub = "http://127.0.0.1:18080/_fake/faults"
    body = {"repo_id": REPO_ID, "file": FILE, "host": "gpu-a"}
    hosts.post_json("gpu-a", hub, {"trickle": 32_000})  # ~8 s for the file (read at its start)
    with hosts.client() as one, hosts.client() as two:
        try:
            first = one.post(f"{MODELS}/hf-download", json=body)
            again = two.post(f"{MODELS}/hf-download", json=body)
            other = one.post(f"{MODELS}/hf-download", json={**body, "host": "gpu-b"})
        finally:
            hosts.post_json("gpu-a", hub, {"trickle": None})
        assert first.status_code == 202, first.text
        assert again.json()["id"] == first.json()["id"]
        assert other.status_code == 202 and other.json()["id"] != first.json()["id"]
        a = wait_job(one, first.json()["id"], {"succeeded", "failed"})
        b = wait_job(one, other.json()["id"], {"succeeded", "failed"})
    assert (a["state"], a["host"]) == ("succeeded", "gpu-a"), a
    assert (b["state"], b["host"]) == ("succeeded", "gpu-b"), b
    assert file_on(hosts, "gpu-a").is_file() and file_on(hosts, "gpu-b").is_file()
    assert not file_on(hosts, "api").exists()


def service_row(c: httpx.Client, host: str, name: str) -> tuple[dict, dict]:
    body = c.get("/api/providers/services/status", params={"host": host}).json()
    return body, next(r for r in body["services"] if r["service"] == name)


def test_a_service_on_gpu_b_shows_gpu_bs_own_url_and_health(hosts: Topology) -> None:
    name = "lmstudio"
    with hosts.client() as c:
        body, row = service_row(c, "gpu-b", name)
        assert body["seen_by"] == "gpu-b" and body["online"] is True
        assert row["url"] == LMSTUDIO_URL and row["configured"] and row["state"] == "stopped"
        r = c.post("/api/providers/services/start", json={"service": name, "host": "gpu-b"})
        assert r.status_code == 202, r.text
        job = wait_job(c, r.json()["id"], {"succeeded", "failed"})
        assert (job["state"], job["host"]) == ("succeeded", "gpu-b"), job
        body, row = service_row(c, "gpu-b", name)
        assert row["state"] == "running" and row["managed"], row
        assert row["url"] == LMSTUDIO_URL and row["health"]["ok"] is True, row
        assert any("--port 1234" in _cmdline(p) for p in hosts.net.pids("gpu-b"))
        other = service_row(c, "gpu-a", name)[1]  # gpu-a's own 127.0.0.1:1234: nothing there
        assert other["state"] == "stopped" and other["health"]["ok"] is False, other
        r = c.post("/api/providers/services/stop", json={"service": name, "host": "gpu-b"})
        assert wait_job(c, r.json()["id"], {"succeeded", "failed"})["state"] == "succeeded"
        body, row = service_row(c, "gpu-b", name)
        assert row["state"] == "stopped" and row["health"]["ok"] is False, row
    assert not any("--port 1234" in _cmdline(p) for p in hosts.net.pids("api"))


def _cmdline(pid: int) -> str:
    try:
        return open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def start_beam(c: httpx.Client, prompt: str, **params: int) -> str:
    body = {"prompt": prompt, "beam_width": 1, "candidates": 2, "depth": 2, **params}
    r = c.post("/api/beam-search", json={**body, "width": 256, "height": 256})
    assert r.status_code == 202, r.text
    return r.json()["id"]


def test_a_switch_while_beams_run_on_both_hosts(hosts: Topology) -> None:
    with hosts.client() as c:
        before = [start_beam(c, f"an old steam engine {i}") for i in range(4)]
        r = c.post(
            "/api/providers/switch",
            json={"llm": {"provider": "openai-compatible", "model": "gpt-4o"}, "by": "test"},
        )
        assert r.status_code == 200, r.text
        version = r.json()["version"]
        after = [start_beam(c, f"a lighthouse in fog {i}") for i in range(4)]
        jobs = {job_id: wait_job(c, job_id, DONE, timeout=120) for job_id in before + after}
        for job_id in after:
            job = jobs[job_id]
            assert job["state"] == "succeeded", job
            assert job["providers_version"] >= version, job
            assert job["result"]["providers"]["llm"] == "openai-compatible/gpt-4o", job
        assert {j["host"] for j in jobs.values()} == {"gpu-a", "gpu-b"}, jobs
        for job in jobs.values():
            urls = {n["image_url"] for n in job["result"]["tree"] if n.get("image_url")}
            assert urls, job
            for url in urls:  # made on gpu-a or gpu-b, served by the API on its own host
                img = c.get(url)
                assert img.status_code == 200 and img.content.startswith(b"\x89PNG"), url
    assert not (hosts.data_dir("api") / "media").exists()


def test_import_and_delete_of_a_file_on_gpu_b_run_on_gpu_b(hosts: Topology) -> None:
    with hosts.client() as c:
        body = {"repo_id": GONE_REPO, "file": GONE_FILE, "host": "gpu-b"}
        fetched = wait_job(c, c.post(f"{MODELS}/hf-download", json=body).json()["id"], DONE)
        assert fetched["state"] == "succeeded", fetched
        file_id = fetched["result"]["file_id"]
        path = file_on(hosts, "gpu-b", GONE_REPO, GONE_FILE)
        assert path.is_file()
        r = c.post(f"{MODELS}/import", json={"file_id": file_id, "targets": ["ollama"]})
        assert r.status_code == 202, r.text
        imported = wait_job(c, r.json()["id"], DONE)
        assert (imported["state"], imported["host"]) == ("succeeded", "gpu-b"), imported
        name = f"hf.co/{GONE_REPO}:{QUANT}".lower()
        assert name in ollama_names(hosts, "gpu-b") and name not in ollama_names(hosts, "gpu-a")
        r = c.delete(f"{MODELS}/files/{file_id}")
        assert r.status_code == 202, r.text
        deleted = wait_job(c, r.json()["id"], DONE)
        assert (deleted["kind"], deleted["state"], deleted["host"]) == (
            "model.delete",
            "succeeded",
            "gpu-b",
        ), deleted
        assert not path.exists()
        assert file_id not in {f["id"] for f in c.get(f"{MODELS}/files").json()["files"]}


def wait_for(c: httpx.Client, job_id: str, ok, timeout: float = 60) -> dict:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    job: dict = {}
    while time.monotonic() < deadline:
        job = c.get(f"/api/jobs/{job_id}").json()
        if ok(job):
            return job
        time.sleep(0.1)
    raise TimeoutError(f"job {job_id}: {job}")


def beam_running_on(c: httpx.Client, host: str, tries: int = 12) -> str:
    """A slow beam search running on `host`. Any worker takes beams: one another host took
    (and finished there in a moment) is given up at once and the next is started."""
    for n in range(tries):
        job_id = start_beam(c, f"a ship in a storm {n}", depth=4)
        deadline = time.monotonic() + 10  # a loaded machine's worker takes seconds to start one
        while time.monotonic() < deadline:
            job = c.get(f"/api/jobs/{job_id}").json()
            if job["state"] == "running" and job["host"] == host:
                return job_id
            if job["state"] in DONE or (job["host"] and job["host"] != host):
                break
            time.sleep(0.1)
    raise AssertionError(f"no beam search ran on {host} in {tries} tries")


def bytes_on_disk(hosts: Topology) -> int:
    """How much of the slow file gpu-a has written (its `.part` file, or the file once done)."""
    done = file_on(hosts, "gpu-a", SLOW_REPO, SLOW_FILE)
    for path in (done, done.with_name(done.name + ".part")):
        try:
            return path.stat().st_size
        except FileNotFoundError:
            continue
    return 0


def served_bytes(hosts: Topology) -> int:
    """What gpu-a's CDN has sent of the slow file (asked inside gpu-a: works while cut off)."""
    stats = hosts.get_json("gpu-a", "http://127.0.0.1:18080/_fake/stats")
    return int(stats["served"].get(f"{SLOW_REPO}/{SLOW_FILE}", 0))


def candidate_events(hosts: Topology, job_id: str) -> list[str]:
    """Every candidate event of the job, replayed from its stream through the API."""
    ws = Live(hosts.ws_url, {"subscribe": [job_id], "after": {job_id: 0}}, **AUTH)
    try:
        frames = ws.until(final, timeout=30)
    finally:
        ws.close()
    return [f["candidate"] for f in frames if f.get("event") == "candidate"]


def test_link_cut_for_30s_mid_download_resumes_the_same_job(hosts: Topology) -> None:
    """30 s without gpu-a from 40 % of its download, with a beam search running there too."""
    hub, flux = "http://127.0.0.1:18080/_fake", "http://127.0.0.1:8001/_fake/faults"
    hosts.post_json("gpu-a", f"{hub}/faults", {"trickle": 100_000, "reset_stats": True})
    hosts.post_json("gpu-a", flux, {"latency": 2.5})  # gpu-a's renders take a while
    body = {"repo_id": SLOW_REPO, "file": SLOW_FILE, "host": "gpu-a"}
    try:
        with hosts.client() as c:
            r = c.post(f"{MODELS}/hf-download", json=body)
            assert r.status_code == 202, r.text
            job_id = r.json()["id"]
            wait_for(c, job_id, lambda j: (j.get("progress") or 0) >= 0.35)
            beam_id = beam_running_on(c, "gpu-a")
            at_cut = c.get(f"/api/jobs/{job_id}").json()["progress"]
            on_disk_at_cut = bytes_on_disk(hosts)
            hosts.net.cut("gpu-a")
            cut_at = time.monotonic()
            job = wait_for(c, job_id, lambda j: "unreachable" in (j.get("message") or ""), 40)
            seen_after = time.monotonic() - cut_at
            assert seen_after < 30, (seen_after, job)
            assert job["state"] == "running"
            assert job["message"].startswith("host gpu-a unreachable since "), job
            time.sleep(max(0.0, 30 - (time.monotonic() - cut_at)))
            written_in_cut = bytes_on_disk(hosts) - on_disk_at_cut
            hosts.net.restore("gpu-a")
            job = wait_job(c, job_id, DONE, timeout=120)
            beam = wait_job(c, beam_id, DONE, timeout=120)
    finally:
        hosts.net.restore("gpu-a")
        hosts.post_json("gpu-a", f"{hub}/faults", {"trickle": None})
        hosts.post_json("gpu-a", flux, {"latency": 0})
    assert 0.35 <= at_cut < 1, at_cut
    # the download went on without Redis: most of what was left was written during the cut
    assert written_in_cut >= (SLOW_SIZE - on_disk_at_cut) / 2, (written_in_cut, on_disk_at_cut)
    assert (job["state"], job["host"], job["attempts"]) == ("succeeded", "gpu-a", 1), job
    assert job["unreachable_since"] is None
    served = served_bytes(hosts)
    assert served <= SLOW_SIZE * 1.01, served  # re-fetched under 1 %
    assert file_on(hosts, "gpu-a", SLOW_REPO, SLOW_FILE).stat().st_size == SLOW_SIZE
    # the beam search finished where it ran, once: no candidate twice
    assert (beam["state"], beam["host"], beam["attempts"]) == ("succeeded", "gpu-a", 1), beam
    tree = [n["id"] for n in beam["result"]["tree"]]
    assert len(tree) == len(set(tree))
    seen = candidate_events(hosts, beam_id)
    assert seen and len(seen) == len(set(seen)) and set(seen) <= set(tree), seen


def readme_blocks() -> list[str]:
    """The shell blocks of the README's "Deploying on several machines" section."""
    text = (REPO / "README.md").read_text()
    section = text.split("### Deploying on several machines", 1)[1].split("\n### ", 1)[0]
    return [b.split("\n", 1)[1] for b in section.split("```sh")[1:]]


def test_the_readme_deploy_section_is_what_runs_here(hosts: Topology) -> None:
    """Every setting and command the README gives each host is what this topology runs."""
    redis, api, worker = (block.split("```")[0] for block in readme_blocks())
    for flag in ("--bind", "--port 6379", "--requirepass", "--protected-mode yes"):
        assert flag in redis and flag.split()[0] in hosts.argv_of("redis/redis"), flag
    for block, host in ((api, "api"), (worker, "gpu-a")):
        named = set(re.findall(r"\b([A-Z][A-Z0-9_]+)=", block))
        assert named and named <= set(hosts.env_of[host]), named - set(hosts.env_of[host])
        assert hosts.env_of[host]["ROUNDHOUSE_HOSTNAME"] == host
        assert hosts.env_of[host]["REDIS_URL"].startswith("redis://:")  # with the password
    assert "roundhouse up --host 0.0.0.0 --no-worker" in api
    assert " ".join(hosts.argv_of("api/api")[1:]) == "up --host 0.0.0.0 --no-worker"
    line = "-Q host.gpu-a,default,downloads,beam -c 2"
    assert line in worker and line in " ".join(hosts.argv_of("gpu-a/worker"))
