"""Every setting, read in one place: the environment, then an optional `.env`, then defaults."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from roundhouse.core.setting_values import SettingsError, convert, unknown

__all__ = ["Settings", "SettingsError"]
_warned: set[str] = set()


@dataclass(frozen=True)
class Settings:
    """Typed settings; `Settings.from_env()` builds them, tests build them directly."""

    # where things live
    redis_url: str = ""  # empty: `roundhouse up` starts a Redis server under data_dir
    key_prefix: str = "rh:"
    data_dir: Path = Path(".roundhouse")
    models_dir: Path = Path("")  # empty: data_dir/models
    media_dir: Path = Path("")  # empty: data_dir/media
    env_file: Path = Path(".env")
    hostname: str = field(default_factory=socket.gethostname)
    environment: str = "local"  # local | production

    # the API
    bind_host: str = "127.0.0.1"
    port: int = 8000
    api_token: str = ""
    log_format: str = "text"  # "json": one JSON object per line (API, workers, `roundhouse up`)
    open_reads: bool = False  # with a token set, may reads skip it?
    allowed_origins: tuple[str, ...] = ()
    max_body_bytes: int = 64 * 1024
    auth_failures_per_minute: int = 10  # wrong tokens per client address, then 429
    trusted_proxies: int = 0  # proxies in front whose X-Forwarded-For/-Proto are believed

    # jobs and events
    job_events_max: int = 2000
    feed_max: int = 20000
    job_retention_s: int = 7 * 24 * 3600
    progress_interval_s: float = 0.1
    heartbeat_interval_s: float = 1.0
    stale_after_s: float = 20.0
    watchdog_interval_s: float = 5.0
    worker_concurrency: int = 4
    host_offline_after_s: float = 30.0  # a host whose workers are silent this long is offline
    host_grace_s: float = 300.0  # a silent host's running jobs keep their claim this long
    host_forget_s: float = 7 * 24 * 3600.0  # a host silent this long is no longer listed
    wait_retry_s: float = 5.0  # a job waiting its turn (a download slot) looks again this often
    media_retention_days: float = 30.0  # beam images (and their job) are removed after this
    media_max_bytes: int = 8 * 1024 * 1024  # larger images stay on their host's disk only

    # providers (names kept from the original system)
    llm_provider: str = "openai"
    llm_model: str = ""
    openai_api_key: str = ""
    openai_base_url: str = "https://api.openai.com/v1"
    openai_model: str = "gpt-4o-mini"
    ollama_base_url: str = "http://127.0.0.1:11434"
    ollama_model: str = "llama3.2"
    ollama_max_pulls: int = 2
    ollama_stall_s: float = 120.0  # a pull with no line from Ollama this long fails
    lmstudio_base_url: str = "http://127.0.0.1:1234"
    lmstudio_model: str = ""
    lmstudio_models_dir: Path = Path("~/.lmstudio/models")
    compat_base_url: str = ""  # any OpenAI-compatible server (llama.cpp, vLLM, ...)
    compat_model: str = ""
    compat_api_key: str = ""  # the OpenAI-compatible server's key, if it wants one
    image_provider: str = "dalle"
    image_model: str = "dall-e-3"
    flux_api_url: str = "http://127.0.0.1:8001"
    flux_model: str = "flux-schnell"
    vision_provider: str = "gpt-vision"
    vision_model: str = "gpt-4o-mini"
    local_vision_api_url: str = "http://127.0.0.1:8002"
    health_timeout_s: float = 2.0
    health_ttl_s: float = 5.0
    verify_timeout_s: float = 15.0

    # Hugging Face
    hf_endpoint: str = "https://huggingface.co"
    hf_token: str = ""
    disk_margin_bytes: int = 512 * 1024 * 1024
    disk_floor: int = -1  # bytes a download leaves free; -1: max(1 GiB, 5 % of the disk)
    download_segments: int = 8  # ranges fetched at once for a large file; 1 turns it off
    download_segments_above: int = 256 * 1024 * 1024  # files smaller than this: one stream

    # local services: commands are settings, never request data
    ollama_command: str = "ollama serve"
    lmstudio_command: str = "lms server start"
    flux_command: str = ""
    vision_command: str = ""
    compat_command: str = ""
    service_start_deadline_s: float = 60.0

    # llama.cpp: the managed engine (a venv under data_dir) or an external llama-server
    llamacpp_command: str = ""  # e.g. "llama-server"; empty: the engine `services setup` built
    llamacpp_base_url: str = "http://127.0.0.1:8091"
    llamacpp_model: str = ""  # the GGUF served by default (file id or name)
    llamacpp_ctx: int = 2048  # context size: small, so a small model loads in little RAM
    llamacpp_threads: int = 0  # 0: one per core
    llamacpp_package: str = "llama-cpp-python[server]==0.3.36"
    llamacpp_pip_args: str = ""  # extra `pip install` arguments for the setup job
    # a portable build: -march=native can emit AMX/AVX-512 a VM or sandbox does not allow
    llamacpp_cmake_args: str = "-DGGML_NATIVE=OFF"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from the environment and `.env` (the environment wins).

        Raises SettingsError naming the variable when a value cannot be used."""
        env = dict(os.environ if env is None else env)
        env_file = Path(env.get("ROUNDHOUSE_ENV_FILE", ".env"))
        if env_file.is_file():
            for key, value in dotenv_values(env_file).items():
                if value is not None:
                    env.setdefault(key, value)
        values: dict[str, Any] = {"env_file": env_file}
        for f in fields(cls):
            found = _lookup(env, f.name)
            if found is not None and (found[1].strip() or f.type not in ("int", "float")):
                values[f.name] = convert(f.name, f.type, *found)
        _warn_unknown(env)
        values.update(overrides)
        return cls(**values).resolved()

    def resolved(self) -> Settings:
        """Fill the paths that default to places under data_dir."""
        data = self.data_dir.expanduser().resolve()
        return replace(
            self,
            data_dir=data,
            models_dir=(
                self.models_dir if str(self.models_dir) not in ("", ".") else data / "models"
            )
            .expanduser()
            .resolve(),
            media_dir=(self.media_dir if str(self.media_dir) not in ("", ".") else data / "media")
            .expanduser()
            .resolve(),
            lmstudio_models_dir=self.lmstudio_models_dir.expanduser(),
        )

    @property
    def host_queue(self) -> str:
        """The Celery queue for work bound to this machine's disk or processes."""
        return f"host.{self.hostname}"


