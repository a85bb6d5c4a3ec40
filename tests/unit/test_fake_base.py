"""The one fake-server base (tests/fakes/loopback.py, wire.py): the same routes over a socket
and through `.transport()`, streaming, a cut connection, and the one faults endpoint."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.fakes.flux import FakeFlux
from tests.fakes.hub import FakeHub
from tests.fakes.ollama import FakeOllama
from tests.helpers import wait_for

REPO, FILE = "org/Base-GGUF", "Base-Q4_K_M.gguf"
DATA = bytes(range(256)) * 1024  # 256 KiB


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    with FakeHub() as hub:
        hub.add_file(REPO, FILE, DATA)
        yield hub


def over_socket(_: object) -> httpx.Client:
    return httpx.Client(timeout=10)


def over_transport(fake: FakeHub | FakeOllama | FakeFlux) -> httpx.Client:
    return httpx.Client(transport=fake.transport(), timeout=10)


WAYS = [pytest.param(over_socket, id="socket"), pytest.param(over_transport, id="transport")]


@pytest.mark.parametrize("way", WAYS)
def test_the_hub_answers_alike_both_ways(hub: FakeHub, way) -> None:  # type: ignore[no-untyped-def]
    with way(hub) as client:
        found = client.get(f"{hub.url}/{REPO}/resolve/main/{FILE}")
        assert found.status_code == 302 and found.headers["x-linked-size"] == str(len(DATA))
        cdn = found.headers["location"]
        assert cdn.startswith(hub.cdn_url)
        part = client.get(cdn, headers={"Range": "bytes=1000-1999"})
        assert part.status_code == 206 and part.content == DATA[1000:2000]
        assert client.head(cdn).headers["content-length"] == str(len(DATA))
        hub.drop_after(50_000)
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(cdn)
        assert client.get(cdn).content == DATA  # the drop was for one answer only
    assert hub.range_requests(FILE)[:1] == ["bytes=1000-1999"]


@pytest.mark.parametrize("way", WAYS)
def test_one_faults_endpoint_for_every_fake(hub: FakeHub, way) -> None:  # type: ignore[no-untyped-def]
    with FakeFlux() as flux, way(flux) as client:
        assert client.post(f"{flux.url}/_fake/faults", json={"fail_next": [503]}).json()["ok"]
        assert client.post(f"{flux.url}/generate", json={"prompt": "x"}).status_code == 503
        assert client.post(f"{flux.url}/generate", json={"prompt": "x"}).status_code == 200
        assert client.get(f"{flux.url}/_fake/stats").json()["calls"] == 2
    with way(hub) as client:
        client.post(f"{hub.url}/_fake/faults", json={"fail_next": 1, "fail_where": "hub"})
        assert client.get(f"{hub.url}/api/models").status_code == 503
        assert client.get(f"{hub.url}/api/models").status_code == 200
        assert client.get(f"{hub.url}/_fake/stats").json()["requests"] >= 3


@pytest.mark.parametrize("way", WAYS)
def test_a_stream_the_client_leaves_is_closed_on_the_fake(way) -> None:  # type: ignore[no-untyped-def]
    with FakeOllama(registry={"slow": [10_000_000]}, tick=0.01, bytes_per_tick=10_000) as fake:
        pull = {"model": "slow"}
        with way(fake) as client, client.stream("POST", f"{fake.url}/api/pull", json=pull) as r:
            assert r.headers["content-type"] == "application/x-ndjson"
            lines = r.iter_lines()
            assert next(lines) == '{"status":"pulling manifest"}'
            assert '"completed"' in next(lines) + next(lines)
        wait_for(lambda: fake.snapshot()["pulls_cancelled"] == 1, what="the fake saw us leave")
        assert fake.snapshot()["installed"] == []
