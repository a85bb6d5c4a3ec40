"""What providers exist per role, their other names, defaults and addresses: pure data and
functions over Settings, no Redis (the store is in core/active_providers.py)."""

from __future__ import annotations

from dataclasses import dataclass

from roundhouse.core.errors import InvalidRequest
from roundhouse.core.settings import Settings

ROLES: dict[str, tuple[str, ...]] = {
    "llm": ("openai", "ollama", "lmstudio", "openai-compatible", "llamacpp"),
    "image": ("dalle", "flux"),
    "vision": ("gpt-vision", "local"),
}
#: Names people (and the original system) also use, mapped to ours.
ALIASES = {
    "lm_studio": "lmstudio",
    "lm-studio": "lmstudio",
    "compat": "openai-compatible",
    "openai_compatible": "openai-compatible",
    "dall-e": "dalle",
    "openai-image": "dalle",
    "gpt_vision": "gpt-vision",
    "openai-vision": "gpt-vision",
    "clip": "local",
    "local-vision": "local",
    "llama.cpp": "llamacpp",
    "llama-cpp": "llamacpp",
    "llama_cpp": "llamacpp",
}
#: The health-checked service each provider runs on (names as in providers/health.py).
SERVICE = {
    "openai": "openai",
    "dalle": "openai",
    "gpt-vision": "openai",
    "ollama": "ollama",
    "lmstudio": "lmstudio",
    "openai-compatible": "openai-compatible",
    "llamacpp": "llamacpp",
    "flux": "flux",
    "local": "vision",
}
#: Providers that run in the cloud; everything else runs on a machine of ours (orange badge).
CLOUD = frozenset({"openai", "dalle", "gpt-vision"})


def canonical(role: str, provider: str) -> str:
    """Our name for `provider` in `role`, or a 400 listing the valid ones."""
    if role not in ROLES:
        raise InvalidRequest(f"Unknown role {role!r}.", hint="Roles: " + ", ".join(ROLES))
    name = ALIASES.get(provider.strip().lower(), provider.strip().lower())
    if role == "vision" and name == "openai":
        name = "gpt-vision"
    if role == "image" and name == "openai":
        name = "dalle"
    if name not in ROLES[role]:
        raise InvalidRequest(
            f"Unknown {role} provider {provider!r}.",
            hint=f"{role} providers: " + ", ".join(ROLES[role]),
        )
    return name


def default_model(settings: Settings, role: str, provider: str) -> str:
    by_provider = {
        "openai": settings.openai_model,
        "ollama": settings.ollama_model,
        "lmstudio": settings.lmstudio_model,
        "openai-compatible": settings.compat_model,
        "llamacpp": settings.llamacpp_model,
        "dalle": settings.image_model,
        "flux": settings.flux_model,
        "gpt-vision": settings.vision_model,
        "local": "clip",
    }
    if role == "llm" and settings.llm_model and provider == canonical("llm", settings.llm_provider):
        return settings.llm_model
    return by_provider[provider]


def base_url(settings: Settings, provider: str) -> str:
    return {
        "openai": settings.openai_base_url,
        "dalle": settings.openai_base_url,
        "gpt-vision": settings.openai_base_url,
        "ollama": settings.ollama_base_url,
        "lmstudio": settings.lmstudio_base_url,
        "openai-compatible": settings.compat_base_url,
        "llamacpp": settings.llamacpp_base_url,
        "flux": settings.flux_api_url,
        "local": settings.local_vision_api_url,
    }[provider]


@dataclass(frozen=True)
class Choice:
    provider: str
    model: str


def env_values(role: str, choice: Choice) -> dict[str, str]:
    """The `.env` lines that make `choice` the default for `role` after a restart."""
    if role == "llm":
        return {"LLM_PROVIDER": choice.provider, "LLM_MODEL": choice.model}
    if role == "image":
        model_key = "FLUX_MODEL" if choice.provider == "flux" else "IMAGE_MODEL"
        return {"IMAGE_PROVIDER": choice.provider, model_key: choice.model}
    out = {"VISION_PROVIDER": choice.provider}
    if choice.provider == "gpt-vision":
        out["VISION_MODEL"] = choice.model
    return out
