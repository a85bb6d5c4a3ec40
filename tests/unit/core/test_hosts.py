"""The host registry: announce, last seen, offline, and the choice of a job's host."""

from __future__ import annotations

import time

import fakeredis
import pytest

from roundhouse.core.errors import InvalidRequest
from roundhouse.core.hosts import Hosts, valid_name
from roundhouse.core.keys import Keys


@pytest.fixture
def hosts(fake_redis: fakeredis.FakeRedis) -> Hosts:
    return Hosts(fake_redis, Keys("rh:"), offline_after_s=30)


@pytest.mark.parametrize("name", ["gpu-box", "a", "node_1.lan", "x" * 253, "10.0.0.7"])
def test_ascii_host_names_are_valid(name: str) -> None:
    assert valid_name(name)


@pytest.mark.parametrize(
    "name", ["höst", "١٢٣", "", "-x", "../x", "a b", "a\n", "x" * 254, 3, None, "évil.example"]
)
def test_other_names_are_not(name: object) -> None:
    assert not valid_name(name)


def test_beat_makes_a_host_known_and_online(hosts: Hosts) -> None:
    assert hosts.known() == [] and hosts.online() == []
    hosts.beat("b")
    hosts.announce("a")
    assert hosts.known() == ["a", "b"] and hosts.online() == ["a", "b"]
    assert hosts.offline_since("a") is None and hosts.offline_since("nowhere") is None
    assert [d["online"] for d in hosts.describe()] == [True, True]


def test_a_silent_host_is_offline_then_forgotten(hosts: Hosts) -> None:
    old = time.time() - 60
    hosts.beat("quiet", at=old)
    hosts.beat("ancient", at=time.time() - 8 * 24 * 3600)
    assert hosts.known() == ["quiet"] and hosts.online() == []
    assert hosts.offline_since("quiet") == pytest.approx(old)
    with pytest.raises(InvalidRequest, match="host 'quiet' is offline") as err:
        hosts.choose("quiet", own="quiet")
    assert err.value.details["offline_since"] == pytest.approx(old)
    hosts.beat("quiet")
    assert hosts.choose("quiet", own="x") == "quiet"


@pytest.mark.parametrize("raw", ["nosuchhost", "evil.example", "höst", "١٢٣", 7, ["a"]])
def test_unknown_or_malformed_hosts_are_refused(hosts: Hosts, raw: object) -> None:
    hosts.beat("a")
    with pytest.raises(InvalidRequest, match="unknown host") as err:
        hosts.choose(raw, own="a")
    assert err.value.details["known"] == ["a"]


def test_default_is_own_host_when_served_else_the_single_one(hosts: Hosts) -> None:
    with pytest.raises(InvalidRequest, match="no worker has announced itself"):
        hosts.choose(None, own="api")
    hosts.beat("gpu")
    assert hosts.choose(None, own="api") == "gpu"  # the compose case: API named by container id
    assert hosts.choose("", own="api") == "gpu"
    hosts.beat("api")
    assert hosts.choose(None, own="api") == "api"
    hosts.beat("api", at=time.time() - 60)
    hosts.beat("cpu")
    with pytest.raises(InvalidRequest, match=r"choose a host: 2 hosts have workers \(cpu, gpu\)"):
        hosts.choose(None, own="api")


def test_default_to_the_only_known_host_says_it_is_offline(hosts: Hosts) -> None:
    hosts.beat("gpu", at=time.time() - 60)
    with pytest.raises(InvalidRequest, match="host 'gpu' is offline"):
        hosts.choose(None, own="api")


def test_reading_accepts_an_offline_host_and_guesses_a_default(hosts: Hosts) -> None:
    hosts.beat("gpu", at=time.time() - 60)
    assert hosts.choose_to_read("gpu", own="api") == "gpu"
    assert hosts.choose_to_read(None, own="api") == "api"
    hosts.beat("cpu")
    assert hosts.choose_to_read(None, own="api") == "cpu"
    with pytest.raises(InvalidRequest, match="unknown host"):
        hosts.choose_to_read("zz", own="api")
