"""One topology of four namespaced hosts per test module, always torn down, checked gone."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.gguf_bytes import gguf_bytes
from tests.hosts.netns import ip, probe
from tests.hosts.topology import Topology

REPO_ID = "hosts/Tiny-GGUF"
QUANT = "Q4_K_M"
FILE = f"Tiny-{QUANT}.gguf"
SOLO_REPO = "hosts/Solo-GGUF"
SOLO_FILE = f"Solo-{QUANT}.gguf"
GONE_REPO = "hosts/Gone-GGUF"
GONE_FILE = f"Gone-{QUANT}.gguf"
SLOW_REPO = "hosts/Slow-GGUF"
SLOW_FILE = f"Slow-{QUANT}.gguf"
SLOW_SIZE = 2 * 1024 * 1024


@pytest.fixture(scope="module")
def hosts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    reason = probe()
    if reason is not None:
        if "not installed" in reason and os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(f"network namespaces are not permitted on this machine: {reason}")
    root = tmp_path_factory.mktemp("hosts")
    hub_root = root / "hub"
    (hub_root / REPO_ID).mkdir(parents=True)
    (hub_root / REPO_ID / FILE).write_bytes(gguf_bytes(256 * 1024))
    (hub_root / SOLO_REPO).mkdir(parents=True)
    (hub_root / SOLO_REPO / SOLO_FILE).write_bytes(gguf_bytes(256 * 1024, name="Solo"))
    (hub_root / GONE_REPO).mkdir(parents=True)
    (hub_root / GONE_REPO / GONE_FILE).write_bytes(gguf_bytes(256 * 1024, name="Gone"))
    (hub_root / SLOW_REPO).mkdir(parents=True)
    (hub_root / SLOW_REPO / SLOW_FILE).write_bytes(gguf_bytes(SLOW_SIZE, name="Slow"))
    topo = Topology(root / "run", hub_root)
    try:
        topo.start()
        yield topo
    finally:
        topo.stop()
        left = topo.net.leftovers()
        assert not left, f"left behind: {left}\n{ip('netns', 'list').stdout}"
        assert not any(proc.poll() is None for _, proc in topo.procs), "a process survived"


def file_on(topo: Topology, host: str, repo: str = REPO_ID, name: str = FILE) -> Path:
    return topo.models_dir(host) / "hf" / repo / name