# Names the original system used, mapped to our fields; everything else is ROUNDHOUSE_<FIELD>.
_ALIASES = {
    "redis_url": ("REDIS_URL",),
    "llm_provider": ("LLM_PROVIDER",),
    "llm_model": ("LLM_MODEL",),
    "openai_api_key": ("OPENAI_API_KEY",),
    "openai_base_url": ("OPENAI_BASE_URL",),
    "openai_model": ("OPENAI_MODEL",),
    "ollama_base_url": ("OLLAMA_BASE_URL",),
    "ollama_model": ("OLLAMA_MODEL",),
    "lmstudio_base_url": ("LMSTUDIO_BASE_URL", "LM_STUDIO_BASE_URL"),
    "lmstudio_model": ("LMSTUDIO_MODEL",),
    "lmstudio_models_dir": ("LMSTUDIO_MODELS_DIR",),
    "image_provider": ("IMAGE_PROVIDER",),
    "image_model": ("IMAGE_MODEL",),
    "flux_api_url": ("FLUX_API_URL",),
    "flux_model": ("FLUX_MODEL",),
    "vision_provider": ("VISION_PROVIDER",),
    "vision_model": ("VISION_MODEL",),
    "local_vision_api_url": ("LOCAL_VISION_API_URL",),
    "hf_endpoint": ("HF_ENDPOINT",),
    "hf_token": ("HF_TOKEN",),
    "environment": ("ROUNDHOUSE_ENV", "ENVIRONMENT"),
    "host_offline_after_s": ("ROUNDHOUSE_HOST_OFFLINE_S",),
}


# ROUNDHOUSE_* names read elsewhere: the `.env` path here, the CLI's server and config file.
_OTHER_NAMES = ("ROUNDHOUSE_ENV_FILE", "ROUNDHOUSE_URL", "ROUNDHOUSE_CONFIG")


def known_names() -> set[str]:
    """Every environment name Roundhouse reads."""
    names = {f"ROUNDHOUSE_{f.name.upper()}" for f in fields(Settings)}
    return names | {a for aliases in _ALIASES.values() for a in aliases} | set(_OTHER_NAMES)


def _warn_unknown(env: Mapping[str, str]) -> None:
    for note in unknown(env, known_names()):
        if note not in _warned:  # once per process, however often settings are read
            _warned.add(note)
            logging.getLogger("roundhouse.settings").warning(note)


def _lookup(env: Mapping[str, str], name: str) -> tuple[str, str] | None:
    for key in (f"ROUNDHOUSE_{name.upper()}", *_ALIASES.get(name, ())):
        if key in env:
            return key, env[key]
    return None
