from __future__ import annotations

from pathlib import Path

import pytest

from roundhouse.core.errors import InvalidRequest
from roundhouse.providers.gguf import check_split, read_summary
from tests.fakes.gguf_bytes import corrupt, gguf_bytes, write_gguf


@pytest.mark.parametrize("version", [1, 2, 3])
def test_valid_header_summary(tmp_path: Path, version: int) -> None:
    path = tmp_path / "m.gguf"
    path.write_bytes(gguf_bytes(8192, version=version, arch="qwen2", name="Qwen Tiny"))
    s = read_summary(path)
    assert (s.version, s.architecture, s.name, s.tensor_count) == (version, "qwen2", "Qwen Tiny", 1)
    assert s.kv_count == 4


def test_big_file_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "big.gguf"
    write_gguf(path, 3 << 20, tensors=3)
    assert read_summary(path).tensor_count == 3
    assert path.stat().st_size == 3 << 20


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("magic", "magic is b'GGML'"),
        ("version", "version 99 is not supported"),
        ("truncated", "file ends inside"),
        ("no-arch", "no general.architecture"),
        ("huge-count", "implausible counts"),
    ],
)
def test_corrupt_files_say_what_is_wrong(tmp_path: Path, kind: str, reason: str) -> None:
    path = tmp_path / "bad.gguf"
    path.write_bytes(corrupt(kind))
    with pytest.raises(InvalidRequest) as err:
        read_summary(path)
    assert reason in err.value.message
    assert "bad.gguf" in err.value.message


def test_html_error_page_is_not_gguf(tmp_path: Path) -> None:
    path = tmp_path / "x.gguf"
    path.write_bytes(b"<!DOCTYPE html><html>Access denied</html>")
    with pytest.raises(InvalidRequest, match="not a GGUF file"):
        read_summary(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidRequest, match="cannot read"):
        read_summary(tmp_path / "nope.gguf")


def test_split_metadata_must_match_name(tmp_path: Path) -> None:
    path = tmp_path / "m-00002-of-00003.gguf"
    path.write_bytes(gguf_bytes(extra={"split.no": 1, "split.count": 3}))
    summary = read_summary(path)
    check_split(summary, 2, 3)
    with pytest.raises(InvalidRequest, match="part 2 of 3"):
        check_split(summary, 1, 3)
