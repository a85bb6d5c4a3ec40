"""Settings read from the environment: typos stop start-up with the variable's name."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from roundhouse.core import settings as settings_mod
from roundhouse.core.settings import Settings, SettingsError


def build(tmp_path: Path, **env: str) -> Settings:
    return Settings.from_env({"ROUNDHOUSE_ENV_FILE": str(tmp_path / "none.env"), **env})


@pytest.mark.parametrize("raw,want", [("true", True), ("On", True), ("0", False), ("", False)])
def test_booleans_accept_the_usual_words(tmp_path: Path, raw: str, want: bool) -> None:
    assert build(tmp_path, ROUNDHOUSE_OPEN_READS=raw).open_reads is want


def test_a_mistyped_boolean_names_the_variable_and_the_words(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as e:
        build(tmp_path, ROUNDHOUSE_OPEN_READS="ture")
    assert e.value.variable == "ROUNDHOUSE_OPEN_READS"
    assert "ROUNDHOUSE_OPEN_READS='ture'" in str(e.value)
    assert "true" in str(e.value) and "false" in str(e.value)


@pytest.mark.parametrize(
    "name,raw,words",
    [
        ("ROUNDHOUSE_PORT", "80a", "whole number from 1 to 65535"),
        ("ROUNDHOUSE_PORT", "70000", "whole number from 1 to 65535"),
        ("ROUNDHOUSE_WORKER_CONCURRENCY", "-3", "whole number from 1 up"),
        ("ROUNDHOUSE_STALE_AFTER_S", "soon", "number from 0 up"),
        ("ROUNDHOUSE_STALE_AFTER_S", "nan", "number from 0 up"),
    ],
)
def test_bad_numbers_name_the_variable_and_the_range(
    tmp_path: Path, name: str, raw: str, words: str
) -> None:
    with pytest.raises(SettingsError, match=name) as e:
        build(tmp_path, **{name: raw})
    assert words in str(e.value)


def test_good_values_and_original_names_still_work(tmp_path: Path) -> None:
    s = build(
        tmp_path,
        ROUNDHOUSE_PORT="8100",
        ROUNDHOUSE_WORKER_CONCURRENCY="2",
        ROUNDHOUSE_DISK_FLOOR="-1",
        ROUNDHOUSE_STALE_AFTER_S="2.5",
        ROUNDHOUSE_ALLOWED_ORIGINS="http://a, http://b",
        REDIS_URL="redis://127.0.0.1:1/0",
        OLLAMA_BASE_URL="http://127.0.0.1:2",
        LLM_PROVIDER="ollama",
        ROUNDHOUSE_HOST_OFFLINE_S="9",
        ROUNDHOUSE_MEDIA_MAX_BYTES="",  # blank: the default
    )
    assert (s.port, s.worker_concurrency, s.disk_floor, s.stale_after_s) == (8100, 2, -1, 2.5)
    assert s.allowed_origins == ("http://a", "http://b")
    assert (s.redis_url, s.ollama_base_url, s.llm_provider) == (
        "redis://127.0.0.1:1/0",
        "http://127.0.0.1:2",
        "ollama",
    )
    assert s.host_offline_after_s == 9.0
    assert s.media_max_bytes == Settings.media_max_bytes


def test_a_bad_value_in_the_env_file_is_caught_too(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("ROUNDHOUSE_WORKER_CONCURRENCY=four\n")
    with pytest.raises(SettingsError, match="ROUNDHOUSE_WORKER_CONCURRENCY"):
        Settings.from_env({"ROUNDHOUSE_ENV_FILE": str(env_file)})


def test_unknown_roundhouse_names_warn_once_with_the_nearest(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings_mod, "_warned", set())
    caplog.set_level(logging.WARNING, logger="roundhouse.settings")
    for _ in range(2):
        build(tmp_path, ROUNDHOUSE_PORTT="9000", ROUNDHOUSE_ZZZ="1", ROUNDHOUSE_URL="http://x")
    notes = [r.getMessage() for r in caplog.records]
    assert notes == [
        "ROUNDHOUSE_PORTT is not a Roundhouse setting; did you mean ROUNDHOUSE_PORT?",
        "ROUNDHOUSE_ZZZ is not a Roundhouse setting and is ignored.",
    ]
