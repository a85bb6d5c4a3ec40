from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from roundhouse.core.errors import Cancelled, InvalidRequest, ProviderError
from roundhouse.providers.ollama import (
    OllamaClient,
    blob_exists,
    create_from_blob,
    file_digest,
    import_gguf,
    push_blob,
    supports_files,
)
from tests.fakes.control import RecordingControl
from tests.fakes.ollama import FakeOllama

GGUF = b"GGUF" + (3).to_bytes(4, "little") + bytes(16) + b"x" * 3_000_000


def write(tmp_path: Path, data: bytes = GGUF, name: str = "tiny-Q4_K_M.gguf") -> tuple[Path, str]:
    path = tmp_path / name
    path.write_bytes(data)
    return path, "sha256:" + hashlib.sha256(data).hexdigest()


def test_file_digest_streams_and_reports(tmp_path: Path) -> None:
    path, digest = write(tmp_path)
    control = RecordingControl()
    assert file_digest(path, control) == digest
    assert control.last["done"] == control.last["total"] == len(GGUF)


def test_push_then_create_then_listed(tmp_path: Path) -> None:
    path, digest = write(tmp_path)
    with FakeOllama() as srv:
        client, control = OllamaClient(srv.url), RecordingControl()
        assert not blob_exists(client, digest)
        assert push_blob(client, path, digest, control) is True
        assert blob_exists(client, digest)
        assert push_blob(client, path, digest, control) is False  # HEAD first: no second upload
        assert srv.state.uploaded_bytes == len(GGUF)
        result = create_from_blob(client, "Tiny", path.name, digest, control)
        assert client.has("tiny:latest")
    uploads = [r["done"] for r in control.reports if r["stage"] == "uploading" and r["done"]]
    assert uploads == sorted(uploads) and uploads[-1] == len(GGUF)
    assert result["model"] == "Tiny:latest"
    assert result["statuses"][0] == "parsing GGUF" and result["statuses"][-1] == "success"


def test_mismatched_digest_is_refused(tmp_path: Path) -> None:
    path, _ = write(tmp_path)
    wrong = "sha256:" + "0" * 64
    with FakeOllama() as srv, pytest.raises(ProviderError) as caught:
        push_blob(OllamaClient(srv.url), path, wrong, RecordingControl())
    assert "digest mismatch" in caught.value.message


def test_upload_stops_on_cancel(tmp_path: Path) -> None:
    path, digest = write(tmp_path)
    with FakeOllama() as srv:
        client = OllamaClient(srv.url)
        with pytest.raises(Cancelled):
            push_blob(client, path, digest, RecordingControl(cancel_after_checks=1))
        assert not blob_exists(client, digest)


def test_not_a_gguf_fails_in_band(tmp_path: Path) -> None:
    path, digest = write(tmp_path, b"not a model at all")
    with FakeOllama() as srv:
        client = OllamaClient(srv.url)
        push_blob(client, path, digest, RecordingControl())
        with pytest.raises(ProviderError) as caught:
            create_from_blob(client, "junk", path.name, digest, RecordingControl())
    assert "not in GGUF format" in caught.value.message


def test_create_without_the_blob_fails_in_band() -> None:
    with FakeOllama() as srv, pytest.raises(ProviderError) as caught:
        create_from_blob(
            OllamaClient(srv.url), "m", "m.gguf", "sha256:" + "a" * 64, RecordingControl()
        )
    assert "no such file or directory" in caught.value.message


def test_old_server_gets_a_modelfile(tmp_path: Path) -> None:
    path, digest = write(tmp_path)
    with FakeOllama(version="0.5.4") as srv:
        result = import_gguf(OllamaClient(srv.url), path, "old-style", RecordingControl())
        assert srv.snapshot()["installed"] == ["old-style:latest"]
    assert result["uploaded"] and result["digest"] == digest


def test_bad_file_name_and_digest_are_invalid() -> None:
    with FakeOllama() as srv:
        client = OllamaClient(srv.url)
        with pytest.raises(InvalidRequest):
            create_from_blob(client, "m", "../m.gguf", "sha256:" + "a" * 64, RecordingControl())
        with pytest.raises(InvalidRequest):
            blob_exists(client, "md5:abc")


@pytest.mark.parametrize(
    ("version", "expected"), [("0.5.4", False), ("0.5.5", True), ("0.12.3", True), ("0.0.0", True)]
)
def test_files_form_from_version(version: str, expected: bool) -> None:
    assert supports_files(version) is expected
