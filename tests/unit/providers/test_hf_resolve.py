from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from huggingface_hub import hf_hub_download

from roundhouse.core.errors import Forbidden, NotFound, ProviderError, Unavailable
from roundhouse.providers.hf import list_files, resolve_file
from tests.fakes.gguf_bytes import gguf_bytes
from tests.fakes.hub import FakeHub

REPO, FILE = "org/Tiny-GGUF", "Tiny-Q4_K_M.gguf"
DATA = gguf_bytes(300_000)


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    with FakeHub() as hub:
        hub.add_file(REPO, FILE, DATA)
        hub.add_file(REPO, "Q8_0/Tiny-Q8_0-00001-of-00002.gguf", DATA[:5000])
        hub.add_file(REPO, "README.md", b"# Tiny\n")
        yield hub


def test_resolve_gives_size_sha_commit_and_cdn_url(hub: FakeHub) -> None:
    r = resolve_file(REPO, FILE, endpoint=hub.url)
    assert r.size == len(DATA)
    assert r.sha256 == hashlib.sha256(DATA).hexdigest()
    assert r.commit == hub.repos[REPO].commit
    assert r.url.startswith(hub.cdn_url)
    assert resolve_file(REPO, FILE, endpoint=hub.url, revision=r.commit).sha256 == r.sha256


def test_list_files_has_sizes_and_lfs_sha(hub: FakeHub) -> None:
    listing = list_files(REPO, endpoint=hub.url)
    by_path = {f.path: f for f in listing.files}
    assert by_path[FILE].size == len(DATA)
    assert by_path[FILE].sha256 == hashlib.sha256(DATA).hexdigest()
    assert by_path["README.md"].sha256 is None
    assert "Q8_0/Tiny-Q8_0-00001-of-00002.gguf" in listing.names
    assert listing.commit == hub.repos[REPO].commit


@pytest.mark.parametrize("token", [None, "some-token"])
def test_missing_repo_is_not_found(hub: FakeHub, token: str | None) -> None:
    with pytest.raises(NotFound, match="repository org/Nope was not found") as err:
        resolve_file("org/Nope", FILE, endpoint=hub.url, token=token)
    assert "HF_TOKEN" in (err.value.hint or "")
    with pytest.raises(NotFound):
        list_files("org/Nope", endpoint=hub.url, token=token)


def test_private_repo_needs_its_token(hub: FakeHub) -> None:
    hub.make_private(REPO, {"secret"})
    with pytest.raises(NotFound):
        resolve_file(REPO, FILE, endpoint=hub.url)
    assert resolve_file(REPO, FILE, endpoint=hub.url, token="secret").size == len(DATA)


@pytest.mark.parametrize("token", [None, "not-approved"])
def test_gated_repo_says_accept_licence(hub: FakeHub, token: str | None) -> None:
    hub.gate(REPO, {"approved"})
    with pytest.raises(Forbidden, match="gated") as err:
        resolve_file(REPO, FILE, endpoint=hub.url, token=token)
    assert "accept the licence" in err.value.hint and "HF_TOKEN" in err.value.hint
    assert list_files(REPO, endpoint=hub.url).gated == "manual"
    assert resolve_file(REPO, FILE, endpoint=hub.url, token="approved").size == len(DATA)


def test_missing_file_and_revision(hub: FakeHub) -> None:
    with pytest.raises(NotFound, match="Other-Q2_K.gguf is not in"):
        resolve_file(REPO, "Other-Q2_K.gguf", endpoint=hub.url)
    with pytest.raises(NotFound, match="revision 'v9' does not exist"):
        resolve_file(REPO, FILE, endpoint=hub.url, revision="v9")
    with pytest.raises(NotFound, match="revision"):
        list_files(REPO, endpoint=hub.url, revision="v9")


def test_hub_down_or_busy_is_unavailable(hub: FakeHub) -> None:
    hub.fail_next(1, 503, where="hub")
    with pytest.raises(Unavailable, match="HTTP 503"):
        resolve_file(REPO, FILE, endpoint=hub.url)
    with pytest.raises(Unavailable, match="cannot reach"):
        resolve_file(REPO, FILE, endpoint="http://127.0.0.1:9", timeout=2)


def test_not_a_hub(hub: FakeHub) -> None:
    with pytest.raises(ProviderError, match="HTTP 404"):
        resolve_file(REPO, FILE, endpoint=hub.cdn_url)


def test_official_client_downloads_from_the_fake(hub: FakeHub, tmp_path: Path) -> None:
    hub.drop_after(100_000)  # hf_hub_download retries within its call (from its last 10 MiB step)
    path = hf_hub_download(REPO, FILE, endpoint=hub.url, cache_dir=tmp_path, token=False)
    assert Path(path).read_bytes() == DATA
    assert len(hub.range_requests(FILE)) == 2
    readme = hf_hub_download(REPO, "README.md", endpoint=hub.url, cache_dir=tmp_path, token=False)
    assert Path(readme).read_bytes() == b"# Tiny\n"
