"""The services Roundhouse may start, built only from settings values, never from requests."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from roundhouse.core.errors import InvalidRequest
from roundhouse.providers.llamacpp import engine as llamacpp_engine

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "0.0.0.0", "::"})

# The Settings fields build_specs reads; the job layer passes exactly these.
SPEC_FIELDS = (
    "ollama_command",
    "ollama_base_url",
    "lmstudio_command",
    "lmstudio_base_url",
    "flux_command",
    "flux_api_url",
    "vision_command",
    "local_vision_api_url",
    "compat_command",
    "compat_base_url",
    "llamacpp_command",
    "llamacpp_base_url",
    "data_dir",
    "service_start_deadline_s",
)
#: OpenMP threads that wait by sleeping: spinning ones, on a machine whose cores the workers
#: share, made a 10-token reply take 40-80 s instead of 2-4 s (2 threads, load ~50).
LLAMACPP_ENV = {"OMP_WAIT_POLICY": "PASSIVE"}
LLAMACPP_HINT = (
    "Set up llama.cpp once: `roundhouse services setup llamacpp` (or Set up on the Services "
    "page; it builds llama.cpp, ~5 min the first time), or set ROUNDHOUSE_LLAMACPP_COMMAND "
    "to a llama-server you have"
)


@dataclass(frozen=True)
class ServiceSpec:
    """One startable service: what to run, where it listens, how to tell it is healthy."""

    name: str
    title: str
    role: str  # the provider role it backs: llm | image | vision
    argv: tuple[str, ...]  # empty: no command configured
    host: str
    port: int
    base_url: str
    health_url: str
    start_deadline_s: float
    install_hint: str
    env: dict[str, str] = field(default_factory=dict)
    stop_argv: tuple[str, ...] = ()  # for launchers that hand the server to another process
    setting: str = ""  # the setting that holds the command, named in error messages
    url_setting: str = ""  # the setting that holds its address (and so its port)
    #: A healthy server already on the port counts as this service (not for llama.cpp, whose
    #: GGUF is chosen per start: a server it did not start serves who knows what).
    adopts: bool = True

    @property
    def configured(self) -> bool:
        """A service can be started only when a command and a URL are set."""
        return bool(self.argv) and bool(self.health_url)

    @property
    def local(self) -> bool:
        """Only services addressed on this machine can be started here."""
        return self.host in LOCAL_HOSTS


def split_url(url: str) -> tuple[str, int]:
    """Host and port of a base URL, with the scheme's default port when none is given."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.hostname or "", port


def openai_models_url(base_url: str) -> str:
    """`/v1/models` under a base URL given with or without its `/v1`."""
    base = base_url.rstrip("/")
    return f"{base}/models" if base.endswith("/v1") else f"{base}/v1/models"


def _argv(command: str) -> tuple[str, ...]:
    return tuple(shlex.split(command or ""))


def _lms_stop(argv: tuple[str, ...]) -> tuple[str, ...]:
    """`lms server start ...` hands the server to the LM Studio app; `lms server stop` ends it."""
    if len(argv) >= 3 and argv[1:3] == ("server", "start"):
        return (argv[0], "server", "stop")
    return ()


def _spec(
    name: str,
    title: str,
    role: str,
    command: str,
    base_url: str,
    health_url: str,
    deadline: float,
    hint: str,
    setting: str,
    *,
    env: dict[str, str] | None = None,
    stop_argv: tuple[str, ...] = (),
    url_setting: str = "",
) -> ServiceSpec:
    host, port = split_url(base_url) if base_url else ("", 0)
    return ServiceSpec(
        name=name,
        title=title,
        role=role,
        argv=_argv(command),
        host=host,
        port=port,
        base_url=base_url.rstrip("/"),
        health_url=health_url,
        start_deadline_s=deadline,
        install_hint=hint,
        env=env or {},
        stop_argv=stop_argv,
        setting=setting,
        url_setting=url_setting,
    )


