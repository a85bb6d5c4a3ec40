"""Linux network namespaces for the many-hosts tests: one bridge, one veth per host, all undone.

Everything is named `rh<tag>...` with a random tag, so runs side by side never meet, and the
addresses are a private /24 picked so that it overlaps no route of this machine.
"""

from __future__ import annotations

import ipaddress
import os
import random
import subprocess
from dataclasses import dataclass, field


class NotPermitted(Exception):
    """This machine (or user) may not create network namespaces."""


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check, timeout=20)


def probe() -> str | None:
    """None when namespaces can be made here, else the reason they cannot."""
    name = f"rhprobe{os.getpid()}"
    try:
        done = ip("netns", "add", name, check=False)
    except FileNotFoundError:
        return "the `ip` command (iproute2) is not installed"
    if done.returncode != 0:
        return f"`ip netns add` is not permitted here: {done.stderr.strip()}"
    ip("netns", "del", name, check=False)
    return None


def _used_networks() -> list[ipaddress.IPv4Network]:
    out = ip("-4", "route", "show", "table", "all").stdout.split()
    nets = []
    for word in out:
        try:
            nets.append(ipaddress.ip_network(word, strict=False))
        except ValueError:
            continue
    return [n for n in nets if n.version == 4 and n.prefixlen > 0]


def pick_subnet() -> ipaddress.IPv4Network:
    used = _used_networks()
    for _ in range(200):
        net = ipaddress.ip_network(f"10.{random.randint(100, 250)}.{random.randint(0, 255)}.0/24")
        if not any(net.overlaps(u) for u in used):
            return net
    raise RuntimeError("no free private /24 found for the test network")


@dataclass
class Net:
    """A bridge in this namespace (address .1) and one namespace per host joined to it."""

    tag: str = field(default_factory=lambda: f"{random.getrandbits(16):04x}")
    subnet: ipaddress.IPv4Network = field(default_factory=pick_subnet)
    hosts: dict[str, str] = field(default_factory=dict)  # host name -> its address
    _links: dict[str, str] = field(default_factory=dict)  # host name -> our end of its veth

    @property
    def bridge(self) -> str:
        return f"rh{self.tag}br"

    @property
    def gateway(self) -> str:
        return str(self.subnet.network_address + 1)

    def ns(self, host: str) -> str:
        return f"rh{self.tag}-{host}"

    def create_bridge(self) -> None:
        ip("link", "add", self.bridge, "type", "bridge")
        ip("addr", "add", f"{self.gateway}/{self.subnet.prefixlen}", "dev", self.bridge)
        ip("link", "set", self.bridge, "up")

    def add_host(self, host: str) -> str:
        """A namespace with loopback up and a veth to the bridge; returns its address."""
        n = len(self.hosts) + 2
        addr = str(self.subnet.network_address + n)
        ns, ours, theirs = self.ns(host), f"rh{self.tag}h{n}", f"rh{self.tag}p{n}"
        ip("netns", "add", ns)
        self.hosts[host] = addr
        ip("link", "add", ours, "type", "veth", "peer", "name", theirs)
        self._links[host] = ours
        ip("link", "set", theirs, "netns", ns)
        ip("-n", ns, "link", "set", theirs, "name", "eth0")
        ip("-n", ns, "addr", "add", f"{addr}/{self.subnet.prefixlen}", "dev", "eth0")
        ip("-n", ns, "link", "set", "lo", "up")
        ip("-n", ns, "link", "set", "eth0", "up")
        ip("link", "set", ours, "master", self.bridge)
        ip("link", "set", ours, "up")
        return addr

    def cut(self, host: str) -> None:
        """Take the host off the network (packets dropped, no reset), as a pulled cable."""
        ip("link", "set", self._links[host], "down")

    def restore(self, host: str) -> None:
        ip("link", "set", self._links[host], "up")

    def pids(self, host: str) -> list[int]:
        out = ip("netns", "pids", self.ns(host), check=False).stdout.split()
        return [int(p) for p in out if p.isdigit()]

    def leftovers(self) -> list[str]:
        """Every namespace and link of this net still on the machine (empty after teardown)."""
        prefix = f"rh{self.tag}"
        names = ip("netns", "list").stdout.split()
        links = [
            line.split(":")[1].strip().split("@")[0]
            for line in ip("-o", "link").stdout.splitlines()
            if ":" in line
        ]
        return [n for n in names + links if n.startswith(prefix)]

    def teardown(self) -> None:
        """Delete namespaces and links (the caller has ended every process inside first)."""
        for host in list(self.hosts):
            ip("netns", "del", self.ns(host), check=False)
        for link in self._links.values():
            ip("link", "del", link, check=False)
        ip("link", "del", self.bridge, check=False)
