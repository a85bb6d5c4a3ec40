"""The provider snapshot a job takes once at start: which provider, model and URL per role.

Shape (every URL and key comes from here, never from the environment)::

    {
      "llm":    {"provider": "ollama", "model": "llama3.2", "base_url": "http://127.0.0.1:11434"},
      "image":  {"provider": "flux", "model": "flux-schnell", "base_url": "http://127.0.0.1:8001"},
      "vision": {"provider": "local", "base_url": "http://127.0.0.1:8002"},
      "openai": {"api_key": "sk-...", "base_url": "https://api.openai.com/v1"},
      "version": 7
    }

Providers per role: llm in LLM_PROVIDERS, image in IMAGE_PROVIDERS, vision in VISION_PROVIDERS.
A role may also carry `api_key` and `timeout_s`. The OpenAI roles (llm "openai", image "dalle",
vision "gpt-vision") take `api_key`/`base_url` from the role first, then from "openai".
`base_url` and `model` fall back to DEFAULT_URLS / DEFAULT_MODELS where a default makes sense.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

from roundhouse.core.connection_specs import fix_url, give_key


class RoleConfig(TypedDict):
    """One role's choice: which provider, which model, where it listens."""

    provider: str
    model: NotRequired[str]
    base_url: NotRequired[str]
    api_key: NotRequired[str]
    timeout_s: NotRequired[float]


class OpenAIConfig(TypedDict, total=False):
    """Credentials shared by every OpenAI role."""

    api_key: str
    base_url: str


class Snapshot(TypedDict, total=False):
    """What `providers.current()` returns; `version` goes on the job record."""

    llm: RoleConfig
    image: RoleConfig
    vision: RoleConfig
    openai: OpenAIConfig
    version: int


LLM_PROVIDERS = ("openai", "ollama", "lmstudio", "openai-compatible", "llamacpp")
IMAGE_PROVIDERS = ("dalle", "flux")
VISION_PROVIDERS = ("gpt-vision", "local")
OPENAI_PROVIDERS = frozenset({"openai", "dalle", "gpt-vision"})

OPENAI_URL = "https://api.openai.com/v1"
DEFAULT_URLS = {
    "openai": OPENAI_URL,
    "dalle": OPENAI_URL,
    "gpt-vision": OPENAI_URL,
    "ollama": "http://127.0.0.1:11434",
    "lmstudio": "http://127.0.0.1:1234",
    "llamacpp": "http://127.0.0.1:8091",
    "flux": "http://127.0.0.1:8001",
    "local": "http://127.0.0.1:8002",
}
DEFAULT_MODELS = {
    "openai": "gpt-4o-mini",
    "dalle": "dall-e-3",
    "gpt-vision": "gpt-4o-mini",
    "flux": "flux-schnell",
    "local": "clip",
}
DEFAULT_TIMEOUTS = {"llm": 120.0, "image": 180.0, "vision": 60.0}

# The name a user reads in an error message, and what to do when that service is down.
DISPLAY = {
    "openai": "OpenAI",
    "dalle": "DALL-E",
    "gpt-vision": "GPT vision",
    "ollama": "Ollama",
    "lmstudio": "LM Studio",
    "openai-compatible": "OpenAI-compatible server",
    "llamacpp": "llama.cpp",
    "flux": "Flux",
    "local": "local vision service",
}
HINTS = {
    "openai": "check your network; " + give_key("openai"),
    "dalle": "check your network; " + give_key("openai"),
    "gpt-vision": "check your network; " + give_key("openai"),
    "ollama": "start Ollama (`ollama serve`, or the 'ollama' service), or " + fix_url("ollama"),
    "lmstudio": "start the LM Studio server (`lms server start`), or " + fix_url("lmstudio"),
    "openai-compatible": "start the OpenAI-compatible server, or " + fix_url("openai-compatible"),
    "llamacpp": "start llama.cpp on a GGUF (`roundhouse services start llamacpp --model ...`)",
    "flux": "start the Flux service (services/start 'flux'), or " + fix_url("flux"),
    "local": "start the local vision service (services/start 'vision'), or " + fix_url("vision"),
}