def build_specs(
    *,
    ollama_command: str = "ollama serve",
    ollama_base_url: str = "http://127.0.0.1:11434",
    lmstudio_command: str = "lms server start",
    lmstudio_base_url: str = "http://127.0.0.1:1234",
    flux_command: str = "",
    flux_api_url: str = "http://127.0.0.1:8001",
    vision_command: str = "",
    local_vision_api_url: str = "http://127.0.0.1:8002",
    compat_command: str = "",
    compat_base_url: str = "",
    llamacpp_command: str = "",
    llamacpp_base_url: str = "http://127.0.0.1:8091",
    data_dir: Path = Path(".roundhouse"),
    service_start_deadline_s: float = 60.0,
) -> dict[str, ServiceSpec]:
    """Every service we know, keyed by name; commands come from settings only."""
    d = service_start_deadline_s
    ollama_host = "{}:{}".format(*split_url(ollama_base_url))
    lms_argv = _argv(lmstudio_command)
    specs = [
        _spec(
            "ollama",
            "Ollama",
            "llm",
            ollama_command,
            ollama_base_url,
            f"{ollama_base_url.rstrip('/')}/api/tags",
            d,
            "Install Ollama from https://ollama.com/download",
            "ROUNDHOUSE_OLLAMA_COMMAND",
            env={"OLLAMA_HOST": ollama_host},
            url_setting="OLLAMA_BASE_URL",
        ),
        _spec(
            "lmstudio",
            "LM Studio",
            "llm",
            lmstudio_command,
            lmstudio_base_url,
            openai_models_url(lmstudio_base_url),
            d,
            "Install LM Studio from https://lmstudio.ai and run it once so `lms` is on PATH",
            "ROUNDHOUSE_LMSTUDIO_COMMAND",
            stop_argv=_lms_stop(lms_argv),
            url_setting="LMSTUDIO_BASE_URL",
        ),
        _spec(
            "flux",
            "Flux image service",
            "image",
            flux_command,
            flux_api_url,
            f"{flux_api_url.rstrip('/')}/health",
            d,
            "Set ROUNDHOUSE_FLUX_COMMAND to the command that starts your Flux service",
            "ROUNDHOUSE_FLUX_COMMAND",
            url_setting="FLUX_API_URL",
        ),
        _spec(
            "vision",
            "Local vision service",
            "vision",
            vision_command,
            local_vision_api_url,
            f"{local_vision_api_url.rstrip('/')}/health",
            d,
            "Set ROUNDHOUSE_VISION_COMMAND to the command that starts your vision service",
            "ROUNDHOUSE_VISION_COMMAND",
            url_setting="LOCAL_VISION_API_URL",
        ),
        _spec(
            "openai-compatible",
            "OpenAI-compatible server",
            "llm",
            compat_command,
            compat_base_url,
            openai_models_url(compat_base_url) if compat_base_url else "",
            d,
            "Set ROUNDHOUSE_COMPAT_COMMAND (e.g. `llama-server -m model.gguf --port 8080`) "
            "and ROUNDHOUSE_COMPAT_BASE_URL",
            "ROUNDHOUSE_COMPAT_COMMAND",
            url_setting="ROUNDHOUSE_COMPAT_BASE_URL",
        ),
        _llamacpp(llamacpp_command, llamacpp_base_url, data_dir, d),
    ]
    return {spec.name: spec for spec in specs}


def _llamacpp(command: str, base_url: str, data_dir: Path, deadline: float) -> ServiceSpec:
    """llama.cpp: the engine's command without a model; each start adds the GGUF it serves."""
    spec = _spec(
        "llamacpp",
        "llama.cpp",
        "llm",
        "",
        base_url,
        openai_models_url(base_url),
        deadline,
        LLAMACPP_HINT,
        "ROUNDHOUSE_LLAMACPP_COMMAND",
        env=LLAMACPP_ENV,
        url_setting="ROUNDHOUSE_LLAMACPP_BASE_URL",
    )
    engine = llamacpp_engine.find(command, data_dir)
    return replace(spec, argv=engine.argv, adopts=False)


def lookup(catalog: dict[str, ServiceSpec], name: object) -> ServiceSpec:
    """The spec for a name from a request; anything outside the catalog is refused."""
    spec = catalog.get(name) if isinstance(name, str) else None
    if spec is None:
        known = ", ".join(sorted(catalog))
        raise InvalidRequest(
            f"unknown service {name!r}; known services: {known}", known=sorted(catalog)
        )
    return spec
