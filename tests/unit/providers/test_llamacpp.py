"""llama.cpp's provider pieces: which engine runs, its command line, the memory check, the
model list from download records, and the setup job's real venv + pip path (offline wheel)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from roundhouse.core.errors import Conflict, ProviderError
from roundhouse.providers.llamacpp import engine, memory, models, setup
from tests.fakes import llamacpp_wheel
from tests.fakes.control import RecordingControl
from tests.fakes.gguf_bytes import write_gguf

GEMMA = {  # gemma-3-270m's shape, as its GGUF header says
    "gemma3.block_count": 18,
    "gemma3.attention.head_count": 4,
    "gemma3.attention.head_count_kv": 1,
    "gemma3.attention.key_length": 256,
    "gemma3.embedding_length": 640,
}


def test_an_external_command_wins_then_the_venv_then_this_python(tmp_path: Path) -> None:
    ext = engine.find("/opt/llama/llama-server --verbose", tmp_path)
    assert ext.kind == "external" and ext.argv == ("/opt/llama/llama-server", "--verbose")
    site = engine.venv_dir(tmp_path) / "lib/python3.11/site-packages/llama_cpp/server"
    site.mkdir(parents=True)
    (site / "__main__.py").write_text("")
    venv = engine.find("", tmp_path)
    assert venv.kind == "venv" and venv.argv[1:] == ("-m", "llama_cpp.server")
    assert venv.argv[0] == str(engine.venv_python(tmp_path))
    here = engine.find("", tmp_path / "elsewhere")
    assert here.kind == ("here" if engine.here_has_server() else "none")
    assert here.argv[:1] == ((sys.executable,) if here.ready else ())


def test_serve_argv_speaks_each_engines_flags(tmp_path: Path) -> None:
    kw = {"host": "127.0.0.1", "port": 8091, "ctx": 2048, "threads": 2, "alias": "m"}
    ext = engine.serve_argv(engine.Engine("external", ("llama-server",), ""), Path("/m.gguf"), **kw)
    assert ext == (
        "llama-server",
        "-m",
        "/m.gguf",
        "--host",
        "127.0.0.1",
        "--port",
        "8091",
        "-c",
        "2048",
        "-t",
        "2",
        "--alias",
        "m",
    )
    py = engine.serve_argv(
        engine.Engine("venv", ("py", "-m", "llama_cpp.server"), ""), Path("/m.gguf"), **kw
    )
    assert py[3:] == (
        "--model",
        "/m.gguf",
        "--host",
        "127.0.0.1",
        "--port",
        "8091",
        "--n_ctx",
        "2048",
        "--n_threads",
        "2",
        "--model_alias",
        "m",
    )


def test_a_gemma_without_a_chat_template_is_told_its_format(tmp_path: Path) -> None:
    assert engine.chat_format("gemma3", has_template=False) == "gemma"
    assert engine.chat_format("gemma3", has_template=True) is None
    assert engine.chat_format("llama", has_template=False) is None
    kw = {"host": "h", "port": 1, "ctx": 1, "threads": 1, "alias": "m", "chat": "gemma"}
    ext = engine.serve_argv(engine.Engine("external", ("llama-server",), ""), Path("/m"), **kw)
    py = engine.serve_argv(engine.Engine("here", ("py",), ""), Path("/m"), **kw)
    assert ext[-2:] == ("--chat-template", "gemma") and py[-2:] == ("--chat_format", "gemma")


def test_kv_cache_follows_the_header_and_falls_back_per_token() -> None:
    assert memory.kv_bytes(GEMMA, "gemma3", 2048) == 2 * 18 * 2048 * 1 * 256 * 2  # 36 MiB
    assert memory.kv_bytes({}, "llama", 100) == 100 * memory.FALLBACK_PER_TOKEN


def test_too_big_for_free_memory_is_a_409_with_the_numbers() -> None:
    size = 253 * memory.MIB
    ok = memory.require_fit("gemma", size, GEMMA, "gemma3", 2048, free=2 << 30)
    assert ok["needed_bytes"] == size + 36 * memory.MIB + memory.OVERHEAD
    with pytest.raises(Conflict) as err:
        memory.require_fit("gemma", size, GEMMA, "gemma3", 2048, free=300 * memory.MIB)
    assert (
        "only 300 MiB are free" in err.value.message and "2048-token context" in err.value.message
    )
    assert err.value.details["free_bytes"] == 300 * memory.MIB
    assert "ROUNDHOUSE_LLAMACPP_CTX" in (err.value.hint or "")


def test_available_memory_is_read_from_meminfo(tmp_path: Path) -> None:
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal: 100 kB\nMemFree: 10 kB\nMemAvailable:   2048 kB\n")
    assert memory.available_bytes(meminfo) == 2048 * 1024


def record(tmp_path: Path, rid: str, repo: str, filename: str, host: str = "h") -> dict:
    path = tmp_path / rid / filename
    write_gguf(path, 4096)
    files = [{"filename": filename, "path": str(path), "size": 4096}]
    return {"id": rid, "host": host, "repo_id": repo, "files": files}


def test_the_model_list_is_the_ggufs_on_disk_on_that_host(tmp_path: Path) -> None:
    a = record(tmp_path, "a1", "org/Gemma-GGUF", "gemma-3-270m-it-Q4_K_M.gguf")
    b = record(tmp_path, "b2", "org/Split-GGUF", "big-Q8_0-00001-of-00002.gguf")
    gone = record(tmp_path, "c3", "org/Gone-GGUF", "gone.gguf")
    Path(gone["files"][0]["path"]).unlink()
    other = record(tmp_path, "d4", "org/Else-GGUF", "else.gguf", host="other")
    found = models.on_host([a, b, gone, other], "h")
    assert [m.name for m in found] == ["gemma-3-270m-it-Q4_K_M", "big-Q8_0"]
    for wanted in (
        "gemma-3-270m-it-Q4_K_M",
        "GEMMA-3-270M-IT-Q4_K_M.gguf",
        "a1",
        "org/Gemma-GGUF/gemma-3-270m-it-Q4_K_M.gguf",
    ):
        assert models.resolve(found, wanted).file_id == "a1"
    assert models.resolve(found, None).file_id == "a1"  # the newest
    assert models.resolve(found, None, default="big-Q8_0").file_id == "b2"


def test_a_file_not_on_disk_is_a_409_saying_how_to_install_it(tmp_path: Path) -> None:
    found = models.on_host([record(tmp_path, "a1", "org/G-GGUF", "g.gguf")], "h")
    with pytest.raises(Conflict) as err:
        models.resolve(found, "qwen2.5-0.5b")
    assert err.value.details["available"] == ["g"]
    assert "--to llamacpp" in (err.value.hint or "")
    with pytest.raises(Conflict, match="No GGUF file is downloaded"):
        models.resolve([], None)


def test_setup_builds_a_venv_and_reports_pips_lines(tmp_path: Path) -> None:
    wheel = llamacpp_wheel.build(tmp_path / "wheels")
    control = RecordingControl()
    out = setup.install(tmp_path / "data", str(wheel), "--no-index", control)
    venv = engine.venv_dir(tmp_path / "data")
    assert out["venv"] == str(venv) and engine.venv_has_server(venv)
    assert engine.find("", tmp_path / "data").kind == "venv"
    building = [r for r in control.reports if r["stage"] == setup.BUILD_STAGE]
    assert any(
        "Successfully installed fake-llama-cpp-1.0" in (r["message"] or "") for r in building
    ), building
    assert control.reports[-1]["stage"] == "ready" and control.reports[-1]["progress"] == 1.0


def test_a_failing_pip_fails_with_its_last_lines_and_leaves_no_venv(tmp_path: Path) -> None:
    with pytest.raises(ProviderError) as err:
        setup.install(tmp_path, "no-such-package-xyz==1", "--no-index", RecordingControl())
    assert "exit code" in err.value.message and "no-such-package-xyz" in err.value.message
    assert not engine.venv_has_server(engine.venv_dir(tmp_path))


def test_the_service_waits_passively_and_has_no_model_until_a_start_names_one(
    tmp_path: Path,
) -> None:
    from roundhouse.providers.services.specs import build_specs

    spec = build_specs(llamacpp_command="llama-server", data_dir=tmp_path)["llamacpp"]
    assert spec.env == {"OMP_WAIT_POLICY": "PASSIVE"}  # spinning threads starve a shared box
    assert spec.argv == ("llama-server",) and spec.health_url.endswith("/v1/models")
    assert spec.port == 8091 and spec.role == "llm"
