"""Regular (non-LFS) repo files: resolved with their git blob sha1, downloaded and verified."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from roundhouse.core.errors import InvalidRequest, ProviderError
from roundhouse.providers.hf import download, download_files, resolve_file, validate_repo_path
from roundhouse.providers.hf.partfile import PartFile
from roundhouse.providers.hf.refs import validate_filename
from tests.fakes.hub import FakeHub
from tests.unit.providers.test_hf_download import Control

REPO = "org/Tiny-Flux"
CONFIG = json.dumps({"architectures": ["Tiny"], "hidden_size": 64}, indent=2).encode() * 40
WEIGHTS = bytes(range(256)) * 2000


def git_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    with FakeHub() as hub:
        hub.add_file(REPO, "config.json", CONFIG)
        hub.add_file(REPO, "transformer/model.safetensors", WEIGHTS)
        yield hub


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(follow_redirects=True) as c:
        yield c


@pytest.mark.parametrize(
    "path", ["model.safetensors", "config.json", "text_encoder/model.safetensors", "README"]
)
def test_repo_paths_of_any_kind_are_accepted(path: str) -> None:
    assert validate_repo_path(path) == path


@pytest.mark.parametrize(
    ("path", "rule"),
    [
        ("/etc/passwd", "absolute"),
        ("../config.json", "'..'"),
        ("a/../../x.safetensors", "'..'"),
        ("a/./x.json", "'.'"),
        ("a//x.json", "empty"),
        ("a\\x.json", "backslashes"),
        ("x\x00.json", "control"),
        ("x" * 300, "longer than"),
        ("", "empty"),
    ],
)
def test_repo_path_escapes_are_refused(path: str, rule: str) -> None:
    with pytest.raises(InvalidRequest) as err:
        validate_repo_path(path)
    assert rule in err.value.message


def test_filenames_still_need_gguf() -> None:
    with pytest.raises(InvalidRequest, match="must end with .gguf"):
        validate_filename("model.safetensors")
    with pytest.raises(InvalidRequest, match="'..'"):
        validate_filename("../x.gguf")


def test_a_regular_file_resolves_with_its_git_sha1(hub: FakeHub) -> None:
    r = resolve_file(REPO, "config.json", endpoint=hub.url)
    assert (r.sha256, r.git_sha1, r.size) == (None, git_sha1(CONFIG), len(CONFIG))
    assert r.url.startswith(hub.url)  # served by the hub itself, not the CDN
    lfs = resolve_file(REPO, "transformer/model.safetensors", endpoint=hub.url)
    assert (lfs.sha256, lfs.git_sha1) == (hashlib.sha256(WEIGHTS).hexdigest(), None)


def test_a_regular_file_downloads_verified(hub: FakeHub, client: httpx.Client, tmp_path: Path):
    remote = resolve_file(REPO, "config.json", endpoint=hub.url)
    path = download(remote, tmp_path, Control(), client=client, backoff=0.01)
    assert path == tmp_path / "config.json" and path.read_bytes() == CONFIG
    assert not PartFile(path).path.exists() and not PartFile(path).sidecar.exists()
    # already there and still matching: nothing fetched again
    before = hub.bytes_served("config.json")
    download(remote, tmp_path, Control(), client=client)
    assert hub.bytes_served("config.json") == before


def test_a_wrong_byte_in_a_regular_file_is_caught(
    hub: FakeHub, client: httpx.Client, tmp_path: Path
) -> None:
    hub.serve_wrong_bytes("config.json")
    remote = resolve_file(REPO, "config.json", endpoint=hub.url)
    with pytest.raises(ProviderError, match="git sha1 mismatch.*partial file was deleted"):
        download(remote, tmp_path, Control(), client=client, backoff=0.01)
    assert list(tmp_path.iterdir()) == []


def test_a_wrong_size_is_caught_when_no_hash_is_known(
    hub: FakeHub, client: httpx.Client, tmp_path: Path
) -> None:
    remote = resolve_file(REPO, "config.json", endpoint=hub.url)
    shorter = type(remote)(**{**remote.to_dict(), "git_sha1": None, "size": remote.size - 1})
    with pytest.raises(ProviderError, match="size mismatch"):
        download(shorter, tmp_path, Control(), client=client, backoff=0.01)
    assert list(tmp_path.iterdir()) == []


def test_a_stale_regular_part_is_restarted_and_verified(
    hub: FakeHub, client: httpx.Client, tmp_path: Path
) -> None:
    """A part of a regular file resumes; the hub ignores Range (200), so it restarts cleanly."""
    remote = resolve_file(REPO, "config.json", endpoint=hub.url)
    part = PartFile(tmp_path / "config.json")
    part.open(remote)
    part.handle.write(CONFIG[:100])
    part.close()
    path = download(remote, tmp_path, Control(), client=client, backoff=0.01)
    assert path.read_bytes() == CONFIG


def test_download_files_of_weights_and_config_has_one_bar(
    hub: FakeHub, client: httpx.Client, tmp_path: Path
) -> None:
    names = ["transformer/model.safetensors", "config.json"]
    remotes = [resolve_file(REPO, n, endpoint=hub.url) for n in names]
    control = Control()
    paths = download_files(remotes, tmp_path, control, client=client, backoff=0.01)
    assert [p.read_bytes() for p in paths] == [WEIGHTS, CONFIG]
    totals = {r["total"] for r in control.reports}
    assert totals == {len(WEIGHTS) + len(CONFIG)}
    assert control.done == sorted(control.done) and control.done[-1] == len(WEIGHTS) + len(CONFIG)
